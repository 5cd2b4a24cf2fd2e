// SPDX-License-Identifier: MIT
#include <cinttypes>
#include <cstdio>

#include "wasm/engine.h"
#include "wasm/types.h"

namespace wb::wasm {

const char* to_string(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "?";
}

const char* to_string(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "function";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "?";
}

std::string FuncType::to_string() const {
  std::string s = "(";
  for (size_t i = 0; i < params.size(); ++i) s += (i ? ", " : "") + std::string(wasm::to_string(params[i]));
  s += ") -> (";
  for (size_t i = 0; i < results.size(); ++i) s += (i ? ", " : "") + std::string(wasm::to_string(results[i]));
  return s + ")";
}

std::string Value::to_string() const {
  char buf[64];
  switch (type) {
    case ValType::I32: std::snprintf(buf, sizeof buf, "i32:%" PRId32, as_i32()); break;
    case ValType::I64: std::snprintf(buf, sizeof buf, "i64:%" PRId64, as_i64()); break;
    case ValType::F32: std::snprintf(buf, sizeof buf, "f32:%g", static_cast<double>(as_f32())); break;
    case ValType::F64: std::snprintf(buf, sizeof buf, "f64:%g", as_f64()); break;
    default:
      if (bits == 0) return std::string(wasm::to_string(type)) + ":null";
      std::snprintf(buf, sizeof buf, "%s:0x%" PRIx64, wasm::to_string(type), bits);
  }
  return buf;
}

std::string Trap::to_string() const {
  if (function.empty()) return message;
  return message + " (in function `" + function + "`)";
}

}  // namespace wb::wasm
