// SPDX-License-Identifier: MIT
#include "oci/resolve.h"

#include <sys/stat.h>

#include "oci/digest.h"
#include "oci/files.h"
#include "oci/pull.h"
#include "oci/reference.h"
#include "oci/store.h"

namespace wb::oci {
namespace {

bool looks_like_path(const std::string& s) {
  struct stat st {};
  if (::stat(s.c_str(), &st) == 0) return true;
  return s.starts_with("/") || s.starts_with("./") || s.starts_with("../") || s.ends_with(".wasm");
}

// The stored module of `ref`, if it is in the store (its digest is checked when it is read,
// see read_module).
Result<std::optional<ResolvedModule>> stored_module(const Store& store, const Reference& ref) {
  auto found = store.find(ref);
  if (!found) return found.error();
  if (!*found || (*found)->module_digest.empty()) return std::optional<ResolvedModule>();
  const std::string& digest = (*found)->module_digest;
  if (!store.has_blob(digest)) return std::optional<ResolvedModule>();
  return std::optional<ResolvedModule>(ResolvedModule{store.blob_path(digest), digest, ref.to_string()});
}

}  // namespace

Result<std::string> read_module(const ResolvedModule& module) {
  auto bytes = read_file(module.path);
  if (!bytes) return bytes.error();
  if (module.digest.empty()) return bytes;
  const std::string actual = sha256_digest_builtin(*bytes);
  if (actual != module.digest) {
    return make_error("the stored module of " + module.reference + " is corrupt: its file (" + module.path +
                      ") has digest " + actual + ", not " + module.digest +
                      " as pulled. Pull it again: wasm-bpf pull " + module.reference +
                      " (or run it with --pull always)");
  }
  return bytes;
}

Result<ResolvedModule> resolve_module_for_run(const std::string& module_or_ref, PullPolicy policy,
                                              const ClientOptions& options) {
  if (looks_like_path(module_or_ref)) return ResolvedModule{module_or_ref, "", ""};
  auto ref = parse_reference(module_or_ref);
  if (!ref) {
    return make_error("'" + module_or_ref + "' is neither a file nor an OCI reference (" +
                      ref.error().message + ")");
  }
  const Store store(store_root_of(options));
  if (policy != PullPolicy::always) {
    auto stored = stored_module(store, *ref);
    if (!stored) return stored.error();
    if (*stored) return **stored;
    if (policy == PullPolicy::never) {
      return make_error(ref->to_string() + " is not in the local store (" + store.root() +
                        ") and --pull never forbids pulling it; run 'wasm-bpf pull " +
                        module_or_ref + "' first");
    }
  }
  auto pulled = pull_image(*ref, options);
  if (!pulled) return pulled.error();
  return ResolvedModule{pulled->module_path, pulled->image.module_digest, ref->to_string()};
}

}  // namespace wb::oci
