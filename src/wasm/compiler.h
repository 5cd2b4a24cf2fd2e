// SPDX-License-Identifier: MIT
// Validates one function body and translates it into the internal code both tiers run (code.h).
#pragma once

#include <string>
#include <vector>

#include "wasm/code.h"
#include "wasm/module.h"
#include "wasm/operand_stack.h"
#include "wasm/reader.h"

namespace wb::wasm {

// Buffers reused by every function of a module (their capacity is allocated once).
struct CompileScratch {
  OperandScratch operands;
  std::vector<uint32_t> code;
};

struct CompileContext {
  const Module& module;
  // Functions that may be referenced by ref.func in function bodies (C.refs in the spec).
  const std::vector<uint8_t>& declared_funcs;
  // Scratch state reused by every function of the module.
  CompileScratch& scratch;
  // Where translated code is appended (ModuleCode::words); the caller points each
  // CompiledFunction at its words once all are translated.
  std::vector<uint32_t>& code_words;
};

// Validates and translates the body of defined function `func_index` (its locals
// declarations and expression, `body` spans exactly the code entry). On failure returns false
// and sets `error`.
bool compile_function(const CompileContext& ctx, uint32_t func_index, Reader body, CompiledFunction& out,
                      std::string& error);

}  // namespace wb::wasm
