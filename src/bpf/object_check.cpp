// SPDX-License-Identifier: MIT
#include "bpf/object_check.h"

#include <elf.h>

#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace wb::bpf {
namespace {

constexpr uint16_t kBtfMagic = 0xeB9F;
constexpr uint16_t kEmBpf = 247;
constexpr uint32_t kMaxRecordSize = 4096;  // .BTF.ext records are 8 to 16 bytes today

// BTF kinds (linux/btf.h).
enum Kind : uint32_t {
  kUnknown = 0, kInt = 1, kPtr = 2, kArray = 3, kStruct = 4, kUnion = 5, kEnum = 6, kFwd = 7, kTypedef = 8,
  kVolatile = 9, kConst = 10, kRestrict = 11, kFunc = 12, kFuncProto = 13, kVar = 14, kDatasec = 15,
  kFloat = 16, kDeclTag = 17, kTypeTag = 18, kEnum64 = 19,
};

// Little-endian, unaligned reads of a byte range, every one bounds-checked.
class Bytes {
 public:
  explicit Bytes(std::span<const uint8_t> b) : b_(b) {}
  size_t size() const { return b_.size(); }
  bool has(uint64_t off, uint64_t len) const { return off <= b_.size() && len <= b_.size() - off; }
  template <class T>
  std::optional<T> get(uint64_t off) const {
    if (!has(off, sizeof(T))) return std::nullopt;
    T v;
    std::memcpy(&v, b_.data() + off, sizeof(T));
    return v;
  }
  Bytes sub(uint64_t off, uint64_t len) const { return Bytes(b_.subspan(off, len)); }
  uint8_t at(uint64_t off) const { return b_[off]; }

