// SPDX-License-Identifier: MIT
// The interpreter's internal code: operation ids and the handler table that maps them to
// threaded-code addresses. Shared by the translator and the interpreter.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "wasm/ops.def"

namespace wb::wasm {

#define WB_OP_NAME(name, ...) name,
#define WB_OP_NAME_SI(name, ...) name, name##_si,
#define WB_OP_BR(name, ...) br_##name##_ss, br_##name##_si,
#define WB_OP_MEM(binop, load, ...) binop##__##load,
enum class Op : uint16_t {
  WB_SPECIAL_OPS(WB_OP_NAME)
  WB_UNOPS(WB_OP_NAME)
  WB_TRUNCS(WB_OP_NAME)
  WB_CMPS(WB_OP_NAME_SI)
  WB_BINOPS_IMM(WB_OP_NAME_SI)
  WB_BINOPS(WB_OP_NAME)
  WB_DIVS(WB_OP_NAME)
  WB_LOADS(WB_OP_NAME)
  WB_STORES(WB_OP_NAME)
  WB_CMPS(WB_OP_BR)
  WB_MEMBINOPS(WB_OP_MEM)
  kCount
};
#undef WB_OP_NAME
#undef WB_OP_NAME_SI
#undef WB_OP_BR
#undef WB_OP_MEM

// Handler address of every Op (computed-goto labels inside the interpreter).
const void* const* interpreter_handlers();

// The name of the operation with this handler address (for code dumps), or "?".
const char* op_name(const void* handler);

// The operation of the instruction at `ip` (the inverse of put_handler), and the number of
// code words it occupies (its operands and padding included). For tiers that walk the code.
Op op_at(const uint32_t* ip);
uint32_t instruction_words(const uint32_t* ip, Op op);

// Encodes an instruction's handler into its first two code words.
inline void put_handler(uint32_t* words, Op op) {
  const void* h = interpreter_handlers()[static_cast<size_t>(op)];
  std::memcpy(words, &h, sizeof h);
}

}  // namespace wb::wasm
