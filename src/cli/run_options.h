// SPDX-License-Identifier: MIT
// The parsed form of `wasm-bpf run`'s command line, handed to the runtime once it exists.
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

struct RunOptions {
  std::string module;                   // path to a .wasm file, or an OCI reference
  std::vector<std::string> guest_args;  // the guest's argv[1..]
  std::vector<DirMapping> dirs;
  std::vector<EnvVar> env;
  std::optional<std::chrono::nanoseconds> timeout;
  std::chrono::nanoseconds stop_timeout = std::chrono::seconds(5);  // grace after a stop request
  std::optional<std::uint64_t> max_memory;  // bytes
  // Limits of what the module may take (see `run --help`); defaults in the runtime.
  std::uint64_t max_map_memory = 256ull << 20;
  std::uint32_t max_bpf_objects = 64;
  std::uint32_t max_open_files = 1024;
  std::uint64_t max_write = 1ull << 30;
  bool verbose = false;
  PullPolicy pull = PullPolicy::missing;
  std::string go_callback_module = "callback-wrapper";  // Go/TinyGo guests' poll module
  std::string go_callback_export = "go-callback";       // and the callback they export
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
