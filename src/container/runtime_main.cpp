// SPDX-License-Identifier: MIT
// wasm-bpf-runtime: an OCI runtime for container engines (podman, docker, containerd's runc
// shim, and so a Kubernetes RuntimeClass) that runs wasm-bpf modules. It takes runc's command
// line; on `create` of a wasm container it rewrites the bundle's config.json (wasm_spec.h) and
// then hands every command, unchanged, to runc: cgroups, namespaces, the console, pause,
// exec, kill and delete stay runc's. Everything else (native containers, other commands)
// goes to runc untouched.
//
// Environment: WASM_BPF_RUNC (the runc to call; default: runc on PATH), WASM_BPF_ENGINE (the
// static wasm-bpf to put into containers; default: wasm-bpf-static next to this program, or
// ../libexec/wasm-bpf/wasm-bpf-static).
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/version.h"  // (generated into the build tree of src/cli)
#include "container/runc_command.h"
#include "container/wasm_spec.h"

namespace {

using nlohmann::json;
using wb::container::RuncCommand;

std::string dir_of_self() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<size_t>(n));
  return p.substr(0, p.rfind('/'));
}

bool executable(const std::string& p) { return ::access(p.c_str(), X_OK) == 0; }

std::string find_runc() {
  if (const char* e = std::getenv("WASM_BPF_RUNC"); e != nullptr && *e != '\0') return e;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (executable(d + "/runc")) return d + "/runc";
  for (const char* p : {"/usr/sbin/runc", "/usr/bin/runc"})
    if (executable(p)) return p;
  return "runc";
}

std::string find_engine() {
  if (const char* e = std::getenv("WASM_BPF_ENGINE"); e != nullptr && *e != '\0') return e;
  const std::string here = dir_of_self();
  for (const std::string& p : {here + "/wasm-bpf-static", here + "/../libexec/wasm-bpf/wasm-bpf-static"})
    if (executable(p)) return p;
  return here + "/wasm-bpf-static";
}

// An error for the user: on stderr, and in runc's --log (containerd shows only the last JSON
// line of it; podman shows create's stderr).
int fail(const RuncCommand& c, const std::string& message) {
  const std::string text = "wasm-bpf-runtime: " + message;
  std::cerr << text << std::endl;
  if (!c.log.empty()) {
    std::ofstream log(c.log, std::ios::app);
    if (c.log_format == "json") {
      char when[40];
      const std::time_t now = std::time(nullptr);
      std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
      log << json{{"level", "error"}, {"msg", text}, {"time", when}}.dump() << '\n';
    } else {
      log << text << '\n';
    }
  }
  return 1;
}

// Hands the command line to runc (this process becomes runc).
int exec_runc(const RuncCommand& c) {
  const std::string runc = find_runc();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(runc.c_str()));
  for (const std::string& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(runc.c_str(), argv.data());
  return fail(c, "cannot run " + runc + ": " + std::strerror(errno) + " (set WASM_BPF_RUNC)");
}

// create of a wasm container: the spec rewritten in place (atomically), then runc.
int prepare_create(const RuncCommand& c) {
  const std::string bundle = c.bundle.empty() ? "." : c.bundle;
  const std::string config = bundle + "/config.json";
  json spec;
  try {
    std::ifstream in(config);
    if (!in) return fail(c, "cannot read " + config);
    spec = json::parse(in);
  } catch (const std::exception& e) {
    return fail(c, config + ": " + e.what());
  }
  try {
    auto wasm = wb::container::detect_wasm(spec, bundle);
    if (!wasm) return fail(c, "container " + c.id + ": " + wasm.error().message);
    if (!*wasm) return exec_runc(c);  // a native container: runc's business alone
    if (const std::string missing = (*wasm)->uses_bpf ? wb::container::missing_bpf_privileges(spec) : "";
        !missing.empty()) {
      return fail(c, "container " + c.id + " runs the eBPF module " + (*wasm)->module +
                         " but cannot load BPF programs: " + missing +
                         ". Give it CAP_BPF and CAP_PERFMON and a seccomp profile that allows bpf(2): "
                         "podman/docker run --cap-add BPF --cap-add PERFMON --security-opt seccomp=unconfined "
                         "(or --privileged; Docker before 23 knows no BPF capability: --cap-add SYS_ADMIN); Kubernetes: securityContext.capabilities.add [BPF, PERFMON] and "
                         "seccompProfile.type: Unconfined");
    }
    const std::string engine = find_engine();
    if (!executable(engine)) return fail(c, "the wasm-bpf engine " + engine + " is missing (set WASM_BPF_ENGINE)");
    auto rewritten = wb::container::rewrite_for_wasm(std::move(spec), **wasm, engine);
    if (!rewritten) return fail(c, "container " + c.id + ": " + rewritten.error().message);
    const std::string tmp = config + ".wasm-bpf.tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << rewritten->dump();
      if (!out) return fail(c, "cannot write " + tmp);
    }
    if (::rename(tmp.c_str(), config.c_str()) != 0) return fail(c, "cannot replace " + config + ": " + std::strerror(errno));
  } catch (const std::exception& e) {
    return fail(c, config + ": unexpected content: " + e.what());
  }
  return exec_runc(c);
}

}  // namespace

int main(int argc, char** argv) {
  const RuncCommand c = wb::container::parse_runc_command(std::vector<std::string>(argv + 1, argv + argc));
  if (c.version && c.command.empty()) {
    std::cout << "wasm-bpf-runtime " << wb::cli::kVersion << " (runs wasm-bpf modules; everything else goes to runc)"
              << std::endl;
    return exec_runc(c);
  }
  if (c.command == "create" || c.command == "run") return prepare_create(c);
  return exec_runc(c);
}
