// SPDX-License-Identifier: MIT
// Dense double-precision matrix multiplication (96 x 96, i-k-j loop order), repeated with
// the product fed back as the next left operand. The result is checksummed by bit pattern;
// native and wasm agree because both use plain IEEE double operations in the same order.
#include <stdint.h>
#include <string.h>

#define DIM 96
// Rows are padded to 104 doubles (13 cache lines) so that the matrices are not a power of two
// apart, and the three live in one page-aligned block so that their placement does not
// depend on the linker: with separate arrays the native time varied by 2x between binaries.
#define STRIDE (DIM + 8)

static _Alignas(4096) struct {
  double a[DIM][STRIDE];
  double b[DIM][STRIDE];
  double c[DIM][STRIDE];
} m;

static void multiply(void) {
  for (int i = 0; i < DIM; ++i) {
    for (int j = 0; j < DIM; ++j) m.c[i][j] = 0.0;
    for (int k = 0; k < DIM; ++k) {
      double aik = m.a[i][k];
      for (int j = 0; j < DIM; ++j) m.c[i][j] += aik * m.b[k][j];
    }
  }
}

static uint32_t fold(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return (uint32_t)bits ^ (uint32_t)(bits >> 32);
}

// n: number of multiplications.
uint32_t bench_run(uint32_t n) {
  for (int i = 0; i < DIM; ++i) {
    for (int j = 0; j < DIM; ++j) {
      m.a[i][j] = (double)((i * 7 + j * 3) % 17) / 16.0 - 0.5;
      m.b[i][j] = (double)((i * 5 + j * 11) % 23) / 22.0 - 0.5;
    }
  }
  uint32_t checksum = 0;
  for (uint32_t round = 0; round < n; ++round) {
    multiply();
    // Feed the product back, scaled so that the values stay in a moderate range.
    const double scale = 1.0 / 16.0;
    for (int i = 0; i < DIM; ++i) {
      for (int j = 0; j < DIM; ++j) {
        m.a[i][j] = m.c[i][j] * scale + (double)((i ^ j) & 3) * 0.125;
      }
    }
    checksum = checksum * 31u + fold(m.c[round % DIM][(round * 7u) % DIM]);
  }
  for (int i = 0; i < DIM; ++i) checksum ^= fold(m.c[i][i]) + (uint32_t)i;
  return checksum;
}
