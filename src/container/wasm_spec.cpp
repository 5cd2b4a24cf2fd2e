// SPDX-License-Identifier: MIT
#include "container/wasm_spec.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace wb::container {
namespace {

using nlohmann::json;

constexpr const char* kEngineInContainer = "/.wasm-bpf/wasm-bpf";

std::string annotation(const json& spec, const char* key) {
  const auto a = spec.find("annotations");
  if (a == spec.end() || !a->is_object()) return {};
  const auto v = a->find(key);
  return v != a->end() && v->is_string() ? v->get<std::string>() : std::string();
}

std::vector<std::string> strings(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& s : j)
    if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

// The container's bind mounts of host directories, as preopens of the guest (read-only ones
// with :ro, so that the guest gets EROFS for every change there, links out included, as with
// `run --dir HOST:ro`). System paths and file mounts (/etc/hosts, ...) stay reachable through
// the root preopen only.
std::vector<std::string> mount_preopens(const json& spec) {
  std::vector<std::string> out;
  const auto mounts = spec.find("mounts");
  if (mounts == spec.end() || !mounts->is_array()) return out;
  for (const json& m : *mounts) {
    if (!m.is_object()) continue;
    const std::string dest = m.value("destination", std::string());
    const std::string source = m.value("source", std::string());
    const std::vector<std::string> options = strings(m.value("options", json::array()));
    auto has = [&](const char* o) { return std::find(options.begin(), options.end(), o) != options.end(); };
    const bool bind = m.value("type", std::string()) == "bind" || has("bind") || has("rbind");
    if (!bind || dest.size() < 2 || dest[0] != '/' || source.empty() || source[0] != '/') continue;
    if (dest.find("::") != std::string::npos || dest.find(':') != std::string::npos) continue;
    bool system = false;
    for (const char* p : {"/proc", "/sys", "/dev", "/.wasm-bpf"})
      if (dest == p || dest.rfind(std::string(p) + "/", 0) == 0) system = true;
    struct stat st{};
    if (system || ::stat(source.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    out.push_back(dest + "::" + dest + (has("ro") ? ":ro" : ""));
  }
  return out;
}

// The root file system's path on the host.
std::string rootfs_of(const json& spec, const std::string& bundle) {
  std::string path = spec.value("/root/path"_json_pointer, std::string("rootfs"));
  if (!path.empty() && path[0] == '/') return path;
  return (bundle.empty() ? std::string(".") : bundle) + "/" + path;
}

// Opens `path` inside the root file system `root_fd` as the container would see it
// (symlinks resolved inside it, never out of it); -1 if it cannot.
int open_in_root(int root_fd, const std::string& path) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how));
}

// The module at `path` (its first 64 MiB), or nothing when it is not a module.
std::optional<std::string> read_module(int root_fd, const std::string& path) {
  const int fd = open_in_root(root_fd, path);
  if (fd < 0) return std::nullopt;
  std::string bytes;
  char buf[65536];
  ssize_t n;
  while (bytes.size() < (64u << 20) && (n = ::read(fd, buf, sizeof buf)) > 0) bytes.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "\0asm", 4) != 0) return std::nullopt;
  return bytes;
}

