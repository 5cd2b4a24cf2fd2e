// SPDX-License-Identifier: MIT
// Attaching one BPF program the way wasm_attach_bpf_program(_fd) asks: by section name, or
// to a target interpreted by program type (xdp / tc / socket filter: an interface; cgroup
// programs: a cgroup directory the guest names inside its preopened directories, or opened
// as a guest fd). What was attached is kept in an Attachment, undone by detach().
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <functional>
#include <string_view>

namespace wb::bpf {

class Attachment {
 public:
  Attachment() = default;
  ~Attachment() { detach(); }
  Attachment(Attachment&& other) noexcept;
  Attachment& operator=(Attachment&& other) noexcept;
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;

  // Undoes the attachment now (idempotent).
  void detach();

  // Exactly one of these is set once attached.
  bpf_link* link = nullptr;  // a libbpf link (tracing, xdp, cgroup, ...)
  int link_fd = -1;          // a kernel link made directly (tcx); the kernel drops it with the fd
  bool netlink_tc = false;   // a tc filter added by netlink (kernels without tcx)
  bpf_tc_hook tc_hook{};
  bpf_tc_opts tc_opts{};
  bool tc_hook_created = false;  // we created the clsact qdisc: remove it too
  int socket_fd = -1;            // the AF_PACKET socket carrying a socket filter
};

// Opens a directory named by a guest path, confined to the guest's preopened directories:
// a host fd (the caller closes it) or -errno (-EXDEV: outside every preopen).
using OpenGuestDir = std::function<int(std::string_view guest_path)>;

// wasm_attach_bpf_program: `target` empty auto-attaches from the section name. Returns 0 or
// a negative guest errno; on success `out` holds the attachment.
int32_t attach_program(bpf_program* prog, std::string_view target, const OpenGuestDir& open_guest_dir,
                       Attachment& out);

// wasm_attach_bpf_program_fd with fd >= 0: a cgroup program on the cgroup directory open as
// host fd `cgroup_fd`.
int32_t attach_program_to_cgroup_fd(bpf_program* prog, int cgroup_fd, Attachment& out);

}  // namespace wb::bpf
