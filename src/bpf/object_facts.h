// SPDX-License-Identifier: MIT
// What a BPF object will do in the kernel, read before it is loaded: its programs (type,
// attach type, section) and the BPF helpers their code calls, and its maps (type, sizes,
// kernel memory). The policy (policy.h) decides on these facts; `wasm-bpf inspect` shows them.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace wb::bpf {

struct ProgramFacts {
  std::string name;
  std::string section;
  bpf_prog_type type = BPF_PROG_TYPE_UNSPEC;
  bpf_attach_type expected_attach = static_cast<bpf_attach_type>(0);
  bool autoload = true;  // false: the guest turned it off; it is not loaded
};

struct MapFacts {
  std::string name;
  bpf_map_type type = BPF_MAP_TYPE_UNSPEC;
  uint32_t key_size = 0, value_size = 0, max_entries = 0;
  uint64_t memory = 0;  // kernel memory it will take, estimated
};

// Helper calls of one code section (programs and the subprograms they call share sections:
// a helper is attributed to the section whose code calls it).
struct SectionCalls {
  std::string section;
  std::set<int32_t> helpers;  // BPF helper ids (enum bpf_func_id)
  uint32_t kfunc_calls = 0;   // calls of kernel functions (kfuncs)
};

struct ObjectFacts {
  // The architecture its programs were built for ("x86", "arm64", "riscv", "s390",
  // "powerpc"), when they read CPU registers (struct pt_regs: kprobes, uprobes built with
  // __TARGET_ARCH_xxx); "" when nothing in it depends on the architecture.
  std::string arch;
  std::string license;  // its "license" section ("GPL", "Dual BSD/GPL"); "" if it has none
  std::vector<ProgramFacts> programs;
  std::vector<MapFacts> maps;
  std::vector<SectionCalls> calls;
};

// The facts of `obj` (opened by libbpf, not loaded) and of `elf`, its bytes, which
// check_bpf_object accepted: every executable section is scanned for helper calls.
ObjectFacts object_facts(const bpf_object* obj, std::span<const uint8_t> elf);

// The kernel memory a map will take, roughly (ring buffers: their size; perf event arrays:
// the buffers the host maps per CPU; other maps: per entry).
uint64_t map_memory(const bpf_map* map, uint64_t ncpu);

// The architecture this machine's BPF programs must be built for, named as ObjectFacts::arch.
std::string host_bpf_arch();

// "bpf_send_signal", ... or "BPF helper #N" for one this build does not know.
std::string helper_name(int32_t id);
// "kprobe", "xdp", ... (libbpf's names) or "program type #N".
std::string program_type_name(bpf_prog_type type);
std::string map_type_name(bpf_map_type type);

}  // namespace wb::bpf
