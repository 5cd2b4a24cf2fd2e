// SPDX-License-Identifier: MIT
#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wb {
namespace {

template <class Bytes>
Result<Bytes> read_into(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot read " + path + ": " + std::strerror(errno), errno};
  Bytes out;
  struct stat st {};
  size_t expected = fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  // One read of the size fstat gives, then smaller ones for files that grow or report no size.
  out.resize(expected + 1);
  size_t have = 0;
  for (;;) {
    if (have == out.size()) out.resize(out.size() < 65536 ? 65536 : out.size() * 2);
    const ssize_t n = ::read(fd, out.data() + have, out.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      return Error{"cannot read " + path + ": " + std::strerror(saved), saved};
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(have);
  return out;
}

}  // namespace

Result<std::string> read_file(const std::string& path) { return read_into<std::string>(path); }
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path) { return read_into<std::vector<uint8_t>>(path); }

}  // namespace wb
