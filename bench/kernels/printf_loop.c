// SPDX-License-Identifier: MIT
// snprintf-heavy formatting: integers in several bases and widths, floats in %f / %e / %g,
// padded and truncated strings, all into one buffer whose bytes are checksummed (FNV-1a).
// Only conversions whose output C specifies exactly are used (no %a, %p or NaN), so glibc
// (native) and wasi-libc (wasm) must print the same bytes.
#include <stdint.h>
#include <stdio.h>

static const char* const kWords[] = {"alpha", "bravo",  "charlie", "delta", "echo",
                                     "foxtrot", "golf", "hotel",   "india", "juliett"};

static uint32_t fnv1a(uint32_t h, const char* p, int len) {
  for (int i = 0; i < len; ++i) {
    h ^= (uint8_t)p[i];
    h *= 0x01000193u;
  }
  return h;
}

// n: number of formatting rounds (each formats one line of about 150 bytes).
uint32_t bench_run(uint32_t n) {
  char buf[512];
  uint32_t h = 0x811C9DC5u;
  uint32_t x = 12345u;
  for (uint32_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    int32_t si = (int32_t)(x >> 1) - 0x20000000;
    double d = (double)si / 1024.0;
    double e = (double)(x % 100000u) * 1.0e-7 + (double)(i % 50u) * 1.0e12;
    const char* w = kWords[x % 10u];
    int len = snprintf(buf, sizeof buf,
                       "%u|%d|%+d|%08x|%X|%o|%-12s|%.3s|%c|%10.3f|%.6e|%g|%lld|% 05d\n", i, si,
                       (int)(x % 2001u) - 1000, x, x ^ 0xDEADBEEFu, x & 0777u, w, w,
                       'A' + (int)(x % 26u), d, e, d * 3.0e-5, (long long)si * 1000003LL,
                       (int)(x % 99999u));
    if (len < 0 || len >= (int)sizeof buf) return 0xBADu;
    h = fnv1a(h, buf, len);
  }
  return h;
}
