// SPDX-License-Identifier: MIT
// What `wasm-bpf run MODULE|REF` runs: a file if MODULE|REF names one, otherwise the module of
// an OCI reference from the local store, pulled first as the pull policy says.
#pragma once

#include <string>

#include "common/result.h"
#include "oci/client_options.h"

namespace wb::oci {

struct ResolvedModule {
  std::string path;    // the file to run: MODULE as given, or a blob of the local store
  std::string digest;  // for a stored module: the digest it must have ("" for a file)
  std::string reference;  // for a stored module: the reference, for messages
};

// Where to read the module from. An existing path, or one that looks like a file (it starts
// with '/', './' or '../', or ends in ".wasm"), is returned unchanged; anything else must be a
// reference (`run registry/tool.wasm` therefore means a file: write registry/tool.wasm:latest).
// With PullPolicy::never a reference missing from the store is an error.
Result<ResolvedModule> resolve_module_for_run(const std::string& module_or_ref, PullPolicy policy,
                                              const ClientOptions& options);

// The module's bytes. A stored module is checked against its digest (hashing a module of
// 100 KB takes well under a millisecond): a store whose blob was changed after the pull
// (a bad disk, a tool that wrote into it) must not run something else than was pulled; the
// error says how to get the module again.
Result<std::string> read_module(const ResolvedModule& module);

}  // namespace wb::oci
