// SPDX-License-Identifier: MIT
// The fd_* functions of WASI preview 1. Rights are checked for every call that has one;
// stdio backed by an embedder's stream (StdioStream) supports reads, writes and fdstat, and
// reports the errors a pipe would for the rest.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <cstring>

#include "wasi/wasi_impl.h"

namespace wb::wasi {

using wasm::HostContext;
using wasm::Memory;

namespace {
// Shortens `v` in place to its first `limit` bytes; returns how many iovecs that leaves.
int limit_iovecs(std::vector<struct iovec>& v, size_t limit) {
  size_t total = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].iov_len >= limit - total) {
      v[i].iov_len = limit - total;
      return static_cast<int>(i + 1);
    }
    total += v[i].iov_len;
  }
  return static_cast<int>(v.size());
}
}  // namespace

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

namespace {

// The WASI errno for a stream's negative result (EIO for nonsense).
int32_t stream_error(int64_t r) {
  return r < 0 && r >= -4095 ? static_cast<int32_t>(errno_from_host(static_cast<int>(-r))) : int32_t{kIo};
}

}  // namespace

R WasiContext::Impl::stream_read_write(Memory& m, FdEntry& e, const std::vector<struct iovec>& v, uint32_t out,
                                       bool write) {
  uint64_t total = 0;
  if (write) {
    for (const struct iovec& io : v) {
      const auto* base = static_cast<const uint8_t*>(io.iov_base);
      size_t done = 0;
      while (done < io.iov_len) {
        int64_t r = e.stream->write(base + done, io.iov_len - done);
        if (r <= 0) {
          if (total + done > 0) break;  // report what went out; the next write sees the error
          return stream_error(r);
        }
        done += std::min(static_cast<size_t>(r), io.iov_len - done);
      }
      total += done;
      if (done < io.iov_len) break;
    }
    return m.store<uint32_t>(out, static_cast<uint32_t>(total)) ? kSuccess : kFault;
  }
  for (;;) {
    if (stop_requested()) return interrupted_trap();
    int64_t r = 0;
    for (const struct iovec& io : v) {
      if (io.iov_len == 0) continue;
      r = e.stream->read(static_cast<uint8_t*>(io.iov_base), io.iov_len);
      if (r <= 0) break;
      r = std::min<int64_t>(r, static_cast<int64_t>(io.iov_len));  // a stream cannot give more
      total += static_cast<uint64_t>(r);
      if (static_cast<size_t>(r) < io.iov_len) break;
    }
    if (total > 0 || r == 0) return m.store<uint32_t>(out, static_cast<uint32_t>(total)) ? kSuccess : kFault;
    if (r != StdioStream::kWouldBlock) return stream_error(r);
    if (e.nonblock) return kAgain;
    switch (wait_verdict()) {
      case WaitVerdict::keep_waiting: break;
      case WaitVerdict::return_early: return kIntr;
      case WaitVerdict::end_guest: return interrupted_trap();
    }
    e.stream->wait_readable(std::chrono::milliseconds(kWaitSliceMs));
  }
}

