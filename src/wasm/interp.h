// SPDX-License-Identifier: MIT
// Internal: runs a wasm function on the store's stacks.
#pragma once

#include <cstdint>
#include <optional>

#include "wasm/code.h"
#include "wasm/engine.h"

namespace wb::wasm {

// One activation record of the interpreter's call stack.
struct CallFrame {
  const uint32_t* ret_ip;
  uint64_t* fp;
  Function* fn;
};

// The interpreter's copy of a module's code with every operation id replaced by its
// handler's address (direct threading: dispatch is one load and one indirect jump), made
// once per module on first use and owned by the module (ModuleCode::interp_words).
const uint32_t* bound_code(const Module& m);

// Runs wasm function `entry` (not a host function) with its arguments in args[0..n) (which
// must be store->stack_top_, with room for the frame); results are left in args[0..m).
// Re-entrant: a host function may call back into the store.
std::optional<Trap> execute(Store* store, Function* entry, uint64_t* args);

}  // namespace wb::wasm
