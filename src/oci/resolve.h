// What `wasm-bpf run MODULE|REF` runs: a file if MODULE|REF names one, otherwise the module of
// an OCI reference from the local store, pulled first as the pull policy says.
#pragma once

#include <string>

#include "common/result.h"
#include "oci/client_options.h"

namespace wb::oci {

// A path to read the module from. An existing path, or one that looks like a file (it starts
// with '/', './' or '../', or ends in ".wasm"), is returned unchanged; anything else must be a
// reference (`run registry/tool.wasm` therefore means a file: write registry/tool.wasm:latest).
// With PullPolicy::never a reference missing from the store is an error.
Result<std::string> resolve_module_for_run(const std::string& module_or_ref, PullPolicy policy,
                                           const ClientOptions& options);

}  // namespace wb::oci
