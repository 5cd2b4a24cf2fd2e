// SPDX-License-Identifier: MIT
// Prints "sleeping" and then sleeps forever, for the signal and timeout tests:
//   sleep_forever [nanosleep]   nanosleep() of an hour at a time
//   sleep_forever poll          poll() with no descriptors and an hour's timeout
// Both reach the host as poll_oneoff on a clock.
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char** argv) {
  const int use_poll = argc > 1 && strcmp(argv[1], "poll") == 0;
  puts("sleeping");
  fflush(stdout);
  for (;;) {
    if (use_poll) {
      poll(NULL, 0, 3600 * 1000);
    } else {
      struct timespec ts = {3600, 0};
      nanosleep(&ts, NULL);
    }
  }
}
