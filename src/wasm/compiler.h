// Validates one function body and translates it into the interpreter's threaded code.
#pragma once

#include <string>
#include <vector>

#include "wasm/module.h"
#include "wasm/reader.h"

namespace wb::wasm {

struct LocalReaders;  // operand_stack.h

struct CompileContext {
  const Module& module;
  // Functions that may be referenced by ref.func in function bodies (C.refs in the spec).
  const std::vector<uint8_t>& declared_funcs;
  // Scratch state reused by every function of the module (see LocalReaders).
  LocalReaders& readers;
};

// Validates and translates the body of defined function `func_index` (its locals
// declarations and expression, `body` spans exactly the code entry). On failure returns false
// and sets `error`.
bool compile_function(const CompileContext& ctx, uint32_t func_index, Reader body, CompiledFunction& out,
                      std::string& error);

}  // namespace wb::wasm