R WasiContext::Impl::read_write(Memory& m, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out, bool write,
                                bool positional, uint64_t offset) {
  FdEntry* e = fds.get(fd);
  if (e == nullptr || e->filetype == kDirectory) return kBadf;  // as wasmtime: not a file
  uint64_t need = (write ? kRightFdWrite : kRightFdRead) | (positional ? kRightFdSeek : 0);
  if ((e->rights_base & need) != need) return kNotCapable;
  std::vector<struct iovec> v;
  if (int32_t g = gather(m, iovs, n, v); g != kSuccess) return g;
  // A bad result pointer fails the call before any data moves (nothing read is lost, nothing
  // written unreported).
  if (!m.in_bounds(out, 4)) return kFault;
  if (e->stream) {
    if (positional) return kSpipe;
    return stream_read_write(m, *e, v, out, write);
  }
  const int h = e->host_fd;
  int count = static_cast<int>(v.size());
  // Files the guest opened draw on the write budget: a write beyond it is short, then ENOSPC.
  const bool budgeted = write && e->owned;
  if (budgeted) {
    uint64_t want = 0;
    for (const struct iovec& io : v) want += io.iov_len;
    const uint64_t allowed = write_allowance(want);
    if (want > 0 && allowed == 0) return kNoSpc;
    if (allowed < want) {
      count = limit_iovecs(v, allowed);
      v.resize(static_cast<size_t>(count));
    }
  }
  if (positional) {
    ssize_t r;
    do {
      r = write ? ::pwritev(h, v.data(), count, static_cast<off_t>(offset))
                : ::preadv(h, v.data(), count, static_cast<off_t>(offset));
    } while (r < 0 && errno == EINTR && !stop_requested());
    if (r < 0) return err(errno);
    if (budgeted) written += static_cast<uint64_t>(r);
    return m.store<uint32_t>(out, static_cast<uint32_t>(r)) ? kSuccess : kFault;
  }
  // Pipes, terminals, FIFOs and sockets may block: wait for them in slices so that a stop
  // request is seen, unless the guest asked for non-blocking I/O.
  const bool may_block = e->host_type != 0 ? !S_ISREG(e->host_type) && !S_ISBLK(e->host_type)
                                           : e->filetype != kRegularFile;
  // A pipe or socket that poll() calls writable has room for PIPE_BUF bytes, not for any
  // amount: a larger write would block in the kernel, where no stop request reaches it.
  // Write at most that much after each wait (the guest's libc writes the rest).
  int write_count = count;
  if (write && may_block && (S_ISFIFO(e->host_type) || S_ISSOCK(e->host_type)))
    write_count = limit_iovecs(v, PIPE_BUF);
  const short events = write ? POLLOUT : POLLIN;
  for (;;) {
    if (may_block) {
      if (e->nonblock) {
        if (!e->owned) {  // emulated (see FdEntry::nonblock): no data now is EAGAIN
          struct pollfd p{h, events, 0};
          if (::poll(&p, 1, 0) == 0) return kAgain;
        }
      } else {
        switch (wait_ready(h, events)) {
          case WaitVerdict::keep_waiting: break;
          case WaitVerdict::return_early: return kIntr;
          case WaitVerdict::end_guest: return interrupted_trap();
        }
      }
    }
    ssize_t r = write ? ::writev(h, v.data(), write_count) : ::readv(h, v.data(), count);
    if (r >= 0 && budgeted) written += static_cast<uint64_t>(r);
    if (r >= 0) return m.store<uint32_t>(out, static_cast<uint32_t>(r)) ? kSuccess : kFault;
    if (errno == EINTR) {
      if (stop_requested()) return interrupted_trap();
      continue;
    }
    if (write && errno == EPIPE && !e->owned && cfg.on_broken_pipe) cfg.on_broken_pipe();
    // An inherited fd may have O_NONBLOCK set on the host while the guest wants blocking
    // I/O: wait again.
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && may_block && !e->nonblock) continue;
    return err(errno);
  }
}

