// SPDX-License-Identifier: MIT
#include "tc_links.h"

#include <bpf/bpf.h>
#include <net/if.h>
#include <unistd.h>

#include <cstdint>

#include "process.h"

namespace wb::bpftest {

namespace {

// The kernel's link type and attach points of tcx links (uapi linux/bpf.h, kernel >= 6.6;
// newer than the installed headers).
constexpr uint32_t kLinkTypeTcx = 11;
constexpr uint32_t kTcxIngress = 46, kTcxEgress = 47;

std::string prog_name(uint32_t id) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return "";
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  std::string name = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.name : "";
  close(fd);
  return name;
}

bool tcx_link_attached(uint32_t ifindex, uint32_t attach_type, const std::string& prog_prefix) {
  uint32_t id = 0;
  while (bpf_link_get_next_id(id, &id) == 0) {
    int fd = bpf_link_get_fd_by_id(id);
    if (fd < 0) continue;
    // The kernel's struct bpf_link_info: type, id, prog_id, then (8-aligned) the tcx member
    // of the union, {ifindex, attach_type}. The kernel copies min(len, its size).
    alignas(8) uint32_t raw[64] = {};
    uint32_t len = sizeof raw;
    bool match = bpf_obj_get_info_by_fd(fd, raw, &len) == 0 && raw[0] == kLinkTypeTcx && raw[4] == ifindex &&
                 raw[5] == attach_type && prog_name(raw[2]).rfind(prog_prefix, 0) == 0;
    close(fd);
    if (match) return true;
  }
  return false;
}

}  // namespace

bool tc_attached(const std::string& ifname, const std::string& direction, const std::string& prog_prefix) {
  const uint32_t ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return false;
  if (tcx_link_attached(ifindex, direction == "egress" ? kTcxEgress : kTcxIngress, prog_prefix)) return true;
  for (const char* tc : {"/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc", "/bin/tc"}) {
    if (access(tc, X_OK) != 0) continue;
    auto r = wb::test::run_process(tc, {"filter", "show", "dev", ifname, direction}, 10000);
    return r.out.find(prog_prefix) != std::string::npos;
  }
  return false;
}

}  // namespace wb::bpftest
