// SPDX-License-Identifier: MIT
#include "bpf/object_facts.h"

#include <bpf/btf.h>
#include <elf.h>
#include <sys/utsname.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "bpf/poller.h"

namespace wb::bpf {
namespace {

// Helper names by id, from the kernel headers' own list (the uapi this build has).
#define WB_HELPER_NAME(x) "bpf_" #x  // (the list puts the commas)
const char* const kHelperNames[] = {__BPF_FUNC_MAPPER(WB_HELPER_NAME)};
#undef WB_HELPER_NAME

constexpr uint8_t kJmpCall = BPF_JMP | BPF_CALL;  // 0x85
constexpr uint8_t kPseudoKfuncCall = 2;           // BPF_PSEUDO_KFUNC_CALL

template <class T>
T read(std::span<const uint8_t> b, uint64_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

}  // namespace

std::string helper_name(int32_t id) {
  if (id >= 0 && static_cast<size_t>(id) < sizeof kHelperNames / sizeof kHelperNames[0]) return kHelperNames[id];
  return "BPF helper #" + std::to_string(id);
}

std::string program_type_name(bpf_prog_type type) {
  const char* s = libbpf_bpf_prog_type_str(type);
  return s ? s : "program type #" + std::to_string(static_cast<int>(type));
}

std::string map_type_name(bpf_map_type type) {
  const char* s = libbpf_bpf_map_type_str(type);
  return s ? s : "map type #" + std::to_string(static_cast<int>(type));
}

uint64_t map_memory(const bpf_map* map, uint64_t ncpu) {
  const uint64_t entries = bpf_map__max_entries(map);
  const uint64_t key = bpf_map__key_size(map), value = bpf_map__value_size(map);
  switch (bpf_map__type(map)) {
    case BPF_MAP_TYPE_RINGBUF:
    case BPF_MAP_TYPE_USER_RINGBUF: return entries;  // bytes
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY: return ncpu * Poller::kPerfBufferBytesPerCpu;
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH: return entries * (key + 16 + (value + 7) / 8 * 8 * ncpu);
    default: return entries * (key + value + 16);  // hash buckets and element headers, roughly
  }
}

namespace {
// Which architecture's struct pt_regs the object's BTF describes, by its members' names.
std::string pt_regs_arch(const bpf_object* obj) {
  const btf* b = bpf_object__btf(obj);
  if (b == nullptr) return {};
  for (const char* name : {"pt_regs", "user_pt_regs"}) {
    const int id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
    if (id <= 0) continue;
    const btf_type* t = btf__type_by_id(b, static_cast<uint32_t>(id));
    const btf_member* m = btf_members(t);
    for (uint16_t i = 0; i < btf_vlen(t); ++i, ++m) {
      const std::string_view member = btf__name_by_offset(b, m->name_off) ? btf__name_by_offset(b, m->name_off) : "";
      if (member == "orig_ax" || member == "ip") return "x86";
      if (member == "pstate" || member == "orig_x0") return "arm64";
      if (member == "epc") return "riscv";
      if (member == "psw") return "s390";
      if (member == "nip") return "powerpc";
    }
  }
  return {};
}
}  // namespace

std::string host_bpf_arch() {
  struct utsname u;
  if (::uname(&u) != 0) return {};
  const std::string_view m = u.machine;
  if (m == "x86_64" || m == "i686" || m == "i386") return "x86";
  if (m == "aarch64" || m.starts_with("arm")) return "arm64";
  if (m.starts_with("riscv")) return "riscv";
  if (m == "s390x") return "s390";
  if (m.starts_with("ppc")) return "powerpc";
  return std::string(m);
}

ObjectFacts object_facts(const bpf_object* obj, std::span<const uint8_t> elf) {
  ObjectFacts f;
  f.arch = pt_regs_arch(obj);
  const uint64_t ncpu = static_cast<uint64_t>(std::max(libbpf_num_possible_cpus(), 1));
  // (libbpf's iteration macros take and give non-const pointers; nothing here changes them.)
  auto* o = const_cast<bpf_object*>(obj);
  bpf_program* prog;
  bpf_object__for_each_program(prog, o) {
    ProgramFacts p;
    p.name = bpf_program__name(prog);
    if (const char* sec = bpf_program__section_name(prog)) p.section = sec;
    p.type = bpf_program__type(prog);
    p.expected_attach = bpf_program__expected_attach_type(prog);
    p.autoload = bpf_program__autoload(prog);
    f.programs.push_back(std::move(p));
  }
  bpf_map* map;
  bpf_object__for_each_map(map, o) {
    MapFacts m;
    m.name = bpf_map__name(map);
    m.type = bpf_map__type(map);
    m.key_size = bpf_map__key_size(map);
    m.value_size = bpf_map__value_size(map);
    m.max_entries = bpf_map__max_entries(map);
    m.memory = map_memory(map, ncpu);
    f.maps.push_back(std::move(m));
  }
  // The helper calls of every executable section, subprograms (.text) included, which
  // libbpf does not list as programs. check_bpf_object made every read here safe.
  const auto eh = read<Elf64_Ehdr>(elf, 0);
  const auto names = read<Elf64_Shdr>(elf, eh.e_shoff + uint64_t{eh.e_shstrndx} * sizeof(Elf64_Shdr));
  for (uint32_t i = 0; i < eh.e_shnum; ++i) {
    const auto sh = read<Elf64_Shdr>(elf, eh.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr));
    const char* name = reinterpret_cast<const char*>(elf.data() + names.sh_offset + sh.sh_name);
    if (sh.sh_type == SHT_PROGBITS && std::strcmp(name, "license") == 0) {
      const auto* text = reinterpret_cast<const char*>(elf.data() + sh.sh_offset);
      f.license.assign(text, ::strnlen(text, std::min<uint64_t>(sh.sh_size, 128)));
      continue;
    }
    if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR)) continue;
    SectionCalls c;
    c.section = name;
    for (uint64_t at = 0; at + sizeof(bpf_insn) <= sh.sh_size; at += sizeof(bpf_insn)) {
      const auto insn = read<bpf_insn>(elf, sh.sh_offset + at);
      if (insn.code != kJmpCall) continue;
      if (insn.src_reg == 0) c.helpers.insert(insn.imm);
      else if (insn.src_reg == kPseudoKfuncCall) ++c.kfunc_calls;
    }
    if (!c.helpers.empty() || c.kfunc_calls != 0) f.calls.push_back(std::move(c));
  }
  return f;
}

}  // namespace wb::bpf
