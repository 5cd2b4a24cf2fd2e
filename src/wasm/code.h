// SPDX-License-Identifier: MIT
// The internal code both tiers run: operation ids, the instruction layout (an operation id
// word, a zero word, then 32-bit operand words), shared by the translator, the interpreter
// and the compiling tier.
#pragma once

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

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

// The name of an operation (for code dumps and profiles), or "?".
const char* op_name(Op op);

// The operation of the instruction at `ip`, and the number of code words it occupies (its
// operands and padding included). For tiers and tools that walk the code.
inline Op op_at(const uint32_t* ip) { return static_cast<Op>(ip[0]); }
uint32_t instruction_words(const uint32_t* ip, Op op);

// Encodes an instruction's operation into its first two code words (the id, then a zero
// word that keeps operands at the same place for every instruction).
inline void put_op(uint32_t* words, Op op) {
  words[0] = static_cast<uint32_t>(op);
  words[1] = 0;
}

// The translated code of one function (see docs/engine.md for the format).
struct CompiledFunction {
  const uint32_t* code = nullptr;  // into ModuleCode::words
  uint32_t code_size = 0;          // in 32-bit words
  uint32_t num_params = 0;      // parameter slots
  uint32_t num_locals = 0;      // parameters + declared locals
  uint32_t num_results = 0;
  uint32_t frame_slots = 0;     // locals + the deepest operand stack, in 8-byte slots
};

struct JitModule;
namespace jit {
void destroy(JitModule* jm);
}

// A module's translated code (Module::code()): immutable once loaded, shared by every
// instance and both tiers, and each tier's state for the module, made on first use.
struct ModuleCode {
  ModuleCode() = default;
  ModuleCode(const ModuleCode&) = delete;  // functions[i].code points into words
  ModuleCode& operator=(const ModuleCode&) = delete;
  ~ModuleCode() {
    jit::destroy(jit.load());
    delete[] interp_words.load();
  }

  std::vector<CompiledFunction> functions;  // one per defined function
  std::vector<uint32_t> words;              // the code of all of them, back to back (one
                                            // allocation: a module may define a million)
  // The compiling tier's code for the module, made by the first instance that needs it.
  mutable std::atomic<JitModule*> jit{nullptr};
  // The interpreter's copy of `words` with handler addresses in place of operation ids,
  // made by the first interpreted instance (interp.h, bound_code).
  mutable std::atomic<const uint32_t*> interp_words{nullptr};
};

}  // namespace wb::wasm
