// SPDX-License-Identifier: MIT
// Parsing of `wasm-bpf run`'s option values. The parsed command line is a
// runtime::RunConfig (src/runtime/runtime.h), the one run configuration the CLI, the C API and
// wasm-bpf-runtime (through the CLI) hand to the runtime; cmd_run.cpp binds options to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wb::cli {

enum class PullPolicy { missing, always, never };

// --dir HOST[::GUEST][:ro|:rw]: a host directory the guest may open, under the guest path
// GUEST, read-only with ":ro".
struct DirMapping {
  std::string host;
  std::string guest;
  bool read_only = false;
};

// --env K[=V]
struct EnvVar {
  std::string name;
  std::string value;
};

// "HOST::GUEST" or "HOST" (guest path = host path), either followed by ":ro" (read-only) or
// ":rw" (the default). nullopt if either side is empty.
std::optional<DirMapping> parse_dir_mapping(std::string_view spec);

// "K=V", or "K" whose value is taken from wasm-bpf's own environment: nullopt when K is unset
// there (the variable is then not passed) or when K is empty.
std::optional<EnvVar> parse_env_var(std::string_view spec);

// "missing" | "always" | "never"
std::optional<PullPolicy> parse_pull_policy(std::string_view text);
std::string_view to_string(PullPolicy policy);

}  // namespace wb::cli
