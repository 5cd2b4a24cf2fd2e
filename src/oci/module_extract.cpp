// SPDX-License-Identifier: MIT
#include "oci/module_extract.h"

#include <map>

#include <nlohmann/json.hpp>

#include "oci/gzip.h"
#include "oci/tar.h"

namespace wb::oci {
namespace {

constexpr std::uint64_t kMaxLayerSize = 1ull << 30;

// The first element of config.Entrypoint (else of config.Cmd when it names a .wasm file).
std::string entrypoint_of(std::string_view config) {
  const nlohmann::json j = nlohmann::json::parse(config, nullptr, false);
  if (!j.is_object()) return {};
  auto c = j.find("config");
  if (c == j.end() || !c->is_object()) return {};
  for (const char* key : {"Entrypoint", "Cmd"}) {
    auto e = c->find(key);
    if (e == c->end() || !e->is_array() || e->empty() || !(*e)[0].is_string()) continue;
    const std::string first = (*e)[0].get<std::string>();
    if (std::string_view(key) == "Cmd" && !first.ends_with(".wasm")) continue;
    return first;
  }
  return {};
}

struct FileRef {
  std::size_t layer = 0;
  TarEntry entry;
};

}  // namespace

Result<void> check_wasm_magic(std::string_view bytes, const std::string& what) {
  if (bytes.size() < 8 || bytes.substr(0, 4) != std::string_view("\0asm", 4)) {
    return make_error(what + " is not a WebAssembly module (no \\0asm magic)");
  }
  return {};
}

Result<ModulePlan> plan_module(const Manifest& manifest, std::string_view config,
                               const std::string& what) {
  ModulePlan plan;
  std::vector<Descriptor> raw, tars;
  std::string unsupported, others;
  for (const Descriptor& d : manifest.layers) {
    if (d.has_urls) continue;
    switch (classify_layer(d.media_type)) {
      case LayerKind::wasm:
        raw.push_back(d);
        break;
      case LayerKind::tar:
      case LayerKind::tar_gzip:
        tars.push_back(d);
        break;
      case LayerKind::unsupported_compression:
        unsupported = d.media_type;
        break;
      case LayerKind::other:
        others += (others.empty() ? "" : ", ") + d.media_type;
        break;
    }
  }
  if (raw.size() == 1) {
    plan.layers = std::move(raw);
    return plan;
  }
  if (raw.size() > 1) {
    return make_error(what + " has " + std::to_string(raw.size()) +
                      " Wasm module layers; wasm-bpf runs artifacts with a single module");
  }
  if (!tars.empty()) {
    plan.from_tar = true;
    plan.layers = std::move(tars);
    const std::string entry = entrypoint_of(config);
    if (!entry.empty()) {
      auto normalized = normalize_tar_path(entry);
      if (!normalized || normalized->empty()) {
        return make_error(what + ": the config's Entrypoint '" + entry + "' is not a usable path");
      }
      plan.entrypoint = *normalized;
    }
    return plan;
  }
  if (!unsupported.empty()) {
    return make_error(what + ": layers of type " + unsupported + " are not supported");
  }
  return make_error(
      what + " has no Wasm module layer" +
      (others.empty() ? std::string(" (it has no layers)") : " (its layers are " + others + ")"));
}

Result<std::string> extract_module(const ModulePlan& plan, const std::vector<std::string>& layers,
                                   const std::string& what) {
  if (!plan.from_tar) {
    if (layers.size() != 1) return make_error(what + ": the module layer is missing");
    if (auto ok = check_wasm_magic(layers[0], what); !ok) return ok.error();
    return layers[0];
  }

  // The merged view of the tar layers: later layers replace earlier files; whiteouts delete.
  std::vector<std::string> contents;
  contents.reserve(layers.size());
  std::map<std::string, FileRef> files;
  for (std::size_t i = 0; i < layers.size() && i < plan.layers.size(); ++i) {
    const std::string layer_what = what + " layer " + plan.layers[i].digest;
    if (classify_layer(plan.layers[i].media_type) == LayerKind::tar_gzip) {
      auto raw = gunzip(layers[i], kMaxLayerSize);
      if (!raw) return make_error(layer_what + ": " + raw.error().message);
      contents.push_back(std::move(*raw));
    } else {
      contents.push_back(layers[i]);
    }
    auto entries = parse_tar(contents.back());
    if (!entries) return make_error(layer_what + ": " + entries.error().message);
    for (TarEntry& e : *entries) {
      auto path = normalize_tar_path(e.path);
      if (!path || path->empty()) continue;
      const auto slash = path->rfind('/');
      const std::string base = slash == std::string::npos ? *path : path->substr(slash + 1);
      if (base.starts_with(".wh.")) {
        const std::string dir = slash == std::string::npos ? "" : path->substr(0, slash + 1);
        files.erase(dir + base.substr(4));
        continue;
      }
      files[*path] = FileRef{i, std::move(e)};
    }
  }

  auto content_of = [&](const FileRef& f) {
    return std::string(std::string_view(contents[f.layer]).substr(f.entry.offset, f.entry.size));
  };

  std::string chosen;
  if (!plan.entrypoint.empty()) {
    std::string path = plan.entrypoint;
    for (int hops = 0;; ++hops) {
      auto it = files.find(path);
      if (it == files.end()) {
        return make_error(what + ": the Entrypoint /" + plan.entrypoint + " is not in its layers");
      }
      const TarEntry& e = it->second.entry;
      if (e.is_file()) {
        chosen = content_of(it->second);
        break;
      }
      if ((e.type != '1' && e.type != '2') || hops >= 8) {
        return make_error(what + ": the Entrypoint /" + plan.entrypoint + " is not a regular file");
      }
      // Symlinks are relative to their directory (or absolute); hard links name an archive path.
      std::string target = e.link;
      if (e.type == '2' && !target.starts_with('/')) {
        const auto slash = path.rfind('/');
        target = (slash == std::string::npos ? "" : path.substr(0, slash + 1)) + target;
      }
      auto normalized = normalize_tar_path(target);
      if (!normalized) return make_error(what + ": the Entrypoint's link leaves the image");
      path = *normalized;
    }
  } else {
    std::vector<std::string> wasm_files;
    for (const auto& [path, f] : files) {
      if (f.entry.is_file() && path.ends_with(".wasm")) wasm_files.push_back(path);
    }
    if (wasm_files.empty()) {
      return make_error(what +
                        ": its layers hold no .wasm file and its config names no Entrypoint");
    }
    if (wasm_files.size() > 1) {
      std::string list;
      for (const std::string& p : wasm_files) list += (list.empty() ? "/" : ", /") + p;
      return make_error(what + " holds several .wasm files (" + list +
                        ") and its config names no Entrypoint");
    }
    chosen = content_of(files.at(wasm_files.front()));
  }
  if (auto ok = check_wasm_magic(chosen, what); !ok) return ok.error();
  return chosen;
}

}  // namespace wb::oci
