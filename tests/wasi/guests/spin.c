// SPDX-License-Identifier: MIT
// Prints "spinning", then burns CPU forever without calling the host (for --timeout and
// signals: the engine itself must notice the interrupt).
#include <stdio.h>

volatile unsigned long counter;

int main(void) {
  puts("spinning");
  fflush(stdout);
  for (;;) counter = counter * 6364136223846793005ul + 1;
}
