// SPDX-License-Identifier: MIT
// Ends with a chosen status:
//   exitcode N            prints "bye" (no newline, still buffered) and returns N from main
//   exitcode exit N       prints "bye" and calls exit(N) (stdio is flushed by libc)
//   exitcode proc_exit N  calls the WASI proc_exit(N) directly
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

int main(int argc, char** argv) {
  if (argc == 2) {
    fputs("bye", stdout);
    return atoi(argv[1]);
  }
  if (argc == 3 && strcmp(argv[1], "exit") == 0) {
    fputs("bye", stdout);
    exit(atoi(argv[2]));
  }
  if (argc == 3 && strcmp(argv[1], "proc_exit") == 0) {
    __wasi_proc_exit((__wasi_exitcode_t)atoi(argv[2]));
  }
  fprintf(stderr, "usage: exitcode N | exit N | proc_exit N\n");
  return 64;
}
