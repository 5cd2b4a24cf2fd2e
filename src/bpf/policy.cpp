// SPDX-License-Identifier: MIT
#include "bpf/policy.h"

#include <linux/bpf.h>

#include <fstream>
#include <sstream>
#include <map>

namespace wb::bpf {
namespace {

struct HelperClass {
  const char* name;
  std::vector<int32_t> ids;
  const char* does;
};

const std::vector<HelperClass>& helper_table() {
  static const std::vector<HelperClass> t = {
      {"send-signal", {BPF_FUNC_send_signal, BPF_FUNC_send_signal_thread}, "sends signals to processes"},
      {"probe-write-user", {BPF_FUNC_probe_write_user}, "writes into the memory of processes"},
      {"override-return", {BPF_FUNC_override_return}, "changes the result of kernel functions"},
      {"sys-bpf", {BPF_FUNC_sys_bpf, BPF_FUNC_sys_close}, "makes BPF system calls (loads more programs)"},
  };
  return t;
}

struct ProgramClass {
  const char* name;
  const char* does;
};

// The class of a program type that changes kernel behaviour; nullptr when it only observes.
const ProgramClass* program_class(bpf_prog_type type, bpf_attach_type attach) {
  static const ProgramClass xdp{"xdp", "it can drop, change or redirect packets"};
  static const ProgramClass tc{"tc", "it can drop, change or redirect packets"};
  static const ProgramClass cgroup{"cgroup", "it can deny the network, device or socket operations of a cgroup"};
  static const ProgramClass sockops{"sockops", "it can change the options of TCP sockets"};
  static const ProgramClass sk{"sk", "it can redirect or drop socket messages and connections"};
  static const ProgramClass lsm{"lsm", "it can deny security-relevant operations"};
  static const ProgramClass fmod_ret{"fmod-ret", "it can change the result of kernel functions"};
  static const ProgramClass raw_tp_writable{"raw-tp-writable", "it can change the arguments of tracepoints"};
  static const ProgramClass lwt{"lwt", "it can change or redirect routed packets"};
  static const ProgramClass flow{"flow-dissector", "it decides how the kernel parses packets"};
  static const ProgramClass struct_ops{"struct-ops", "it replaces kernel operations (e.g. TCP congestion control)"};
  static const ProgramClass ext{"ext", "it replaces functions of other BPF programs"};
  static const ProgramClass syscall{"syscall", "it makes BPF system calls"};
  static const ProgramClass lirc{"lirc", "it decodes infrared remote input"};
  static const ProgramClass unknown{"unknown", "wasm-bpf does not know what programs of this type can do"};
  switch (type) {
    case BPF_PROG_TYPE_SOCKET_FILTER:  // on the guest's own sockets only
    case BPF_PROG_TYPE_KPROBE:
    case BPF_PROG_TYPE_TRACEPOINT:
    case BPF_PROG_TYPE_PERF_EVENT:
    case BPF_PROG_TYPE_RAW_TRACEPOINT: return nullptr;
    case BPF_PROG_TYPE_TRACING: return attach == BPF_MODIFY_RETURN ? &fmod_ret : nullptr;
    case BPF_PROG_TYPE_XDP: return &xdp;
    case BPF_PROG_TYPE_SCHED_CLS:
    case BPF_PROG_TYPE_SCHED_ACT: return &tc;
    case BPF_PROG_TYPE_CGROUP_SKB:
    case BPF_PROG_TYPE_CGROUP_SOCK:
    case BPF_PROG_TYPE_CGROUP_DEVICE:
    case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case BPF_PROG_TYPE_CGROUP_SYSCTL:
    case BPF_PROG_TYPE_CGROUP_SOCKOPT: return &cgroup;
    case BPF_PROG_TYPE_SOCK_OPS: return &sockops;
    case BPF_PROG_TYPE_SK_SKB:
    case BPF_PROG_TYPE_SK_MSG:
    case BPF_PROG_TYPE_SK_REUSEPORT:
    case BPF_PROG_TYPE_SK_LOOKUP: return &sk;
    case BPF_PROG_TYPE_LSM: return &lsm;
    case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: return &raw_tp_writable;
    case BPF_PROG_TYPE_LWT_IN:
    case BPF_PROG_TYPE_LWT_OUT:
    case BPF_PROG_TYPE_LWT_XMIT:
    case BPF_PROG_TYPE_LWT_SEG6LOCAL: return &lwt;
    case BPF_PROG_TYPE_FLOW_DISSECTOR: return &flow;
    case BPF_PROG_TYPE_STRUCT_OPS: return &struct_ops;
    case BPF_PROG_TYPE_EXT: return &ext;
    case BPF_PROG_TYPE_SYSCALL: return &syscall;
    case BPF_PROG_TYPE_LIRC_MODE2: return &lirc;
    default: return &unknown;
  }
}

Result<void> add_names(std::string_view list, const std::vector<std::string>& known, std::set<std::string>& out,
                       const char* what) {
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    std::string_view item = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      bool ok = item == "all";
      for (const std::string& k : known) ok = ok || item == k;
      if (!ok) {
        std::string names = "all";
        for (const std::string& k : known) names += ", " + k;
        return make_error("unknown " + std::string(what) + " '" + std::string(item) + "' (known: " + names + ")");
      }
      out.insert(std::string(item));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return {};
}

}  // namespace

const std::vector<std::string>& helper_classes() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const HelperClass& c : helper_table()) v.push_back(c.name);
    return v;
  }();
  return names;
}

