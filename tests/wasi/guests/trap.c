// SPDX-License-Identifier: MIT
// Traps inside a named, non-inlined function (the name section keeps the names):
//   trap [unreachable]  __builtin_trap() in crash_here
//   trap div0           integer division by zero in divide_here
//   trap oob            a load far beyond linear memory in load_here
//   trap recurse        unbounded recursion (call stack exhausted) in recurse_here
// It first writes "about to trap" to stderr and "started" to stdout.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

volatile int sink;

__attribute__((noinline)) void crash_here(int really) {
  if (really) __builtin_trap();
  sink = 1;
}

__attribute__((noinline)) int divide_here(int a, int b) { return a / b; }

__attribute__((noinline)) int load_here(uintptr_t address) {
  return *(volatile int*)address;
}

__attribute__((noinline)) int recurse_here(int depth) {
  if (depth == -1) return 0;  // never: keeps the compiler from calling this infinite
  sink = depth;
  int r = recurse_here(depth + 1);
  sink = r;
  return r + sink;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "unreachable";
  fputs("started\n", stdout);
  fflush(stdout);
  fputs("about to trap\n", stderr);
  if (strcmp(mode, "unreachable") == 0) {
    crash_here(argc > 0);
  } else if (strcmp(mode, "div0") == 0) {
    volatile int zero = 0;
    sink = divide_here(argc, zero);
  } else if (strcmp(mode, "oob") == 0) {
    volatile uintptr_t far = 0xFFFFFFF0u;
    sink = load_here(far);
  } else if (strcmp(mode, "recurse") == 0) {
    sink = recurse_here(0);
  }
  puts("did not trap");
  return 0;
}
