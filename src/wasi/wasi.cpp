// The 46 functions of wasi_snapshot_preview1 over POSIX. Every guest pointer goes through the
// memory's checked accessors; a bad pointer is EFAULT, never a host access.
#include "wasi/wasi.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "wasi/errno.h"
#include "wasi/fd_table.h"
#include "wasm/host.h"

namespace wb::wasi {

using wasm::HostContext;
using wasm::HostResult;
using wasm::Memory;
using wasm::Trap;
using wasm::TrapKind;

namespace {

// Rights bits used here.
constexpr uint64_t kRightFdRead = 1ull << 1;
constexpr uint64_t kRightFdWrite = 1ull << 6;
constexpr uint64_t kRightFdReaddir = 1ull << 14;
constexpr uint64_t kWriteRights = (1ull << 0) | kRightFdWrite | (1ull << 8) | (1ull << 22);

// fdflags, oflags, lookupflags, fstflags
constexpr uint16_t kFdAppend = 1, kFdDsync = 2, kFdNonblock = 4, kFdRsync = 8, kFdSync = 16;
constexpr uint16_t kOCreat = 1, kODirectory = 2, kOExcl = 4, kOTrunc = 8;
constexpr uint32_t kLookupFollow = 1;
constexpr uint16_t kAtim = 1, kAtimNow = 2, kMtim = 4, kMtimNow = 8;

// How long a blocking call waits before checking whether the guest must stop.
constexpr int kWaitSliceMs = 20;

uint64_t timespec_ns(const struct timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

Trap no_memory_trap() { return Trap{TrapKind::Host, "WASI call from a module without an exported memory", "", 0}; }
Trap interrupted_trap() { return Trap{TrapKind::Interrupted, "interrupted", "", 0}; }

}  // namespace

struct WasiContext::Impl {
  WasiConfig cfg;
  FdTable fds;
  bool unstable = false;  // set per call site: wasi_unstable's whence numbering and filestat

  int32_t err(int host_errno) {
    if (host_errno == EXDEV) return kNotCapable;  // escapes from a preopen
    return errno_from_host(host_errno);
  }

  // Waits until host fd `fd` is ready for `events`, checking for a stop request between
  // slices. Returns false if the guest must stop.
  bool wait_ready(int fd, short events) {
    for (;;) {
      if (cfg.interrupt.stop_requested()) return false;
      struct pollfd p{fd, events, 0};
      int r = ::poll(&p, 1, kWaitSliceMs);
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return true;  // let the read/write report the error
    }
  }

  // Fills host iovecs from guest iovecs (each range checked).
  bool gather(Memory& m, uint32_t iovs, uint32_t n, std::vector<struct iovec>& out) {
    if (n > 1024) return false;
    out.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      auto base = m.load<uint32_t>(uint64_t{iovs} + i * 8ull);
      auto len = m.load<uint32_t>(uint64_t{iovs} + i * 8ull + 4);
      if (!base || !len) return false;
      uint8_t* p = m.span(*base, *len);
      if (p == nullptr) return false;
      out[i] = {p, *len};
    }
    return true;
  }

  int32_t write_filestat(Memory& m, uint32_t buf, const struct stat& st) {
    uint8_t b[64] = {};
    auto put64 = [&](size_t off, uint64_t v) { std::memcpy(b + off, &v, 8); };
    put64(0, st.st_dev);
    put64(8, st.st_ino);
    b[16] = filetype_from_mode(st.st_mode);
    if (unstable) {
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

  static bool times_from(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2]) {
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

  std::optional<std::string> guest_path(Memory& m, uint32_t ptr, uint32_t len) {
    uint8_t* p = m.span(ptr, len);
    if (p == nullptr) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(p), len);
  }

  // A directory fd of the guest, for path operations.
  FdEntry* dir(uint32_t fd, int32_t& e) {
    FdEntry* d = fds.get(fd);
    if (d == nullptr) {
      e = kBadf;
      return nullptr;
    }
    if (d->filetype != kDirectory) {
      e = kNotDir;
      return nullptr;
    }
    return d;
  }

  static int32_t list_strings(Memory& m, const std::vector<std::string>& v, uint32_t ptrs, uint32_t buf) {
    uint64_t off = buf;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!m.store<uint32_t>(ptrs + i * 4ull, static_cast<uint32_t>(off))) return kFault;
      if (!m.write(off, v[i].c_str(), v[i].size() + 1)) return kFault;
      off += v[i].size() + 1;
    }
    return kSuccess;
  }
  static int32_t list_sizes(Memory& m, const std::vector<std::string>& v, uint32_t count_ptr, uint32_t size_ptr) {
    uint64_t total = 0;
    for (const auto& s : v) total += s.size() + 1;
    if (!m.store<uint32_t>(count_ptr, static_cast<uint32_t>(v.size()))) return kFault;
    if (!m.store<uint32_t>(size_ptr, static_cast<uint32_t>(total))) return kFault;
    return kSuccess;
  }

