// SPDX-License-Identifier: MIT
// WASI preview 1 over POSIX: the context, shared helpers, and the process-level functions
// (args, environment, clocks, random, exit, sockets). Every guest pointer goes through the
// memory's checked accessors; a bad pointer is EFAULT, never a host access.
#include "wasi/wasi.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wasi/own_process.h"
#include "wasi/wasi_impl.h"

namespace wb::wasi {

using wasm::HostContext;
using wasm::HostResult;
using wasm::Memory;
using wasm::Trap;
using wasm::TrapKind;

bool host_clock(uint32_t id, clockid_t& out) {
  static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
  if (id > 3) return false;
  out = ids[id];
  return true;
}

// ---- helpers -------------------------------------------------------------------------------

WasiContext::Impl::WaitVerdict WasiContext::Impl::wait_ready(int fd, short events) {
  for (;;) {
    struct pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, 0);
    if (r > 0 || (r < 0 && errno != EINTR)) return WaitVerdict::keep_waiting;  // ready, or let the call report the error
    if (events & POLLIN) {
      if (WaitVerdict v = wait_verdict(); v != WaitVerdict::keep_waiting) return v;
    } else if (stop_requested()) {
      return WaitVerdict::end_guest;
    }
    r = ::poll(&p, 1, kWaitSliceMs);
    if (r > 0 || (r < 0 && errno != EINTR)) return WaitVerdict::keep_waiting;
  }
}

int32_t WasiContext::Impl::gather(Memory& m, uint32_t iovs, uint32_t n, std::vector<struct iovec>& out) {
  if (n > kMaxIovecs) return kInval;
  out.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    auto base = m.load<uint32_t>(uint64_t{iovs} + i * 8ull);
    auto len = m.load<uint32_t>(uint64_t{iovs} + i * 8ull + 4);
    if (!base || !len) return kFault;
    uint8_t* p = m.span(*base, *len);
    if (p == nullptr) return kFault;
    out[i] = {p, *len};
  }
  return kSuccess;
}

int32_t WasiContext::Impl::write_filestat(Memory& m, uint32_t buf, const struct stat& st) const {
  uint8_t b[64] = {};
  auto put64 = [&](size_t off, uint64_t v) { std::memcpy(b + off, &v, 8); };
  put64(0, st.st_dev);
  put64(8, st.st_ino);
  b[16] = filetype_from_mode(st.st_mode);
  if (unstable) {  // linkcount is u32 in wasi_unstable
    uint32_t nlink = static_cast<uint32_t>(st.st_nlink);
    std::memcpy(b + 20, &nlink, 4);
    put64(24, static_cast<uint64_t>(st.st_size));
    put64(32, timespec_ns(st.st_atim));
    put64(40, timespec_ns(st.st_mtim));
    put64(48, timespec_ns(st.st_ctim));
    return m.write(buf, b, 56) ? kSuccess : kFault;
  }
  put64(24, st.st_nlink);
  put64(32, static_cast<uint64_t>(st.st_size));
  put64(40, timespec_ns(st.st_atim));
  put64(48, timespec_ns(st.st_mtim));
  put64(56, timespec_ns(st.st_ctim));
  return m.write(buf, b, 64) ? kSuccess : kFault;
}

bool WasiContext::Impl::times_from(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2]) {
  if (((flags & kAtim) && (flags & kAtimNow)) || ((flags & kMtim) && (flags & kMtimNow))) return false;
  auto set = [](struct timespec& t, bool now, bool given, uint64_t v) {
    if (now) t = {0, UTIME_NOW};
    else if (given) t = {static_cast<time_t>(v / 1000000000ull), static_cast<long>(v % 1000000000ull)};
    else t = {0, UTIME_OMIT};
  };
  set(ts[0], flags & kAtimNow, flags & kAtim, atim);
  set(ts[1], flags & kMtimNow, flags & kMtim, mtim);
  return true;
}

std::optional<std::string> WasiContext::Impl::guest_path(Memory& m, uint32_t ptr, uint32_t len) {
  uint8_t* p = m.span(ptr, len);
  if (p == nullptr) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(p), len);
}

FdEntry* WasiContext::Impl::fd_with(uint32_t fd, uint64_t rights, int32_t& e) {
  FdEntry* d = fds.get(fd);
  if (d == nullptr) {
    e = kBadf;
    return nullptr;
  }
  if ((d->rights_base & rights) != rights) {
    e = kNotCapable;
    return nullptr;
  }
  return d;
}

FdEntry* WasiContext::Impl::file_fd(uint32_t fd, uint64_t rights, int32_t& e) {
  FdEntry* d = fds.get(fd);
  if (d == nullptr || d->filetype == kDirectory) {
    e = kBadf;
    return nullptr;
  }
  if ((d->rights_base & rights) != rights) {
    e = kNotCapable;
    return nullptr;
  }
  return d;
}

