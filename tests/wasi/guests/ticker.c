// SPDX-License-Identifier: MIT
// Prints "tick N" every 100 ms with printf alone (no setvbuf, no fflush), as many guests
// written for the first wasm-bpf do, until stopped; "ticker summary" before the first tick
// that comes from a sleep cut short (what a stopped guest does after its sleep returns early).
//
//   ticker [summary]   with "summary": after a sleep that ended early, print
//                      "summary: N ticks" and return 0
#include <stdio.h>
#include <string.h>
#include <time.h>

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
  const int summary = argc > 1 && strcmp(argv[1], "summary") == 0;
  for (int i = 1;; i++) {
    printf("tick %d\n", i);
    const long long start = now_ms();
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (summary && now_ms() - start < 90) {
      printf("summary: %d ticks\n", i);
      return 0;
    }
  }
}
