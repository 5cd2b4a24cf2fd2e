#include "oci/pull.h"

#include <cstdio>
#include <cstdlib>
#include <set>

#include "oci/digest.h"
#include "oci/files.h"
#include "oci/manifest.h"
#include "oci/module_extract.h"
#include "oci/registry_client.h"

namespace wb::oci {
namespace {

constexpr std::uint64_t kMaxConfigSize = 4u << 20;

std::string temp_parent() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? std::string(t) : std::string("/tmp");
}

}  // namespace

Result<PullResult> pull_image(const Reference& ref, const ClientOptions& options,
                              const std::string& output) {
  const std::string what = ref.to_string();
  RegistryClient client(ref.registry, options);
  if (options.progress) std::fprintf(stderr, "Pulling %s\n", what.c_str());

  auto top = client.get_manifest(ref.repository, ref.manifest_reference());
  if (!top) return top.error();
  FetchedManifest fetched = *top;
  if (is_index_media_type(fetched.media_type)) {
    auto index = parse_index(fetched.bytes);
    if (!index) return make_error(what + ": " + index.error().message);
    auto entry = pick_wasm_platform(*index, what);
    if (!entry) return entry.error();
    auto child = client.get_manifest(ref.repository, entry->digest);
    if (!child) return child.error();
    if (child->bytes.size() != entry->size) {
      return make_error(what + ": the manifest " + entry->digest + " has " +
                        std::to_string(child->bytes.size()) + " bytes, the index says " +
                        std::to_string(entry->size));
    }
    if (is_index_media_type(child->media_type)) {
      return make_error(what + ": the wasip1/wasm entry of its index is another index");
    }
    fetched = std::move(*child);
  }
  auto manifest = parse_manifest(fetched.bytes);
  if (!manifest) return make_error(what + ": " + manifest.error().message);
  if (manifest->config.size > kMaxConfigSize)
    return make_error(what + ": its config is larger than 4 MiB");
  auto config = client.get_blob(ref.repository, manifest->config.digest, kMaxConfigSize);
  if (!config) return config.error();
  if (config->size() != manifest->config.size) {
    return make_error(what + ": its config has " + std::to_string(config->size()) +
                      " bytes, the manifest says " + std::to_string(manifest->config.size));
  }
  auto plan = plan_module(*manifest, *config, what);
  if (!plan) return plan.error();

  Store store(store_root_of(options));
  const bool to_file = !output.empty();
  auto staging = to_file ? TempDir::create(temp_parent(), "wasm-bpf-pull-") : store.staging();
  if (!staging) return staging.error();

  // Into the store go all layers (so that `save` can export the image); into a file only the
  // module's.
  std::vector<std::string> digests;
  std::set<std::string> seen;
  for (const Descriptor& d : to_file ? plan->layers : manifest->layers) {
    if (d.has_urls || !seen.insert(d.digest).second) continue;
    digests.push_back(d.digest);
    if (!to_file && store.has_blob(d.digest)) continue;
    const std::string path = staging->path() + "/" + std::string(digest_hex(d.digest));
    if (auto r = client.download_blob(ref.repository, d.digest, d.size, path); !r) return r.error();
  }
  std::vector<std::string> contents;
  for (const Descriptor& d : plan->layers) {
    const std::string staged = staging->path() + "/" + std::string(digest_hex(d.digest));
    auto data = file_exists(staged) ? read_file(staged) : store.read_blob(d.digest);
    if (!data) return data.error();
    contents.push_back(std::move(*data));
  }
  auto module = extract_module(*plan, contents, what);
  if (!module) return module.error();

  PullResult result;
  result.digest = top->digest;
  if (to_file) {
    if (auto r = write_file_atomic(output, *module, 0644); !r) return r.error();
    result.module_path = output;
    return result;
  }

  auto module_digest =
      plan->from_tar ? stage_blob(*staging, *module) : Result<std::string>(plan->layers[0].digest);
  auto manifest_digest = stage_blob(*staging, fetched.bytes);
  auto config_digest = stage_blob(*staging, *config);
  for (auto* r : {&module_digest, &manifest_digest, &config_digest}) {
    if (!*r) return r->error();
    digests.push_back(r->value());
  }
  StoredImage image;
  image.reference = what;
  image.manifest.media_type = fetched.media_type;
  image.manifest.digest = fetched.digest;
  image.manifest.size = fetched.bytes.size();
  image.module_digest = *module_digest;
  image.pulled = rfc3339_now(false);
  if (auto r = store.commit(*staging, digests, image); !r) return r.error();
  result.image = image;
  result.module_path = store.blob_path(image.module_digest);
  return result;
}

}  // namespace wb::oci
