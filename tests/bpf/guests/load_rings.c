// SPDX-License-Identifier: MIT
/* Loads objects with large ring buffers, for the limit tests:
 *
 *   load_rings huge      ring1g.bpf.o (1 GiB) once
 *   load_rings N         ring64.bpf.o (64 MiB) N times, keeping each open
 *
 * Prints "load K=H" per load (H 0: refused) and exits 0. */
#include "ring1g.embed.h"
#include "ring64.embed.h"
#include "guest_util.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: load_rings huge|N\n");
    return 64;
  }
  if (strcmp(argv[1], "huge") == 0) {
    WBT_SAY("load 1=%lld\n", wasm_load_bpf_object(ring1g_bpf_o, (int)ring1g_bpf_o_len));
    return 0;
  }
  int n = atoi(argv[1]);
  for (int i = 1; i <= n; ++i) WBT_SAY("load %d=%lld\n", i, wasm_load_bpf_object(ring64_bpf_o, (int)ring64_bpf_o_len));
  return 0;
}
