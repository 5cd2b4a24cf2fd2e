// SPDX-License-Identifier: MIT
#include "oci/archive.h"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/files.h"
#include "oci/manifest.h"
#include "oci/module_extract.h"
#include "oci/store.h"
#include "oci/tar.h"

namespace wb::oci {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// The blobs of an archive, by digest, verified on access.
class ArchiveBlobs {
 public:
  ArchiveBlobs(std::string_view archive, const std::vector<TarEntry>& entries, std::string name)
      : name_(std::move(name)) {
    for (const TarEntry& e : entries) {
      auto path = normalize_tar_path(e.path);
      if (!path || !e.is_file()) continue;
      files_[*path] = archive.substr(e.offset, e.size);
    }
  }

  std::optional<std::string_view> file(const std::string& path) const {
    auto it = files_.find(path);
    if (it == files_.end()) return std::nullopt;
    return it->second;
  }

  Result<std::string> blob(const std::string& digest, std::uint64_t size) const {
    if (auto ok = validate_digest(digest); !ok) return ok.error();
    auto data = file("blobs/sha256/" + std::string(digest_hex(digest)));
    if (!data) return make_error(name_ + " lacks blob " + digest);
    if (data->size() != size || sha256_digest(*data) != digest) {
      return make_error(name_ + ": blob " + digest + " is corrupt");
    }
    return std::string(*data);
  }

 private:
  std::string name_;
  std::map<std::string, std::string_view> files_;
};

}  // namespace

Result<void> save_image(const Reference& ref, const std::string& output,
                        const ClientOptions& options) {
  Store store(store_root_of(options));
  auto found = store.find(ref);
  if (!found) return found.error();
  if (!*found) {
    return make_error(ref.to_string() + " is not in the local store; pull it first");
  }
  const StoredImage& image = **found;
  auto manifest_bytes = store.read_blob(image.manifest.digest);
  if (!manifest_bytes) return manifest_bytes.error();
  auto manifest = parse_manifest(*manifest_bytes);
  if (!manifest) return make_error(ref.to_string() + ": " + manifest.error().message);

  TarWriter tar;
  tar.add_file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}\n");
  const ordered_json index = {
      {"schemaVersion", 2},
      {"mediaType", media::kOciIndex},
      {"manifests",
       ordered_json::array({{{"mediaType", image.manifest.media_type},
                             {"digest", image.manifest.digest},
                             {"size", image.manifest.size},
                             {"annotations", {{kRefNameAnnotation, image.reference}}}}})}};
  tar.add_file("index.json", index.dump(2) + "\n");
  tar.add_directory("blobs");
  tar.add_directory("blobs/sha256");
  std::set<std::string> written;
  auto add_blob = [&](const std::string& digest) -> Result<void> {
    if (!written.insert(digest).second) return {};
    auto data = store.read_blob(digest);
    if (!data) return data.error();
    tar.add_file("blobs/sha256/" + std::string(digest_hex(digest)), *data);
    return {};
  };
  if (auto r = add_blob(image.manifest.digest); !r) return r;
  if (auto r = add_blob(manifest->config.digest); !r) return r;
  for (const Descriptor& d : manifest->layers) {
    if (d.has_urls) continue;
    if (auto r = add_blob(d.digest); !r) return r;
  }
  return write_file_atomic(output, tar.finish(), 0644);
}

