// SPDX-License-Identifier: MIT
// Sieve of Eratosthenes over a 2 MB byte array: strided stores, then a counting scan.
#include <stdint.h>
#include <string.h>

#define SIEVE_LIMIT 2000000u

static uint8_t composite[SIEVE_LIMIT + 1];

// n: number of sieves. Each one also folds a varying subset of the primes into the checksum.
uint32_t bench_run(uint32_t n) {
  uint32_t checksum = 0;
  for (uint32_t round = 0; round < n; ++round) {
    memset(composite, 0, sizeof composite);
    for (uint32_t p = 2; p * p <= SIEVE_LIMIT; ++p) {
      if (composite[p]) continue;
      for (uint32_t m = p * p; m <= SIEVE_LIMIT; m += p) composite[m] = 1;
    }
    uint32_t count = 0;
    uint32_t mix = 0;
    for (uint32_t i = 2; i <= SIEVE_LIMIT; ++i) {
      if (!composite[i]) {
        ++count;
        if ((i & 63u) == (round & 63u)) mix = mix * 31u + i;
      }
    }
    checksum = checksum * 1000003u + count + mix;
  }
  return checksum;
}
