// SPDX-License-Identifier: MIT
// Internal to src/wasi: the state behind WasiContext and helpers shared by the files that
// define the WASI functions (wasi.cpp: process, args, clocks; wasi_fd.cpp: fd_*;
// wasi_path.cpp: path_*; poll.cpp: poll_oneoff).
#pragma once

#include <algorithm>
#include <cstdio>

#include <sys/uio.h>
#include <time.h>

#include <optional>
#include <string>
#include <vector>

#include "wasi/errno.h"
#include "wasi/fd_table.h"
#include "wasi/wasi.h"
#include "wasm/host.h"

namespace wb::wasi {

// Rights bits (the same in wasi_unstable and preview 1).
constexpr uint64_t kRightFdDatasync = 1ull << 0;
constexpr uint64_t kRightFdRead = 1ull << 1;
constexpr uint64_t kRightFdSeek = 1ull << 2;
constexpr uint64_t kRightFdFdstatSetFlags = 1ull << 3;
constexpr uint64_t kRightFdSync = 1ull << 4;
constexpr uint64_t kRightFdTell = 1ull << 5;
constexpr uint64_t kRightFdWrite = 1ull << 6;
constexpr uint64_t kRightFdAdvise = 1ull << 7;
constexpr uint64_t kRightFdAllocate = 1ull << 8;
constexpr uint64_t kRightPathCreateDirectory = 1ull << 9;
constexpr uint64_t kRightPathCreateFile = 1ull << 10;
constexpr uint64_t kRightPathLinkSource = 1ull << 11;
constexpr uint64_t kRightPathLinkTarget = 1ull << 12;
constexpr uint64_t kRightPathOpen = 1ull << 13;
constexpr uint64_t kRightFdReaddir = 1ull << 14;
constexpr uint64_t kRightPathReadlink = 1ull << 15;
constexpr uint64_t kRightPathRenameSource = 1ull << 16;
constexpr uint64_t kRightPathRenameTarget = 1ull << 17;
constexpr uint64_t kRightPathFilestatGet = 1ull << 18;
constexpr uint64_t kRightPathFilestatSetTimes = 1ull << 20;
constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
constexpr uint64_t kRightFdFilestatSetSize = 1ull << 22;
constexpr uint64_t kRightFdFilestatSetTimes = 1ull << 23;
constexpr uint64_t kRightPathSymlink = 1ull << 24;
constexpr uint64_t kRightPathRemoveDirectory = 1ull << 25;
constexpr uint64_t kRightPathUnlinkFile = 1ull << 26;
constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;
constexpr uint64_t kRightPathFilestatSetSizeDeprecated = 1ull << 19;
// The path operations that change a directory (or, for a link's source, let a file be
// written through a name elsewhere): refused with EROFS beneath a read-only preopen.
constexpr uint64_t kMutatingPathRights =
    kRightPathCreateDirectory | kRightPathCreateFile | kRightPathLinkSource | kRightPathLinkTarget |
    kRightPathRenameSource | kRightPathRenameTarget | kRightPathFilestatSetSizeDeprecated |
    kRightPathFilestatSetTimes | kRightPathSymlink | kRightPathRemoveDirectory | kRightPathUnlinkFile;
// What a directory fd may have: the path operations and the fd operations that make sense
// for a directory. Without the file rights (read, write, seek, tell, ...), fd_fdstat_get
// shows a directory as wasmtime does and those calls fail (with EBADF, see file_fd).
constexpr uint64_t kDirectoryRights =
    kRightFdFdstatSetFlags | kRightFdSync | kRightPathCreateDirectory | kRightPathCreateFile |
    kRightPathLinkSource | kRightPathLinkTarget | kRightPathOpen | kRightFdReaddir | kRightPathReadlink |
    kRightPathRenameSource | kRightPathRenameTarget | kRightPathFilestatGet | kRightPathFilestatSetSizeDeprecated |
    kRightPathFilestatSetTimes | kRightFdFilestatGet | kRightFdFilestatSetTimes | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile;
// The rights that make path_open open the host file for writing.
constexpr uint64_t kWriteRights = kRightFdDatasync | kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize;

// fdflags, oflags, lookupflags, fstflags
constexpr uint16_t kFdAppend = 1, kFdDsync = 2, kFdNonblock = 4, kFdRsync = 8, kFdSync = 16;
constexpr uint16_t kOCreat = 1, kODirectory = 2, kOExcl = 4, kOTrunc = 8;
constexpr uint32_t kLookupFollow = 1;
constexpr uint16_t kAtim = 1, kAtimNow = 2, kMtim = 4, kMtimNow = 8;

// How long a blocking call waits before checking whether the guest must stop.
constexpr int kWaitSliceMs = 20;

// Linux's IOV_MAX: more iovecs than this is EINVAL, as for readv/writev.
constexpr uint32_t kMaxIovecs = 1024;

inline uint64_t timespec_ns(const struct timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

inline wasm::Trap no_memory_trap() {
  return wasm::Trap{wasm::TrapKind::Host, "WASI call from a module without an exported memory", "", 0};
}
inline wasm::Trap interrupted_trap() { return wasm::Trap{wasm::TrapKind::Interrupted, "interrupted", "", 0}; }

// The host clock for a WASI clock id.
bool host_clock(uint32_t id, clockid_t& out);

using R = wasm::HostResult<int32_t>;

// Registers host functions under one module name.
struct Definer {
  wasm::Store& store;
  wasm::Imports& imports;
  const std::string& module;
  template <class F>
  void operator()(const char* name, F fn) const {
    imports.add(module, name, wasm::define_host(store, module + "." + name, std::move(fn)));
  }
};

struct WasiContext::Impl {
  WasiConfig cfg;
  FdTable fds;
  bool unstable = false;  // set per call: wasi_unstable's whence numbering and filestat

  bool stop_requested() const { return cfg.interrupt.stop_requested(); }
  // For waits that cannot return early (opening a FIFO): a stop request ends the guest.
  StopCheck stop_check() const {
    return [this] { return stop_requested() || cfg.stop_request.requested(); };
  }

  // What a wait to read or to sleep does now that nothing is ready (see wasi.h): go on
  // waiting, return early (once, after a stop request), or end the guest.
  enum class WaitVerdict { keep_waiting, return_early, end_guest };
  WaitVerdict wait_verdict() {
    if (stop_requested()) return WaitVerdict::end_guest;
    if (!cfg.stop_request.requested()) return WaitVerdict::keep_waiting;
    if (early_return_used) return WaitVerdict::end_guest;
    early_return_used = true;
    return WaitVerdict::return_early;
  }
  bool early_return_used = false;

  // The write budget (WasiConfig::max_write_bytes): how many of `want` bytes may be written
  // now (0: none left, or nothing asked), and the charge for what was.
  uint64_t written = 0;
  uint64_t write_allowance(uint64_t want) {
    if (cfg.max_write_bytes == 0) return want;
    const uint64_t left = written >= cfg.max_write_bytes ? 0 : cfg.max_write_bytes - written;
    if (left < want && !write_limit_told) {
      write_limit_told = true;
      const std::string line = "the guest reached its write limit of " + std::to_string(cfg.max_write_bytes) +
                               " bytes (--max-write): its writes to files now fail with ENOSPC";
      if (cfg.diagnostic) cfg.diagnostic(line);
      else std::fprintf(stderr, "wasm-bpf: %s\n", line.c_str());
    }
    return std::min(want, left);
  }
  bool write_limit_told = false;

  // The WASI errno for a (positive) host errno or kEscapeErrno.
  static int32_t err(int host_errno) {
    if (host_errno == kEscapeErrno) return kNotCapable;
    return errno_from_host(host_errno);
  }

  // Waits until host fd `fd` is ready for `events` (POLLIN or POLLOUT), checking for stop
  // requests between slices: keep_waiting when it is ready, else what wait_verdict() says
  // (reads) or end_guest at the interrupt (writes).
  WaitVerdict wait_ready(int fd, short events);

  // Host iovecs from guest iovecs (each range checked): kSuccess, kInval or kFault.
  static int32_t gather(wasm::Memory& m, uint32_t iovs, uint32_t n, std::vector<struct iovec>& out);

  int32_t write_filestat(wasm::Memory& m, uint32_t buf, const struct stat& st) const;
  static bool times_from(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2]);
  static std::optional<std::string> guest_path(wasm::Memory& m, uint32_t ptr, uint32_t len);

  // An open fd with `rights` (EBADF, ENOTCAPABLE otherwise).
  FdEntry* fd_with(uint32_t fd, uint64_t rights, int32_t& e);
  // The same for operations on file contents (read, write, seek, tell, allocate, truncate,
  // advise): a directory fd is EBADF for them, as in wasmtime.
  FdEntry* file_fd(uint32_t fd, uint64_t rights, int32_t& e);
  // A directory fd with `rights`, for path operations (also ENOTDIR).
  FdEntry* dir(uint32_t fd, uint64_t rights, int32_t& e);

  int32_t poll_oneoff(wasm::Memory& m, uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_ptr,
                      bool unstable_abi, bool& stop);
  int32_t readdir(wasm::Memory& m, FdEntry& d, uint32_t buf, uint32_t len, uint64_t cookie, uint32_t used_ptr);
  // fd_read/fd_write and their positional forms.
  R read_write(wasm::Memory& m, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out, bool write,
               bool positional, uint64_t offset);
  R stream_read_write(wasm::Memory& m, FdEntry& e, const std::vector<struct iovec>& v, uint32_t out, bool write);

  void define_module(wasm::Store& store, wasm::Imports& imports, const std::string& module, bool unstable_abi);
  void define_fd(const Definer& def, bool unstable_abi);
  void define_path(const Definer& def, bool unstable_abi);
};

// Each function: get the caller's memory (or trap), do the work, return a WASI errno.
#define WASI_MEMORY()                         \
  wasm::Memory* mp = ctx.memory();            \
  if (mp == nullptr) return no_memory_trap(); \
  wasm::Memory& m = *mp;                      \
  self->unstable = unstable_abi;

}  // namespace wb::wasi
