// SPDX-License-Identifier: MIT
// Why a BPF object did not load, said to the user. The ABI gives the guest only handle 0 for
// a failed load, so guests print "Invalid argument" or nothing useful whatever happened;
// the host knows the errno, the privileges it runs with, and what libbpf logged (which
// program, the verifier's log), and prints that instead: the errno by name, what it means
// here, and the lines of libbpf's log that matter (the end of the verifier's log).
#pragma once

#include <bpf/libbpf.h>

#include <string>
#include <vector>

namespace wb::bpf {

// Collects libbpf's messages printed on this thread while it lives (print_libbpf in
// bpf_host.cpp feeds it; with --verbose they are printed as well).
class LibbpfLog {
 public:
  LibbpfLog();
  ~LibbpfLog();
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;
  const std::string& text() const { return text_; }
  // Appends to the log active on this thread, if any.
  static void append(const char* message);

 private:
  std::string text_;
  LibbpfLog* outer_;
};

// The capabilities that decide what the kernel lets this process load.
struct Privileges {
  bool sys_admin = false;
  bool bpf = false;
  bool perfmon = false;
  bool net_admin = false;
  static Privileges of_this_process();  // from /proc/self/status (CapEff)
  bool can_load_bpf() const { return sys_admin || (bpf && perfmon); }
};

// "EPERM", "EINVAL", ... or the number.
std::string errno_name(int err);

// The lines (without a prefix or newline) that explain why bpf_object__load of `obj`, named
// `object_name`, failed with -`err`, given what libbpf logged meanwhile. `verbose`: the whole
// log was already printed, so only the summary is needed.
std::vector<std::string> explain_load_failure(int err, const std::string& object_name, bpf_object* obj,
                                              const std::string& libbpf_log, const Privileges& privileges,
                                              bool verbose);

// The same for bpf_object__open_mem (the bytes are not an object libbpf accepts).
std::vector<std::string> explain_open_failure(int err, const std::string& libbpf_log, bool verbose);

}  // namespace wb::bpf
