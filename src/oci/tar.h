// SPDX-License-Identifier: MIT
// tar archives: reading ustar, GNU (long names 'L'/'K') and pax ('x' path/linkpath/size)
// archives held in memory, and writing simple ustar archives (for `save`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace wb::oci {

struct TarEntry {
  std::string path;          // as stored
  char type = '0';           // '0' file, '1' hard link, '2' symlink, '5' directory, ...
  std::string link;          // target of a link
  std::uint64_t offset = 0;  // of the content within the archive
  std::uint64_t size = 0;
  unsigned mode = 0;

  bool is_file() const { return type == '0' || type == '\0' || type == '7'; }
};

Result<std::vector<TarEntry>> parse_tar(std::string_view archive);

// "./a//b/" -> "a/b", "/x" -> "x"; nullopt for paths that climb out with "..".
std::optional<std::string> normalize_tar_path(std::string_view path);

class TarWriter {
 public:
  void add_directory(const std::string& path);
  void add_file(const std::string& path, std::string_view data, unsigned mode = 0644);
  // The archive with its two terminating zero blocks.
  std::string finish();

 private:
  void header(const std::string& path, char type, std::uint64_t size, unsigned mode);
  std::string out_;
};

}  // namespace wb::oci
