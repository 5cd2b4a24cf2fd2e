// SPDX-License-Identifier: MIT
// Prints its arguments and environment, one per line:
//   argc N
//   argv[I]=VALUE
//   env:KEY=VALUE
#include <stdio.h>

extern char** environ;

int main(int argc, char** argv) {
  printf("argc %d\n", argc);
  for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  for (char** e = environ; e != NULL && *e != NULL; ++e) printf("env:%s\n", *e);
  return 0;
}
