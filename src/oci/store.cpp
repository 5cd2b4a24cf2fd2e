// SPDX-License-Identifier: MIT
#include "oci/store.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/json_fields.h"

namespace wb::oci {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

}  // namespace

Result<std::string> stage_blob(const TempDir& staging, std::string_view bytes) {
  const std::string digest = sha256_digest(bytes);
  const std::string path = staging.path() + "/" + std::string(digest_hex(digest));
  if (file_exists(path)) return digest;
  if (auto r = write_file_atomic(path, bytes); !r) return r.error();
  return digest;
}

bool reference_matches(const StoredImage& stored, const Reference& ref) {
  if (stored.reference == ref.to_string()) return true;
  if (ref.digest.empty() ||
      (stored.manifest.digest != ref.digest && stored.index_digest != ref.digest)) {
    return false;
  }
  auto parsed = parse_reference(stored.reference);
  return parsed && parsed->name() == ref.name();
}

std::string Store::blob_path(const std::string& digest) const {
  return root_ + "/blobs/sha256/" + std::string(digest_hex(digest));
}

bool Store::has_blob(const std::string& digest) const {
  return is_sha256_digest(digest) && file_exists(blob_path(digest));
}

std::optional<std::uint64_t> Store::blob_size(const std::string& digest) const {
  struct stat st {};
  if (!is_sha256_digest(digest) || ::stat(blob_path(digest).c_str(), &st) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::string> Store::read_blob(const std::string& digest) const {
  if (!is_sha256_digest(digest)) return make_error("'" + digest + "' is not a sha256 digest");
  auto data = read_file(blob_path(digest));
  if (!data) return data.error();
  if (sha256_digest(*data) != digest) {
    return make_error("the local store's blob " + digest + " is corrupt (in " + root_ +
                      "); remove the image and pull it again");
  }
  return data;
}

Result<void> Store::ensure_layout() {
  if (auto r = make_dirs(root_ + "/blobs/sha256"); !r) return r;
  if (!file_exists(root_ + "/oci-layout")) {
    if (auto r = write_file_atomic(root_ + "/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}\n");
        !r) {
      return r;
    }
  }
  return {};
}

Result<std::vector<StoredImage>> Store::read_index() const {
  std::vector<StoredImage> images;
  if (!file_exists(index_path())) return images;
  auto text = read_file(index_path());
  if (!text) return text.error();
  if (text->empty()) return images;  // created by a lock, not yet written
  const json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return make_error(index_path() + " is not a JSON object");
  auto manifests = j.find("manifests");
  if (manifests == j.end() || !manifests->is_array()) return images;
  // Entries that do not make sense (edited by hand, written by another tool) are skipped.
  for (const json& m : *manifests) {
    if (!m.is_object()) continue;
    StoredImage image;
    image.manifest.media_type = string_or(m, "mediaType");
    image.manifest.digest = string_or(m, "digest");
    image.manifest.size = unsigned_member(m, "size").value_or(0);
    if (auto a = m.find("annotations"); a != m.end() && a->is_object()) {
      for (const auto& [k, v] : a->items()) {
        if (v.is_string()) image.manifest.annotations[k] = v.get<std::string>();
      }
    }
    auto& ann = image.manifest.annotations;
    if (auto it = ann.find(kRefNameAnnotation); it != ann.end()) image.reference = it->second;
    if (auto it = ann.find(kModuleAnnotation); it != ann.end()) image.module_digest = it->second;
    if (auto it = ann.find(kPulledAnnotation); it != ann.end()) image.pulled = it->second;
    if (auto it = ann.find(kIndexAnnotation); it != ann.end() && is_sha256_digest(it->second)) {
      image.index_digest = it->second;
    }
    if (!is_sha256_digest(image.manifest.digest)) continue;
    images.push_back(std::move(image));
  }
  return images;
}

Result<void> Store::write_index(const std::vector<StoredImage>& images) {
  ordered_json manifests = ordered_json::array();
  for (const StoredImage& image : images) {
    ordered_json annotations = ordered_json::object();
    for (const auto& [k, v] : image.manifest.annotations) annotations[k] = v;
    if (!image.reference.empty()) annotations[kRefNameAnnotation] = image.reference;
    if (!image.module_digest.empty()) annotations[kModuleAnnotation] = image.module_digest;
    if (!image.pulled.empty()) annotations[kPulledAnnotation] = image.pulled;
    if (!image.index_digest.empty()) annotations[kIndexAnnotation] = image.index_digest;
    manifests.push_back(
        {{"mediaType", image.manifest.media_type.empty() ? std::string(media::kOciManifest)
                                                         : image.manifest.media_type},
         {"digest", image.manifest.digest},
         {"size", image.manifest.size},
         {"annotations", annotations}});
  }
  const ordered_json index = {
      {"schemaVersion", 2}, {"mediaType", media::kOciIndex}, {"manifests", manifests}};
  return write_file_atomic(index_path(), index.dump(2) + "\n");
}

Result<std::vector<StoredImage>> Store::list() const { return read_index(); }

Result<std::optional<StoredImage>> Store::find(const Reference& ref) const {
  auto images = read_index();
  if (!images) return images.error();
  // An exact name wins over a digest match.
  for (const StoredImage& image : *images) {
    if (image.reference == ref.to_string()) return std::optional<StoredImage>(image);
  }
  for (const StoredImage& image : *images) {
    if (reference_matches(image, ref)) return std::optional<StoredImage>(image);
  }
  return std::optional<StoredImage>();
}

Result<TempDir> Store::staging() {
  if (auto r = ensure_layout(); !r) return r.error();
  sweep_abandoned_temp_dirs(root_ + "/tmp", "pull-");
  return TempDir::create(root_ + "/tmp", "pull-");
}

Result<void> Store::commit(const TempDir& staging, const std::vector<std::string>& digests,
                           const StoredImage& image, std::vector<std::string>* missing) {
  if (auto r = ensure_layout(); !r) return r;
  auto lock = FileLock::acquire(index_path());
  if (!lock) return lock.error();
  // Under the lock no `rm` collects blobs: what is stored now stays until index.json names it.
  std::vector<std::string> absent;
  for (const std::string& digest : digests) {
    const std::string staged = staging.path() + "/" + std::string(digest_hex(digest));
    if (!file_exists(staged) && !has_blob(digest)) absent.push_back(digest);
  }
  if (!absent.empty()) {
    if (missing != nullptr) {
      *missing = std::move(absent);
      return make_error("blobs went missing from the store " + root_);
    }
    return make_error("blob " + absent.front() + " vanished from the store " + root_ +
                      " while it was being updated; try again");
  }
  for (const std::string& digest : digests) {
    const std::string staged = staging.path() + "/" + std::string(digest_hex(digest));
    // A staged blob was verified as it was written: it replaces a stored one (which a pull
    // fetches again only when it is damaged).
    if (!file_exists(staged)) continue;
    if (::rename(staged.c_str(), blob_path(digest).c_str()) != 0) {
      return make_error("cannot move blob " + digest + " into the store " + root_);
    }
  }
  fsync_dir(root_ + "/blobs/sha256");
  for (const std::string& digest : digests) {
    if (!has_blob(digest)) {
      return make_error("blob " + digest + " vanished from the store " + root_ +
                        " while it was being updated; try again");
    }
  }
  auto images = read_index();
  if (!images) return images.error();
  std::erase_if(*images, [&](const StoredImage& s) { return s.reference == image.reference; });
  images->push_back(image);
  return write_index(*images);
}

std::uint64_t Store::collect_garbage(const std::vector<StoredImage>& images) {
  std::set<std::string> keep;
  for (const StoredImage& image : images) {
    keep.insert(std::string(digest_hex(image.manifest.digest)));
    if (!image.module_digest.empty()) keep.insert(std::string(digest_hex(image.module_digest)));
    auto bytes = read_file(blob_path(image.manifest.digest));
    if (!bytes) continue;
    auto manifest = parse_manifest(*bytes);
    if (!manifest) continue;
    keep.insert(std::string(digest_hex(manifest->config.digest)));
    for (const Descriptor& d : manifest->layers) keep.insert(std::string(digest_hex(d.digest)));
  }
  const std::string dir = root_ + "/blobs/sha256";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  std::vector<std::string> unused;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (keep.count(name) == 0) unused.push_back(name);
  }
  ::closedir(d);
  std::uint64_t freed = 0;
  for (const std::string& name : unused) {
    struct stat st{};
    const std::string path = dir + "/" + name;
    if (::stat(path.c_str(), &st) == 0 && ::unlink(path.c_str()) == 0) freed += static_cast<std::uint64_t>(st.st_size);
  }
  if (!unused.empty()) fsync_dir(dir);
  return freed;
}

Result<bool> Store::remove(const Reference& ref) {
  if (!file_exists(index_path())) return false;
  auto lock = FileLock::acquire(index_path());
  if (!lock) return lock.error();
  auto images = read_index();
  if (!images) return images.error();
  const std::size_t before = images->size();
  std::erase_if(*images, [&](const StoredImage& s) { return reference_matches(s, ref); });
  if (images->size() == before) return false;
  if (auto r = write_index(*images); !r) return r.error();
  collect_garbage(*images);
  return true;
}

Result<std::size_t> Store::remove_references(const std::vector<std::string>& references) {
  if (!file_exists(index_path())) return std::size_t{0};
  auto lock = FileLock::acquire(index_path());
  if (!lock) return lock.error();
  auto images = read_index();
  if (!images) return images.error();
  const std::size_t before = images->size();
  std::erase_if(*images, [&](const StoredImage& s) {
    return std::find(references.begin(), references.end(), s.reference) != references.end();
  });
  const std::size_t removed = before - images->size();
  if (removed == 0) return removed;
  if (auto r = write_index(*images); !r) return r.error();
  collect_garbage(*images);
  return removed;
}

Result<void> Store::tag(const StoredImage& image, const std::string& reference) {
  if (auto r = ensure_layout(); !r) return r;
  auto lock = FileLock::acquire(index_path());
  if (!lock) return lock.error();
  auto images = read_index();
  if (!images) return images.error();
  // Under the lock: the image must still be there (an `rm` may have collected it).
  const bool present = std::any_of(images->begin(), images->end(), [&](const StoredImage& s) {
    return s.manifest.digest == image.manifest.digest;
  });
  if (!present || !has_blob(image.manifest.digest))
    return make_error(image.reference + " was removed from the local store meanwhile");
  StoredImage copy = image;
  copy.reference = reference;
  std::erase_if(*images, [&](const StoredImage& s) { return s.reference == reference; });
  images->push_back(std::move(copy));
  return write_index(*images);
}

Result<std::uint64_t> Store::prune() {
  if (!file_exists(index_path())) return std::uint64_t{0};
  auto lock = FileLock::acquire(index_path());
  if (!lock) return lock.error();
  auto images = read_index();
  if (!images) return images.error();
  sweep_abandoned_temp_dirs(root_ + "/tmp", "pull-");
  return collect_garbage(*images);
}

std::string image_id(const StoredImage& image) { return std::string(digest_hex(image.manifest.digest).substr(0, 12)); }

}  // namespace wb::oci
