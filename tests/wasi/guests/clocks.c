// SPDX-License-Identifier: MIT
// Checks the WASI clocks. Prints "realtime_ms N" (for the test to compare with the host's
// clock), "OK what ..." or "FAIL what ..." lines, and exits 1 if anything failed.
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int failures;

static void result(int ok, const char* what, const char* detail) {
  printf("%s %s%s%s\n", ok ? "OK" : "FAIL", what, detail[0] ? ": " : "", detail);
  if (!ok) ++failures;
}

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -1;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

volatile uint64_t sink;

int main(void) {
  char detail[160];

  const int64_t real = now_ns(CLOCK_REALTIME);
  printf("realtime_ms %lld\n", (long long)(real / 1000000));
  result(real > (int64_t)1600000000 * 1000000000, "realtime", "");

  // time() and gettimeofday() agree with clock_gettime(CLOCK_REALTIME).
  const time_t t = time(NULL);
  snprintf(detail, sizeof detail, "time() %lld vs %lld", (long long)t, (long long)(real / 1000000000));
  result(t >= real / 1000000000 && t - real / 1000000000 <= 2, "time", detail);
  struct timeval tv;
  const int gtod = gettimeofday(&tv, NULL);
  result(gtod == 0 && tv.tv_sec >= real / 1000000000 && tv.tv_sec - real / 1000000000 <= 2,
         "gettimeofday", "");

  // Monotonic: never goes back, and moves.
  int64_t prev = now_ns(CLOCK_MONOTONIC);
  const int64_t first = prev;
  int backwards = 0;
  for (int i = 0; i < 20000; ++i) {
    const int64_t m = now_ns(CLOCK_MONOTONIC);
    if (m < prev) backwards = 1;
    prev = m;
  }
  snprintf(detail, sizeof detail, "first %lld last %lld", (long long)first, (long long)prev);
  result(first >= 0 && !backwards && prev > first, "monotonic", detail);

  // Resolutions.
  struct timespec res;
  int r = clock_getres(CLOCK_REALTIME, &res);
  snprintf(detail, sizeof detail, "%lld ns", (long long)res.tv_sec * 1000000000 + res.tv_nsec);
  result(r == 0 && (res.tv_sec > 0 || res.tv_nsec > 0) && res.tv_sec == 0 && res.tv_nsec <= 100000000,
         "getres realtime", detail);
  r = clock_getres(CLOCK_MONOTONIC, &res);
  snprintf(detail, sizeof detail, "%lld ns", (long long)res.tv_sec * 1000000000 + res.tv_nsec);
  result(r == 0 && (res.tv_sec > 0 || res.tv_nsec > 0) && res.tv_sec == 0 && res.tv_nsec <= 100000000,
         "getres monotonic", detail);

  // nanosleep(50 ms) takes at least 50 ms on the monotonic clock (and not absurdly long).
  int64_t before = now_ns(CLOCK_MONOTONIC);
  struct timespec ts = {0, 50 * 1000000};
  r = nanosleep(&ts, NULL);
  int64_t took = now_ns(CLOCK_MONOTONIC) - before;
  snprintf(detail, sizeof detail, "rc %d, took %lld us", r, (long long)(took / 1000));
  result(r == 0 && took >= 50000000 && took < 1000000000, "nanosleep 50ms", detail);

  // poll() with only a timeout (poll_oneoff with one relative clock subscription).
  before = now_ns(CLOCK_MONOTONIC);
  r = poll(NULL, 0, 30);
  took = now_ns(CLOCK_MONOTONIC) - before;
  snprintf(detail, sizeof detail, "rc %d, took %lld us", r, (long long)(took / 1000));
  result(r == 0 && took >= 30000000 && took < 1000000000, "poll 30ms", detail);

  // clock_nanosleep to an absolute monotonic time (subscription with the abstime flag).
  before = now_ns(CLOCK_MONOTONIC);
  const int64_t target = before + 40 * 1000000;
  struct timespec abs_ts = {(time_t)(target / 1000000000), (long)(target % 1000000000)};
  r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs_ts, NULL);
  const int64_t after = now_ns(CLOCK_MONOTONIC);
  snprintf(detail, sizeof detail, "rc %d, woke %lld us after the target", r,
           (long long)((after - target) / 1000));
  result(r == 0 && after >= target && after - target < 1000000000, "clock_nanosleep abstime",
         detail);

  // Process CPU time: readable and it grows while the guest computes.
  errno = 0;
  const int64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
  const int cpu_errno = errno;
  const int64_t spin_until = now_ns(CLOCK_MONOTONIC) + 30 * 1000000;
  uint64_t x = 1;
  while (now_ns(CLOCK_MONOTONIC) < spin_until) {
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  sink = x;
  const int64_t cpu1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
  snprintf(detail, sizeof detail, "%lld -> %lld ns (errno %d)", (long long)cpu0, (long long)cpu1,
           cpu_errno);
  result(cpu0 >= 0 && cpu1 > cpu0, "process cputime", detail);

  return failures == 0 ? 0 : 1;
}
