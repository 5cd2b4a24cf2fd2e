// SPDX-License-Identifier: MIT
#include "wasm/reader.h"

namespace wb::wasm {

bool Reader::uleb(uint64_t& out, unsigned bits) {
  out = 0;
  uint64_t result = 0;
  unsigned shift = 0;
  const unsigned max_bytes = (bits + 6) / 7;
  for (unsigned i = 0;; ++i) {
    if (p_ >= end_) return fail("unexpected end (LEB128)");
    uint8_t b = *p_++;
    if (i == max_bytes - 1) {
      // Last permitted byte: no continuation bit, and unused high bits must be zero.
      unsigned used = bits - shift;
      if (b & 0x80) return fail("integer representation too long");
      if (used < 7 && (b >> used) != 0) return fail("integer too large");
      result |= static_cast<uint64_t>(b) << shift;
      break;
    }
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  out = result;
  return true;
}

bool Reader::sleb(int64_t& out, unsigned bits) {
  out = 0;
  uint64_t result = 0;
  unsigned shift = 0;
  const unsigned max_bytes = (bits + 6) / 7;
  uint8_t b = 0;
  for (unsigned i = 0;; ++i) {
    if (p_ >= end_) return fail("unexpected end (LEB128)");
    b = *p_++;
    if (i == max_bytes - 1) {
      if (b & 0x80) return fail("integer representation too long");
      // The unused bits must all equal the sign bit of the value.
      unsigned used = bits - shift;  // bits of payload in this byte, including the sign
      if (used < 7) {
        int8_t sb = static_cast<int8_t>(b << 1) >> 1;  // sign-extend 7-bit payload
        int8_t top = sb >> (used - 1);                  // all the unused bits plus the sign
        if (top != 0 && top != -1) return fail("integer too large");
      }
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      break;
    }
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  if (shift < 64 && (b & 0x40)) result |= ~uint64_t{0} << shift;
  out = static_cast<int64_t>(result);
  return true;
}

bool is_valid_utf8(const uint8_t* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

bool Reader::name(std::string& out) {
  uint32_t len;
  if (!u32(len)) return false;
  const uint8_t* b;
  if (!bytes(b, len)) return false;
  if (!is_valid_utf8(b, len)) return fail("malformed UTF-8 encoding");
  out.assign(reinterpret_cast<const char*>(b), len);
  return true;
}

}  // namespace wb::wasm
