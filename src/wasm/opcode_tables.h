// SPDX-License-Identifier: MIT
// Tables that describe numeric and memory instructions for the translator (compiler.cpp):
// operand and result types and the interpreter operations that implement them.
#pragma once

#include <cstdint>

#include "wasm/code.h"
#include "wasm/types.h"

namespace wb::wasm {

// Numeric instruction descriptions, indexed by opcode (0x45..0xC4) or 0xFC sub-opcode.
struct NumInfo {
  bool valid = false;
  bool binary = false;
  bool commutative = false;
  bool nop = false;  // reinterpretation / zero-extension: only the type changes
  ValType in = ValType::I32;
  ValType out = ValType::I32;
  Op op = Op::exit;
  Op op_si = Op::exit;     // immediate variant (exit = none)
  Op br_ss = Op::exit;     // fused compare-branch (exit = none)
  Op br_si = Op::exit;
  int inverse = -1;        // opcode of the negated comparison
};

struct NumTable {
  NumInfo ops[256];
  NumInfo sat[8];  // 0xFC 0..7: the saturating truncations
};
const NumTable& num_table();

struct MemOpInfo {
  bool valid = false;
  bool store = false;
  ValType type = ValType::I32;
  uint32_t natural_align = 0;  // log2 of the access size
  Op op = Op::exit;
};

// The load or store with opcode `opc` (0x28..0x3E), or nullptr.
const MemOpInfo* mem_op(uint8_t opc);

}  // namespace wb::wasm
