// SPDX-License-Identifier: MIT
// Writes 256 KiB blocks to stdout for ever, with one write call each: against a pipe nobody
// reads, a write that size blocks unless the host writes it in parts it can wait between.
#include <string.h>
#include <unistd.h>

static char block[256 * 1024];

int main(void) {
  memset(block, 'x', sizeof block);
  for (;;) {
    if (write(1, block, sizeof block) < 0) return 1;
  }
}
