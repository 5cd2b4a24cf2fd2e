// SPDX-License-Identifier: MIT
// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table driven, one byte at a time:
// a tight loop of loads, shifts, xors and a data-dependent table lookup.
#include <stddef.h>
#include <stdint.h>

#define BUFFER_SIZE 65536u

static uint32_t crc_table[256];
static uint8_t buffer[BUFFER_SIZE];

static void make_table(void) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static uint32_t crc32_update(uint32_t crc, const uint8_t* p, size_t len) {
  crc = ~crc;
  for (size_t i = 0; i < len; ++i) crc = crc_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

// n: number of 64 KiB passes. After each pass one byte of the buffer changes, so no two
// passes compute the same thing.
uint32_t bench_run(uint32_t n) {
  make_table();
  uint32_t x = 0x12345678u;
  for (uint32_t i = 0; i < BUFFER_SIZE; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buffer[i] = (uint8_t)x;
  }
  uint32_t crc = 0;
  for (uint32_t i = 0; i < n; ++i) {
    crc = crc32_update(crc ^ i, buffer, BUFFER_SIZE);
    buffer[(i * 2654435761u) & (BUFFER_SIZE - 1)] ^= (uint8_t)crc;
  }
  return crc;
}
