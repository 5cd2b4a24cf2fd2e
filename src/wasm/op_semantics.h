// SPDX-License-Identifier: MIT
// The meaning of the operations of ops.def on 8-byte slots: shared by the interpreter, which
// expands the X-macro expressions inline, and the compiling tier, which calls them for the
// operations it does not emit inline (so both tiers compute the same bits).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace wb::wasm::semantics {

// ---- value access ----------------------------------------------------------------------
inline uint32_t rd_u32(uint64_t s) { return static_cast<uint32_t>(s); }
inline uint64_t rd_u64(uint64_t s) { return s; }
inline float rd_f32(uint64_t s) { return std::bit_cast<float>(static_cast<uint32_t>(s)); }
inline double rd_f64(uint64_t s) { return std::bit_cast<double>(s); }
inline uint64_t wr_u32(uint32_t v) { return v; }
inline uint64_t wr_u64(uint64_t v) { return v; }
inline uint64_t wr_f32(float v) { return std::bit_cast<uint32_t>(v); }
inline uint64_t wr_f64(double v) { return std::bit_cast<uint64_t>(v); }
inline uint32_t mem_u32(uint32_t v) { return v; }
inline uint32_t mem_u32(uint8_t v) { return v; }
inline uint64_t mem_u64(uint64_t v) { return v; }
inline float mem_f32(uint32_t v) { return std::bit_cast<float>(v); }
inline double mem_f64(uint64_t v) { return std::bit_cast<double>(v); }
inline uint32_t imm_u32(uint32_t w) { return w; }
inline uint64_t imm_u64(uint32_t w) { return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(w))); }

template <class F>
inline F wasm_min(F a, F b) {
  if (a != a || b != b) return a + b;  // a NaN operand gives a NaN
  if (a == b) return std::signbit(a) ? a : b;  // -0 < +0
  return a < b ? a : b;
}
template <class F>
inline F wasm_max(F a, F b) {
  if (a != a || b != b) return a + b;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// Exclusive bounds (as doubles) of the values that truncate into integer type I.
template <class I>
constexpr double trunc_lower() {
  if constexpr (std::is_unsigned_v<I>) return -1.0;
  else if constexpr (sizeof(I) == 4) return -2147483649.0;
  else return -9223372036854777856.0;  // the double below -2^63
}
template <class I>
constexpr double trunc_upper() {
  if constexpr (sizeof(I) == 4) return std::is_unsigned_v<I> ? 4294967296.0 : 2147483648.0;
  else return std::is_unsigned_v<I> ? 18446744073709551616.0 : 9223372036854775808.0;
}
template <class I, class F>
inline I sat_trunc(F f) {
  double d = static_cast<double>(f);
  if (d != d) return 0;
  if (d <= trunc_lower<I>()) return std::numeric_limits<I>::min();
  if (d >= trunc_upper<I>()) return std::numeric_limits<I>::max();
  return static_cast<I>(f);
}
// 0: ok, 1: NaN, 2: out of range.
template <class I, class F>
inline int checked_trunc(F f, I& out) {
  double d = static_cast<double>(f);
  if (d != d) return 1;
  if (d <= trunc_lower<I>() || d >= trunc_upper<I>()) return 2;
  out = static_cast<I>(f);
  return 0;
}

}  // namespace wb::wasm::semantics