Result<std::vector<std::string>> load_images(const std::string& input, const std::string& name,
                                             const ClientOptions& options) {
  auto archive = read_file(input);
  if (!archive) return archive.error();
  auto entries = parse_tar(*archive);
  if (!entries) return make_error(input + ": " + entries.error().message);
  const ArchiveBlobs blobs(*archive, *entries, input);
  if (!blobs.file("oci-layout"))
    return make_error(input + " is not an OCI image layout archive (no oci-layout)");
  auto index_text = blobs.file("index.json");
  if (!index_text) return make_error(input + " is not an OCI image layout archive (no index.json)");
  auto index = parse_index(*index_text);
  if (!index) return make_error(input + ": index.json: " + index.error().message);
  if (index->manifests.empty()) return make_error(input + " holds no images");
  if (!name.empty() && index->manifests.size() > 1) {
    return make_error(input + " holds " + std::to_string(index->manifests.size()) +
                      " images; a name can only be given to a single one");
  }

  // Everything is checked before anything is stored.
  struct Prepared {
    std::string reference;
    std::string manifest_bytes, media_type, digest, config, module;
    bool module_is_layer = false;
    std::vector<std::pair<std::string, std::uint64_t>> layers;
  };
  std::vector<Prepared> prepared;
  for (const Descriptor& entry : index->manifests) {
    Prepared p;
    std::string ref_name = name;
    if (ref_name.empty()) {
      auto it = entry.annotations.find(kRefNameAnnotation);
      if (it == entry.annotations.end()) {
        return make_error(input + ": image " + entry.digest +
                          " has no name; give one with --name REF");
      }
      ref_name = it->second;
    }
    auto ref = parse_reference(ref_name);
    if (!ref || ref_name.find('/') == std::string::npos) {
      return make_error(input + ": image " + entry.digest + " is named '" + ref_name +
                        "', not a full reference; give one with --name REF");
    }
    p.reference = ref->to_string();
    auto bytes = blobs.blob(entry.digest, entry.size);
    if (!bytes) return bytes.error();
    p.media_type = entry.media_type.empty() ? detect_media_type(*bytes, "") : entry.media_type;
    p.digest = entry.digest;
    if (is_index_media_type(p.media_type)) {
      auto nested = parse_index(*bytes);
      if (!nested) return make_error(input + ": " + nested.error().message);
      auto pick = pick_wasm_platform(*nested, p.reference);
      if (!pick) return pick.error();
      auto child = blobs.blob(pick->digest, pick->size);
      if (!child) return child.error();
      bytes = std::move(child);
      p.digest = pick->digest;
      p.media_type = pick->media_type.empty() ? detect_media_type(*bytes, "") : pick->media_type;
    }
    auto manifest = parse_manifest(*bytes);
    if (!manifest) return make_error(p.reference + ": " + manifest.error().message);
    auto config = blobs.blob(manifest->config.digest, manifest->config.size);
    if (!config) return config.error();
    auto plan = plan_module(*manifest, *config, p.reference);
    if (!plan) return plan.error();
    std::vector<std::string> contents;
    for (const Descriptor& d : manifest->layers) {
      if (d.has_urls) continue;
      auto data = blobs.blob(d.digest, d.size);
      if (!data) return data.error();
      p.layers.emplace_back(d.digest, d.size);
    }
    for (const Descriptor& d : plan->layers) contents.push_back(*blobs.blob(d.digest, d.size));
    auto module = extract_module(*plan, contents, p.reference);
    if (!module) return module.error();
    p.manifest_bytes = std::move(*bytes);
    p.config = std::move(*config);
    p.module = std::move(*module);
    p.module_is_layer = !plan->from_tar;
    prepared.push_back(std::move(p));
  }

  Store store(store_root_of(options));
  std::vector<std::string> loaded;
  for (const Prepared& p : prepared) {
    auto staging = store.staging();
    if (!staging) return staging.error();
    std::vector<std::string> digests;
    for (const auto& [digest, size] : p.layers) {
      auto r = stage_blob(*staging, *blobs.blob(digest, size));
      if (!r) return r.error();
      digests.push_back(*r);
    }
    for (std::string_view bytes : {std::string_view(p.manifest_bytes), std::string_view(p.config),
                                   std::string_view(p.module)}) {
      auto r = stage_blob(*staging, bytes);
      if (!r) return r.error();
      digests.push_back(*r);
    }
    StoredImage image;
    image.reference = p.reference;
    image.manifest.media_type = p.media_type;
    image.manifest.digest = p.digest;
    image.manifest.size = p.manifest_bytes.size();
    image.module_digest = sha256_digest(p.module);
    image.pulled = rfc3339_now(false);
    if (auto r = store.commit(*staging, digests, image); !r) return r.error();
    loaded.push_back(p.reference);
  }
  return loaded;
}

}  // namespace wb::oci
