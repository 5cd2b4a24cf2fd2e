// SPDX-License-Identifier: MIT
#include "bpf/load_diagnosis.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace wb::bpf {

namespace {

thread_local LibbpfLog* t_active = nullptr;

constexpr int kEnotsupp = 524;  // the kernel's internal ENOTSUPP, which bpf(2) can return
constexpr size_t kVerifierTailLines = 10;
constexpr size_t kLibbpfTailLines = 4;

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
    start = end + 1;
  }
  return out;
}

// The verifier's log of the failed program: what libbpf printed between its markers.
std::vector<std::string> verifier_log(const std::string& log) {
  const std::string begin = "-- BEGIN PROG LOAD LOG --";
  const std::string end = "-- END PROG LOAD LOG --";
  const size_t b = log.rfind(begin);
  if (b == std::string::npos) return {};
  const size_t from = b + begin.size();
  const size_t e = log.find(end, from);
  return split_lines(std::string_view(log).substr(from, (e == std::string::npos ? log.size() : e) - from));
}

// libbpf's own lines ("libbpf: ..."), without the prefix, the verifier's log and the final
// "failed to load object" (which the headline says).
std::vector<std::string> libbpf_lines(const std::string& log) {
  std::vector<std::string> out;
  bool in_verifier_log = false;
  for (const std::string& line : split_lines(log)) {
    if (line.find("-- BEGIN PROG LOAD LOG --") != std::string::npos) {
      in_verifier_log = true;
      continue;
    }
    if (line.find("-- END PROG LOAD LOG --") != std::string::npos) {
      in_verifier_log = false;
      continue;
    }
    if (in_verifier_log || line.rfind("libbpf: ", 0) != 0) continue;
    std::string text = line.substr(8);
    if (text.rfind("failed to load object", 0) == 0) continue;
    // libbpf's guess for any EPERM as root; this kernel charges BPF memory to the cgroup
    // (Linux 5.11+) and libbpf raises the limit itself where it still counts.
    if (text.find("try raising 'ulimit -l'") != std::string::npos) continue;
    out.push_back(std::move(text));
  }
  return out;
}

// The quoted name after `what` ("prog '" or "map '") in the first line that has `marker`.
std::string quoted_name(const std::string& log, const std::string& what, const std::string& marker) {
  for (const std::string& line : split_lines(log)) {
    const size_t at = line.find(what);
    if (at == std::string::npos || line.find(marker) == std::string::npos) continue;
    const size_t from = at + what.size();
    const size_t to = line.find('\'', from);
    if (to != std::string::npos) return line.substr(from, to - from);
  }
  return {};
}

std::string errno_text(int err) {
  if (err == kEnotsupp) return "ENOTSUPP: not supported by this kernel";
  if (err >= 4000 && err < 4100) {  // libbpf's own codes (LIBBPF_ERRNO__*)
    char buf[128];
    libbpf_strerror(err, buf, sizeof buf);
    return buf;
  }
  return errno_name(err) + ": " + std::strerror(err);
}

std::string program_label(bpf_object* obj, const std::string& prog) {
  std::string label = "program '" + prog + "'";
  if (obj == nullptr) return label;
  if (const bpf_program* p = bpf_object__find_program_by_name(obj, prog.c_str())) {
    if (const char* sec = bpf_program__section_name(p)) label += " (SEC(\"" + std::string(sec) + "\"))";
  }
  return label;
}

void add_tail(std::vector<std::string>& out, const std::vector<std::string>& lines, size_t n, const char* indent) {
  const size_t from = lines.size() > n ? lines.size() - n : 0;
  for (size_t i = from; i < lines.size(); ++i) out.push_back(indent + lines[i]);
}

}  // namespace

LibbpfLog::LibbpfLog() : outer_(t_active) { t_active = this; }
LibbpfLog::~LibbpfLog() { t_active = outer_; }

void LibbpfLog::append(const char* message) {
  if (t_active != nullptr) t_active->text_ += message;
}