bool read_leb(const std::string& b, size_t& at, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 35 && at < b.size(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(b[at++]);
    out |= uint64_t{byte & 0x7fu} << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

// Skips the description of one import (after its names): its kind and type.
bool skip_import_kind(const std::string& b, size_t& at) {
  if (at >= b.size()) return false;
  const uint8_t kind = static_cast<uint8_t>(b[at++]);
  uint64_t v = 0;
  switch (kind) {
    case 0:  // a function: its type index
      return read_leb(b, at, v);
    case 1: {  // a table: element type, then limits
      ++at;
      uint64_t flags = 0;
      if (!read_leb(b, at, flags) || !read_leb(b, at, v)) return false;
      return !(flags & 1) || read_leb(b, at, v);
    }
    case 2: {  // a memory: limits
      uint64_t flags = 0;
      if (!read_leb(b, at, flags) || !read_leb(b, at, v)) return false;
      return !(flags & 1) || read_leb(b, at, v);
    }
    case 3:  // a global: value type, mutability
      at += 2;
      return at <= b.size();
  }
  return false;
}

// Whether the module imports anything from the wasm_bpf host API (or the Go/TinyGo
// callback-wrapper): a plain WASI program needs no BPF privileges.
bool imports_bpf(const std::string& b) {
  size_t at = 8;
  while (at < b.size()) {
    const uint8_t id = static_cast<uint8_t>(b[at++]);
    uint64_t size;
    if (!read_leb(b, at, size) || size > b.size() - at) return true;  // unreadable: assume it does
    if (id != 2) {
      at += size;
      continue;
    }
    const size_t end = at + size;
    uint64_t count;
    if (!read_leb(b, at, count)) return true;
    for (uint64_t i = 0; i < count && at < end; ++i) {
      uint64_t len;
      if (!read_leb(b, at, len) || len > end - at) return true;
      const std::string module = b.substr(at, len);
      if (module == "wasm_bpf" || module == "callback-wrapper") return true;
      at += len;
      if (!read_leb(b, at, len) || len > end - at) return true;  // the field name
      at += len;
      if (at >= end) return true;
      if (!skip_import_kind(b, at)) return true;
    }
    return false;
  }
  return false;
}

// process.args[0] as the container's exec would find it: a path, or a name looked up in the
// PATH of its environment.
std::string resolve_arg0(int root_fd, const json& spec, const std::string& arg0) {
  if (arg0.find('/') != std::string::npos) {
    if (arg0[0] == '/') return arg0;
    return spec.value("/process/cwd"_json_pointer, std::string("/")) + "/" + arg0;
  }
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& e : strings(spec.value("/process/env"_json_pointer, json::array())))
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  size_t start = 0;
  while (start <= path.size()) {
    const size_t colon = path.find(':', start);
    const std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + arg0;
    const int fd = open_in_root(root_fd, candidate);
    if (fd >= 0) {
      ::close(fd);
      return candidate;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return arg0;
}

}  // namespace

Result<std::optional<WasmContainer>> detect_wasm(const json& spec, const std::string& bundle) {
  if (annotation(spec, "io.kubernetes.cri.container-type") == "sandbox") return std::optional<WasmContainer>();
  const std::vector<std::string> args = strings(spec.value("/process/args"_json_pointer, json::array()));
  const std::string variant = annotation(spec, "module.wasm.image/variant");
  const bool marked = variant == "compat" || variant == "compat-smart" || annotation(spec, "run.oci.handler") == "wasm";
  if (args.empty()) {
    if (marked) return make_error("the container is marked as WebAssembly but has no process.args");
    return std::optional<WasmContainer>();
  }
  const int root_fd = ::open(rootfs_of(spec, bundle).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    if (marked) return make_error("cannot open the container's root file system " + rootfs_of(spec, bundle));
    return std::optional<WasmContainer>();
  }
  const std::string module = resolve_arg0(root_fd, spec, args[0]);
  const std::optional<std::string> bytes = read_module(root_fd, module);
  ::close(root_fd);
  if (bytes) return std::optional<WasmContainer>(WasmContainer{module, imports_bpf(*bytes)});
  // "compat-smart" images may hold native programs as well: only a module runs as wasm.
  if (marked && variant != "compat-smart")
    return make_error("the image is marked as WebAssembly (module.wasm.image/variant) but " + args[0] +
                      " is not a WebAssembly module");
  return std::optional<WasmContainer>();
}

std::string missing_bpf_privileges(const json& spec) {
  std::string missing;
  const std::vector<std::string> caps = strings(spec.value("/process/capabilities/effective"_json_pointer, json::array()));
  const std::set<std::string> have(caps.begin(), caps.end());
  const bool admin = have.count("CAP_SYS_ADMIN") != 0;
  if (!admin && !(have.count("CAP_BPF") && have.count("CAP_PERFMON")))
    missing = "it has neither CAP_BPF and CAP_PERFMON nor CAP_SYS_ADMIN";
  const json* seccomp = nullptr;
  if (const auto linux_it = spec.find("linux"); linux_it != spec.end() && linux_it->is_object()) {
    if (const auto s = linux_it->find("seccomp"); s != linux_it->end() && s->is_object()) seccomp = &*s;
  }
  if (seccomp != nullptr) {
    bool allowed = seccomp->value("defaultAction", std::string()) == "SCMP_ACT_ALLOW";
    for (const json& rule : seccomp->value("syscalls", json::array())) {
      if (!rule.is_object() || rule.value("action", std::string()) != "SCMP_ACT_ALLOW") continue;
      if (rule.contains("args") && !rule["args"].empty()) continue;
      for (const std::string& name : strings(rule.value("names", json::array())))
        if (name == "bpf") allowed = true;
    }
    if (!allowed) missing += std::string(missing.empty() ? "" : ", and ") + "its seccomp profile does not allow bpf(2)";
  }
  return missing;
}

Result<json> rewrite_for_wasm(json spec, const WasmContainer& wasm, const std::string& engine) {
  if (!spec.contains("process") || !spec["process"].is_object()) return make_error("the spec has no process");
  json& process = spec["process"];
  const std::vector<std::string> args = strings(process.value("args", json::array()));
  std::vector<std::string> run = {kEngineInContainer, "run", "--pull", "never"};
  // Annotations carry what a cluster admin allows and limits (pod annotations reach the
  // spec through the CRI); wasm-bpf checks the values.
  static const std::vector<std::pair<const char*, const char*>> kOptions = {
      {"io.wasm-bpf.allow", "--allow"},
      {"io.wasm-bpf.allow-program", "--allow-program"},
      {"io.wasm-bpf.stop-timeout", "--stop-timeout"},
      {"io.wasm-bpf.timeout", "--timeout"},
      {"io.wasm-bpf.max-memory", "--max-memory"},
      {"io.wasm-bpf.max-map-memory", "--max-map-memory"},
      {"io.wasm-bpf.max-bpf-objects", "--max-bpf-objects"},
      {"io.wasm-bpf.max-open-files", "--max-open-files"},
      {"io.wasm-bpf.max-write", "--max-write"},
  };
  for (const auto& [key, flag] : kOptions) {
    const std::string v = annotation(spec, key);
    if (!v.empty()) run.insert(run.end(), {flag, v});
  }
  const bool readonly = spec.value("/root/readonly"_json_pointer, false);
  run.insert(run.end(), {"--dir", std::string("/::/") + (readonly ? ":ro" : "")});
  for (const std::string& d : mount_preopens(spec)) run.insert(run.end(), {"--dir", d});
  for (const std::string& e : strings(process.value("env", json::array()))) run.insert(run.end(), {"-e", e});
  run.push_back("--");
  run.push_back(wasm.module);
  run.insert(run.end(), args.begin() + 1, args.end());
  process["args"] = run;
  // For wasm-bpf itself (the guest gets only the -e variables above): its messages then say
  // how to allow things in a container (annotations) rather than with run's flags.
  process["env"].push_back("WASM_BPF_IN_CONTAINER=1");

  json& mounts = spec["mounts"];
  if (!mounts.is_array()) mounts = json::array();
  mounts.push_back({{"destination", kEngineInContainer},
                    {"type", "bind"},
                    {"source", engine},
                    {"options", {"bind", "ro", "nosuid", "nodev"}}});
  for (const char* tracefs : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    if (::access((std::string(tracefs) + "/events").c_str(), F_OK) != 0) continue;
    mounts.push_back({{"destination", "/sys/kernel/tracing"},
                      {"type", "bind"},
                      {"source", tracefs},
                      {"options", {"rbind", "ro", "nosuid", "nodev", "noexec"}}});
    break;
  }
  return spec;
}

}  // namespace wb::container