 private:
  std::span<const uint8_t> b_;
};

// A string table: offsets must fall inside it, and it ends with a NUL (so every name does).
struct Strings {
  uint64_t size = 0;
  bool ok(uint64_t off) const { return off < size; }
};

struct BtfType {
  uint32_t name_off, kind, vlen, size_or_type;
  uint64_t extra;  // offset of what follows the common part, in the type section
};

struct Btf {
  Bytes types{{}};
  Strings strings;
  std::vector<BtfType> t;  // t[i] is type id i + 1
  uint32_t count() const { return static_cast<uint32_t>(t.size()); }
  bool valid_id(uint32_t id) const { return id <= count(); }  // 0 is void
  uint32_t kind_of(uint32_t id) const { return id == 0 ? kUnknown : t[id - 1].kind; }
};

uint64_t extra_size(uint32_t kind, uint32_t vlen) {
  switch (kind) {
    case kInt: return 4;
    case kPtr: case kFwd: case kTypedef: case kVolatile: case kConst: case kRestrict: case kFunc: case kFloat:
    case kTypeTag: return 0;
    case kArray: return 12;
    case kStruct: case kUnion: return 12ull * vlen;
    case kEnum: return 8ull * vlen;
    case kFuncProto: return 8ull * vlen;
    case kVar: return 4;
    case kDatasec: return 12ull * vlen;
    case kDeclTag: return 4;
    case kEnum64: return 12ull * vlen;
  }
  return UINT64_MAX;
}

bool refers_to_type(uint32_t kind) {
  switch (kind) {
    case kPtr: case kTypedef: case kVolatile: case kConst: case kRestrict: case kFunc: case kFuncProto: case kVar:
    case kDeclTag: case kTypeTag: return true;
  }
  return false;
}

// Kinds libbpf walks through without a depth limit (modifiers, typedefs, tags, variables,
// array elements): a chain of them must end.
bool is_chain_kind(uint32_t kind) {
  return kind == kTypedef || kind == kVolatile || kind == kConst || kind == kRestrict || kind == kTypeTag ||
         kind == kVar || kind == kDeclTag || kind == kArray;
}

std::string at_type(uint32_t id) { return "BTF type " + std::to_string(id) + ": "; }

// The BTF of `b` (the .BTF section): header, type and string sections, every type.
std::string parse_btf(Bytes b, Btf& btf) {
  auto magic = b.get<uint16_t>(0);
  auto version = b.get<uint8_t>(2);
  auto hdr_len = b.get<uint32_t>(4);
  auto type_off = b.get<uint32_t>(8), type_len = b.get<uint32_t>(12);
  auto str_off = b.get<uint32_t>(16), str_len = b.get<uint32_t>(20);
  if (!magic || !str_len) return ".BTF is shorter than its header";
  if (*magic != kBtfMagic) return ".BTF has a wrong magic number (or is big-endian)";
  if (*version != 1) return ".BTF has an unknown version";
  if (*hdr_len < 24 || !b.has(0, *hdr_len)) return ".BTF has a bad header length";
  const uint64_t base = *hdr_len;
  if (!b.has(base + *type_off, *type_len) || *type_off % 4 != 0) return ".BTF's type section is out of bounds";
  if (!b.has(base + *str_off, *str_len)) return ".BTF's string section is out of bounds";
  if (*str_len == 0 || b.at(base + *str_off) != 0 || b.at(base + *str_off + *str_len - 1) != 0)
    return ".BTF's string section must start and end with a NUL";
  btf.strings.size = *str_len;
  btf.types = b.sub(base + *type_off, *type_len);
  const Bytes& ty = btf.types;
  for (uint64_t off = 0; off < ty.size();) {
    auto name_off = ty.get<uint32_t>(off), info = ty.get<uint32_t>(off + 4), st = ty.get<uint32_t>(off + 8);
    if (!name_off || !info || !st) return at_type(btf.count() + 1) + "cut short";
    BtfType t{*name_off, (*info >> 24) & 0x1f, *info & 0xffff, *st, off + 12};
    const uint64_t extra = extra_size(t.kind, t.vlen);
    if (extra == UINT64_MAX || t.kind == kUnknown) return at_type(btf.count() + 1) + "unknown kind " + std::to_string(t.kind);
    if (!ty.has(t.extra, extra)) return at_type(btf.count() + 1) + "cut short";
    btf.t.push_back(t);
    off = t.extra + extra;
  }
  return {};
}

// Every name and type id each type refers to, and what libbpf assumes of their kinds.
std::string check_btf_types(const Btf& btf) {
  const Bytes& ty = btf.types;
  auto u32 = [&](uint64_t off) { return *ty.get<uint32_t>(off); };
  for (uint32_t i = 0; i < btf.count(); ++i) {
    const uint32_t id = i + 1;
    const BtfType& t = btf.t[i];
    if (!btf.strings.ok(t.name_off)) return at_type(id) + "name out of the string section";
    if (refers_to_type(t.kind) && !btf.valid_id(t.size_or_type))
      return at_type(id) + "refers to type " + std::to_string(t.size_or_type) + ", which does not exist";
    switch (t.kind) {
      case kFunc:
        if (btf.kind_of(t.size_or_type) != kFuncProto) return at_type(id) + "a FUNC whose type is no FUNC_PROTO";
        break;
      case kArray:
        if (!btf.valid_id(u32(t.extra)) || !btf.valid_id(u32(t.extra + 4))) return at_type(id) + "array of a missing type";
        break;
      case kStruct:
      case kUnion:
        for (uint32_t m = 0; m < t.vlen; ++m) {
          const uint64_t e = t.extra + 12ull * m;
          if (!btf.strings.ok(u32(e))) return at_type(id) + "member name out of the string section";
          if (!btf.valid_id(u32(e + 4))) return at_type(id) + "member of a missing type";
        }
        break;
      case kEnum:
      case kEnum64:
        for (uint32_t m = 0; m < t.vlen; ++m) {
          if (!btf.strings.ok(u32(t.extra + (t.kind == kEnum ? 8ull : 12ull) * m)))
            return at_type(id) + "enumerator name out of the string section";
        }
        break;
      case kFuncProto:
        for (uint32_t m = 0; m < t.vlen; ++m) {
          const uint64_t e = t.extra + 8ull * m;
          if (!btf.strings.ok(u32(e))) return at_type(id) + "parameter name out of the string section";
          if (!btf.valid_id(u32(e + 4))) return at_type(id) + "parameter of a missing type";
        }
        break;
      case kDatasec:
        for (uint32_t m = 0; m < t.vlen; ++m) {
          const uint32_t v = u32(t.extra + 12ull * m);
          if (v == 0 || !btf.valid_id(v) || (btf.kind_of(v) != kVar && btf.kind_of(v) != kFunc))
            return at_type(id) + "a DATASEC entry that is no variable or function";
        }
        break;
    }
  }
  // Decl tags of a component (a member, a parameter), now that every FUNC is known to refer
  // to a FUNC_PROTO.
  for (uint32_t i = 0; i < btf.count(); ++i) {
    const BtfType& t = btf.t[i];
    if (t.kind != kDeclTag) continue;
    const auto component = static_cast<int32_t>(u32(t.extra));
    if (component == -1) continue;
    const uint32_t target = t.size_or_type;
    uint32_t members = 0;
    if (btf.kind_of(target) == kStruct || btf.kind_of(target) == kUnion) members = btf.t[target - 1].vlen;
    else if (btf.kind_of(target) == kFunc) members = btf.t[btf.t[target - 1].size_or_type - 1].vlen;
    else return at_type(i + 1) + "a tag of a component of a type that has none";
    if (component < 0 || static_cast<uint32_t>(component) >= members) return at_type(i + 1) + "a tag of a missing component";
  }
  // Chains through typedefs, modifiers, variables and arrays end (0: not seen, 1: on the
  // current chain, 2: known to end).
  std::vector<uint8_t> state(btf.count() + 1, 0);
  std::vector<uint32_t> chain;
  for (uint32_t start = 1; start <= btf.count(); ++start) {
    uint32_t id = start;
    chain.clear();
    while (id != 0 && state[id] == 0 && is_chain_kind(btf.kind_of(id))) {
      state[id] = 1;
      chain.push_back(id);
      const BtfType& t = btf.t[id - 1];
      id = t.kind == kArray ? u32(t.extra) : t.size_or_type;
    }
    if (id != 0 && state[id] == 1) return at_type(id) + "a loop of typedefs, modifiers or arrays";
    for (uint32_t c : chain) state[c] = 2;
  }
  return {};
}

// .BTF.ext: func_info, line_info and CO-RE relocation records, against the object's BTF.
std::string check_btf_ext(Bytes b, const Btf& btf) {
  auto magic = b.get<uint16_t>(0);
  auto version = b.get<uint8_t>(2);
  auto hdr_len = b.get<uint32_t>(4);
  if (!magic || !hdr_len) return ".BTF.ext is shorter than its header";
  if (*magic != kBtfMagic || *version != 1) return ".BTF.ext has a wrong magic number or version";
  if (*hdr_len < 24 || !b.has(0, *hdr_len)) return ".BTF.ext has a bad header length";
  struct Part {
    const char* name;
    uint32_t off_at;
    uint32_t min_record;
  };
  const Part parts[] = {{"func_info", 8, 8}, {"line_info", 16, 16}, {"CO-RE relocations", 24, 16}};
  for (const Part& p : parts) {
    if (p.off_at + 8 > *hdr_len) continue;  // an older header without this part
    const uint32_t off = *b.get<uint32_t>(p.off_at), len = *b.get<uint32_t>(p.off_at + 4);
    if (len == 0) continue;
    const uint64_t start = uint64_t{*hdr_len} + off;
    const std::string what = std::string(".BTF.ext ") + p.name + ": ";
    if (!b.has(start, len) || len < 4) return what + "out of bounds";
    const uint32_t rec = *b.get<uint32_t>(start);
    if (rec < p.min_record || rec > kMaxRecordSize || rec % 4 != 0) return what + "bad record size";
    for (uint64_t at = start + 4; at < start + len;) {
      auto name_off = b.get<uint32_t>(at), num = b.get<uint32_t>(at + 4);
      if (!name_off || !num || at + 8 > start + len) return what + "cut short";
      if (!btf.strings.ok(*name_off)) return what + "section name out of the string section";
      if (*num == 0 || uint64_t{*num} * rec > start + len - (at + 8)) return what + "bad record count";
      for (uint32_t r = 0; r < *num; ++r) {
        const uint64_t e = at + 8 + uint64_t{r} * rec;  // rec >= min_record: these reads are inside
        const uint32_t w1 = *b.get<uint32_t>(e + 4);
        const uint32_t w2 = rec >= 12 ? *b.get<uint32_t>(e + 8) : 0;
        if (p.off_at == 8) {  // bpf_func_info: insn_off, type_id (a FUNC)
          if (!btf.valid_id(w1) || btf.kind_of(w1) != kFunc) return what + "names a type that is no function";
        } else if (p.off_at == 16) {  // bpf_line_info: insn_off, file_name_off, line_off, line_col
          if (!btf.strings.ok(w1) || !btf.strings.ok(w2)) return what + "a name out of the string section";
        } else {  // bpf_core_relo: insn_off, type_id, access_str_off, kind
          const uint32_t kind = *b.get<uint32_t>(e + 12);
          if (!btf.valid_id(w1)) return what + "names type " + std::to_string(w1) + ", which does not exist";
          if (!btf.strings.ok(w2)) return what + "access string out of the string section";
          if (kind > 12) return what + "unknown relocation kind " + std::to_string(kind);
        }
      }
      at += 8 + uint64_t{*num} * rec;
    }
  }
  return {};
}

}  // namespace

