// SPDX-License-Identifier: MIT
#include "cli/validators.h"

#include "cli/run_options.h"
#include "cli/units.h"

namespace wb::cli {
namespace {

CLI::Validator make(std::string name, std::function<std::string(const std::string&)> check) {
  return CLI::Validator([check = std::move(check)](std::string& value) { return check(value); },
                        "", std::move(name));
}

}  // namespace

CLI::Validator duration_validator(bool allow_zero) {
  return make("DURATION", [allow_zero](const std::string& v) -> std::string {
    const auto d = parse_duration(v);
    if (!d) return "'" + v + "' is not a duration (examples: 500ms, 10s, 1.5m, 2h)";
    if (d->count() == 0 && !allow_zero) return "the duration must be greater than zero";
    return {};
  });
}

CLI::Validator limit_size_validator() {
  return make("SIZE", [](const std::string& v) -> std::string {
    if (!parse_size(v)) return "'" + v + "' is not a size (examples: 0, 64K, 16MiB, 1G)";
    return {};
  });
}

CLI::Validator size_validator() {
  return make("SIZE", [](const std::string& v) -> std::string {
    const auto size = parse_size(v);
    if (!size) return "'" + v + "' is not a size (examples: 65536, 64K, 16MiB, 1G)";
    if (*size < 65536) return "a WebAssembly memory is at least 64KiB (one page)";
    if (*size > (std::uint64_t{4} << 30)) return "a wasm32 memory is at most 4GiB";
    return {};
  });
}

CLI::Validator dir_mapping_validator() {
  return make("HOST[::GUEST][:ro]", [](const std::string& v) -> std::string {
    if (!parse_dir_mapping(v)) return "'" + v + "' is not HOST or HOST::GUEST (with :ro or :rw) with non-empty paths";
    return {};
  });
}

CLI::Validator env_var_validator() {
  return make("K[=V]", [](const std::string& v) -> std::string {
    if (v.empty() || v.front() == '=') return "'" + v + "' is not K or K=V with a non-empty name K";
    return {};
  });
}

CLI::Validator key_value_validator() {
  return make("KEY=VALUE", [](const std::string& v) -> std::string {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0) return "'" + v + "' is not KEY=VALUE";
    return {};
  });
}

}  // namespace wb::cli
