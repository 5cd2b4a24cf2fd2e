// SPDX-License-Identifier: MIT
// Core WebAssembly types shared by the decoder, validator, runtime and embedders.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace wb::wasm {

enum class ValType : uint8_t {
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,
  FuncRef = 0x70,
  ExternRef = 0x6F,
};

inline bool is_ref(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }
const char* to_string(ValType t);

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
  std::string to_string() const;  // "(i32, i64) -> (f32)"
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

struct GlobalType {
  ValType type = ValType::I32;
  bool is_mutable = false;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
const char* to_string(ExternKind k);

class Function;
class Table;
class Memory;
class Global;

// A runtime value: a type and its 64-bit bit pattern. i32 and f32 are zero-extended.
// References: funcref holds a Function* (0 is null); externref holds the embedder's non-zero
// token (0 is null).
struct Value {
  ValType type = ValType::I32;
  uint64_t bits = 0;

  static Value i32(int32_t v) { return {ValType::I32, static_cast<uint32_t>(v)}; }
  static Value i64(int64_t v) { return {ValType::I64, static_cast<uint64_t>(v)}; }
  static Value f32(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return {ValType::F32, b};
  }
  static Value f64(double v) {
    uint64_t b;
    std::memcpy(&b, &v, 8);
    return {ValType::F64, b};
  }
  static Value f32_bits(uint32_t b) { return {ValType::F32, b}; }
  static Value f64_bits(uint64_t b) { return {ValType::F64, b}; }
  static Value funcref(Function* f) { return {ValType::FuncRef, reinterpret_cast<uintptr_t>(f)}; }
  static Value externref(uint64_t token) { return {ValType::ExternRef, token}; }
  static Value null(ValType ref_type) { return {ref_type, 0}; }

  int32_t as_i32() const { return static_cast<int32_t>(static_cast<uint32_t>(bits)); }
  uint32_t as_u32() const { return static_cast<uint32_t>(bits); }
  int64_t as_i64() const { return static_cast<int64_t>(bits); }
  float as_f32() const {
    float f;
    uint32_t b = static_cast<uint32_t>(bits);
    std::memcpy(&f, &b, 4);
    return f;
  }
  double as_f64() const {
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  Function* as_func() const { return reinterpret_cast<Function*>(static_cast<uintptr_t>(bits)); }
  bool is_null() const { return bits == 0; }
  std::string to_string() const;
};

}  // namespace wb::wasm
