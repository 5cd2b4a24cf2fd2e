// SPDX-License-Identifier: MIT
/* Loads arm64_regs.bpf.o (a kprobe built for arm64) and prints "load=H". */
#include "arm64_regs.embed.h"
#include "guest_util.h"

int main(void) {
  long long h = wasm_load_bpf_object(arm64_regs_bpf_o, (int)arm64_regs_bpf_o_len);
  WBT_SAY("load=%lld\n", h);
  if (h != 0) wasm_close_bpf_object(h);
  return 0;
}
