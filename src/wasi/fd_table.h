// SPDX-License-Identifier: MIT
// The guest's file descriptors and path resolution confined to preopened directories.
//
// Confinement rests on openat2(2) with RESOLVE_BENEATH, so it needs Linux >= 5.6.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <string_view>

#include "wasi/stdio_stream.h"

namespace wb::wasi {

// WASI file types.
enum FileType : uint8_t {
  kUnknown = 0, kBlockDevice = 1, kCharDevice = 2, kDirectory = 3, kRegularFile = 4,
  kSocketDgram = 5, kSocketStream = 6, kSymlink = 7,
};

uint8_t filetype_from_mode(uint32_t st_mode);

// Returned (negated) by the path functions below when a path leads out of its directory.
// Not a host errno: the kernel reports such escapes as EXDEV, which a real cross-device
// rename or link also returns, and the guest must be able to tell the two apart.
constexpr int kEscapeErrno = 4096;

// Tells a blocking open whether the guest must stop.
using StopCheck = std::function<bool()>;

// Closes the fd it holds.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_ = -1;
};

struct FdEntry {
  int host_fd = -1;
  bool owned = true;  // close host_fd when the guest closes it (not for stdio)
  uint8_t filetype = kUnknown;  // what the guest is told
  uint32_t host_type = 0;       // S_IFMT bits of host_fd (0: not known)
  uint64_t rights_base = ~uint64_t{0};
  uint64_t rights_inheriting = ~uint64_t{0};
  std::string preopen_name;  // non-empty for preopened directories
  // Beneath a read-only preopen (--dir HOST:ro): nothing may be created, changed or removed,
  // and files open read-only; fds opened from it are read-only too.
  bool read_only = false;
  // The guest asked for non-blocking I/O. On fds the guest opened, O_NONBLOCK is set on the
  // host fd too; on inherited ones (stdio) it is only emulated, so that the host's open file
  // description, shared with the parent shell, never changes.
  bool nonblock = false;
  // Set for stdio that the embedder supplies as a stream (host_fd is then -1).
  std::shared_ptr<StdioStream> stream;
};

// The parent directory of a path and its last component (see FdTable::open_parent).
struct ParentPath {
  UniqueFd dir;              // O_PATH directory that holds `name`
  std::string name;          // the last component, trailing slashes removed
  bool trailing_slash = false;  // the path ended in '/': it must name a directory
  // `name` is "." or "..": the path names a directory that exists (and lies beneath).
  // Passed to mkdirat, unlinkat, renameat, symlinkat or linkat such names fail without being
  // resolved; other calls must not be given them.
  bool dot = false;
  // What to hand to the *at call: the kernel applies the trailing slash rules itself for
  // mkdir, unlink, rmdir, rename, symlink and link targets without following the last
  // component. Never for calls that would follow it (readlinkat, utimensat, linkat sources).
  std::string name_as_given() const { return trailing_slash ? name + "/" : name; }
  // Whether `name` may be handed to a call that resolves it (readlinkat, utimensat with
  // AT_SYMLINK_NOFOLLOW, a linkat source): not when it is a dot name or had a trailing slash,
  // because the kernel would then follow it, possibly out of the directory.
  bool plain() const { return !dot && !trailing_slash; }
};

class FdTable {
 public:
  ~FdTable();
  FdEntry* get(uint32_t fd);
  // Inserts at the lowest free number >= 3; returns the number. Constant time but for a
  // logarithmic set of freed numbers (20,000 opens once took seconds).
  uint32_t insert(FdEntry e);
  // Inserts at `fd` < 3 (stdio).
  void insert_at(uint32_t fd, FdEntry e);
  size_t size() const { return fds_.size(); }
  bool close(uint32_t fd);  // false if fd is not open
  bool renumber(uint32_t from, uint32_t to);
  template <class F>
  void for_each(F f) {
    for (auto& [n, e] : fds_) f(n, e);
  }

  // Path operations confined below directory `dir_fd`. Each returns a host fd or 0 on
  // success, or -errno; -kEscapeErrno when `..`, an absolute path or a symlink leads out.
  //
  // Opens `path` below dir_fd (openat2 RESOLVE_BENEATH). Never blocks for long: a FIFO is
  // opened without waiting for its other end (see fd_table.cpp), and a write-only FIFO open
  // without a reader is retried in short slices until one comes or `stop` says to give up
  // (then -EINTR).
  static int open_beneath(int dir_fd, std::string_view path, int flags, uint32_t mode,
                          const StopCheck& stop = {});
  // Opens the parent directory of `path` (O_PATH) and splits off the last component. For
  // "." and ".." as the last component, first checks that the whole path stays beneath.
  static int open_parent(int dir_fd, std::string_view path, ParentPath& out);

  // The preopened directory that a guest path names, chosen the way wasi-libc chooses it
  // for the guest's own calls (the working directory being "/"): the preopen whose name is
  // the longest prefix of `path` on a component boundary, leading "/" and "./" ignored on
  // both sides, "." matching every path. `rest` receives the path below that directory
  // ("." for the directory itself). nullptr when no preopen covers the path.
  FdEntry* preopen_for(std::string_view path, std::string& rest);

 private:
  std::map<uint32_t, FdEntry> fds_;
  // Every number >= 3 below next_ is either open or in free_; none from next_ on is open.
  std::set<uint32_t> free_;
  uint32_t next_ = 3;
};

}  // namespace wb::wasi
