// SPDX-License-Identifier: MIT
// The path_* functions of WASI preview 1, all confined below a directory fd (fd_table.h).
//
// A call either opens the whole path beneath the directory (openat2 RESOLVE_BENEATH) and
// works on the resulting fd, or opens the parent beneath it and hands the last component to
// a *at call. The latter never lets the kernel follow that last component: where Linux would
// (a trailing slash, "." or "..", readlinkat, utimensat), the path is resolved beneath
// instead.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "wasi/wasi_impl.h"

namespace wb::wasi {

using wasm::HostContext;
using wasm::Memory;

namespace {


// Sets the times of the file behind an O_PATH fd (futimens needs a real open, which would
// block on a FIFO). AT_EMPTY_PATH came to utimensat in Linux 5.8; before, /proc does it.
int set_times_of(int opath_fd, const struct timespec ts[2]) {
  if (::utimensat(opath_fd, "", ts, AT_EMPTY_PATH) == 0) return 0;
  if (errno != EINVAL) return -errno;
  std::string proc = "/proc/self/fd/" + std::to_string(opath_fd);
  return ::utimensat(AT_FDCWD, proc.c_str(), ts, 0) == 0 ? 0 : -errno;
}

// Hard-links the file behind an O_PATH fd as `name` in `dir`. linkat(fd, "", AT_EMPTY_PATH)
// needs CAP_DAC_READ_SEARCH before Linux 6.10, so the /proc magic link is tried first.
int link_fd(int opath_fd, int dir, const std::string& name) {
  std::string proc = "/proc/self/fd/" + std::to_string(opath_fd);
  if (::linkat(AT_FDCWD, proc.c_str(), dir, name.c_str(), AT_SYMLINK_FOLLOW) == 0) return 0;
  int e = errno;
  struct stat st;
  if (e == ENOENT && ::stat("/proc/self/fd", &st) != 0) {  // no /proc
    if (::linkat(opath_fd, "", dir, name.c_str(), AT_EMPTY_PATH) == 0) return 0;
    e = errno;
  }
  return -e;
}

}  // namespace

void WasiContext::Impl::define_path(const Definer& def, bool unstable_abi) {
  Impl* self = this;

  def("path_create_directory", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t p, uint32_t len) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, kRightPathCreateDirectory, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    ParentPath pp;
    if (int r = FdTable::open_parent(d->host_fd, *path, pp); r < 0) return self->err(-r);
    return ::mkdirat(pp.dir.get(), pp.name_as_given().c_str(), 0777) == 0 ? kSuccess : self->err(errno);
  });
  auto unlink_op = [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t p, uint32_t len, int flags) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, flags ? kRightPathRemoveDirectory : kRightPathUnlinkFile, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    ParentPath pp;
    if (int r = FdTable::open_parent(d->host_fd, *path, pp); r < 0) return self->err(-r);
    // With a trailing slash Linux fails (ENOTDIR, EISDIR) rather than unlink a file.
    return ::unlinkat(pp.dir.get(), pp.name_as_given().c_str(), flags) == 0 ? kSuccess : self->err(errno);
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
    FdEntry* d = self->dir(fd, kRightPathFilestatGet, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    int f = FdTable::open_beneath(d->host_fd, *path, O_PATH | ((flags & kLookupFollow) ? 0 : O_NOFOLLOW), 0);
    if (f < 0) return self->err(-f);
    UniqueFd file(f);
    struct stat st;
    if (::fstat(file.get(), &st) != 0) return self->err(errno);
    return self->write_filestat(m, out, st);
  });
  def("path_filestat_set_times", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t flags, uint32_t p, uint32_t len,
                                                      uint64_t atim, uint64_t mtim, uint32_t fst) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, kRightPathFilestatSetTimes, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    struct timespec ts[2];
    if (!times_from(atim, mtim, fst, ts)) return kInval;
    auto resolved = [&]() -> int32_t {  // the file the whole path leads to, beneath
      int f = FdTable::open_beneath(d->host_fd, *path, O_PATH, 0);
      if (f < 0) return self->err(-f);
      UniqueFd file(f);
      int r = set_times_of(file.get(), ts);
      return r == 0 ? int32_t{kSuccess} : self->err(-r);
    };
    if (flags & kLookupFollow) return resolved();
    ParentPath pp;
    if (int r = FdTable::open_parent(d->host_fd, *path, pp); r < 0) return self->err(-r);
    if (!pp.plain()) return resolved();  // Linux follows "x/", "." and ".." even so
    return ::utimensat(pp.dir.get(), pp.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? kSuccess : self->err(errno);
  });
  def("path_link", [self, unstable_abi](HostContext& ctx, uint32_t old_fd, uint32_t old_flags, uint32_t op, uint32_t olen,
                                        uint32_t new_fd, uint32_t np, uint32_t nlen) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* od = self->dir(old_fd, kRightPathLinkSource, e);
    if (od == nullptr) return e;
    FdEntry* nd = self->dir(new_fd, kRightPathLinkTarget, e);
    if (nd == nullptr) return e;
    auto oldp = self->guest_path(m, op, olen);
    auto newp = self->guest_path(m, np, nlen);
    if (!oldp || !newp) return kFault;
    ParentPath target;
    if (int r = FdTable::open_parent(nd->host_fd, *newp, target); r < 0) return self->err(-r);
    auto link_resolved = [&](bool directory_only) -> int32_t {
      int f = FdTable::open_beneath(od->host_fd, *oldp, O_PATH, 0);
      if (f < 0) return self->err(-f);
      UniqueFd src(f);
      if (directory_only) return kPerm;  // the path names a directory: no hard links to those
      int r = link_fd(src.get(), target.dir.get(), target.name_as_given());
      return r == 0 ? int32_t{kSuccess} : self->err(-r);
    };
    // Following symlinks: resolve the source beneath, then link what it leads to.
    if (old_flags & kLookupFollow) return link_resolved(false);
    ParentPath source;
    if (int r = FdTable::open_parent(od->host_fd, *oldp, source); r < 0) return self->err(-r);
    if (!source.plain()) return link_resolved(true);
    int r = ::linkat(source.dir.get(), source.name.c_str(), target.dir.get(), target.name_as_given().c_str(), 0);
    return r == 0 ? kSuccess : self->err(errno);
  });
  def("path_open", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t dirflags, uint32_t p, uint32_t len, uint32_t oflags,
                                        uint64_t rights_base, uint64_t rights_inh, uint32_t fdflags, uint32_t out) -> R {
    WASI_MEMORY();
    int32_t e;
    uint64_t need = kRightPathOpen | ((oflags & kOCreat) ? kRightPathCreateFile : 0) |
                    ((oflags & kOTrunc) ? kRightPathFilestatSetSizeDeprecated : 0);
    FdEntry* d = self->dir(fd, need, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    if (!m.in_bounds(out, 4)) return kFault;  // before anything is created or truncated
    if (self->fds.size() >= self->cfg.max_open_files) return kMfile;
    int flags = 0;
    bool want_write = rights_base & kWriteRights;
    if (want_write && d->read_only) return kRofs;
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
    const StopCheck stop = self->stop_check();
    int hfd = FdTable::open_beneath(d->host_fd, *path, flags, 0666, stop);
    if (hfd == -EINTR && self->stop_requested()) return interrupted_trap();
    if (hfd < 0) return self->err(-hfd);
    struct stat st;
    if (::fstat(hfd, &st) != 0) {
      int saved = errno;
      ::close(hfd);
      return self->err(saved);
    }
    const bool is_dir = S_ISDIR(st.st_mode);
    if (is_dir && want_write) {  // a directory is not opened for writing (as in wasmtime)
      ::close(hfd);
      return kIsDir;
    }
    FdEntry ne;
    ne.host_fd = hfd;
    ne.filetype = filetype_from_mode(st.st_mode);
    ne.host_type = st.st_mode & S_IFMT;
    ne.rights_base = rights_base & d->rights_inheriting & (is_dir ? kDirectoryRights : ~uint64_t{0});
    ne.rights_inheriting = rights_inh & d->rights_inheriting;
    ne.nonblock = (fdflags & kFdNonblock) != 0;
    ne.read_only = d->read_only;
    if (ne.read_only) ne.rights_base &= ~(kWriteRights | kRightFdFilestatSetTimes);
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
    FdEntry* d = self->dir(fd, kRightPathReadlink, e);
    if (d == nullptr) return e;
    auto path = self->guest_path(m, p, len);
    if (!path) return kFault;
    uint8_t* dst = m.span(buf, buf_len);
    if (dst == nullptr) return kFault;
    ParentPath pp;
    if (int r = FdTable::open_parent(d->host_fd, *path, pp); r < 0) return self->err(-r);
    if (!pp.plain()) {
      // Linux resolves "x/", "." and ".." to a directory, which is not a symlink.
      int f = FdTable::open_beneath(d->host_fd, *path, O_PATH, 0);
      if (f < 0) return self->err(-f);
      ::close(f);
      return kInval;
    }
    std::vector<char> tmp(4096);
    ssize_t r = ::readlinkat(pp.dir.get(), pp.name.c_str(), tmp.data(), tmp.size());
    if (r < 0) return self->err(errno);
    uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(r), buf_len);
    std::memcpy(dst, tmp.data(), n);
    return m.store<uint32_t>(used, n) ? kSuccess : kFault;
  });
  def("path_rename", [self, unstable_abi](HostContext& ctx, uint32_t fd, uint32_t op, uint32_t olen, uint32_t new_fd, uint32_t np, uint32_t nlen) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* od = self->dir(fd, kRightPathRenameSource, e);
    if (od == nullptr) return e;
    FdEntry* nd = self->dir(new_fd, kRightPathRenameTarget, e);
    if (nd == nullptr) return e;
    auto oldp = self->guest_path(m, op, olen);
    auto newp = self->guest_path(m, np, nlen);
    if (!oldp || !newp) return kFault;
    ParentPath from, to;
    if (int r = FdTable::open_parent(od->host_fd, *oldp, from); r < 0) return self->err(-r);
    if (int r = FdTable::open_parent(nd->host_fd, *newp, to); r < 0) return self->err(-r);
    // Across file systems (two preopens on different mounts) this is EXDEV, as on Linux.
    int r = ::renameat(from.dir.get(), from.name_as_given().c_str(), to.dir.get(), to.name_as_given().c_str());
    return r == 0 ? kSuccess : self->err(errno);
  });
  def("path_symlink", [self, unstable_abi](HostContext& ctx, uint32_t op, uint32_t olen, uint32_t fd, uint32_t np, uint32_t nlen) -> R {
    WASI_MEMORY();
    int32_t e;
    FdEntry* d = self->dir(fd, kRightPathSymlink, e);
    if (d == nullptr) return e;
    auto target = self->guest_path(m, op, olen);
    auto newp = self->guest_path(m, np, nlen);
    if (!target || !newp) return kFault;
    if (target->find('\0') != std::string::npos) return kInval;
    // An absolute target means a host path: a tool that later follows the link (a backup, a
    // shell in the directory) would leave the sandbox. wasmtime refuses it the same way.
    if (!target->empty() && target->front() == '/') return kPerm;
    ParentPath pp;
    if (int r = FdTable::open_parent(d->host_fd, *newp, pp); r < 0) return self->err(-r);
    return ::symlinkat(target->c_str(), pp.dir.get(), pp.name_as_given().c_str()) == 0 ? kSuccess : self->err(errno);
  });
}

}  // namespace wb::wasi
