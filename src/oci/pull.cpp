// SPDX-License-Identifier: MIT
#include "oci/pull.h"

#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <set>

#include "oci/digest.h"
#include "oci/files.h"
#include "oci/manifest.h"
#include "oci/module_extract.h"
#include "oci/progress.h"
#include "oci/reporter.h"
#include "oci/registry_client.h"

namespace wb::oci {
namespace {

constexpr std::uint64_t kMaxConfigSize = 4u << 20;
// A concurrent `rm` can collect a blob a pull relied on only this often before we give up.
constexpr int kCommitAttempts = 4;

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string staged_path(const TempDir& staging, const std::string& digest) {
  return staging.path() + "/" + std::string(digest_hex(digest));
}

// The declared sizes against options.max_pull_size, before anything is downloaded: a manifest
// may claim any size, and each byte it claims would be written to disk.
Result<void> check_pull_size(const std::vector<Descriptor>& layers, const ClientOptions& options,
                             const std::string& what) {
  const std::string limit = format_bytes(options.max_pull_size) +
                            " (--max-pull-size or WASM_BPF_MAX_PULL_SIZE raise it)";
  std::uint64_t total = 0;
  for (const Descriptor& d : layers) {
    if (d.size > options.max_pull_size) {
      return make_error(what + ": its layer " + d.digest + " has " + format_bytes(d.size) +
                        ", more than the pull size limit of " + limit);
    }
    total += d.size;  // cannot wrap: each term is at most the limit, and there are few
    if (total > options.max_pull_size) {
      return make_error(what + ": its layers have " + format_bytes(total) +
                        " or more, more than the pull size limit of " + limit);
    }
  }
  return {};
}

}  // namespace

Result<PullResult> pull_image(const Reference& ref, const ClientOptions& options,
                              const std::string& output) {
  const std::string what = ref.to_string();
  RegistryClient client(ref.registry, options);
  reporter_of(options).status("Pulling " + what);

  auto top = client.get_manifest(ref.repository, ref.manifest_reference());
  if (!top) return top.error();
  FetchedManifest fetched = *top;
  std::string index_digest;
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
    index_digest = fetched.digest;
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

  // Into the store go all layers (so that `save` can export the image); into a file only the
  // module's.
  const bool to_file = !output.empty();
  std::vector<Descriptor> layers;
  std::set<std::string> seen;
  for (const Descriptor& d : to_file ? plan->layers : manifest->layers) {
    if (!d.has_urls && seen.insert(d.digest).second) layers.push_back(d);
  }
  if (auto ok = check_pull_size(layers, options, what); !ok) return ok.error();

  // `pull -o` stages next to the output file: same file system, so the module is renamed into
  // place, and a pull killed outright leaves its directory where the next pull there sweeps it.
  Store store(store_root_of(options));
  std::string staging_parent;
  if (to_file) {
    staging_parent = dir_of(output);
    sweep_abandoned_temp_dirs(staging_parent, ".wasm-bpf-pull-");
  }
  auto staging =
      to_file ? TempDir::create(staging_parent, ".wasm-bpf-pull-") : store.staging();
  if (!staging) return staging.error();
  auto download = [&](const Descriptor& d) {
    return client.download_blob(ref.repository, d.digest, d.size, staged_path(*staging, d.digest));
  };

  for (const Descriptor& d : layers) {
    // A stored blob is reused only if it is intact: a damaged one is downloaded again and
    // replaced, so that pulling repairs what `run` reports as corrupt.
    if (!to_file && store.has_blob(d.digest) && store.read_blob(d.digest)) continue;
    if (auto r = download(d); !r) return r.error();
  }
  std::vector<std::string> contents;
  for (const Descriptor& d : plan->layers) {
    const std::string staged = staged_path(*staging, d.digest);
    if (!file_exists(staged) && !store.has_blob(d.digest)) {
      // Skipped as stored, then removed by a concurrent `rm`.
      if (auto r = download(d); !r) return r.error();
    }
    auto data = file_exists(staged) ? read_file(staged) : store.read_blob(d.digest);
    if (!data) return data.error();
    contents.push_back(std::move(*data));
  }
  auto module = extract_module(*plan, contents, what);
  if (!module) return module.error();

  PullResult result;
  result.digest = top->digest;
  if (to_file) {
    if (!plan->from_tar) {
      // The downloaded (verified, fsync'ed) layer is the module.
      const std::string staged = staged_path(*staging, plan->layers[0].digest);
      ::chmod(staged.c_str(), 0644);
      if (auto r = rename_durably(staged, output); !r) return r.error();
    } else if (auto r = write_file_atomic(output, *module, 0644); !r) {
      return r.error();
    }
    result.module_path = output;
    return result;
  }

  std::vector<std::string> digests;
  for (const Descriptor& d : layers) digests.push_back(d.digest);
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
  image.index_digest = index_digest;
  std::map<std::string, const Descriptor*> by_digest;
  for (const Descriptor& d : layers) by_digest[d.digest] = &d;
  for (int attempt = 1;; ++attempt) {
    std::vector<std::string> missing;
    auto committed = store.commit(*staging, digests, image, &missing);
    if (committed) break;
    if (missing.empty() || attempt >= kCommitAttempts) return committed.error();
    // Layers this pull found in the store and skipped were collected by a concurrent `rm`
    // since: fetch them after all.
    for (const std::string& digest : missing) {
      auto it = by_digest.find(digest);
      if (it == by_digest.end()) return committed.error();
      if (auto r = download(*it->second); !r) return r.error();
    }
  }
  result.image = image;
  result.module_path = store.blob_path(image.module_digest);
  return result;
}

}  // namespace wb::oci
