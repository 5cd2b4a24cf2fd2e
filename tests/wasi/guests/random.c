// SPDX-License-Identifier: MIT
// Checks the WASI random source. Prints "OK getentropy", "OK arc4random", "OK random_get"
// or FAIL lines, then "sample HEX" (32 random bytes, for comparing two runs). Exits 1 on
// any failure.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static int failures;

static int all_zero(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return 0;
  return 1;
}

static void check_pair(const char* what, const unsigned char* a, const unsigned char* b, size_t n) {
  if (all_zero(a, n) || all_zero(b, n)) {
    printf("FAIL %s: all zero\n", what);
    ++failures;
  } else if (memcmp(a, b, n) == 0) {
    printf("FAIL %s: two buffers are equal\n", what);
    ++failures;
  } else {
    printf("OK %s\n", what);
  }
}

int main(void) {
  unsigned char a[32], b[32];

  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) {
    perror("FAIL getentropy");
    ++failures;
  } else {
    check_pair("getentropy", a, b, sizeof a);
  }

  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  arc4random_buf(a, sizeof a);
  arc4random_buf(b, sizeof b);
  check_pair("arc4random", a, b, sizeof a);

  // A larger request straight through the host call.
  static unsigned char big1[4096], big2[4096];
  if (__wasi_random_get(big1, sizeof big1) != 0 || __wasi_random_get(big2, sizeof big2) != 0) {
    puts("FAIL random_get: error");
    ++failures;
  } else {
    check_pair("random_get", big1, big2, sizeof big1);
  }

  unsigned char sample[32];
  if (getentropy(sample, sizeof sample) == 0) {
    printf("sample ");
    for (size_t i = 0; i < sizeof sample; ++i) printf("%02x", sample[i]);
    printf("\n");
  }
  return failures == 0 ? 0 : 1;
}
