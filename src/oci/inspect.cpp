// SPDX-License-Identifier: MIT
#include "oci/inspect.h"

#include <nlohmann/json.hpp>

#include "oci/manifest.h"
#include "oci/module_extract.h"
#include "oci/registry_client.h"
#include "oci/store.h"

namespace wb::oci {
namespace {

using nlohmann::ordered_json;

constexpr std::uint64_t kMaxConfigSize = 4u << 20;

ordered_json parse_or_string(const std::string& text) {
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) return text;
  return j;
}

struct Found {
  std::string source;
  std::string manifest_bytes;
  std::string media_type;
  std::string digest;
  std::string config;
  std::string pulled;
  std::string module_digest;
  ordered_json index;  // the index it was resolved through, if any
};

Result<Found> from_registry(const Reference& ref, const ClientOptions& options) {
  RegistryClient client(ref.registry, options);
  auto top = client.get_manifest(ref.repository, ref.manifest_reference());
  if (!top) return top.error();
  Found f;
  f.source = "registry";
  FetchedManifest fetched = *top;
  if (is_index_media_type(fetched.media_type)) {
    auto index = parse_index(fetched.bytes);
    if (!index) return make_error(ref.to_string() + ": " + index.error().message);
    auto entry = pick_wasm_platform(*index, ref.to_string());
    if (!entry) return entry.error();
    f.index = {{"digest", fetched.digest},
               {"mediaType", fetched.media_type},
               {"manifest", parse_or_string(fetched.bytes)}};
    auto child = client.get_manifest(ref.repository, entry->digest);
    if (!child) return child.error();
    fetched = std::move(*child);
  }
  auto manifest = parse_manifest(fetched.bytes);
  if (!manifest) return make_error(ref.to_string() + ": " + manifest.error().message);
  auto config = client.get_blob(ref.repository, manifest->config.digest, kMaxConfigSize);
  if (!config) return config.error();
  f.manifest_bytes = std::move(fetched.bytes);
  f.media_type = fetched.media_type;
  f.digest = fetched.digest;
  f.config = std::move(*config);
  return f;
}

}  // namespace

Result<std::string> inspect_image(const Reference& ref, const ClientOptions& options) {
  Store store(store_root_of(options));
  auto stored = store.find(ref);
  if (!stored) return stored.error();
  Found f;
  if (*stored) {
    const StoredImage& image = **stored;
    auto bytes = store.read_blob(image.manifest.digest);
    if (!bytes) return bytes.error();
    auto manifest = parse_manifest(*bytes);
    if (!manifest) return make_error(ref.to_string() + ": " + manifest.error().message);
    auto config = store.read_blob(manifest->config.digest);
    if (!config) return config.error();
    f.source = "store";
    f.manifest_bytes = std::move(*bytes);
    f.media_type = image.manifest.media_type;
    f.digest = image.manifest.digest;
    f.config = std::move(*config);
    f.pulled = image.pulled;
    f.module_digest = image.module_digest;
  } else {
    auto remote = from_registry(ref, options);
    if (!remote) return remote.error();
    f = std::move(*remote);
  }

  auto manifest = parse_manifest(f.manifest_bytes);
  if (!manifest) return make_error(ref.to_string() + ": " + manifest.error().message);
  std::uint64_t size = f.manifest_bytes.size() + manifest->config.size;
  for (const Descriptor& d : manifest->layers) size += d.size;

  ordered_json out;
  out["reference"] = ref.to_string();
  out["source"] = f.source;
  out["digest"] = f.digest;
  out["mediaType"] = f.media_type;
  out["size"] = size;
  if (!manifest->artifact_type.empty()) out["artifactType"] = manifest->artifact_type;
  out["configMediaType"] = manifest->config.media_type;
  ordered_json annotations = ordered_json::object();
  for (const auto& [k, v] : manifest->annotations) annotations[k] = v;
  out["annotations"] = annotations;
  if (auto plan = plan_module(*manifest, f.config, ref.to_string())) {
    ordered_json module;
    if (!plan->from_tar) {
      const Descriptor& d = plan->layers[0];
      module = {{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
      if (auto t = d.annotations.find(kTitleAnnotation); t != d.annotations.end())
        module["title"] = t->second;
    } else {
      module = {{"layers", plan->layers.size()},
                {"entrypoint", plan->entrypoint.empty() ? "" : "/" + plan->entrypoint}};
      if (!f.module_digest.empty()) module["digest"] = f.module_digest;
    }
    if (!f.module_digest.empty()) {
      if (auto sz = store.blob_size(f.module_digest)) module["size"] = *sz;
    }
    out["module"] = module;
  } else {
    out["module"] = nullptr;
    out["problem"] = plan.error().message;
  }
  if (!f.pulled.empty()) out["pulled"] = f.pulled;
  if (!f.index.is_null()) out["index"] = f.index;
  out["manifest"] = parse_or_string(f.manifest_bytes);
  out["config"] = parse_or_string(f.config);
  return out.dump(2) + "\n";
}

}  // namespace wb::oci
