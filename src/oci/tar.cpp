// SPDX-License-Identifier: MIT
#include "oci/tar.h"

#include <cstdio>
#include <cstring>

namespace wb::oci {
namespace {

constexpr std::size_t kBlock = 512;

std::string field(std::string_view block, std::size_t offset, std::size_t length) {
  std::string_view f = block.substr(offset, length);
  const auto nul = f.find('\0');
  return std::string(f.substr(0, nul));
}

// Octal with optional spaces/NULs, or base-256 when the high bit of the first byte is set.
std::optional<std::uint64_t> number(std::string_view block, std::size_t offset,
                                    std::size_t length) {
  std::string_view f = block.substr(offset, length);
  if (!f.empty() && (static_cast<unsigned char>(f[0]) & 0x80) != 0) {
    std::uint64_t v = static_cast<unsigned char>(f[0]) & 0x7f;
    for (std::size_t i = 1; i < f.size(); ++i) {
      if (v >> 56) return std::nullopt;
      v = (v << 8) | static_cast<unsigned char>(f[i]);
    }
    return v;
  }
  std::uint64_t v = 0;
  bool digits = false;
  for (char c : f) {
    if (c >= '0' && c <= '7') {
      if (v >> 60) return std::nullopt;
      v = v * 8 + static_cast<std::uint64_t>(c - '0');
      digits = true;
    } else if (c == ' ' || c == '\0') {
      if (digits) break;
    } else {
      return std::nullopt;
    }
  }
  return v;
}

bool checksum_ok(std::string_view block) {
  const auto stored = number(block, 148, 8);
  if (!stored) return false;
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    const bool in_field = i >= 148 && i < 156;
    unsigned_sum += in_field ? ' ' : static_cast<unsigned char>(block[i]);
    signed_sum += in_field ? ' ' : static_cast<signed char>(block[i]);
  }
  return *stored == unsigned_sum || static_cast<std::int64_t>(*stored) == signed_sum;
}

bool all_zero(std::string_view block) {
  for (char c : block) {
    if (c != '\0') return false;
  }
  return true;
}

// pax records: "<len> <key>=<value>\n"
void parse_pax(std::string_view data, std::string* path, std::string* link, std::uint64_t* size,
               bool* has_size) {
  while (!data.empty()) {
    const auto space = data.find(' ');
    if (space == std::string_view::npos) return;
    const std::uint64_t len =
        std::strtoull(std::string(data.substr(0, space)).c_str(), nullptr, 10);
    if (len <= space + 1 || len > data.size()) return;
    std::string_view record = data.substr(space + 1, len - space - 1);
    if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
    const auto eq = record.find('=');
    if (eq != std::string_view::npos) {
      const std::string_view key = record.substr(0, eq);
      const std::string_view value = record.substr(eq + 1);
      if (key == "path") *path = std::string(value);
      if (key == "linkpath") *link = std::string(value);
      if (key == "size") {
        *size = std::strtoull(std::string(value).c_str(), nullptr, 10);
        *has_size = true;
      }
    }
    data.remove_prefix(len);
  }
}

std::uint64_t padded(std::uint64_t size) { return (size + kBlock - 1) / kBlock * kBlock; }

}  // namespace

std::optional<std::string> normalize_tar_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const std::string_view part = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

