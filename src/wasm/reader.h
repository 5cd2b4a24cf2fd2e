// SPDX-License-Identifier: MIT
// Bounds-checked reader over module bytes: LEB128 with the spec's length and unused-bit rules.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace wb::wasm {

class Reader {
 public:
  Reader(const uint8_t* begin, const uint8_t* end, size_t base_offset = 0)
      : begin_(begin), p_(begin), end_(end), base_(base_offset) {}

  bool eof() const { return p_ >= end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  size_t offset() const { return base_ + static_cast<size_t>(p_ - begin_); }
  const uint8_t* pos() const { return p_; }
  const uint8_t* end() const { return end_; }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  // Records an already complete error message (first error only).
  bool fail_raw(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    p_ = end_;
    return false;
  }
  // Records the first error only; returns false for convenient `return r.fail(...)`.
  bool fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg) + " (at byte offset " + std::to_string(offset()) + ")";
    p_ = end_;
    return false;
  }

  bool u8(uint8_t& out) {
    if (p_ >= end_) {
      out = 0;
      return fail("unexpected end");
    }
    out = *p_++;
    return true;
  }
  bool bytes(const uint8_t*& out, size_t n) {
    if (remaining() < n) {
      out = nullptr;
      return fail("unexpected end");
    }
    out = p_;
    p_ += n;
    return true;
  }
  bool skip(size_t n) {
    const uint8_t* ignored;
    return bytes(ignored, n);
  }
  bool fixed32(uint32_t& out) {
    const uint8_t* b;
    out = 0;
    if (!bytes(b, 4)) return false;
    std::memcpy(&out, b, 4);
    return true;
  }
  bool fixed64(uint64_t& out) {
    const uint8_t* b;
    out = 0;
    if (!bytes(b, 8)) return false;
    std::memcpy(&out, b, 8);
    return true;
  }

  bool u32(uint32_t& out) {
    if (p_ < end_ && *p_ < 0x80) {  // one byte: most indices, flags and small immediates
      out = *p_++;
      return true;
    }
    uint64_t v = 0;
    if (!uleb(v, 32)) return false;
    out = static_cast<uint32_t>(v);
    return true;
  }
  bool u64(uint64_t& out) { out = 0; return uleb(out, 64); }
  bool s32(int32_t& out) {
    if (p_ < end_ && *p_ < 0x80) {  // one byte: 7 bits, sign-extended from bit 6
      const int b = *p_++;
      out = (b & 0x40) ? b - 0x80 : b;
      return true;
    }
    int64_t v = 0;
    if (!sleb(v, 32)) return false;
    out = static_cast<int32_t>(v);
    return true;
  }
  bool s33(int64_t& out) { out = 0; return sleb(out, 33); }
  bool s64(int64_t& out) { out = 0; return sleb(out, 64); }

  // A name: length-prefixed UTF-8.
  bool name(std::string& out);

 private:
  bool uleb(uint64_t& out, unsigned bits);
  bool sleb(int64_t& out, unsigned bits);

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  size_t base_;
  std::string error_;
};

bool is_valid_utf8(const uint8_t* s, size_t n);

}  // namespace wb::wasm
