// SPDX-License-Identifier: MIT
// WASI preview 1 (`wasi_snapshot_preview1`, also importable as `wasi_unstable`) over POSIX.
//
// The guest sees only the directories it is given (fds 3, 4, ... in order) and no path ever
// resolves outside them: `..`, absolute paths and symlinks that point out are refused (the
// kernel enforces it with openat2 RESOLVE_BENEATH, hence Linux >= 5.6). Blocking calls
// (poll_oneoff, reads and writes on pipes and terminals, opening a FIFO) wait in short slices
// and give up when the interrupt handle fires. After a stop request (see
// common/stop_request.h) the first wait to read or to sleep returns early (a sleep as if its
// time had come, a read or a poll of descriptors with EINTR), so that the guest can finish;
// any later one, and opening a FIFO, ends the guest. Writes go on until the interrupt: they
// are how the guest's last output gets out.
//
// Guest fds 1 and 2 look like terminals (character devices without the seek and tell
// rights) whatever they are on the host, so that C guests line-buffer them (wasi-libc does
// when isatty() holds) and no complete line is ever lost when a guest is stopped.
//
// Both import names are served: `wasi_unstable` (preview 0) differs from preview 1 in the
// layout of subscriptions (56 bytes: the clock case starts with a u64 identifier) and of
// filestat (nlink is u32, 56 bytes), and in whence numbering (cur 0, end 1, set 2).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/stop_request.h"
#include "wasi/stdio_stream.h"
#include "wasm/engine.h"

namespace wb::wasi {

struct Preopen {
  std::string host_path;   // a directory on the host
  std::string guest_path;  // the name the guest sees (e.g. "/data" or ".")
  bool read_only = false;  // nothing beneath it can be written, created or removed (EROFS)
};

struct WasiConfig {
  std::vector<std::string> args;  // argv, argv[0] included
  std::vector<std::string> env;   // "KEY=VALUE"
  std::vector<Preopen> preopens;
  int stdin_fd = 0;  // host fds for guest fds 0, 1, 2 (not closed by WASI)
  int stdout_fd = 1;
  int stderr_fd = 2;
  // When set, guest fd 0, 1 or 2 is this stream instead of the host fd above.
  std::shared_ptr<StdioStream> stdin_stream;
  std::shared_ptr<StdioStream> stdout_stream;
  std::shared_ptr<StdioStream> stderr_stream;
  wasm::InterruptHandle interrupt;  // blocking calls return when it fires
  StopRequest stop_request;         // blocking calls return early once it is made
  // Called when a write to the guest's stdout or stderr finds the pipe closed (EPIPE, the
  // guest gets EPIPE too): `wasm-bpf run ... | head` asks the guest to finish, as SIGPIPE
  // ends a native tool. Unset: nothing happens but the error.
  std::function<void()> on_broken_pipe;
  // Open guest fds (stdio and preopens included) at most; path_open beyond is EMFILE. Each
  // is a host fd of wasm-bpf's.
  size_t max_open_files = 1024;
  // Bytes the guest may write into files it opened (beneath its --dir directories), grow
  // them by (fd_filestat_set_size) or allocate (fd_allocate), over the whole run; beyond,
  // writes are short and then fail with ENOSPC. 0: no limit. stdout and stderr do not count.
  uint64_t max_write_bytes = 0;
  // Told once when the write budget runs out (default: a line on stderr).
  std::function<void(const std::string&)> diagnostic;
};

class WasiContext {
 public:
  // Opens the preopened directories; fails with a clear message if one cannot be opened.
  static Result<std::unique_ptr<WasiContext>> create(WasiConfig config);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Defines all 46 functions under both module names.
  void define(wasm::Store& store, wasm::Imports& imports);
  // The host fd behind guest fd `fd` (e.g. a preopened directory), if open.
  std::optional<int> host_fd(uint32_t fd);
  // Opens `path` as the guest would name it in its own path calls (absolute, or relative to
  // the working directory "/"): beneath the preopened directory that covers it, with the
  // same confinement (openat2 RESOLVE_BENEATH). Returns a new host fd, which the caller
  // closes, or -errno: -EXDEV when no preopen covers the path or it resolves outside one
  // (the guest's ENOTCAPABLE). For host services that take guest paths (e.g. a cgroup to
  // attach a BPF program to).
  int open_guest_path(std::string_view path, int flags);

  struct Impl;

 private:
  explicit WasiContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wb::wasi
