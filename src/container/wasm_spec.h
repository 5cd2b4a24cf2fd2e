// SPDX-License-Identifier: MIT
// What wasm-bpf-runtime does to the OCI runtime spec (config.json) of a wasm container on
// `create`, before runc creates it: the container runs wasm-bpf on the module instead of
// executing it.
//
// A container is a wasm one when its annotations say so (module.wasm.image/variant=compat,
// as `wasm-bpf push --format image` writes; run.oci.handler=wasm) or when process.args[0]
// names a WebAssembly module in its root file system; never the Kubernetes sandbox (pause)
// container. Then:
//   - process.args becomes  /.wasm-bpf/wasm-bpf run [options] --dir /::/ [-e K=V]... -- MODULE ARGS...
//     (the container's root is the guest's "/", read-only if the root is; its environment is
//     the guest's);
//   - the engine (a static wasm-bpf) is bind-mounted read-only at /.wasm-bpf/wasm-bpf, and the
//     host's tracefs at /sys/kernel/tracing (tracepoints need it; BTF comes with /sys);
//   - annotations set the policy and limits (io.wasm-bpf.allow, io.wasm-bpf.allow-program,
//     io.wasm-bpf.stop-timeout, io.wasm-bpf.max-map-memory, ...; see docs/containers.md).
// The container must be able to load BPF programs: CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)
// and a seccomp profile that allows bpf(2); otherwise create is refused with what to add.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace wb::container {

struct WasmContainer {
  std::string module;     // the module's path in the container (process.args[0])
  bool uses_bpf = false;  // it imports the wasm_bpf host API (then it needs BPF privileges)
};

// Whether `spec` (with its root file system under `bundle`) is a wasm container; an error
// when it claims to be one but process.args[0] is not a module.
Result<std::optional<WasmContainer>> detect_wasm(const nlohmann::json& spec, const std::string& bundle);

// Why the container could not load BPF programs ("" when it can).
std::string missing_bpf_privileges(const nlohmann::json& spec);

// The spec rewritten to run `engine` (a host path) on the module.
Result<nlohmann::json> rewrite_for_wasm(nlohmann::json spec, const WasmContainer& wasm, const std::string& engine);

}  // namespace wb::container
