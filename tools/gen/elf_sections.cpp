// SPDX-License-Identifier: MIT
#include "gen/elf_sections.h"

#include <elf.h>

#include <cstring>

namespace wb::gen {

Result<ElfSections> ElfSections::parse(std::span<const uint8_t> bytes) {
  Elf64_Ehdr eh;
  if (bytes.size() < sizeof eh || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0)
    return make_error("not an ELF file");
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return make_error("not a 64-bit little-endian ELF file (compile with clang -target bpf)");
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) return make_error("unexpected ELF section header size");
  const uint64_t table_end = eh.e_shoff + uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr);
  if (eh.e_shoff == 0 || eh.e_shoff > bytes.size() || table_end > bytes.size())
    return make_error("truncated ELF section table");
  std::vector<Elf64_Shdr> headers(eh.e_shnum);
  std::memcpy(headers.data(), bytes.data() + eh.e_shoff, headers.size() * sizeof(Elf64_Shdr));
  if (eh.e_shstrndx >= headers.size()) return make_error("bad ELF section name table index");
  const Elf64_Shdr& names = headers[eh.e_shstrndx];
  if (names.sh_offset > bytes.size() || names.sh_size > bytes.size() - names.sh_offset)
    return make_error("truncated ELF section name table");
  const char* strtab = reinterpret_cast<const char*>(bytes.data() + names.sh_offset);

  ElfSections out;
  for (const Elf64_Shdr& h : headers) {
    ElfSection s;
    if (h.sh_name >= names.sh_size) return make_error("bad ELF section name offset");
    const void* end = std::memchr(strtab + h.sh_name, '\0', names.sh_size - h.sh_name);
    if (end == nullptr) return make_error("unterminated ELF section name");
    s.name = strtab + h.sh_name;
    s.type = h.sh_type;
    s.offset = h.sh_offset;
    s.size = h.sh_size;
    if (s.type != SHT_NOBITS && s.type != SHT_NULL &&
        (s.offset > bytes.size() || s.size > bytes.size() - s.offset))
      return make_error("ELF section '" + s.name + "' lies outside the file");
    out.sections_.push_back(std::move(s));
  }
  return out;
}

const ElfSection* ElfSections::find(const std::string& name) const {
  for (const ElfSection& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<uint64_t> ElfSections::file_offset(const std::string& name) const {
  const ElfSection* s = find(name);
  if (s == nullptr || s->type == SHT_NOBITS || s->type == SHT_NULL) return std::nullopt;
  return s->offset;
}

}  // namespace wb::gen
