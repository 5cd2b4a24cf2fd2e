// SPDX-License-Identifier: MIT
/* The uprobe tests' target: calls wbt_uprobe_target_func(N) for N = argv[1] (default 42),
 * which probes.bpf.c traces with SEC("uprobe/<this binary>:wbt_uprobe_target_func"). */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline, used)) int wbt_uprobe_target_func(int value) {
  __asm__ volatile("" ::: "memory"); /* keep the call */
  return value * 2 + 1;
}

int main(int argc, char **argv) {
  int value = argc > 1 ? atoi(argv[1]) : 42;
  int (*volatile fn)(int) = wbt_uprobe_target_func;
  printf("%d\n", fn(value));
  return 0;
}
