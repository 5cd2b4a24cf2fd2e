// SPDX-License-Identifier: MIT
// Not a timed kernel: a module of about 100 KB (most of it wasi-libc: stdio formatting and
// scanning, strtod, regex, qsort, strftime, malloc) for measuring how long the engine takes
// to load, validate and translate a realistic module. bench_run still does deterministic
// work so that the code is reachable and kept by the linker.
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

static int compare_u32(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a;
  uint32_t y = *(const uint32_t*)b;
  return (x > y) - (x < y);
}

uint32_t bench_run(uint32_t n) {
  char line[256];
  uint32_t h = 0;
  regex_t re;
  if (regcomp(&re, "([a-z]+)=([0-9]+)", REG_EXTENDED) != 0) return 0xBADu;
  uint32_t* values = malloc(sizeof(uint32_t) * (n + 1u));
  if (values == NULL) return 0xBADu;
  for (uint32_t i = 0; i < n; ++i) {
    snprintf(line, sizeof line, "key=%u %.3f %e", i * 7u, i * 0.25, i * 1.0e-3);
    regmatch_t m[3];
    if (regexec(&re, line, 3, m, 0) == 0) h += (uint32_t)m[2].rm_so;
    unsigned parsed = 0;
    double d = 0.0;
    if (sscanf(line, "key=%u %lf", &parsed, &d) == 2) h += parsed + (uint32_t)(d * 4.0);
    h += (uint32_t)strtod(line + 4, NULL);
    struct tm t = {0};
    t.tm_year = 100 + (int)(i % 50u);
    t.tm_mon = (int)(i % 12u);
    t.tm_mday = 1 + (int)(i % 28u);
    h += (uint32_t)strftime(line, sizeof line, "%Y-%m-%d %b", &t);
    wchar_t wide[32];
    h += (uint32_t)swprintf(wide, 32, L"%u", i);
    values[i] = h ^ (i * 2654435761u);
  }
  qsort(values, n, sizeof(uint32_t), compare_u32);
  uint32_t key = n > 0 ? values[n / 2] : 0;
  if (n > 0 && bsearch(&key, values, n, sizeof(uint32_t), compare_u32) == NULL) h ^= 1u;
  for (uint32_t i = 0; i < n; ++i) h = h * 31u + values[i];
  free(values);
  regfree(&re);
  return h;
}
