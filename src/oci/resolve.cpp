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

// The stored module of `ref`, if it is in the store. Its digest was checked when it was
// written (atomically); it is not hashed again on every run, which would cost more than the
// rest of the lookup (`inspect` and `save` do check it). The runtime validates the module.
Result<std::optional<std::string>> stored_module(const Store& store, const Reference& ref) {
  auto found = store.find(ref);
  if (!found) return found.error();
  if (!*found || (*found)->module_digest.empty()) return std::optional<std::string>();
  const std::string& digest = (*found)->module_digest;
  if (!store.has_blob(digest)) return std::optional<std::string>();
  return std::optional<std::string>(store.blob_path(digest));
}

}  // namespace

Result<std::string> resolve_module_for_run(const std::string& module_or_ref, PullPolicy policy,
                                           const ClientOptions& options) {
  if (looks_like_path(module_or_ref)) return module_or_ref;
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
  return pulled->module_path;
}

}  // namespace wb::oci
