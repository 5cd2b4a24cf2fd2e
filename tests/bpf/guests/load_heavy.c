// SPDX-License-Identifier: MIT
/* Prints "loading", then loads heavy.bpf.o (seconds of verifier work) and prints "load=H". */
#include "heavy.embed.h"
#include "guest_util.h"

int main(void) {
  WBT_SAY("loading\n");
  long long h = wasm_load_bpf_object(heavy_bpf_o, (int)heavy_bpf_o_len);
  WBT_SAY("load=%lld\n", h);
  return 0;
}