void WasiContext::Impl::define_fd(const Definer& def, bool unstable_abi) {
  Impl* self = this;

  def("fd_advise", [self](HostContext&, uint32_t fd, uint64_t off, uint64_t len, uint32_t advice) -> R {
    int32_t e;
    FdEntry* f = self->file_fd(fd, kRightFdAdvise, e);
    if (f == nullptr) return e;
    static const int adv[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                              POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (advice > 5) return kInval;
    if (f->stream) return kSuccess;  // advice only
    int r = ::posix_fadvise(f->host_fd, static_cast<off_t>(off), static_cast<off_t>(len), adv[advice]);
    return r == 0 || r == ESPIPE ? int32_t{kSuccess} : self->err(r);
  });
  def("fd_allocate", [self](HostContext&, uint32_t fd, uint64_t off, uint64_t len) -> R {
    int32_t e;
    FdEntry* f = self->file_fd(fd, kRightFdAllocate, e);
    if (f == nullptr) return e;
    if (f->stream) return kSpipe;
    if (off > INT64_MAX || len > INT64_MAX - off) return kFbig;
    if (self->write_allowance(len) < len) return kNoSpc;  // the write budget (all or nothing)
    int r = ::posix_fallocate(f->host_fd, static_cast<off_t>(off), static_cast<off_t>(len));
    if (r == 0) self->written += len;
    return r == 0 ? int32_t{kSuccess} : self->err(r);
  });
  def("fd_close", [self](HostContext&, uint32_t fd) -> R { return self->fds.close(fd) ? kSuccess : kBadf; });
  def("fd_datasync", [self](HostContext&, uint32_t fd) -> R {
    int32_t e;
    FdEntry* f = self->fd_with(fd, kRightFdDatasync, e);
    if (f == nullptr) return e;
    if (f->stream) return kInval;
    return ::fdatasync(f->host_fd) == 0 ? kSuccess : self->err(errno);
  });
  def("fd_sync", [self](HostContext&, uint32_t fd) -> R {
    int32_t e;
    FdEntry* f = self->fd_with(fd, kRightFdSync, e);
    if (f == nullptr) return e;
    if (f->stream) return kInval;
    return ::fsync(f->host_fd) == 0 ? kSuccess : self->err(errno);
  });
  def("fd_fdstat_get", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t out) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr) return kBadf;
    uint16_t flags = e->nonblock ? kFdNonblock : 0;
    int fl = e->stream ? -1 : ::fcntl(e->host_fd, F_GETFL);
    if (fl >= 0) {
      if (fl & O_APPEND) flags |= kFdAppend;
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
  // Only append and nonblock can change (the sync flags are ignored, as Linux's F_SETFL does).
  // Fds the guest did not open itself (stdio, the embedder's fds) share their open file
  // description with other processes and outlive the run, so they are never changed:
  // nonblock is emulated for them, and changing append is refused.
  def("fd_fdstat_set_flags", [self](HostContext&, uint32_t fd, uint32_t flags) -> R {
    int32_t e;
    FdEntry* f = self->fd_with(fd, kRightFdFdstatSetFlags, e);
    if (f == nullptr) return e;
    if (flags & ~uint32_t{kFdAppend | kFdDsync | kFdNonblock | kFdRsync | kFdSync}) return kInval;
    const bool nonblock = flags & kFdNonblock;
    if (f->stream) {
      f->nonblock = nonblock;
      return kSuccess;
    }
    int fl = ::fcntl(f->host_fd, F_GETFL);
    if (fl < 0) return self->err(errno);
    if (!f->owned) {
      if (((fl & O_APPEND) != 0) != ((flags & kFdAppend) != 0)) return kNotSup;
      f->nonblock = nonblock;
      return kSuccess;
    }
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & kFdAppend) fl |= O_APPEND;
    if (nonblock) fl |= O_NONBLOCK;
    if (::fcntl(f->host_fd, F_SETFL, fl) != 0) return self->err(errno);
    f->nonblock = nonblock;
    return kSuccess;
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
    int32_t e;
    FdEntry* f = self->fd_with(fd, kRightFdFilestatGet, e);
    if (f == nullptr) return e;
    struct stat st;
    std::memset(&st, 0, sizeof st);
    if (!f->stream && ::fstat(f->host_fd, &st) != 0) return self->err(errno);
    return self->write_filestat(m, out, st);
  });
  def("fd_filestat_set_size", [self](HostContext&, uint32_t fd, uint64_t size) -> R {
    int32_t e;
    FdEntry* f = self->file_fd(fd, kRightFdFilestatSetSize, e);
    if (f == nullptr) return e;
    if (f->stream) return kInval;
    if (size > INT64_MAX) return kFbig;
    struct stat st;
    if (::fstat(f->host_fd, &st) != 0) return self->err(errno);
    const uint64_t growth = size > static_cast<uint64_t>(st.st_size) ? size - static_cast<uint64_t>(st.st_size) : 0;
    if (self->write_allowance(growth) < growth) return kNoSpc;  // growing counts as writing
    if (::ftruncate(f->host_fd, static_cast<off_t>(size)) != 0) return self->err(errno);
    self->written += growth;
    return kSuccess;
  });
  def("fd_filestat_set_times", [self](HostContext&, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t flags) -> R {
    int32_t e;
    FdEntry* f = self->fd_with(fd, kRightFdFilestatSetTimes, e);
    if (f == nullptr) return e;
    struct timespec ts[2];
    if (!times_from(atim, mtim, flags, ts)) return kInval;
    if (f->stream) return kNotSup;
    return ::futimens(f->host_fd, ts) == 0 ? kSuccess : self->err(errno);
  });
  def("fd_read", [self](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out) -> R {
    if (ctx.memory() == nullptr) return no_memory_trap();
    return self->read_write(*ctx.memory(), fd, iovs, n, out, false, false, 0);
  });
  def("fd_write", [self](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out) -> R {
    if (ctx.memory() == nullptr) return no_memory_trap();
    return self->read_write(*ctx.memory(), fd, iovs, n, out, true, false, 0);
  });
  def("fd_pread", [self](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t off, uint32_t out) -> R {
    if (ctx.memory() == nullptr) return no_memory_trap();
    return self->read_write(*ctx.memory(), fd, iovs, n, out, false, true, off);
  });
  def("fd_pwrite", [self](HostContext& ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t off, uint32_t out) -> R {
    if (ctx.memory() == nullptr) return no_memory_trap();
    return self->read_write(*ctx.memory(), fd, iovs, n, out, true, true, off);
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
    if (!(e->rights_base & kRightFdReaddir)) return kNotCapable;
    if (!m.in_bounds(buf, len)) return kFault;
    return self->readdir(m, *e, buf, len, cookie, used);
  });
  def("fd_renumber", [self](HostContext&, uint32_t from, uint32_t to) -> R {
    return self->fds.renumber(from, to) ? kSuccess : kBadf;
  });
  def("fd_seek", [self, unstable_abi](HostContext& ctx, uint32_t fd, int64_t off, uint32_t whence, uint32_t out) -> R {
    WASI_MEMORY();
    int w;
    if (unstable_abi) w = whence == 0 ? SEEK_CUR : whence == 1 ? SEEK_END : whence == 2 ? SEEK_SET : -1;
    else w = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : whence == 2 ? SEEK_END : -1;
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr || e->filetype == kDirectory) return kBadf;
    // fd_tell suffices for a seek that does not move.
    const bool tell = off == 0 && w == SEEK_CUR;
    if (!(e->rights_base & (kRightFdSeek | (tell ? kRightFdTell : 0)))) return kNotCapable;
    if (w < 0) return kInval;
    if (e->stream) return kSpipe;
    if (!m.in_bounds(out, 8)) return kFault;  // before the position moves
    off_t r = ::lseek(e->host_fd, static_cast<off_t>(off), w);
    if (r < 0) return self->err(errno);
    return m.store<uint64_t>(out, static_cast<uint64_t>(r)) ? kSuccess : kFault;
  });
  def("fd_tell", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t out) -> R {
    WASI_MEMORY();
    FdEntry* e = self->fds.get(fd);
    if (e == nullptr || e->filetype == kDirectory) return kBadf;
    if (!(e->rights_base & (kRightFdTell | kRightFdSeek))) return kNotCapable;
    if (e->stream) return kSpipe;
    off_t r = ::lseek(e->host_fd, 0, SEEK_CUR);
    if (r < 0) return self->err(errno);
    return m.store<uint64_t>(out, static_cast<uint64_t>(r)) ? kSuccess : kFault;
  });
}

}  // namespace wb::wasi
