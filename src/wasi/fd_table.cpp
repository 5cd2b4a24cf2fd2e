#include "wasi/fd_table.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wb::wasi {

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

FdTable::~FdTable() {
  for (auto& [n, e] : fds_)
    if (e.owned && e.host_fd >= 0) ::close(e.host_fd);
}

FdEntry* FdTable::get(uint32_t fd) {
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : &it->second;
}

uint32_t FdTable::insert(FdEntry e) {
  uint32_t n = 3;
  while (fds_.count(n)) ++n;
  fds_[n] = std::move(e);
  return n;
}

void FdTable::insert_at(uint32_t fd, FdEntry e) { fds_[fd] = std::move(e); }

bool FdTable::close(uint32_t fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return false;
  if (it->second.owned && it->second.host_fd >= 0) ::close(it->second.host_fd);
  fds_.erase(it);
  return true;
}

bool FdTable::renumber(uint32_t from, uint32_t to) {
  auto it = fds_.find(from);
  if (it == fds_.end() || !fds_.count(to)) return false;
  if (from == to) return true;
  FdEntry e = std::move(it->second);
  fds_.erase(it);
  close(to);
  fds_[to] = std::move(e);
  return true;
}

int FdTable::open_beneath(int dir_fd, std::string_view path, int flags, uint32_t mode) {
  if (path.empty()) return -ENOENT;
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  std::string p(path);
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // (O_TMPFILE includes the O_DIRECTORY bit: test it whole.)
  how.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = syscall(SYS_openat2, dir_fd, p.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno == EINTR || errno == EAGAIN) continue;  // EAGAIN: a concurrent rename; retry
    return -errno;
  }
}

int FdTable::open_parent(int dir_fd, std::string_view path, std::string& name) {
  if (path.empty()) return -ENOENT;
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  std::string_view p = path;
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  size_t slash = p.rfind('/');
  std::string_view parent = slash == std::string_view::npos ? "." : p.substr(0, slash == 0 ? 1 : slash);
  name = std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
  if (name == ".." ) return -EXDEV;  // operating on a parent directory is never allowed
  if (name.empty() || name == "." || name == "/") return -EINVAL;
  return open_beneath(dir_fd, parent, O_PATH | O_DIRECTORY, 0);
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
