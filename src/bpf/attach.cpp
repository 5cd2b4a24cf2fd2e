// SPDX-License-Identifier: MIT
#include "bpf/attach.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "bpf/guest_errno.h"

namespace wb::bpf {

namespace {

// The tcx attach points of the kernel's uapi (enum bpf_attach_type in linux/bpf.h, kernel
// >= 6.6). The installed uapi headers and libbpf 1.1 predate them, hence the numbers.
constexpr int kBpfTcxIngress = 46;
constexpr int kBpfTcxEgress = 47;
// The kernel's internal "operation not supported" (not in userspace errno.h).
constexpr int kKernelEnotsupp = 524;

bool is_cgroup_type(bpf_prog_type type) {
  switch (type) {
    case BPF_PROG_TYPE_CGROUP_SKB:
    case BPF_PROG_TYPE_CGROUP_SOCK:
    case BPF_PROG_TYPE_SOCK_OPS:
    case BPF_PROG_TYPE_CGROUP_DEVICE:
    case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case BPF_PROG_TYPE_CGROUP_SYSCTL:
    case BPF_PROG_TYPE_CGROUP_SOCKOPT: return true;
    default: return false;
  }
}

// An interface target is "IFNAME" or, for tc, "IFNAME:ingress" / "IFNAME:egress" (interface
// names cannot contain ':'). Anything else is refused rather than guessed at.
struct InterfaceTarget {
  std::string name;
  std::string_view suffix;  // after the ':'
  bool has_suffix = false;
};

InterfaceTarget split_target(std::string_view target) {
  InterfaceTarget t;
  size_t colon = target.find(':');
  t.name = std::string(target.substr(0, colon));
  if (colon != std::string_view::npos) {
    t.has_suffix = true;
    t.suffix = target.substr(colon + 1);
  }
  return t;
}

// The index of interface `name` (> 0), or a negative guest errno.
int32_t ifindex_of(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return guest_err(EINVAL);
  unsigned idx = if_nametoindex(name.c_str());
  return idx == 0 ? guest_err(ENODEV) : static_cast<int32_t>(idx);
}

// A uprobe section names a host binary ("uprobe/PATH:FUNC", also uretprobe and the sleepable
// ".s" forms) that libbpf opens to find the function: a FIFO or a device there would block it
// for ever, or read what it should not. Only regular files are traced. (A name without '/' is
// looked up by libbpf in PATH and the library directories.)
int32_t check_uprobe_target(const bpf_program* prog) {
  const char* sec = bpf_program__section_name(prog);
  if (sec == nullptr) return 0;
  std::string_view s(sec);
  for (std::string_view prefix : {"uprobe/", "uretprobe/", "uprobe.s/", "uretprobe.s/"}) {
    if (!s.starts_with(prefix)) continue;
    std::string_view rest = s.substr(prefix.size());
    const std::string path(rest.substr(0, rest.find(':')));
    if (path.find('/') == std::string::npos) return 0;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return guest_err(errno);
    return S_ISREG(st.st_mode) ? 0 : guest_err(EINVAL);
  }
  return 0;
}

int32_t attach_link(bpf_link* link, Attachment& out) {
  if (link == nullptr) return guest_err(errno);
  out.link = link;
  return 0;
}

// tc: a tcx link where the kernel has them (the kernel detaches it when the last fd closes,
// so even a SIGKILLed wasm-bpf leaves nothing behind); otherwise a netlink tc filter, which
// outlives the process unless the host removes it.
int32_t attach_tc(bpf_program* prog, int ifindex, bool egress, Attachment& out) {
  const int prog_fd = bpf_program__fd(prog);
  int fd = bpf_link_create(prog_fd, ifindex, static_cast<bpf_attach_type>(egress ? kBpfTcxEgress : kBpfTcxIngress),
                           nullptr);
  if (fd >= 0) {
    out.link_fd = fd;
    return 0;
  }
  const int err = errno;
  // Kernels before 6.6 (or without CONFIG_NET_XGRESS) refuse the attach type with EINVAL.
  if (err != EINVAL && err != EOPNOTSUPP && err != kKernelEnotsupp) return guest_err(err);

  out.tc_hook.sz = sizeof(out.tc_hook);
  out.tc_hook.ifindex = ifindex;
  out.tc_hook.attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
  int r = bpf_tc_hook_create(&out.tc_hook);
  if (r && r != -EEXIST) return guest_err(-r);
  out.tc_hook_created = r == 0;
  out.tc_opts.sz = sizeof(out.tc_opts);
  out.tc_opts.prog_fd = prog_fd;
  r = bpf_tc_attach(&out.tc_hook, &out.tc_opts);
  if (r) {
    if (out.tc_hook_created) {
      out.tc_hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
      bpf_tc_hook_destroy(&out.tc_hook);
    }
    out.tc_hook_created = false;
    return guest_err(-r);
  }
  out.netlink_tc = true;
  return 0;
}

// A socket filter runs on an AF_PACKET socket bound to the interface, held until detach.
int32_t attach_socket_filter(bpf_program* prog, int ifindex, Attachment& out) {
  const int prog_fd = bpf_program__fd(prog);
  int s = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (s < 0) return guest_err(errno);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex;
  sll.sll_protocol = htons(ETH_P_ALL);
  if (::bind(s, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0 ||
      ::setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof prog_fd) != 0) {
    int saved = errno;
    ::close(s);
    return guest_err(saved);
  }
  out.socket_fd = s;
  return 0;
}

}  // namespace

Attachment::Attachment(Attachment&& other) noexcept { *this = std::move(other); }

Attachment& Attachment::operator=(Attachment&& other) noexcept {
  if (this == &other) return *this;
  detach();
  link = std::exchange(other.link, nullptr);
  link_fd = std::exchange(other.link_fd, -1);
  netlink_tc = std::exchange(other.netlink_tc, false);
  tc_hook = other.tc_hook;
  tc_opts = other.tc_opts;
  tc_hook_created = std::exchange(other.tc_hook_created, false);
  socket_fd = std::exchange(other.socket_fd, -1);
  return *this;
}

void Attachment::detach() {
  if (link) bpf_link__destroy(link);
  link = nullptr;
  if (link_fd >= 0) ::close(link_fd);
  link_fd = -1;
  if (netlink_tc) {
    tc_opts.flags = tc_opts.prog_fd = tc_opts.prog_id = 0;
    bpf_tc_detach(&tc_hook, &tc_opts);
    if (tc_hook_created) {
      tc_hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
      bpf_tc_hook_destroy(&tc_hook);
    }
    netlink_tc = false;
    tc_hook_created = false;
  }
  if (socket_fd >= 0) ::close(socket_fd);
  socket_fd = -1;
}

int32_t attach_program(bpf_program* prog, std::string_view target, const OpenGuestDir& open_guest_dir,
                       Attachment& out) {
  if (int32_t r = check_uprobe_target(prog); r < 0) return r;
  if (target.empty()) return attach_link(bpf_program__attach(prog), out);
  const bpf_prog_type type = bpf_program__type(prog);
  if (is_cgroup_type(type)) {
    // The guest names the cgroup by a path inside its preopened directories, never a host
    // path: a guest given no --dir must not reach the root cgroup.
    if (!open_guest_dir) return guest_path_err(EXDEV);
    int cg = open_guest_dir(target);
    if (cg < 0) return guest_path_err(-cg);
    int32_t r = attach_link(bpf_program__attach_cgroup(prog, cg), out);
    ::close(cg);
    return r;
  }
  if (type != BPF_PROG_TYPE_XDP && type != BPF_PROG_TYPE_SCHED_CLS && type != BPF_PROG_TYPE_SOCKET_FILTER)
    return attach_link(bpf_program__attach(prog), out);  // other types: the section name decides

  InterfaceTarget t = split_target(target);
  int32_t ifindex = ifindex_of(t.name);
  if (ifindex < 0) return ifindex;
  if (type == BPF_PROG_TYPE_SCHED_CLS) {
    bool egress;
    if (!t.has_suffix) {
      const char* sec = bpf_program__section_name(prog);
      egress = sec != nullptr && std::string_view(sec).find("egress") != std::string_view::npos;
    } else if (t.suffix == "egress") {
      egress = true;
    } else if (t.suffix == "ingress") {
      egress = false;
    } else {
      return guest_err(EINVAL);
    }
    return attach_tc(prog, ifindex, egress, out);
  }
  if (t.has_suffix) return guest_err(EINVAL);  // "eth0:junk" is not an interface
  if (type == BPF_PROG_TYPE_XDP) return attach_link(bpf_program__attach_xdp(prog, ifindex), out);
  return attach_socket_filter(prog, ifindex, out);
}

int32_t attach_program_to_cgroup_fd(bpf_program* prog, int cgroup_fd, Attachment& out) {
  if (!is_cgroup_type(bpf_program__type(prog))) return guest_err(EINVAL);
  return attach_link(bpf_program__attach_cgroup(prog, cgroup_fd), out);
}

}  // namespace wb::bpf
