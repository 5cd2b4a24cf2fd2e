// SPDX-License-Identifier: MIT
// libFuzzer target over the BPF object loading path of the eBPF host: the checks of
// bpf/object_check.h, then libbpf's bpf_object__open_mem (what libbpf's own bpf-object fuzzer
// covers) on whatever passed them. A crash or hang here is an object the checks let through
// although libbpf cannot handle it. Loading into the kernel is not fuzzed (it needs root and
// the kernel checks what it is given).
#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "bpf/object_check.h"

namespace {
int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool silenced = (libbpf_set_print(quiet), true);
  (void)silenced;
  // WB_FUZZ_UNCHECKED=1 hands every input to libbpf: what the checks are there for.
  static const bool unchecked = std::getenv("WB_FUZZ_UNCHECKED") != nullptr;
  if (!unchecked && !wb::bpf::check_bpf_object({data, size}).empty()) return 0;
  bpf_object_open_opts opts{};  // (LIBBPF_OPTS is a C idiom clang warns about in C++)
  opts.sz = sizeof opts;
  opts.object_name = "fuzz";
  bpf_object* obj = bpf_object__open_mem(data, size, &opts);
  if (obj != nullptr) {
    // What the host reads of an opened object before it loads it.
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
      (void)bpf_program__section_name(prog);
      (void)bpf_program__type(prog);
      (void)bpf_program__insn_cnt(prog);
    }
    bpf_map* map;
    bpf_object__for_each_map(map, obj) {
      (void)bpf_map__name(map);
      (void)bpf_map__type(map);
      (void)bpf_map__value_size(map);
    }
    bpf_object__close(obj);
  }
  return 0;
}
