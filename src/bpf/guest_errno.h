// SPDX-License-Identifier: MIT
// Errors handed to guests: negative errno values in the guest's numbering (WASI, i.e.
// wasi-libc's errno.h), so `err == -ENOENT` in guest code means what it says.
#pragma once

#include <cerrno>
#include <cstdint>

#include "wasi/errno.h"

namespace wb::bpf {

inline int32_t guest_err(int host_errno) { return -static_cast<int32_t>(wasi::errno_from_host(host_errno)); }

// The same for resolving a guest path: EXDEV is how a path that leaves its preopened
// directory fails (openat2 RESOLVE_BENEATH), and the guest sees ENOTCAPABLE, as for its own
// path calls.
inline int32_t guest_path_err(int host_errno) {
  return host_errno == EXDEV ? -static_cast<int32_t>(wasi::kNotCapable) : guest_err(host_errno);
}

}  // namespace wb::bpf
