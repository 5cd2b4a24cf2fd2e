// SPDX-License-Identifier: MIT
#include "oci/client_options.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <limits>

#include "oci/encoding.h"
#include "oci/reference.h"

namespace wb::oci {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

// A positive whole number of `name`, or nullopt (with a warning when set but unusable).
std::optional<long> positive_env(const char* name, std::vector<std::string>* warnings) {
  const std::string text = env(name);
  if (text.empty()) return std::nullopt;
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value <= 0) {
    if (warnings != nullptr) {
      warnings->push_back(std::string(name) + "='" + text + "' is not a positive number; ignored");
    }
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc{} || end != text.data() + digits) return std::nullopt;
  const std::string unit = to_lower(trim(text.substr(digits)));
  unsigned shift = 0;
  if (!unit.empty() && unit != "b") {
    const std::string_view prefixes = "kmgt";
    const auto power = prefixes.find(unit.front());
    const std::string_view rest = std::string_view(unit).substr(1);
    if (power == std::string_view::npos || !(rest.empty() || rest == "b" || rest == "ib")) {
      return std::nullopt;
    }
    shift = static_cast<unsigned>(10 * (power + 1));
  }
  if (value > (std::numeric_limits<std::uint64_t>::max() >> shift)) return std::nullopt;
  return value << shift;
}

ClientOptions ClientOptions::from_environment(std::vector<std::string>* warnings) {
  ClientOptions o;
  o.store_root = env("WASM_BPF_STORE");
  o.ca_file = env("WASM_BPF_CA_FILE");
  const std::string insecure = env("WASM_BPF_INSECURE_REGISTRIES");
  std::size_t start = 0;
  while (start <= insecure.size()) {
    const auto comma = insecure.find(',', start);
    const std::string_view item = trim(std::string_view(insecure).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) o.insecure_registries.push_back(normalize_registry(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  const std::string chunk = env("WASM_BPF_UPLOAD_CHUNK_SIZE");
  if (!chunk.empty()) o.chunk_size = std::strtoull(chunk.c_str(), nullptr, 10);
  if (const std::string max = env("WASM_BPF_MAX_PULL_SIZE"); !max.empty()) {
    if (auto bytes = parse_byte_size(max); bytes && *bytes > 0) {
      o.max_pull_size = *bytes;
    } else if (warnings != nullptr) {
      warnings->push_back("WASM_BPF_MAX_PULL_SIZE='" + max + "' is not a size; ignored");
    }
  }
  if (auto v = positive_env("WASM_BPF_LOW_SPEED_LIMIT", warnings)) o.low_speed_limit = *v;
  if (auto v = positive_env("WASM_BPF_LOW_SPEED_TIME", warnings)) {
    o.low_speed_time = std::chrono::seconds(*v);
  }
  if (auto v = positive_env("WASM_BPF_REQUEST_TIMEOUT", warnings)) {
    o.request_timeout = std::chrono::seconds(*v);
  }
  return o;
}

bool ClientOptions::is_insecure(std::string_view registry) const {
  const std::string wanted = normalize_registry(registry);
  for (const std::string& r : insecure_registries) {
    if (normalize_registry(r) == wanted) return true;
  }
  return false;
}

std::string default_store_root() {
  if (std::string s = env("WASM_BPF_STORE"); !s.empty()) return s;
  if (::geteuid() == 0) return "/var/lib/wasm-bpf";
  if (std::string xdg = env("XDG_DATA_HOME"); !xdg.empty()) return xdg + "/wasm-bpf";
  const std::string home = env("HOME");
  return (home.empty() ? std::string(".") : home) + "/.local/share/wasm-bpf";
}

std::string store_root_of(const ClientOptions& options) {
  return options.store_root.empty() ? default_store_root() : options.store_root;
}

}  // namespace wb::oci
