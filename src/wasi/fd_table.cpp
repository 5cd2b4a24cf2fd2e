// SPDX-License-Identifier: MIT
#include "wasi/fd_table.h"

#include "wasi/own_process.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wb::wasi {

namespace {

// How long a FIFO open without a reader (or an open racing with a rename) waits between
// tries; also the longest it takes to notice a stop request.
constexpr int kRetrySliceMs = 10;

long openat2_beneath(int dir_fd, const std::string& path, uint64_t flags, uint64_t mode) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;
  // RESOLVE_BENEATH: `..` out of dir_fd, absolute paths and symlinks leading out fail with
  // EXDEV. Magic links (/proc/self/fd/N and friends) could jump anywhere: refused (ELOOP).
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
}

// Whether `path` (resolved like an open with `flags` would) is a FIFO.
bool is_fifo(int dir_fd, const std::string& path, int flags) {
  long fd = openat2_beneath(dir_fd, path, O_PATH | (flags & O_NOFOLLOW), 0);
  if (fd < 0) return false;
  struct stat st;
  bool fifo = ::fstat(static_cast<int>(fd), &st) == 0 && S_ISFIFO(st.st_mode);
  ::close(static_cast<int>(fd));
  return fifo;
}

void sleep_slice() { ::poll(nullptr, 0, kRetrySliceMs); }

}  // namespace