  int32_t poll_oneoff(Memory& m, uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_ptr, bool& stop);
  int32_t readdir(Memory& m, FdEntry& d, uint32_t buf, uint32_t len, uint64_t cookie, uint32_t used_ptr);
  void define_module(wasm::Store& store, wasm::Imports& imports, const std::string& module, bool unstable_abi);
};

int32_t WasiContext::Impl::readdir(Memory& m, FdEntry& d, uint32_t buf, uint32_t len, uint64_t cookie,
                                   uint32_t used_ptr) {
  int fd = ::openat(d.host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return err(errno);
  DIR* dirp = ::fdopendir(fd);
  if (dirp == nullptr) {
    int e = errno;
    ::close(fd);
    return err(e);
  }
  uint64_t index = 0;
  uint32_t used = 0;
  while (used < len) {
    errno = 0;
    struct dirent* ent = ::readdir(dirp);
    if (ent == nullptr) break;
    if (index++ < cookie) continue;
    uint8_t hdr[24] = {};
    uint64_t next = index;
    uint64_t ino = ent->d_ino;
    uint32_t namlen = static_cast<uint32_t>(std::strlen(ent->d_name));
    uint8_t type = kUnknown;
    switch (ent->d_type) {
      case DT_DIR: type = kDirectory; break;
      case DT_REG: type = kRegularFile; break;
      case DT_LNK: type = kSymlink; break;
      case DT_CHR: type = kCharDevice; break;
      case DT_BLK: type = kBlockDevice; break;
      case DT_SOCK: type = kSocketStream; break;
    }
    std::memcpy(hdr, &next, 8);
    std::memcpy(hdr + 8, &ino, 8);
    std::memcpy(hdr + 16, &namlen, 4);
    hdr[20] = type;
    // Entries are written whole or truncated at the buffer's end (the guest then retries).
    uint32_t n = std::min<uint32_t>(24, len - used);
    if (!m.write(uint64_t{buf} + used, hdr, n)) {
      ::closedir(dirp);
      return kFault;
    }
    used += n;
    n = std::min<uint32_t>(namlen, len - used);
    if (!m.write(uint64_t{buf} + used, ent->d_name, n)) {
      ::closedir(dirp);
      return kFault;
    }
    used += n;
  }
  ::closedir(dirp);
  return m.store<uint32_t>(used_ptr, used) ? kSuccess : kFault;
}

int32_t WasiContext::Impl::poll_oneoff(Memory& m, uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_ptr,
                                       bool& stop) {
  stop = false;
  if (nsubs == 0) return kInval;
  if (nsubs > 4096 || !m.in_bounds(in, nsubs * 48ull) || !m.in_bounds(out, nsubs * 32ull)) return kFault;
  struct Sub {
    uint64_t userdata;
    uint8_t type;
    int64_t deadline_ns = 0;  // clocks: monotonic deadline
    int fd = -1;
    uint16_t error = 0;
  };
  std::vector<Sub> subs(nsubs);
  const int64_t start = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now().time_since_epoch()).count();
  for (uint32_t i = 0; i < nsubs; ++i) {
    uint64_t base = in + i * 48ull;
    Sub& s = subs[i];
    s.userdata = *m.load<uint64_t>(base);
    s.type = *m.load<uint8_t>(base + 8);
    if (s.type == 0) {  // clock
      uint32_t id = *m.load<uint32_t>(base + 16);
      uint64_t timeout = *m.load<uint64_t>(base + 24);
      uint16_t flags = *m.load<uint16_t>(base + 40);
      int64_t rel = static_cast<int64_t>(std::min<uint64_t>(timeout, INT64_MAX / 2));
      if (flags & 1) {  // absolute time on the given clock
        struct timespec now;
        clockid_t cid = id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC;
        if (id > 3) {
          s.error = kInval;
          continue;
        }
        clock_gettime(cid, &now);
        rel = static_cast<int64_t>(timeout) - static_cast<int64_t>(timespec_ns(now));
      } else if (id > 3) {
        s.error = kInval;
        continue;
      }
      s.deadline_ns = start + std::max<int64_t>(rel, 0);
    } else if (s.type == 1 || s.type == 2) {
      uint32_t gfd = *m.load<uint32_t>(base + 16);
      FdEntry* e = fds.get(gfd);
      if (e == nullptr) s.error = kBadf;
      else s.fd = e->host_fd;
    } else {
      s.error = kInval;
    }
  }
  for (;;) {
    std::vector<struct pollfd> pfds;
    std::vector<uint32_t> owners;
    int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count();
    int64_t wait_ns = INT64_MAX;
    bool ready = false;
    for (uint32_t i = 0; i < nsubs; ++i) {
      const Sub& s = subs[i];
      if (s.error) ready = true;
      else if (s.type == 0) {
        if (s.deadline_ns <= now) ready = true;
        wait_ns = std::min(wait_ns, s.deadline_ns - now);
      } else {
        pfds.push_back({s.fd, static_cast<short>(s.type == 1 ? POLLIN : POLLOUT), 0});
        owners.push_back(i);
      }
    }
    int timeout_ms = ready ? 0 : static_cast<int>(std::clamp<int64_t>((wait_ns + 999999) / 1000000, 0, kWaitSliceMs));
    int r = ::poll(pfds.data(), pfds.size(), timeout_ms);
    if (r < 0 && errno != EINTR) return err(errno);
    now = std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::steady_clock::now().time_since_epoch()).count();
    uint32_t nev = 0;
    auto emit = [&](const Sub& s, uint16_t error, uint64_t nbytes, uint16_t flags) {
      uint8_t ev[32] = {};
      std::memcpy(ev, &s.userdata, 8);
      std::memcpy(ev + 8, &error, 2);
      ev[10] = s.type;
      std::memcpy(ev + 16, &nbytes, 8);
      std::memcpy(ev + 24, &flags, 2);
      m.write(out + nev * 32ull, ev, 32);
      ++nev;
    };
    for (uint32_t i = 0; i < nsubs; ++i) {
      const Sub& s = subs[i];
      if (s.error) emit(s, s.error, 0, 0);
      else if (s.type == 0 && s.deadline_ns <= now) emit(s, 0, 0, 0);
    }
    for (size_t k = 0; k < pfds.size(); ++k) {
      if (pfds[k].revents == 0) continue;
      const Sub& s = subs[owners[k]];
      int avail = 0;
      if (s.type == 1) ::ioctl(s.fd, FIONREAD, &avail);
      uint16_t flags = (pfds[k].revents & POLLHUP) ? 1 : 0;
      uint16_t e = (pfds[k].revents & POLLNVAL) ? kBadf : 0;
      emit(s, e, static_cast<uint64_t>(std::max(avail, 0)), flags);
    }
    if (nev > 0) return m.store<uint32_t>(nevents_ptr, nev) ? kSuccess : kFault;
    if (cfg.interrupt.stop_requested()) {
      stop = true;
      return kIntr;
    }
  }
}