std::string check_bpf_object(std::span<const uint8_t> object) {
  const Bytes f(object);
  auto eh = f.get<Elf64_Ehdr>(0);
  if (!eh || std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) return "not an ELF file";
  if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
    return "not a 64-bit little-endian ELF file";
  if (eh->e_machine != kEmBpf) return "not a BPF object (ELF machine " + std::to_string(eh->e_machine) + ")";
  if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 || eh->e_shnum >= SHN_LORESERVE)
    return "bad ELF section table";
  if (!f.has(eh->e_shoff, uint64_t{eh->e_shnum} * sizeof(Elf64_Shdr))) return "the ELF section table is out of the file";
  const uint32_t n = eh->e_shnum;
  std::vector<Elf64_Shdr> sh(n);
  for (uint32_t i = 0; i < n; ++i) sh[i] = *f.get<Elf64_Shdr>(eh->e_shoff + uint64_t{i} * sizeof(Elf64_Shdr));
  auto in_file = [&](const Elf64_Shdr& s) { return s.sh_type == SHT_NOBITS || f.has(s.sh_offset, s.sh_size); };
  auto strtab_ok = [&](uint32_t idx) {
    return idx < n && sh[idx].sh_type == SHT_STRTAB && in_file(sh[idx]) && sh[idx].sh_size > 0 &&
           f.at(sh[idx].sh_offset + sh[idx].sh_size - 1) == 0;
  };
  if (!strtab_ok(eh->e_shstrndx)) return "bad ELF section name table";
  const Elf64_Shdr& names = sh[eh->e_shstrndx];
  std::optional<uint32_t> btf_idx, ext_idx;
  for (uint32_t i = 0; i < n; ++i) {
    const Elf64_Shdr& s = sh[i];
    const std::string where = "ELF section " + std::to_string(i) + ": ";
    if (!in_file(s)) return where + "out of the file";
    if (s.sh_name >= names.sh_size) return where + "name out of the section name table";
    const std::string_view name(reinterpret_cast<const char*>(object.data() + names.sh_offset + s.sh_name));
    if (name == ".BTF") btf_idx = i;
    if (name == ".BTF.ext") ext_idx = i;
    if (s.sh_type == SHT_SYMTAB) {
      if (s.sh_entsize != sizeof(Elf64_Sym) || s.sh_size % sizeof(Elf64_Sym) != 0) return where + "bad symbol table";
      if (!strtab_ok(s.sh_link)) return where + "bad symbol name table";
      for (uint64_t at = 0; at < s.sh_size; at += sizeof(Elf64_Sym)) {
        const Elf64_Sym sym = *f.get<Elf64_Sym>(s.sh_offset + at);
        if (sym.st_name >= sh[s.sh_link].sh_size) return where + "symbol name out of its table";
        if (sym.st_shndx >= n && sym.st_shndx != SHN_ABS && sym.st_shndx != SHN_COMMON)
          return where + "symbol in a section that does not exist";
        // A symbol lies inside its section: libbpf adds value and size unchecked (a program
        // whose size wraps around made it allocate 2^64 - 1600 bytes).
        if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < n &&
            (sym.st_value > sh[sym.st_shndx].sh_size || sym.st_size > sh[sym.st_shndx].sh_size - sym.st_value))
          return where + "symbol beyond the end of its section";
      }
    }
    if (s.sh_type == SHT_REL || s.sh_type == SHT_RELA) {
      const uint64_t entsize = s.sh_type == SHT_REL ? sizeof(Elf64_Rel) : sizeof(Elf64_Rela);
      if (s.sh_entsize != entsize || s.sh_size % entsize != 0) return where + "bad relocation table";
      if (s.sh_link >= n || sh[s.sh_link].sh_type != SHT_SYMTAB) return where + "relocations without a symbol table";
      if (s.sh_info >= n) return where + "relocations of a section that does not exist";
      const uint64_t nsyms = sh[s.sh_link].sh_size / sizeof(Elf64_Sym);
      const Elf64_Shdr& target = sh[s.sh_info];
      for (uint64_t at = 0; at < s.sh_size; at += entsize) {
        const Elf64_Rel rel = *f.get<Elf64_Rel>(s.sh_offset + at);
        if (ELF64_R_SYM(rel.r_info) >= nsyms) return where + "relocation of a symbol that does not exist";
        if (rel.r_offset >= target.sh_size) return where + "relocation outside its section";
      }
    }
  }
  if (!btf_idx) {
    if (ext_idx) return ".BTF.ext without .BTF";
    return {};
  }
  Btf btf;
  const Elf64_Shdr& bs = sh[*btf_idx];
  if (bs.sh_type == SHT_NOBITS) return ".BTF has no contents";
  if (std::string e = parse_btf(f.sub(bs.sh_offset, bs.sh_size), btf); !e.empty()) return e;
  if (std::string e = check_btf_types(btf); !e.empty()) return e;
  if (ext_idx) {
    const Elf64_Shdr& es = sh[*ext_idx];
    if (es.sh_type == SHT_NOBITS) return ".BTF.ext has no contents";
    if (std::string e = check_btf_ext(f.sub(es.sh_offset, es.sh_size), btf); !e.empty()) return e;
  }
  return {};
}

}  // namespace wb::bpf
