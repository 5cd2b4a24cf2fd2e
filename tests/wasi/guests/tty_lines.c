// SPDX-License-Identifier: MIT
// Prints whether stdout is a terminal, without flushing, then sleeps until stopped. On a
// terminal wasi-libc line-buffers stdout only when isatty(1) holds (fd 1 a character device
// without the seek and tell rights); otherwise the line would sit in the buffer and be lost
// when --timeout stops the guest.
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("isatty=%d\n", isatty(1));
  for (;;) sleep(3600);
}
