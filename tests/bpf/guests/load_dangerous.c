// SPDX-License-Identifier: MIT
/* Loads dangerous.bpf.o (bpf_send_signal, bpf_probe_write_user) and prints "load=H"; never
 * attaches anything. */
#include "dangerous.embed.h"
#include "guest_util.h"

int main(void) {
  long long h = wasm_load_bpf_object(dangerous_bpf_o, (int)dangerous_bpf_o_len);
  WBT_SAY("load=%lld\n", h);
  if (h != 0) wasm_close_bpf_object(h);
  return 0;
}
