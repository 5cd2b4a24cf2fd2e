// SPDX-License-Identifier: MIT
#include "bpf/embedded_objects.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>

#include "bpf/object_check.h"
#include "wasm/engine.h"

namespace wb::bpf {
namespace {

constexpr uint16_t kEmBpf = 247;

// The length of the ELF image at `p` (at most `n` bytes long), or 0 if it is not a whole
// 64-bit little-endian BPF object.
size_t object_length(const uint8_t* p, size_t n) {
  if (n < sizeof(Elf64_Ehdr)) return 0;
  Elf64_Ehdr eh;
  std::memcpy(&eh, p, sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != kEmBpf ||
      eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0)
    return 0;
  uint64_t end = eh.e_shoff + uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr);
  if (eh.e_shoff > n || end > n) return 0;
  for (uint32_t i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh;
    std::memcpy(&sh, p + eh.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr), sizeof sh);
    if (sh.sh_type == SHT_NOBITS) continue;
    if (sh.sh_offset > n || sh.sh_size > n - sh.sh_offset) return 0;
    end = std::max<uint64_t>(end, sh.sh_offset + sh.sh_size);
  }
  return static_cast<size_t>(end);
}

}  // namespace

Result<std::vector<std::vector<uint8_t>>> embedded_bpf_objects(std::span<const uint8_t> wasm) {
  auto mod = wasm::Module::load(wasm);
  if (!mod) return make_error("not a valid WebAssembly module: " + mod.error().message);
  std::vector<std::vector<uint8_t>> out;
  for (const wasm::DataSegment& d : mod.value()->datas) {
    const std::vector<uint8_t>& b = d.bytes;
    for (size_t at = 0; at + SELFMAG <= b.size();) {
      const auto hit = std::search(b.begin() + static_cast<ptrdiff_t>(at), b.end(), ELFMAG, ELFMAG + SELFMAG);
      if (hit == b.end()) break;
      const size_t off = static_cast<size_t>(hit - b.begin());
      const size_t len = object_length(b.data() + off, b.size() - off);
      if (len == 0) {
        at = off + 1;
        continue;
      }
      out.emplace_back(b.begin() + static_cast<ptrdiff_t>(off), b.begin() + static_cast<ptrdiff_t>(off + len));
      at = off + len;
    }
  }
  return out;
}

namespace {
int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }
}  // namespace

Result<std::vector<ObjectDescription>> describe_embedded_objects(std::span<const uint8_t> wasm, const Policy& policy) {
  auto objects = embedded_bpf_objects(wasm);
  if (!objects) return objects.error();
  std::vector<ObjectDescription> out;
  libbpf_print_fn_t old = libbpf_set_print(quiet);
  for (const std::vector<uint8_t>& o : *objects) {
    ObjectDescription d;
    d.size = o.size();
    if (std::string bad = check_bpf_object(o); !bad.empty()) {
      d.problem = "malformed: " + bad;
    } else {
      bpf_object_open_opts opts{};
      opts.sz = sizeof opts;
      opts.object_name = "inspect";
      bpf_object* obj = bpf_object__open_mem(o.data(), o.size(), &opts);
      if (obj == nullptr) {
        d.problem = std::string("libbpf cannot open it: ") + std::strerror(errno);
      } else {
        d.facts = object_facts(obj, o);
        d.refused = check_policy(d.facts, policy);
        bpf_object__close(obj);
      }
    }
    out.push_back(std::move(d));
  }
  libbpf_set_print(old);
  return out;
}

}  // namespace wb::bpf
