/* SPDX-License-Identifier: MIT */
/* A guest that calls host functions an embedder defines (tests/capi):
 *
 *   host.add(i32, i32) -> i32
 *   host.scale(f64, i64) -> f64
 *   host.record(ptr, len)         the host reads len bytes at ptr
 *   host.fill(ptr, len) -> i32    the host writes into len bytes at ptr, returns how many
 *
 *   capi_host_guest ok     calls each and prints the results; exits with add(40, 2)
 *   capi_host_guest bad    passes record() a pointer past the end of its memory */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HOST(name) __attribute__((import_module("host"), import_name(#name)))
HOST(add) int32_t host_add(int32_t a, int32_t b);
HOST(scale) double host_scale(double x, int64_t k);
HOST(record) void host_record(const char *p, int32_t len);
HOST(fill) int32_t host_fill(char *p, int32_t len);

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "bad") == 0) {
    host_record((const char *)(uintptr_t)0xFFFFFFF0u, 64);
    printf("record of a bad pointer returned\n");
    return 0;
  }
  const int32_t sum = host_add(40, 2);
  const double scaled = host_scale(1.5, 3);
  host_record("hello host", 10);
  char buf[32];
  memset(buf, 0, sizeof buf);
  const int32_t n = host_fill(buf, (int32_t)sizeof buf - 1);
  printf("add %d scale %.2f fill %d '%s'\n", sum, scaled, n, buf);
  return sum;
}
