// SPDX-License-Identifier: MIT
// Values in wast2json's JSON form: parsing arguments, matching results against expectations
// (including the NaN classes) and printing both for failure messages.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>

#include "common/result.h"
#include "wasm/types.h"

namespace wb::spectest {

// Why a JSON value could not be turned into a wasm value. `unsupported` marks values this
// harness does not handle (v128), which make an assertion count as skipped, not failed.
struct ValueError {
  std::string message;
  bool unsupported = false;
};

// What an assertion expects of one result.
struct ExpectedValue {
  enum class Kind : uint8_t {
    Exact,          // same type and bit pattern
    CanonicalNan,   // a NaN with only the top mantissa bit set, either sign
    ArithmeticNan,  // a NaN with the top mantissa bit set
    NonNullRef,     // any non-null reference of the type (funcref results)
  };
  Kind kind = Kind::Exact;
  wasm::Value value;  // its type is always meaningful; bits only for Exact
};

// wast2json encodes an extern reference N (from `ref.extern N`) as the number N. The engine's
// externref token 0 means null, so the harness uses N + 1 as the token.
inline uint64_t extern_token(uint64_t n) { return n + 1; }

// {"type": "i32", "value": "42"} -> Value. Numbers are decimal bit patterns.
Expected<wasm::Value, ValueError> parse_argument(const nlohmann::json& j);
// Like parse_argument, and also accepts "nan:canonical" / "nan:arithmetic" for floats.
Expected<ExpectedValue, ValueError> parse_expected(const nlohmann::json& j);

bool matches(const ExpectedValue& expected, const wasm::Value& actual);

// "i32:42", "f32:0x3fc00000 (1.5)", "externref:3", "funcref:null".
std::string describe(const wasm::Value& v);
std::string describe(const ExpectedValue& e);
std::string describe(std::span<const wasm::Value> values);         // "(i32:1, i64:2)"
std::string describe(std::span<const ExpectedValue> values);

}  // namespace wb::spectest
