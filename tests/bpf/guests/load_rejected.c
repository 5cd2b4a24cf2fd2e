// SPDX-License-Identifier: MIT
/* Loads rejected.bpf.o, which the verifier refuses, and prints "load=HANDLE" (0 expected);
 * what the user learns about why comes from wasm-bpf on stderr. */
#include "rejected.embed.h"
#include "guest_util.h"

int main(void) {
  long long h = wasm_load_bpf_object(rejected_bpf_o, (int)rejected_bpf_o_len);
  printf("load=%lld\n", h);
  return 0;
}