const std::vector<std::string>& program_classes() {
  static const std::vector<std::string> names = {"xdp", "tc", "cgroup", "sockops", "sk", "lsm",
                                                 "fmod-ret", "raw-tp-writable", "lwt", "flow-dissector",
                                                 "struct-ops", "ext", "syscall", "lirc", "unknown"};
  return names;
}

Result<void> Policy::allow_helpers(std::string_view list) { return add_names(list, helper_classes(), helpers, "helper class"); }

Result<void> Policy::allow_programs(std::string_view list) {
  return add_names(list, program_classes(), programs, "program type");
}

Result<void> Policy::add_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read the policy file " + path);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string directive, rest;
    if (!(words >> directive)) continue;  // blank or a comment
    std::getline(words >> std::ws, rest);
    Result<void> r;
    if (directive == "allow") r = allow_helpers(rest);
    else if (directive == "allow-program") r = allow_programs(rest);
    else r = make_error("unknown directive '" + directive + "' (allow, allow-program)");
    if (!r) return make_error(path + ":" + std::to_string(n) + ": " + r.error().message);
  }
  return {};
}

std::vector<Refusal> check_policy(const ObjectFacts& facts, const Policy& policy) {
  std::vector<Refusal> out;
  const bool all_programs = policy.programs.count("all") != 0;
  const bool all_helpers = policy.helpers.count("all") != 0;
  std::set<std::string> loaded_sections;
  for (const ProgramFacts& p : facts.programs) {
    if (!p.autoload) continue;
    loaded_sections.insert(p.section);
    const ProgramClass* c = program_class(p.type, p.expected_attach);
    if (c == nullptr || all_programs || policy.programs.count(c->name)) continue;
    out.push_back({"program '" + p.name + "' (SEC(\"" + p.section + "\"), type " + program_type_name(p.type) +
                       "): " + c->does,
                   std::string("--allow-program ") + c->name});
  }
  if (all_helpers) return out;
  for (const SectionCalls& s : facts.calls) {
    // Code of programs the guest turned off is not loaded; subprograms (.text) may be
    // called from any program.
    if (s.section != ".text" && !loaded_sections.count(s.section)) continue;
    for (const HelperClass& c : helper_table()) {
      if (policy.helpers.count(c.name)) continue;
      for (int32_t id : c.ids) {
        if (!s.helpers.count(id)) continue;
        out.push_back({"code in section " + s.section + " calls " + helper_name(id) + ": it " + c.does,
                       std::string("--allow ") + c.name});
      }
    }
  }
  return out;
}

}  // namespace wb::bpf