Result<std::vector<TarEntry>> parse_tar(std::string_view archive) {
  std::vector<TarEntry> entries;
  std::string long_name, long_link, pax_path, pax_link;
  std::uint64_t pax_size = 0;
  bool has_pax_size = false;
  std::uint64_t offset = 0;
  while (offset + kBlock <= archive.size()) {
    const std::string_view block = archive.substr(offset, kBlock);
    if (all_zero(block)) break;
    if (!checksum_ok(block)) {
      return make_error("not a tar archive (bad header checksum at offset " +
                        std::to_string(offset) + ")");
    }
    const auto size_field = number(block, 124, 12);
    if (!size_field)
      return make_error("bad size in the tar header at offset " + std::to_string(offset));
    const char type = block[156];
    std::uint64_t size = *size_field;
    if (has_pax_size && type != 'x' && type != 'g' && type != 'L' && type != 'K') size = pax_size;
    const std::uint64_t data_offset = offset + kBlock;
    if (size > archive.size() || data_offset + size > archive.size()) {
      return make_error("the tar archive is truncated");
    }
    const std::string_view data = archive.substr(data_offset, size);
    offset = data_offset + padded(size);

    if (type == 'L') {
      long_name = std::string(data.substr(0, data.find('\0')));
      continue;
    }
    if (type == 'K') {
      long_link = std::string(data.substr(0, data.find('\0')));
      continue;
    }
    if (type == 'x') {
      parse_pax(data, &pax_path, &pax_link, &pax_size, &has_pax_size);
      continue;
    }
    if (type == 'g') continue;

    TarEntry e;
    e.type = type;
    e.mode = static_cast<unsigned>(number(block, 100, 8).value_or(0));
    e.offset = data_offset;
    e.size = size;
    const std::string_view magic = block.substr(257, 6);
    std::string name = field(block, 0, 100);
    if (magic == std::string_view("ustar\0", 6)) {  // POSIX ustar: a prefix may precede the name
      const std::string prefix = field(block, 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    e.path = !pax_path.empty() ? pax_path : !long_name.empty() ? long_name : name;
    e.link = !pax_link.empty() ? pax_link : !long_link.empty() ? long_link : field(block, 157, 100);
    if (type == '1' || type == '2' || type == '5') e.size = 0;  // no content of their own
    entries.push_back(std::move(e));
    long_name.clear();
    long_link.clear();
    pax_path.clear();
    pax_link.clear();
    has_pax_size = false;
  }
  return entries;
}

void TarWriter::header(const std::string& path, char type, std::uint64_t size, unsigned mode) {
  char block[kBlock];
  std::memset(block, 0, sizeof block);
  std::string name = path;
  std::string prefix;
  if (name.size() > 100) {
    // Split at a '/' so that the name fits in 100 bytes and the prefix in 155; failing that,
    // a pax header carries the path and the ustar name is cut.
    const auto slash = name.rfind('/', name.size() - 1);
    if (slash != std::string::npos && slash <= 155 && name.size() - slash - 1 <= 100 && slash > 0) {
      prefix = name.substr(0, slash);
      name = name.substr(slash + 1);
    } else {
      std::string record = " path=" + path + "\n";
      // The length prefix counts itself.
      std::size_t len = record.size() + 1;
      while (std::to_string(len).size() + record.size() != len)
        len = std::to_string(len).size() + record.size();
      const std::string pax = std::to_string(len) + record;
      header("PaxHeaders/" + name.substr(0, 80), 'x', pax.size(), 0644);
      out_.append(pax);
      out_.append(padded(pax.size()) - pax.size(), '\0');
      name = name.substr(0, 100);
    }
  }
  std::memcpy(block, name.data(), name.size());
  std::snprintf(block + 100, 8, "%07o", mode & 07777);
  std::snprintf(block + 108, 8, "%07o", 0u);
  std::snprintf(block + 116, 8, "%07o", 0u);
  std::snprintf(block + 124, 12, "%011llo", static_cast<unsigned long long>(size));
  std::snprintf(block + 136, 12, "%011o", 0u);
  block[156] = type;
  std::memcpy(block + 257, "ustar", 6);  // "ustar\0"
  std::memcpy(block + 263, "00", 2);
  std::memcpy(block + 345, prefix.data(), prefix.size());
  std::memset(block + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  std::snprintf(block + 148, 8, "%06o", sum);
  block[155] = ' ';
  out_.append(block, kBlock);
}

void TarWriter::add_directory(const std::string& path) {
  header(path.ends_with('/') ? path : path + "/", '5', 0, 0755);
}

void TarWriter::add_file(const std::string& path, std::string_view data, unsigned mode) {
  header(path, '0', data.size(), mode);
  out_.append(data);
  out_.append(padded(data.size()) - data.size(), '\0');
}

std::string TarWriter::finish() {
  out_.append(2 * kBlock, '\0');
  return std::move(out_);
}

}  // namespace wb::oci