Privileges Privileges::of_this_process() {
  Privileges p;
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const unsigned long long caps = std::strtoull(line.c_str() + 7, nullptr, 16);
    auto has = [caps](int bit) { return (caps >> bit) & 1; };
    p.net_admin = has(12);
    p.sys_admin = has(21);
    p.perfmon = has(38);
    p.bpf = has(39);
  }
  return p;
}

std::string errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ERANGE: return "ERANGE";
    case ENOSYS: return "ENOSYS";
    case ENOTSUP: return "EOPNOTSUPP";
    case ENOEXEC: return "ENOEXEC";
    case ELOOP: return "ELOOP";
    case kEnotsupp: return "ENOTSUPP";
  }
  return "errno " + std::to_string(err);
}

std::vector<std::string> explain_load_failure(int err, const std::string& object_name, bpf_object* obj,
                                              const std::string& log, const Privileges& privileges, bool verbose) {
  std::vector<std::string> out;
  const std::string head = "cannot load BPF object '" + object_name + "': ";
  const std::string why = " (" + errno_text(err) + ")";
  const std::vector<std::string> libbpf = libbpf_lines(log);
  const std::string more = "(wasm-bpf run -v prints all of libbpf's messages)";

  if ((err == EPERM || err == EACCES) && !privileges.can_load_bpf()) {
    out.push_back(head + "loading BPF programs needs root, or the capabilities CAP_BPF and CAP_PERFMON (CAP_NET_ADMIN "
                         "too for xdp, tc and socket programs)" + why);
    out.push_back("run wasm-bpf as root (sudo), or give it those capabilities (a container: --cap-add BPF "
                  "--cap-add PERFMON)");
    return out;
  }

  const std::string prog = quoted_name(log, "prog '", "load failed");
  const std::vector<std::string> vlog = verifier_log(log);
  if (!prog.empty() && !vlog.empty()) {
    out.push_back(head + "the kernel's verifier rejected " + program_label(obj, prog) + why);
    if (!verbose) {
      out.push_back("the end of the verifier's log:");
      add_tail(out, vlog, kVerifierTailLines, "  ");
      out.push_back("(wasm-bpf run -v prints the whole log)");
    }
    return out;
  }

  if (!prog.empty()) {
    std::string what = "the kernel refused " + program_label(obj, prog);
    if (err == EPERM)
      what += " although wasm-bpf has CAP_BPF and CAP_PERFMON: this kernel does not allow programs of this kind "
              "here (lockdown, a security module or its configuration)";
    else if (err == EINVAL || err == ENOTSUP || err == kEnotsupp || err == E2BIG || err == ENOENT || err == ESRCH)
      what += ": this kernel may lack something it needs (its program type, attach point, a BPF helper or BTF)";
    out.push_back(head + what + why);
  } else if (const std::string map = quoted_name(log, "map '", "failed to create"); !map.empty()) {
    std::string what = "the kernel could not create map '" + map + "'";
    if (err == EINVAL || err == ENOTSUP || err == kEnotsupp) what += ": this kernel may not support its type or flags";
    if (err == ENOMEM || err == E2BIG) what += ": it is too large for this kernel's limits";
    out.push_back(head + what + why);
  } else if (err == ENOENT || err == ESRCH) {
    out.push_back(head + "something it refers to is missing from this kernel (a function, tracepoint or BTF type)" +
                  why);
  } else {
    out.push_back(head.substr(0, head.size() - 2) + why);
  }
  if (!verbose && !libbpf.empty()) {
    out.push_back("libbpf said:");
    add_tail(out, libbpf, kLibbpfTailLines, "  ");
    out.push_back(more);
  }
  return out;
}

std::vector<std::string> explain_open_failure(int err, const std::string& log, bool verbose) {
  std::vector<std::string> out;
  out.push_back("the guest gave a BPF object that libbpf cannot open (" + errno_text(err) +
                "): it is not a valid BPF ELF object");
  const std::vector<std::string> libbpf = libbpf_lines(log);
  if (!verbose && !libbpf.empty()) {
    out.push_back("libbpf said:");
    add_tail(out, libbpf, kLibbpfTailLines, "  ");
  }
  return out;
}

}  // namespace wb::bpf
