// SPDX-License-Identifier: MIT
// What a module's BPF programs may do, decided before they are loaded (object_facts.h).
//
// Observability is allowed by default: tracing programs (kprobes, tracepoints, fentry/fexit,
// perf events, iterators), socket filters on the guest's own sockets, reading memory and
// maps. Refused unless allowed:
//   helpers (--allow NAME)          send-signal      bpf_send_signal(_thread): kill processes
//                                   probe-write-user bpf_probe_write_user: write into processes
//                                   override-return  bpf_override_return: change a kernel
//                                                    function's result
//                                   sys-bpf          bpf_sys_bpf, bpf_sys_close: BPF syscalls
//                                                    from BPF (loading more programs)
//   program types (--allow-program) xdp, tc (drop, change or redirect packets), cgroup
//                                   (deny network, device and socket operations of a
//                                   cgroup), sockops, sk (socket maps and redirects), lsm
//                                   (deny security operations), fmod-ret (change a kernel
//                                   function's result), raw-tp-writable, lwt,
//                                   flow-dissector, struct-ops, ext (replace other BPF
//                                   programs), syscall, lirc, and any type this build does
//                                   not know.
// "all" allows every helper (--allow all) or every program type (--allow-program all).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/object_facts.h"
#include "common/result.h"

namespace wb::bpf {

struct Policy {
  std::set<std::string> helpers;   // helper classes allowed ("send-signal", ..., "all")
  std::set<std::string> programs;  // program classes allowed ("xdp", ..., "all")

  // Adds the comma-separated names of `list` to `helpers` / `programs`; an error names an
  // unknown one and lists the known ones.
  Result<void> allow_helpers(std::string_view list);
  Result<void> allow_programs(std::string_view list);
  // Reads a policy file: one directive per line, '#' starts a comment:
  //   allow NAME[,NAME...]
  //   allow-program TYPE[,TYPE...]
  Result<void> add_file(const std::string& path);
};

// The classes a policy knows, for help texts and errors.
const std::vector<std::string>& helper_classes();
const std::vector<std::string>& program_classes();

// One thing the policy refuses: what (for the user) and the flag that would allow it.
struct Refusal {
  std::string what;   // "program 'p' (SEC("xdp"), type xdp): it can drop, change or redirect packets"
  std::string allow;  // "--allow-program xdp"
};

// Everything in `facts` that `policy` does not allow (empty: the object may be loaded).
std::vector<Refusal> check_policy(const ObjectFacts& facts, const Policy& policy);

}  // namespace wb::bpf
