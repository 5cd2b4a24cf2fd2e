#include "oci/client_options.h"

#include <unistd.h>

#include <cstdlib>

#include "oci/encoding.h"
#include "oci/reference.h"

namespace wb::oci {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

}  // namespace

ClientOptions ClientOptions::from_environment() {
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
  o.progress = ::isatty(STDERR_FILENO) == 1;
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
