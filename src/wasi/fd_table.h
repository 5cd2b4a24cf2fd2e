// The guest's file descriptors and path resolution confined to preopened directories.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace wb::wasi {

// WASI file types.
enum FileType : uint8_t {
  kUnknown = 0, kBlockDevice = 1, kCharDevice = 2, kDirectory = 3, kRegularFile = 4,
  kSocketDgram = 5, kSocketStream = 6, kSymlink = 7,
};

uint8_t filetype_from_mode(uint32_t st_mode);

struct FdEntry {
  int host_fd = -1;
  bool owned = true;  // close host_fd when the guest closes it (not for stdio)
  uint8_t filetype = kUnknown;
  uint64_t rights_base = ~uint64_t{0};
  uint64_t rights_inheriting = ~uint64_t{0};
  std::string preopen_name;  // non-empty for preopened directories
};

class FdTable {
 public:
  ~FdTable();
  FdEntry* get(uint32_t fd);
  // Inserts at the lowest free number >= 3 (or exactly `fd`); returns the number.
  uint32_t insert(FdEntry e);
  void insert_at(uint32_t fd, FdEntry e);
  bool close(uint32_t fd);  // false if fd is not open
  bool renumber(uint32_t from, uint32_t to);

  // Path operations confined below directory `dir` (an open directory entry). Each returns
  // a host fd or 0 on success, or -errno.
  // Opens `path` below dir (openat2 RESOLVE_BENEATH): `..` out of it, absolute paths and
  // symlinks leading out fail with EXDEV, reported to the guest as ENOTCAPABLE.
  static int open_beneath(int dir_fd, std::string_view path, int flags, uint32_t mode);
  // Opens the parent directory of `path` (O_PATH) and returns the last component in `name`.
  static int open_parent(int dir_fd, std::string_view path, std::string& name);

  // The preopened directory that a guest path names, chosen the way wasi-libc chooses it
  // for the guest's own calls (the working directory being "/"): the preopen whose name is
  // the longest prefix of `path` on a component boundary, leading "/" and "./" ignored on
  // both sides, "." matching every path. `rest` receives the path below that directory
  // ("." for the directory itself). nullptr when no preopen covers the path.
  FdEntry* preopen_for(std::string_view path, std::string& rest);

 private:
  std::map<uint32_t, FdEntry> fds_;
};

}  // namespace wb::wasi
