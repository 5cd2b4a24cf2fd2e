// SPDX-License-Identifier: MIT
// What tc has attached to an interface, for the eBPF host tests and the example tests:
// tcx links (kernel >= 6.6, listed by the kernel's link ids) and netlink tc filters.
#pragma once

#include <string>

namespace wb::bpftest {

// Whether a program whose name starts with `prog_prefix` is attached to `ifname` at
// `direction` ("ingress" / "egress") by tc: a tcx link, or a netlink tc filter (kernels
// without tcx).
bool tc_attached(const std::string& ifname, const std::string& direction, const std::string& prog_prefix);

}  // namespace wb::bpftest
