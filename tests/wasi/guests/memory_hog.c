// SPDX-License-Identifier: MIT
// Tries to get 64 MiB of linear memory and prints OK or FAILED (exit 0 either way):
//   memory_hog [malloc]   malloc(64 MiB) and touch every page
//   memory_hog grow       memory.grow by 1024 pages (64 MiB) directly
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  const size_t size = 64u << 20;
  if (argc > 1 && strcmp(argv[1], "grow") == 0) {
    const size_t before = __builtin_wasm_memory_size(0);
    const size_t r = __builtin_wasm_memory_grow(0, size / 65536);
    if (r == (size_t)-1) {
      printf("FAILED (memory.grow, %zu pages before)\n", before);
    } else {
      printf("OK (memory.grow from %zu pages)\n", r);
    }
    return 0;
  }
  char* p = malloc(size);
  if (p == NULL) {
    puts("FAILED (malloc returned NULL)");
    return 0;
  }
  for (size_t i = 0; i < size; i += 4096) p[i] = (char)(i >> 12);
  unsigned sum = 0;
  for (size_t i = 0; i < size; i += 4096) sum += (unsigned char)p[i];
  printf("OK (checksum %u)\n", sum);
  free(p);
  return 0;
}
