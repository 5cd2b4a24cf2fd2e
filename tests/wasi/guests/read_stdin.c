// SPDX-License-Identifier: MIT
// Prints "reading", then copies stdin to stdout as "got: DATA" lines (one per read) until
// end of file, then prints "eof". Blocks in read(0) while stdin is an open, empty pipe.
#include <stdio.h>
#include <unistd.h>

int main(void) {
  puts("reading");
  fflush(stdout);
  char buf[4096];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0) {
      perror("read");
      return 1;
    }
    if (n == 0) break;
    printf("got: %.*s\n", (int)n, buf);
    fflush(stdout);
  }
  puts("eof");
  return 0;
}
