// SPDX-License-Identifier: MIT
#include "wast_values.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace wb::spectest {

using wasm::Value;
using wasm::ValType;

namespace {

constexpr uint32_t kF32AbsMask = 0x7fffffffu;
constexpr uint32_t kF32CanonicalNan = 0x7fc00000u;  // exponent all ones, top mantissa bit
constexpr uint64_t kF64AbsMask = 0x7fffffffffffffffull;
constexpr uint64_t kF64CanonicalNan = 0x7ff8000000000000ull;

Expected<ValType, ValueError> parse_type(const std::string& name) {
  if (name == "i32") return ValType::I32;
  if (name == "i64") return ValType::I64;
  if (name == "f32") return ValType::F32;
  if (name == "f64") return ValType::F64;
  if (name == "funcref") return ValType::FuncRef;
  if (name == "externref") return ValType::ExternRef;
  if (name == "v128") return ValueError{"v128 values are not supported", true};
  return ValueError{"unknown value type '" + name + "'", false};
}

Expected<uint64_t, ValueError> parse_u64(const std::string& text, uint64_t max) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v, 10);
  if (ec != std::errc() || ptr != end || text.empty() || v > max) {
    return ValueError{"bad number '" + text + "'", false};
  }
  return v;
}

uint64_t max_bits(ValType t) {
  return (t == ValType::I32 || t == ValType::F32) ? UINT32_MAX : UINT64_MAX;
}

// The shared part of parse_argument and parse_expected: a concrete value of a known type.
Expected<Value, ValueError> parse_concrete(ValType type, const std::string& text) {
  if (wasm::is_ref(type)) {
    if (text == "null") return Value::null(type);
    auto n = parse_u64(text, UINT64_MAX - 1);
    if (!n) return n.error();
    if (type == ValType::ExternRef) return Value::externref(extern_token(n.value()));
    // A non-null funcref argument cannot be expressed by the embedder; wast2json never emits one.
    return ValueError{"non-null funcref constants are not supported", true};
  }
  auto bits = parse_u64(text, max_bits(type));
  if (!bits) return bits.error();
  return Value{type, bits.value()};
}

std::string value_text(const nlohmann::json& j) {
  if (!j.contains("value")) return {};
  const auto& v = j.at("value");
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  return v.dump();
}

}  // namespace

Expected<Value, ValueError> parse_argument(const nlohmann::json& j) {
  auto type = parse_type(j.value("type", std::string()));
  if (!type) return type.error();
  if (!j.contains("value")) return ValueError{"argument without a value", false};
  return parse_concrete(type.value(), value_text(j));
}

Expected<ExpectedValue, ValueError> parse_expected(const nlohmann::json& j) {
  auto type = parse_type(j.value("type", std::string()));
  if (!type) return type.error();
  ExpectedValue e;
  e.value.type = type.value();
  std::string text = value_text(j);
  if (text == "nan:canonical" || text == "nan:arithmetic") {
    if (type.value() != ValType::F32 && type.value() != ValType::F64) {
      return ValueError{text + " for a non-float type", false};
    }
    e.kind = text == "nan:canonical" ? ExpectedValue::Kind::CanonicalNan
                                     : ExpectedValue::Kind::ArithmeticNan;
    return e;
  }
  if (type.value() == ValType::FuncRef && text != "null") {
    // Function references have no identity the script can name: any non-null one matches.
    e.kind = ExpectedValue::Kind::NonNullRef;
    return e;
  }
  auto v = parse_concrete(type.value(), text);
  if (!v) return v.error();
  e.value = v.value();
  return e;
}

bool matches(const ExpectedValue& expected, const Value& actual) {
  if (expected.value.type != actual.type) return false;
  const bool is32 = actual.type == ValType::F32;
  switch (expected.kind) {
    case ExpectedValue::Kind::CanonicalNan:
      return is32 ? (actual.bits & kF32AbsMask) == kF32CanonicalNan
                  : (actual.bits & kF64AbsMask) == kF64CanonicalNan;
    case ExpectedValue::Kind::ArithmeticNan:
      return is32 ? (actual.bits & kF32CanonicalNan) == kF32CanonicalNan
                  : (actual.bits & kF64CanonicalNan) == kF64CanonicalNan;
    case ExpectedValue::Kind::NonNullRef:
      return actual.bits != 0;
    case ExpectedValue::Kind::Exact:
      break;
  }
  if (actual.type == ValType::I32 || actual.type == ValType::F32) {
    return static_cast<uint32_t>(actual.bits) == static_cast<uint32_t>(expected.value.bits);
  }
  return actual.bits == expected.value.bits;
}

std::string describe(const Value& v) {
  char buf[96];
  switch (v.type) {
    case ValType::I32:
      std::snprintf(buf, sizeof buf, "i32:%" PRId32 " (0x%08" PRIx32 ")", v.as_i32(), v.as_u32());
      break;
    case ValType::I64:
      std::snprintf(buf, sizeof buf, "i64:%" PRId64 " (0x%016" PRIx64 ")", v.as_i64(), v.bits);
      break;
    case ValType::F32:
      std::snprintf(buf, sizeof buf, "f32:0x%08" PRIx32 " (%.9g)", v.as_u32(),
                    static_cast<double>(v.as_f32()));
      break;
    case ValType::F64:
      std::snprintf(buf, sizeof buf, "f64:0x%016" PRIx64 " (%.17g)", v.bits, v.as_f64());
      break;
    case ValType::FuncRef:
      if (v.is_null()) return "funcref:null";
      return "funcref:non-null";
    case ValType::ExternRef:
      if (v.is_null()) return "externref:null";
      return "externref:" + std::to_string(v.bits - 1);
    default:
      std::snprintf(buf, sizeof buf, "type(0x%02x):0x%" PRIx64, static_cast<unsigned>(v.type),
                    v.bits);
      break;
  }
  return buf;
}

std::string describe(const ExpectedValue& e) {
  const char* type = e.value.type == ValType::F32 ? "f32" : "f64";
  switch (e.kind) {
    case ExpectedValue::Kind::CanonicalNan:
      return std::string(type) + ":nan:canonical";
    case ExpectedValue::Kind::ArithmeticNan:
      return std::string(type) + ":nan:arithmetic";
    case ExpectedValue::Kind::NonNullRef:
      return "funcref:non-null";
    case ExpectedValue::Kind::Exact:
      break;
  }
  return describe(e.value);
}

namespace {
template <class T>
std::string describe_list(std::span<const T> values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += describe(values[i]);
  }
  return out + ")";
}
}  // namespace

std::string describe(std::span<const Value> values) { return describe_list(values); }
std::string describe(std::span<const ExpectedValue> values) { return describe_list(values); }

}  // namespace wb::spectest
