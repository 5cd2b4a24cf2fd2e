// SPDX-License-Identifier: MIT
// The `wasm_bpf` host module over libbpf (the binary contract is docs/abi.md; what this
// host decides beyond it is in docs/bpf-host.md): BPF objects
// loaded from guest memory behind opaque handles, attachment by section name or target,
// ring-buffer and perf-buffer polling with guest callbacks, checked map operations.
// Everything the guest created is detached and closed when the host is destroyed, however
// the guest ended.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bpf/policy.h"
#include "common/stop_request.h"
#include "wasm/engine.h"

namespace wb::bpf {

struct BpfHostOptions {
  bool verbose = false;  // show libbpf's own messages on stderr
  // The name of the guest's BPF objects (the prefix of their internal maps, such as
  // NAME.rodata, in `bpftool map show`): the module's name. At most 15 characters of
  // [A-Za-z0-9_] are kept; empty: "guest".
  std::string object_name;
  // Kernel memory the maps of all the guest's open objects may take together (estimated from
  // their types and sizes before loading; ring buffers count their size, perf buffers what
  // the host maps per CPU). An object that would go over is refused. 0: no limit.
  uint64_t max_map_bytes = 256ull << 20;
  // Objects the guest may have open at once (each holds kernel memory and fds).
  uint32_t max_objects = 64;
  // What the programs may do (policy.h): refused objects are not loaded.
  Policy policy;
  // Why an object did not load, one line at a time (default: "wasm-bpf: LINE" on stderr).
  // The guest itself gets only handle 0.
  std::function<void(const std::string& line)> diagnostic;
  // Go/TinyGo guests: the module of the callback-taking poll function and the export the
  // host calls back.
  std::string go_callback_module = "callback-wrapper";
  std::string go_callback_export = "go-callback";
  // Maps a guest fd (e.g. a preopened cgroup directory) to a host fd, for
  // wasm_attach_bpf_program_fd.
  std::function<std::optional<int>(int guest_fd)> host_fd_of_guest_fd;
  // Opens a directory named by a guest path (the cgroup target of wasm_attach_bpf_program)
  // inside the guest's preopened directories: a host fd the caller closes, or -errno
  // (-EXDEV: not inside any of them). Unset: every such path is refused (ENOTCAPABLE).
  std::function<int(std::string_view guest_path)> open_guest_dir;
  // Blocking polls give up when this fires (the guest is stopped outright).
  wasm::InterruptHandle interrupt;
  // Once this is made (SIGINT, SIGTERM, timeout: the guest is asked to finish), every poll
  // delivers what the buffer holds and returns -EINTR, as libbpf's do when a signal arrives.
  StopRequest stop_request;
};

class BpfHost {
 public:
  explicit BpfHost(BpfHostOptions options);
  ~BpfHost();  // detaches every link and closes every object
  BpfHost(const BpfHost&) = delete;
  BpfHost& operator=(const BpfHost&) = delete;

  // Defines `wasm_bpf` (7 functions) and the Go callback-wrapper module.
  void define(wasm::Store& store, wasm::Imports& imports);
  // Detaches and closes everything now (also done by the destructor).
  void close_all();
  size_t object_count() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace wb::bpf
