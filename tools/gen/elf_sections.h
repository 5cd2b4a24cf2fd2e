// SPDX-License-Identifier: MIT
// The section table of a 64-bit little-endian ELF file (what clang -target bpf writes): names,
// file offsets and sizes, for locating global data inside an object's bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace wb::gen {

struct ElfSection {
  std::string name;
  uint32_t type = 0;    // SHT_PROGBITS, SHT_NOBITS, ...
  uint64_t offset = 0;  // file offset of the contents (meaningless for SHT_NOBITS)
  uint64_t size = 0;
};

class ElfSections {
 public:
  // Reads the section headers; fails on anything but a well-formed ELF64 LSB file.
  static Result<ElfSections> parse(std::span<const uint8_t> bytes);

  const std::vector<ElfSection>& all() const { return sections_; }
  const ElfSection* find(const std::string& name) const;
  // The file offset of section `name` if it has bytes in the file.
  std::optional<uint64_t> file_offset(const std::string& name) const;

 private:
  std::vector<ElfSection> sections_;
};

}  // namespace wb::gen
