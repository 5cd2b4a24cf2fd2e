// SPDX-License-Identifier: MIT
// Quicksort (median of three, insertion sort for short ranges) of 100,000 pseudo-random
// 32-bit keys: unpredictable branches, swaps and recursion.
#include <stdint.h>

#define COUNT 100000u

static uint32_t keys[COUNT];

static void insertion_sort(uint32_t* v, int32_t lo, int32_t hi) {
  for (int32_t i = lo + 1; i <= hi; ++i) {
    uint32_t x = v[i];
    int32_t j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      --j;
    }
    v[j + 1] = x;
  }
}

static void swap(uint32_t* v, int32_t i, int32_t j) {
  uint32_t t = v[i];
  v[i] = v[j];
  v[j] = t;
}

static void quicksort(uint32_t* v, int32_t lo, int32_t hi) {
  while (hi - lo > 16) {
    int32_t mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo]) swap(v, mid, lo);
    if (v[hi] < v[lo]) swap(v, hi, lo);
    if (v[hi] < v[mid]) swap(v, hi, mid);
    uint32_t pivot = v[mid];
    int32_t i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) ++i;
      while (v[j] > pivot) --j;
      if (i <= j) {
        swap(v, i, j);
        ++i;
        --j;
      }
    }
    // Recurse into the smaller part, loop on the larger: bounded stack depth.
    if (j - lo < hi - i) {
      quicksort(v, lo, j);
      lo = i;
    } else {
      quicksort(v, i, hi);
      hi = j;
    }
  }
  insertion_sort(v, lo, hi);
}

// n: number of arrays sorted, each from a different seed.
uint32_t bench_run(uint32_t n) {
  uint32_t checksum = 0;
  for (uint32_t round = 0; round < n; ++round) {
    uint32_t x = 0x9E3779B9u ^ (round * 0x85EBCA6Bu);
    if (x == 0) x = 1;
    for (uint32_t i = 0; i < COUNT; ++i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      keys[i] = (round & 1u) ? x % 1000u : x;  // odd rounds: many duplicates
    }
    quicksort(keys, 0, (int32_t)COUNT - 1);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < COUNT; ++i) {
      if (i > 0 && keys[i - 1] > keys[i]) return 0xBADu;  // not sorted
      sum += keys[i] * (i | 1u);
    }
    checksum = checksum * 0x01000193u ^ sum;
  }
  return checksum;
}
