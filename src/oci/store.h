// SPDX-License-Identifier: MIT
// The local store: an OCI image layout (oci-layout, index.json, blobs/sha256/...).
// Each index.json entry is a pulled manifest with annotations:
//   org.opencontainers.image.ref.name  the full reference it was pulled as
//   io.wasm-bpf.module                 digest of the module blob (for tar layers, the
//                                      extracted file, stored as a blob of its own)
//   io.wasm-bpf.pulled                 when (RFC 3339)
//   io.wasm-bpf.index                  for an image pulled through an image index, the
//                                      index's digest (so that REPO@<index digest> finds it)
// Blobs are downloaded into <root>/tmp/pull-*/ (locked while in use, see TempDir) and moved into
// blobs/ when an image is committed; commits and removals hold an flock on index.json, which is
// replaced atomically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "oci/files.h"
#include "oci/manifest.h"
#include "oci/reference.h"

namespace wb::oci {

inline constexpr const char* kModuleAnnotation = "io.wasm-bpf.module";
inline constexpr const char* kPulledAnnotation = "io.wasm-bpf.pulled";
inline constexpr const char* kIndexAnnotation = "io.wasm-bpf.index";

struct StoredImage {
  std::string reference;  // canonical reference
  Descriptor manifest;
  std::string module_digest;
  std::string pulled;
  std::string index_digest;  // the image index it was chosen from, if any
};

class Store {
 public:
  explicit Store(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  std::string blob_path(const std::string& digest) const;
  bool has_blob(const std::string& digest) const;
  std::optional<std::uint64_t> blob_size(const std::string& digest) const;
  // Reads a blob and checks its digest.
  Result<std::string> read_blob(const std::string& digest) const;

  Result<std::vector<StoredImage>> list() const;
  // The image stored under `ref`; for a digest reference also an image of the same repository
  // whose manifest has that digest.
  Result<std::optional<StoredImage>> find(const Reference& ref) const;

  // A fresh directory under <root>/tmp for downloads; files in it are named by digest hex.
  // Directories left by pulls that were killed are removed first.
  Result<TempDir> staging();
  // Moves the staged blobs `digests` into blobs/ (those already stored may be missing from
  // `staging`) and records `image` in index.json, replacing an entry with the same reference.
  // A blob in neither place (one the caller found in the store, which a concurrent `rm` then
  // collected) fails the commit before anything changes; with `missing` given such blobs are
  // listed there instead, for the caller to fetch into `staging` and commit again.
  Result<void> commit(const TempDir& staging, const std::vector<std::string>& digests,
                      const StoredImage& image, std::vector<std::string>* missing = nullptr);
  // Removes the entries of `ref` and the blobs nothing else uses; false if there was none.
  Result<bool> remove(const Reference& ref);
  // Removes the entries whose StoredImage::reference is one of `references` (as list()
  // gave them) and the blobs nothing else uses; returns how many were removed.
  Result<std::size_t> remove_references(const std::vector<std::string>& references);
  // Stores `image` (an entry of this store) again under `reference` (canonical), replacing an
  // entry of that reference: `wasm-bpf tag`. Fails if the image's manifest is no longer stored.
  Result<void> tag(const StoredImage& image, const std::string& reference);
  // Removes blobs that no entry uses and the download directories of pulls that ended;
  // returns the bytes freed.
  Result<std::uint64_t> prune();

 private:
  Result<void> ensure_layout();
  std::string index_path() const { return root_ + "/index.json"; }
  Result<std::vector<StoredImage>> read_index() const;
  Result<void> write_index(const std::vector<StoredImage>& images);
  std::uint64_t collect_garbage(const std::vector<StoredImage>& images);  // bytes freed

  std::string root_;
};

// Writes `bytes` into `staging` as a blob file; returns its digest.
Result<std::string> stage_blob(const TempDir& staging, std::string_view bytes);

// Whether `stored` (a StoredImage::reference) is what `ref` asks for.
bool reference_matches(const StoredImage& stored, const Reference& ref);

// The short image ID `images` shows and `rm` takes: the first 12 hex digits of the manifest
// digest.
std::string image_id(const StoredImage& image);

}  // namespace wb::oci