Result<std::unique_ptr<WasiContext>> WasiContext::create(WasiConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = std::move(config);
  auto stdio = [&](uint32_t n, int host) {
    FdEntry e;
    e.host_fd = host;
    e.owned = false;
    struct stat st;
    e.filetype = ::fstat(host, &st) == 0 ? filetype_from_mode(st.st_mode) : uint8_t{kUnknown};
    impl->fds.insert_at(n, e);
  };
  stdio(0, impl->cfg.stdin_fd);
  stdio(1, impl->cfg.stdout_fd);
  stdio(2, impl->cfg.stderr_fd);
  for (const Preopen& p : impl->cfg.preopens) {
    int fd = ::open(p.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return make_error("cannot open directory '" + p.host_path + "': " + std::strerror(errno));
    FdEntry e;
    e.host_fd = fd;
    e.filetype = kDirectory;
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
  if (e == nullptr) return std::nullopt;
  return e->host_fd;
}

int WasiContext::open_guest_path(std::string_view path, int flags) {
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  std::string rest;
  FdEntry* dir = impl_->fds.preopen_for(path, rest);
  if (dir == nullptr) return -EXDEV;
  return FdTable::open_beneath(dir->host_fd, rest, flags, 0);
}

// Each function: get the caller's memory (or trap), do the work, return a WASI errno.
#define WASI_MEMORY()                         \
  Memory* mp = ctx.memory();                  \
  if (mp == nullptr) return no_memory_trap(); \
  Memory& m = *mp;                            \
  self->unstable = unstable_abi;

void WasiContext::Impl::define_module(wasm::Store& store, wasm::Imports& imports, const std::string& mod,
                                      bool unstable_abi) {
  Impl* self = this;
  auto def = [&](const char* name, auto fn) {
    imports.add(mod, name, wasm::define_host(store, mod + "." + name, std::move(fn)));
  };
  using R = HostResult<int32_t>;

  // ---- args, environment, clocks, random, process ----------------------------------------
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
  auto clock_of = [](uint32_t id, clockid_t& c) {
    static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    if (id > 3) return false;
    c = ids[id];
    return true;
  };
  def("clock_res_get", [self, unstable_abi, clock_of](HostContext& ctx, uint32_t id, uint32_t out) -> R {
    WASI_MEMORY();
    clockid_t c;
    if (!clock_of(id, c)) return kInval;
    struct timespec ts;
    if (clock_getres(c, &ts) != 0) return self->err(errno);
    return m.store<uint64_t>(out, timespec_ns(ts)) ? kSuccess : kFault;
  });
  def("clock_time_get", [self, unstable_abi, clock_of](HostContext& ctx, uint32_t id, uint64_t, uint32_t out) -> R {
    WASI_MEMORY();
    clockid_t c;
    if (!clock_of(id, c)) return kInval;
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
  imports.add(mod, "proc_exit", wasm::define_host(store, mod + ".proc_exit", [](HostContext&, uint32_t code) -> HostResult<void> {
                return Trap{TrapKind::Exit, "exit", "", static_cast<int32_t>(code)};
              }));
  def("proc_raise", [](HostContext&, uint32_t) -> R { return kNotSup; });
  def("sched_yield", [](HostContext&) -> R {
    ::sched_yield();
    return kSuccess;
  });

  // ---- file descriptors ----------------------------------------------------------------------
  def("fd_advise", [self](HostContext&, uint32_t fd, uint64_t off, uint64_t len, uint32_t advice) -> R {
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    static const int adv[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                              POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (advice > 5) return kInval;
    int r = ::posix_fadvise(e->host_fd, static_cast<off_t>(off), static_cast<off_t>(len), adv[advice]);
    return r == 0 || r == ESPIPE ? int32_t{kSuccess} : self->err(r);
  });
  def("fd_allocate", [self](HostContext&, uint32_t fd, uint64_t off, uint64_t len) -> R {
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    int r = ::posix_fallocate(e->host_fd, static_cast<off_t>(off), static_cast<off_t>(len));
    return r == 0 ? int32_t{kSuccess} : self->err(r);
  });
  def("fd_close", [self](HostContext&, uint32_t fd) -> R { return self->fds.close(fd) ? kSuccess : kBadf; });
  def("fd_datasync", [self](HostContext&, uint32_t fd) -> R {
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    return ::fdatasync(e->host_fd) == 0 ? kSuccess : self->err(errno);
  });
  def("fd_sync", [self](HostContext&, uint32_t fd) -> R {
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    return ::fsync(e->host_fd) == 0 ? kSuccess : self->err(errno);
  });
  def("fd_fdstat_get", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t out) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    int fl = ::fcntl(e->host_fd, F_GETFL);
    uint16_t flags = 0;
    if (fl >= 0) {
      if (fl & O_APPEND) flags |= kFdAppend;
      if (fl & O_NONBLOCK) flags |= kFdNonblock;
      if ((fl & O_SYNC) == O_SYNC) flags |= kFdSync;
      else if (fl & O_DSYNC) flags |= kFdDsync;
    }
    uint8_t b[24] = {};
    b[0] = e->filetype;
    std::memcpy(b + 2, &flags, 2);
    std::memcpy(b + 8, &e->rights_base, 8);
    std::memcpy(b + 16, &e->rights_inheriting, 8);
    return m.write(out, b, 24) ? kSuccess : kFault;
  });
  def("fd_fdstat_set_flags", [self](HostContext&, uint32_t fd, uint32_t flags) -> R {
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    int fl = ::fcntl(e->host_fd, F_GETFL);
    if (fl < 0) return self->err(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & kFdAppend) fl |= O_APPEND;
    if (flags & kFdNonblock) fl |= O_NONBLOCK;
    return ::fcntl(e->host_fd, F_SETFL, fl) == 0 ? kSuccess : self->err(errno);
  });
  def("fd_fdstat_set_rights", [self](HostContext&, uint32_t fd, uint64_t base, uint64_t inheriting) -> R {
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    if ((base & ~e->rights_base) || (inheriting & ~e->rights_inheriting)) return kNotCapable;  // only drop
    e->rights_base = base;
    e->rights_inheriting = inheriting;
    return kSuccess;
  });
  def("fd_filestat_get", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t out) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    struct stat st;
    if (::fstat(e->host_fd, &st) != 0) return self->err(errno);
    return self->write_filestat(m, out, st);
  });
  def("fd_filestat_set_size", [self](HostContext&, uint32_t fd, uint64_t size) -> R {
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    return ::ftruncate(e->host_fd, static_cast<off_t>(size)) == 0 ? kSuccess : self->err(errno);
  });
  def("fd_filestat_set_times", [self](HostContext&, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t flags) -> R {
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    struct timespec ts[2];
    if (!times_from(atim, mtim, flags, ts)) return kInval;
    return ::futimens(e->host_fd, ts) == 0 ? kSuccess : self->err(errno);
  });
  auto rw = [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out,
                   bool write, bool positional, uint64_t offset) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    if (e->filetype == kDirectory) return kIsDir;
    if (!(e->rights_base & (write ? kRightFdWrite : kRightFdRead))) return kNotCapable;
    std::vector<struct iovec> v;
    if (!self->gather(m, iovs, n, v)) return kFault;
    if (!positional && e->filetype != kRegularFile && !self->wait_ready(e->host_fd, write ? POLLOUT : POLLIN))
      return interrupted_trap();
    ssize_t r;
    do {
      if (positional)
        r = write ? ::pwritev(e->host_fd, v.data(), static_cast<int>(v.size()), static_cast<off_t>(offset))
                  : ::preadv(e->host_fd, v.data(), static_cast<int>(v.size()), static_cast<off_t>(offset));
      else
        r = write ? ::writev(e->host_fd, v.data(), static_cast<int>(v.size()))
                  : ::readv(e->host_fd, v.data(), static_cast<int>(v.size()));
    } while (r < 0 && errno == EINTR && !self->cfg.interrupt.stop_requested());
    if (r < 0) return self->err(errno);
    return m.store<uint32_t>(out, static_cast<uint32_t>(r)) ? kSuccess : kFault;
  };
  def("fd_read", [rw](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out) -> R {
    return rw(ctx, fd, iovs, n, out, false, false, 0);
  });
  def("fd_write", [rw](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out) -> R {
    return rw(ctx, fd, iovs, n, out, true, false, 0);
  });
  def("fd_pread", [rw](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t off, uint32_t out) -> R {
    return rw(ctx, fd, iovs, n, out, false, true, off);
  });
  def("fd_pwrite", [rw](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t off, uint32_t out) -> R {
    return rw(ctx, fd, iovs, n, out, true, true, off);
  });
  def("fd_prestat_get", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t out) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    if (e->preopen_name.empty()) return kBadf;
    uint8_t b[8] = {};
    uint32_t len = static_cast<uint32_t>(e->preopen_name.size());
    std::memcpy(b + 4, &len, 4);
    return m.write(out, b, 8) ? kSuccess : kFault;
  });
  def("fd_prestat_dir_name", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t buf, uint32_t len) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr || e->preopen_name.empty()) return kBadf;
    if (len < e->preopen_name.size()) return kNameTooLong;
    return m.write(buf, e->preopen_name.data(), e->preopen_name.size()) ? kSuccess : kFault;
  });
  def("fd_readdir", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t buf, uint32_t len, uint64_t cookie, uint32_t used) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    if (e->filetype != kDirectory) return kNotDir;
    if (!m.in_bounds(buf, len)) return kFault;
    return self->readdir(m, *e, buf, len, cookie, used);
  });
  def("fd_renumber", [self](HostContext&, uint32_t from, uint32_t to) -> R {
    return self->fds.renumber(from, to) ? kSuccess : kBadf;
  });
  def("fd_seek", [self, unstable_abi](HostContext& ctx, uint32_t fd, int64_t off, uint32_t whence, uint32_t out) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    int w;
    if (unstable_abi) w = whence == 0 ? SEEK_CUR : whence == 1 ? SEEK_END : whence == 2 ? SEEK_SET : -1;
    else w = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : whence == 2 ? SEEK_END : -1;
    if (w < 0) return kInval;
    off_t r = ::lseek(e->host_fd, static_cast<off_t>(off), w);
    if (r < 0) return self->err(errno);
    return m.store<uint64_t>(out, static_cast<uint64_t>(r)) ? kSuccess : kFault;
  });
  def("fd_tell", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t out) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    off_t r = ::lseek(e->host_fd, 0, SEEK_CUR);
    if (r < 0) return self->err(errno);
    return m.store<uint64_t>(out, static_cast<uint64_t>(r)) ? kSuccess : kFault;
  });

  // ---- paths (all confined below the directory fd) ---------------------------------------------
  def("path_create_directory", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t p, uint32_t len) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    std::string name;
    int parent = FdTable::open_parent(d->host_fd, *path, name);
    if (parent < 0) return self->err(-parent);
    int r = ::mkdirat(parent, name.c_str(), 0777);
    int saved = errno;
    ::close(parent);
    return r == 0 ? kSuccess : self->err(saved);
  });
  auto unlink_op = [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t p, uint32_t len, int flags) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    std::string name;
    int parent = FdTable::open_parent(d->host_fd, *path, name);
    if (parent < 0) return self->err(-parent);
    int r = ::unlinkat(parent, name.c_str(), flags);
    int saved = errno;
    ::close(parent);
    if (r != 0 && saved == EISDIR) saved = EISDIR;
    return r == 0 ? kSuccess : self->err(saved);
  };
  def("path_remove_directory", [unlink_op](HostContext& ctx, uint32_t fd, uint32_t p, uint32_t len) -> R {
    return unlink_op(ctx, fd, p, len, AT_REMOVEDIR);
  });
  def("path_unlink_file", [unlink_op](HostContext& ctx, uint32_t fd, uint32_t p, uint32_t len) -> R {
    return unlink_op(ctx, fd, p, len, 0);
  });
  def("path_filestat_get", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t flags, uint32_t p, uint32_t len, uint32_t out) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    int f = FdTable::open_beneath(d->host_fd, *path, O_PATH | ((flags & kLookupFollow) ? 0 : O_NOFOLLOW), 0);
    if (f < 0) return self->err(-f);
    struct stat st;
    int r = ::fstat(f, &st);
    int saved = errno;
    ::close(f);
    if (r != 0) return self->err(saved);
    return self->write_filestat(m, out, st);
  });
  def("path_filestat_set_times", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t flags, uint32_t p, uint32_t len,
                                                      uint64_t atim, uint64_t mtim, uint32_t fst) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    struct timespec ts[2];
    if (!times_from(atim, mtim, fst, ts)) return kInval;
    if (flags & kLookupFollow) {
      int f = FdTable::open_beneath(d->host_fd, *path, O_RDONLY, 0);
      if (f < 0) return self->err(-f);
      int r = ::futimens(f, ts);
      int saved = errno;
      ::close(f);
      return r == 0 ? kSuccess : self->err(saved);
    }
    std::string name;
    int parent = FdTable::open_parent(d->host_fd, *path, name);
    if (parent < 0) return self->err(-parent);
    int r = ::utimensat(parent, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    int saved = errno;
    ::close(parent);
    return r == 0 ? kSuccess : self->err(saved);
  });
  def("path_link", [self, unstable_abi](HostContext& ctx, uint32_t old_fd, uint32_t old_flags, uint32_t op, uint32_t olen,
                                        uint32_t new_fd, uint32_t np, uint32_t nlen) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* od = self->dir(old_fd, e);
    if (od == nullptr) return e;
    FdEntry* nd = self->dir(new_fd, e);
    if (nd == nullptr) return e;
    auto oldp = self->guest_path(m, op, olen);
    auto newp = self->guest_path(m, np, nlen);
    if (!oldp || !newp) return kFault;
    // The source is resolved beneath its directory (following a final symlink only if asked,
    // and only inside), then linked by fd.
    int src = FdTable::open_beneath(od->host_fd, *oldp, O_PATH | ((old_flags & kLookupFollow) ? 0 : O_NOFOLLOW), 0);
    if (src < 0) return self->err(-src);
    std::string name;
    int parent = FdTable::open_parent(nd->host_fd, *newp, name);
    if (parent < 0) {
      ::close(src);
      return self->err(-parent);
    }
    int r = ::linkat(src, "", parent, name.c_str(), AT_EMPTY_PATH);
    int saved = errno;
    ::close(src);
    ::close(parent);
    return r == 0 ? kSuccess : self->err(saved);
  });
  def("path_open", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t dirflags, uint32_t p, uint32_t len, uint32_t oflags,
                                        uint64_t rights_base, uint64_t rights_inh, uint32_t fdflags, uint32_t out) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    int flags = 0;
    bool want_write = rights_base & kWriteRights;
    bool want_read = rights_base & (kRightFdRead | kRightFdReaddir);
    if (oflags & kODirectory) flags |= O_DIRECTORY;
    if (oflags & kOCreat) flags |= O_CREAT;
    if (oflags & kOExcl) flags |= O_EXCL;
    if (oflags & kOTrunc) flags |= O_TRUNC;
    if (want_write && !(oflags & kODirectory)) flags |= want_read ? O_RDWR : O_WRONLY;
    else flags |= O_RDONLY;
    if (fdflags & kFdAppend) flags |= O_APPEND;
    if (fdflags & kFdDsync) flags |= O_DSYNC;
    if (fdflags & kFdSync) flags |= O_SYNC;
    if (fdflags & kFdRsync) flags |= O_RSYNC;
    if (fdflags & kFdNonblock) flags |= O_NONBLOCK;
    if (!(dirflags & kLookupFollow)) flags |= O_NOFOLLOW;
    int hfd = FdTable::open_beneath(d->host_fd, *path, flags, 0666);
    if (hfd == -EISDIR && (flags & O_ACCMODE) != O_RDONLY) {
      // A directory opened with write rights: open it read-only (the rights keep the rest).
      hfd = FdTable::open_beneath(d->host_fd, *path, (flags & ~O_ACCMODE) | O_RDONLY, 0666);
    }
    if (hfd < 0) return self->err(-hfd);
    struct stat st;
    if (::fstat(hfd, &st) != 0) {
      int saved = errno;
      ::close(hfd);
      return self->err(saved);
    }
    FdEntry ne;
    ne.host_fd = hfd;
    ne.filetype = filetype_from_mode(st.st_mode);
    ne.rights_base = rights_base & d->rights_inheriting;
    ne.rights_inheriting = rights_inh & d->rights_inheriting;
    uint32_t n = self->fds.insert(ne);
    if (!m.store<uint32_t>(out, n)) {
      self->fds.close(n);
      return kFault;
    }
    return kSuccess;
  });
  def("path_readlink", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t p, uint32_t len, uint32_t buf, uint32_t buf_len, uint32_t used) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    uint8_t* dst = m.span(buf, buf_len);
    if (dst == nullptr) return kFault;
    std::string name;
    int parent = FdTable::open_parent(d->host_fd, *path, name);
    if (parent < 0) return self->err(-parent);
    std::vector<char> tmp(4096);
    ssize_t r = ::readlinkat(parent, name.c_str(), tmp.data(), tmp.size());
    int saved = errno;
    ::close(parent);
    if (r < 0) return self->err(saved);
    uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(r), buf_len);
    std::memcpy(dst, tmp.data(), n);
    return m.store<uint32_t>(used, n) ? kSuccess : kFault;
  });
  def("path_rename", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t op, uint32_t olen, uint32_t new_fd, uint32_t np, uint32_t nlen) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* od = self->dir(fd, e);
    if (od == nullptr) return e;
    FdEntry* nd = self->dir(new_fd, e);
    if (nd == nullptr) return e;
    auto oldp = self->guest_path(m, op, olen);
    auto newp = self->guest_path(m, np, nlen);
    if (!oldp || !newp) return kFault;
    std::string oname, nname;
    int op_fd = FdTable::open_parent(od->host_fd, *oldp, oname);
    if (op_fd < 0) return self->err(-op_fd);
    int np_fd = FdTable::open_parent(nd->host_fd, *newp, nname);
    if (np_fd < 0) {
      ::close(op_fd);
      return self->err(-np_fd);
    }
    int r = ::renameat(op_fd, oname.c_str(), np_fd, nname.c_str());
    int saved = errno;
    ::close(op_fd);
    ::close(np_fd);
    return r == 0 ? kSuccess : self->err(saved == EXDEV ? EXDEV : saved);
  });
  def("path_symlink", [self, unstable_abi](HostContext& ctx, uint32_t op, uint32_t olen, uint32_t fd, uint32_t np, uint32_t nlen) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, e);
    if (d == nullptr) return e;
    auto target = self->guest_path(m, op, olen);
    auto newp = self->guest_path(m, np, nlen);
    if (!target || !newp) return kFault;
    if (target->find('\0') != std::string::npos) return kInval;
    std::string name;
    int parent = FdTable::open_parent(d->host_fd, *newp, name);
    if (parent < 0) return self->err(-parent);
    int r = ::symlinkat(target->c_str(), parent, name.c_str());
    int saved = errno;
    ::close(parent);
    return r == 0 ? kSuccess : self->err(saved);
  });

  // ---- polling and sockets ---------------------------------------------------------------------
  def("poll_oneoff", [self, unstable_abi](HostContext& ctx, uint32_t in, uint32_t out, uint32_t n, uint32_t nevents) -> R {
    WASI_MEMORY();
    bool stop = false;
    int32_t r = self->poll_oneoff(m, in, out, n, nevents, stop);
    if (stop) return interrupted_trap();
    return r;
  });
  auto not_socket = [self](uint32_t fd) -> int32_t { return self->fds.get(fd) ? kNotSock : kBadf; };
  def("sock_accept", [not_socket](HostContext&, uint32_t fd, uint32_t, uint32_t) -> R { return not_socket(fd); });
  def("sock_recv", [not_socket](HostContext&, uint32_t fd, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t) -> R {
    return not_socket(fd);
  });
  def("sock_send", [not_socket](HostContext&, uint32_t fd, uint32_t, uint32_t, uint32_t, uint32_t) -> R {
    return not_socket(fd);
  });
  def("sock_shutdown", [not_socket](HostContext&, uint32_t fd, uint32_t) -> R { return not_socket(fd); });
}

#undef WASI_MEMORY

}  // namespace wb::wasi