FdEntry* WasiContext::Impl::dir(uint32_t fd, uint64_t rights, int32_t& e) {
  FdEntry* d = fds.get(fd);
  if (d == nullptr) {
    e = kBadf;
    return nullptr;
  }
  if (d->filetype != kDirectory) {
    e = kNotDir;
    return nullptr;
  }
  if (d->read_only && (rights & kMutatingPathRights)) {
    e = kRofs;  // as on a read-only mount
    return nullptr;
  }
  if ((d->rights_base & rights) != rights) {
    e = kNotCapable;
    return nullptr;
  }
  return d;
}

// ---- the context ---------------------------------------------------------------------------

Result<std::unique_ptr<WasiContext>> WasiContext::create(WasiConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = std::move(config);
  auto stdio = [&](uint32_t n, int host, const std::shared_ptr<StdioStream>& stream) {
    FdEntry e;
    e.owned = false;
    if (stream) {
      e.stream = stream;
      e.filetype = kUnknown;
    } else {
      e.host_fd = host;
      struct stat st;
      const bool known = ::fstat(host, &st) == 0;
      e.filetype = known ? filetype_from_mode(st.st_mode) : uint8_t{kUnknown};
      e.host_type = known ? (st.st_mode & S_IFMT) : 0;
      // A terminal cannot seek. Without these rights wasi-libc's isatty() holds, so C guests
      // line-buffer stdout on a terminal instead of holding event lines back.
      if (::isatty(host)) e.rights_base &= ~(kRightFdSeek | kRightFdTell);
    }
    if (n == 1 || n == 2) {
      // stdout and stderr look like terminals whatever they are (see wasi.h): a guest
      // stopped while it sleeps must not take lines it printed with it, when its output goes
      // to a pipe or a file either (podman logs, `> out.txt`, `| tee`).
      e.filetype = kCharDevice;
      e.rights_base &= ~(kRightFdSeek | kRightFdTell);
    }
    impl->fds.insert_at(n, e);
  };
  stdio(0, impl->cfg.stdin_fd, impl->cfg.stdin_stream);
  stdio(1, impl->cfg.stdout_fd, impl->cfg.stdout_stream);
  stdio(2, impl->cfg.stderr_fd, impl->cfg.stderr_stream);
  for (const Preopen& p : impl->cfg.preopens) {
    int fd = ::open(p.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return make_error("cannot open directory '" + p.host_path + "': " + std::strerror(errno));
    // Every path the guest uses goes through openat2: without it (Linux < 5.6) each would
    // fail with ENOSYS, so say so now.
    if (int probe = FdTable::open_beneath(fd, ".", O_PATH | O_DIRECTORY, 0); probe >= 0) {
      ::close(probe);
    } else if (probe == -ENOSYS) {
      ::close(fd);
      return make_error("cannot give the guest directory '" + p.host_path +
                        "': this kernel lacks openat2 (Linux 5.6 or later is needed)");
    }
    if (reaches_own_process(fd)) {
      ::close(fd);
      return make_error("cannot give the guest directory '" + p.host_path +
                        "': it is inside wasm-bpf's own /proc entry (its memory, environment and fds)");
    }
    FdEntry e;
    e.host_fd = fd;
    e.filetype = kDirectory;
    e.rights_base = kDirectoryRights;
    e.read_only = p.read_only;
    // The inheriting rights stay whole: wasi-libc asks only for what they allow, and a guest
    // that asks to write must hear EROFS from the open, not ENOTCAPABLE from a later write.
    if (p.read_only) e.rights_base &= ~kMutatingPathRights;
    e.preopen_name = p.guest_path.empty() ? "." : p.guest_path;
    impl->fds.insert(e);
  }
  return std::unique_ptr<WasiContext>(new WasiContext(std::move(impl)));
}

WasiContext::WasiContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WasiContext::~WasiContext() = default;

void WasiContext::define(wasm::Store& store, wasm::Imports& imports) {
  impl_->define_module(store, imports, "wasi_snapshot_preview1", false);
  impl_->define_module(store, imports, "wasi_unstable", true);
}

std::optional<int> WasiContext::host_fd(uint32_t fd) {
  FdEntry* e = impl_->fds.get(fd);
  if (e == nullptr || e->host_fd < 0) return std::nullopt;
  return e->host_fd;
}

int WasiContext::open_guest_path(std::string_view path, int flags) {
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  std::string rest;
  FdEntry* dir = impl_->fds.preopen_for(path, rest);
  if (dir == nullptr) return -EXDEV;
  int fd = FdTable::open_beneath(dir->host_fd, rest, flags, 0);
  return fd == -kEscapeErrno ? -EXDEV : fd;
}

// ---- args, environment, clocks, random, process, sockets -----------------------------------

namespace {

int32_t list_strings(Memory& m, const std::vector<std::string>& v, uint32_t ptrs, uint32_t buf) {
  uint64_t off = buf;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!m.store<uint32_t>(ptrs + i * 4ull, static_cast<uint32_t>(off))) return kFault;
    if (!m.write(off, v[i].c_str(), v[i].size() + 1)) return kFault;
    off += v[i].size() + 1;
  }
  return kSuccess;
}

