// SPDX-License-Identifier: MIT
// Internal: runs a wasm function on the store's stacks.
#pragma once

#include <cstdint>
#include <optional>

#include "wasm/engine.h"

namespace wb::wasm {

// One activation record of the interpreter's call stack.
struct CallFrame {
  const uint32_t* ret_ip;
  uint64_t* fp;
  Function* fn;
};

// Runs wasm function `entry` (not a host function) with its arguments in args[0..n) (which
// must be store->stack_top_, with room for the frame); results are left in args[0..m).
// Re-entrant: a host function may call back into the store.
std::optional<Trap> execute(Store* store, Function* entry, uint64_t* args);

}  // namespace wb::wasm