uint8_t filetype_from_mode(uint32_t m) {
  switch (m & S_IFMT) {
    case S_IFBLK: return kBlockDevice;
    case S_IFCHR: return kCharDevice;
    case S_IFDIR: return kDirectory;
    case S_IFREG: return kRegularFile;
    case S_IFSOCK: return kSocketStream;
    case S_IFLNK: return kSymlink;
  }
  return kUnknown;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

FdTable::~FdTable() {
  for (auto& [n, e] : fds_)
    if (e.owned && e.host_fd >= 0) ::close(e.host_fd);
}

FdEntry* FdTable::get(uint32_t fd) {
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : &it->second;
}

uint32_t FdTable::insert(FdEntry e) {
  uint32_t n;
  if (!free_.empty()) {
    n = *free_.begin();
    free_.erase(free_.begin());
  } else {
    n = next_++;
  }
  fds_[n] = std::move(e);
  return n;
}

void FdTable::insert_at(uint32_t fd, FdEntry e) { fds_[fd] = std::move(e); }

bool FdTable::close(uint32_t fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return false;
  if (it->second.owned && it->second.host_fd >= 0) ::close(it->second.host_fd);
  fds_.erase(it);
  if (fd >= 3) free_.insert(fd);
  return true;
}

bool FdTable::renumber(uint32_t from, uint32_t to) {
  auto it = fds_.find(from);
  if (it == fds_.end() || !fds_.count(to)) return false;
  if (from == to) return true;
  FdEntry e = std::move(it->second);
  fds_.erase(it);
  if (from >= 3) free_.insert(from);
  close(to);
  free_.erase(to);
  fds_[to] = std::move(e);
  return true;
}

// A blocking open can hang in the kernel for ever (a FIFO without its other end, a file
// under a lease) and no stop request reaches it there. So every open that is not O_PATH is
// made with O_NONBLOCK, which the kernel never waits for, and O_NONBLOCK is cleared again
// afterwards unless the guest asked for it:
//   - a read-only FIFO then opens at once; the guest's first read or poll waits (in slices,
//     interruptible) for a writer and data instead, and sees end of file only once a writer
//     has come and gone, as after a blocking open;
//   - a write-only FIFO without a reader fails with ENXIO: retried in short slices until a
//     reader opens it or `stop` says the guest must end;
//   - a lease makes the open fail with EAGAIN (as a rename racing with RESOLVE_BENEATH's
//     `..` checks does): retried the same way.
int FdTable::open_beneath(int dir_fd, std::string_view path, int flags, uint32_t mode, const StopCheck& stop) {
  if (path.empty()) return -ENOENT;
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  const std::string p(path);
  const bool o_path = (flags & O_PATH) != 0;
  const bool want_nonblock = (flags & O_NONBLOCK) != 0;
  // (O_TMPFILE includes the O_DIRECTORY bit: test it whole.)
  const uint64_t m = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
  const uint64_t open_flags = static_cast<uint64_t>(flags) | (o_path ? 0 : O_NONBLOCK);
  for (int attempt = 0;; ++attempt) {
    long fd = openat2_beneath(dir_fd, p, open_flags, m);
    if (fd >= 0) {
      int f = static_cast<int>(fd);
      if (!o_path && !want_nonblock) {
        int fl = ::fcntl(f, F_GETFL);
        if (fl < 0 || ::fcntl(f, F_SETFL, fl & ~O_NONBLOCK) != 0) {
          int e = errno;
          ::close(f);
          return -e;
        }
      }
      // Whatever it was given (even /proc), the guest never reaches this process's own
      // memory, environment or fds.
      if (reaches_own_process(f)) {
        ::close(f);
        return -kEscapeErrno;
      }
      return f;
    }
    const int e = errno;
    if (e == EXDEV) return -kEscapeErrno;
    bool retry = e == EINTR;
    if (e == EAGAIN) retry = !want_nonblock || attempt < 8;  // a rename race passes quickly
    if (e == ENXIO && !want_nonblock && (flags & O_ACCMODE) == O_WRONLY && is_fifo(dir_fd, p, flags)) retry = true;
    if (!retry) return -e;
    if (stop && stop()) return -EINTR;
    if (e != EINTR && attempt >= 2) sleep_slice();
  }
}

int FdTable::open_parent(int dir_fd, std::string_view path, ParentPath& out) {
  if (path.empty()) return -ENOENT;
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  std::string_view p = path;
  out.trailing_slash = false;
  while (p.size() > 1 && p.back() == '/') {
    p.remove_suffix(1);
    out.trailing_slash = true;
  }
  if (p == "/") return -kEscapeErrno;  // absolute
  size_t slash = p.rfind('/');
  std::string_view parent = slash == std::string_view::npos ? "." : p.substr(0, slash == 0 ? 1 : slash);
  out.name = std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
  out.dot = out.name == "." || out.name == "..";
  if (out.dot) {
    // "sub/.." names a directory beneath (the call then fails as it would on Linux, e.g.
    // mkdir with EEXIST); ".." at the top leads out.
    int f = open_beneath(dir_fd, path, O_PATH | O_DIRECTORY, 0);
    if (f < 0) return f;
    ::close(f);
  }
  int f = open_beneath(dir_fd, parent, O_PATH | O_DIRECTORY, 0);
  if (f < 0) return f;
  out.dir = UniqueFd(f);
  return 0;
}

namespace {
// A path without its leading "/" and "./" parts, as wasi-libc compares preopen names.
std::string_view strip_leading(std::string_view p) {
  for (;;) {
    if (!p.empty() && p.front() == '/') p.remove_prefix(1);
    else if (p.size() >= 2 && p.substr(0, 2) == "./") p.remove_prefix(2);
    else if (p == ".") p = {};
    else return p;
  }
}
}  // namespace

FdEntry* FdTable::preopen_for(std::string_view path, std::string& rest) {
  const std::string_view want = strip_leading(path);
  FdEntry* best = nullptr;
  size_t best_len = 0;
  for (auto& [n, e] : fds_) {
    if (e.preopen_name.empty()) continue;
    std::string_view name = strip_leading(e.preopen_name);
    while (!name.empty() && name.back() == '/') name.remove_suffix(1);
    if (want.substr(0, name.size()) != name) continue;
    if (!name.empty() && want.size() > name.size() && want[name.size()] != '/') continue;  // "/ab" is not under "/a"
    if (best != nullptr && name.size() <= best_len) continue;
    best = &e;
    best_len = name.size();
  }
  if (best == nullptr) return nullptr;
  std::string_view below = want.substr(best_len);
  while (!below.empty() && below.front() == '/') below.remove_prefix(1);
  rest = below.empty() ? "." : std::string(below);
  return best;
}

}  // namespace wb::wasi
