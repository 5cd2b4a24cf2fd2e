// SPDX-License-Identifier: MIT
/* The native baseline for bench/startup: the same program as tests/wasi/guests/hello.c. */
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