int32_t list_sizes(Memory& m, const std::vector<std::string>& v, uint32_t count_ptr, uint32_t size_ptr) {
  uint64_t total = 0;
  for (const auto& s : v) total += s.size() + 1;
  if (!m.store<uint32_t>(count_ptr, static_cast<uint32_t>(v.size()))) return kFault;
  if (!m.store<uint32_t>(size_ptr, static_cast<uint32_t>(total))) return kFault;
  return kSuccess;
}

}  // namespace

void WasiContext::Impl::define_module(wasm::Store& store, wasm::Imports& imports, const std::string& mod,
                                      bool unstable_abi) {
  Impl* self = this;
  const Definer def{store, imports, mod};

  def("args_get", [self, unstable_abi](HostContext& ctx, uint32_t argv, uint32_t buf) -> R {
    WASI_MEMORY();
    return list_strings(m, self->cfg.args, argv, buf);
  });
  def("args_sizes_get", [self, unstable_abi](HostContext& ctx, uint32_t count, uint32_t size) -> R {
    WASI_MEMORY();
    return list_sizes(m, self->cfg.args, count, size);
  });
  def("environ_get", [self, unstable_abi](HostContext& ctx, uint32_t env, uint32_t buf) -> R {
    WASI_MEMORY();
    return list_strings(m, self->cfg.env, env, buf);
  });
  def("environ_sizes_get", [self, unstable_abi](HostContext& ctx, uint32_t count, uint32_t size) -> R {
    WASI_MEMORY();
    return list_sizes(m, self->cfg.env, count, size);
  });
  def("clock_res_get", [self, unstable_abi](HostContext& ctx, uint32_t id, uint32_t out) -> R {
    WASI_MEMORY();
    clockid_t c;
    if (!host_clock(id, c)) return kInval;
    struct timespec ts;
    if (clock_getres(c, &ts) != 0) return self->err(errno);
    return m.store<uint64_t>(out, timespec_ns(ts)) ? kSuccess : kFault;
  });
  def("clock_time_get", [self, unstable_abi](HostContext& ctx, uint32_t id, uint64_t, uint32_t out) -> R {
    WASI_MEMORY();
    clockid_t c;
    if (!host_clock(id, c)) return kInval;
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) return self->err(errno);
    return m.store<uint64_t>(out, timespec_ns(ts)) ? kSuccess : kFault;
  });
  def("random_get", [self, unstable_abi](HostContext& ctx, uint32_t buf, uint32_t len) -> R {
    WASI_MEMORY();
    uint8_t* p = m.span(buf, len);
    if (p == nullptr) return kFault;
    for (uint32_t done = 0; done < len;) {
      ssize_t n = ::getrandom(p + done, len - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return self->err(errno);
      }
      done += static_cast<uint32_t>(n);
    }
    return kSuccess;
  });
  // The status is passed on whole; the runtime decides how it becomes a process exit status.
  imports.add(mod, "proc_exit", wasm::define_host(store, mod + ".proc_exit", [](HostContext&, uint32_t code) -> HostResult<void> {
                return Trap{TrapKind::Exit, "exit", "", static_cast<int32_t>(code)};
              }));
  // Delivering a signal to the guest has no meaning here (no handlers in WASI).
  def("proc_raise", [](HostContext&, uint32_t) -> R { return kNotSup; });
  def("sched_yield", [](HostContext&) -> R {
    ::sched_yield();
    return kSuccess;
  });

  def("poll_oneoff", [self, unstable_abi](HostContext& ctx, uint32_t in, uint32_t out, uint32_t n, uint32_t nevents) -> R {
    WASI_MEMORY();
    bool stop = false;
    int32_t r = self->poll_oneoff(m, in, out, n, nevents, unstable_abi, stop);
    if (stop) return interrupted_trap();
    return r;
  });

  // No sockets can be opened, so any open fd is not one.
  auto not_socket = [self](uint32_t fd) -> int32_t { return self->fds.get(fd) ? kNotSock : kBadf; };
  def("sock_accept", [not_socket](HostContext&, uint32_t fd, uint32_t, uint32_t) -> R { return not_socket(fd); });
  def("sock_recv", [not_socket](HostContext&, uint32_t fd, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t) -> R {
    return not_socket(fd);
  });
  def("sock_send", [not_socket](HostContext&, uint32_t fd, uint32_t, uint32_t, uint32_t, uint32_t) -> R {
    return not_socket(fd);
  });
  def("sock_shutdown", [not_socket](HostContext&, uint32_t fd, uint32_t) -> R { return not_socket(fd); });

  define_fd(def, unstable_abi);
  define_path(def, unstable_abi);
}

}  // namespace wb::wasi
