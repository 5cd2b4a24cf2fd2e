// SPDX-License-Identifier: MIT
/* Loads the embedded object and attaches one program by name (auto-attach from its section):
 *
 *   attach_one PROGRAM
 *
 * Prints "load=0" if the load failed, else "attach=R" (R: 0 or a negative errno), and exits 0. */
#include "uprobe_fifo.embed.h"
#include "guest_util.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: attach_one PROGRAM\n");
    return 64;
  }
  long long obj = wasm_load_bpf_object(uprobe_fifo_bpf_o, (int)uprobe_fifo_bpf_o_len);
  if (obj == 0) {
    WBT_SAY("load=0\n");
    return 0;
  }
  WBT_SAY("attach=%d\n", wasm_attach_bpf_program(obj, argv[1], NULL));
  return wasm_close_bpf_object(obj) == 0 ? 0 : 5;
}
