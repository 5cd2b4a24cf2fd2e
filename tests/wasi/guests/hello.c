// SPDX-License-Identifier: MIT
// Prints a greeting: the smallest useful guest (also used by bench/startup).
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
