// SPDX-License-Identifier: MIT
/* Loads the BPF object in the file PATH (a path in a directory given with --dir) and prints
 * "load=H" (0: refused); for objects made by the tests, such as malformed ones.
 *
 *   load_file PATH */
#include "guest_util.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: load_file PATH\n");
    return 64;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  static unsigned char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  long long h = wasm_load_bpf_object(buf, (int)n);
  WBT_SAY("load=%lld\n", h);
  if (h != 0) wasm_close_bpf_object(h);
  return 0;
}
