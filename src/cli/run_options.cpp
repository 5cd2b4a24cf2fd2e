// SPDX-License-Identifier: MIT
#include "cli/run_options.h"

#include <cstdlib>
#include <string>

namespace wb::cli {

std::optional<DirMapping> parse_dir_mapping(std::string_view spec) {
  DirMapping m;
  if (spec.ends_with(":ro") || spec.ends_with(":rw")) {
    m.read_only = spec.ends_with(":ro");
    spec.remove_suffix(3);
  }
  const std::size_t sep = spec.find("::");
  if (sep == std::string_view::npos) {
    m.host = spec;
    m.guest = spec;
  } else {
    m.host = spec.substr(0, sep);
    m.guest = spec.substr(sep + 2);
  }
  if (m.host.empty() || m.guest.empty()) return std::nullopt;
  return m;
}

std::optional<EnvVar> parse_env_var(std::string_view spec) {
  const std::size_t eq = spec.find('=');
  if (eq == 0 || spec.empty()) return std::nullopt;
  if (eq != std::string_view::npos) {
    return EnvVar{std::string(spec.substr(0, eq)), std::string(spec.substr(eq + 1))};
  }
  const std::string name(spec);
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return EnvVar{name, value};
}

std::optional<PullPolicy> parse_pull_policy(std::string_view text) {
  if (text == "missing") return PullPolicy::missing;
  if (text == "always") return PullPolicy::always;
  if (text == "never") return PullPolicy::never;
  return std::nullopt;
}

std::string_view to_string(PullPolicy policy) {
  switch (policy) {
    case PullPolicy::missing: return "missing";
    case PullPolicy::always: return "always";
    case PullPolicy::never: return "never";
  }
  return "?";
}

}  // namespace wb::cli
