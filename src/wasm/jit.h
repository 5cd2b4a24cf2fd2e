// SPDX-License-Identifier: MIT
// Internal: the compiling tier (x86-64). It compiles the translator's validated internal code
// (code.h: frame slots, operation ids) into machine code, one batch of functions at a time,
// the first time a function is called. See docs/engine.md, "The compiling tier".
#pragma once

#include <cstdint>
#include <optional>

#include "wasm/engine.h"

namespace wb::wasm {

struct JitModule;    // per module: its compiled code and one entry per defined function
struct JitInstance;  // per instance: what compiled code reaches through a register
struct JitThread;    // per store: limits, the interrupt flag, the trap being reported

namespace jit {

// Address space a memory reserves so that compiled code needs no bounds checks: any 32-bit
// address plus any 32-bit offset (plus the access size) lands inside it, and every byte
// beyond the memory's current size is inaccessible (a fault there is a trap).
inline constexpr uint64_t kGuardedReservation = (uint64_t{8} << 30) + 65536;

// This machine can run compiled code (x86-64 with SSE4.1, executable memory obtainable).
bool available();

// The compiled tier's state for an instance, or nullptr when it cannot run there (the tier is
// unavailable, or the instance's memory has no guard region). Owned by the instance.
JitInstance* attach(StoreState& store, InstanceObj& instance);
void destroy(JitInstance* ji);
void destroy(JitThread* jt);
void destroy(JitModule* jm);

// Compiles every function of the instance's module not compiled yet; returns how many
// functions are compiled.
size_t compile_all(JitInstance* ji);
// Compiles what the first call of defined function `def` compiles (its batch: the function
// and its direct callees not compiled yet, up to a budget); false if that failed.
bool compile_entry(JitInstance* ji, uint32_t def);

// Runs wasm function `entry` of an instance that has compiled state (same contract as the
// interpreter's execute()).
std::optional<Trap> execute(Store* store, Function* entry, uint64_t* args);

// One activation of compiled code, open for any number of calls of one function (what
// execute() does for one call, split so that RepeatedCall pays the set-up once):
//   open(); then per call a.enter(a.ji, a.t, frame, a.code, a.mem): 0 when it returned, else
//   it trapped and trap_of() says how (the activation stays usable); finally close().
// Between open() and close() the thread must not leave the host call it is in.
using EnterFn = uint32_t (*)(JitInstance*, JitThread*, uint64_t* fp, const void* code, uint8_t* mem_base);
// For RepeatedCall::call_each: records as (data, size) pairs of 16 bytes, what the `each`
// stub walks (it leaves `cur` at the record whose call trapped, or past the last one called).
struct EachBatch {
  const void* code = nullptr;
  const RepeatedCall::Record* cur = nullptr;
  const RepeatedCall::Record* end = nullptr;
  uint8_t* dst = nullptr;          // guest memory at dst_offset (max bytes checked by the caller)
  const bool* stop = nullptr;
  uint32_t ctx = 0;
  uint32_t dst_offset = 0;
  uint32_t max = 0;
  int32_t status = 0;              // a negative result, which ended the batch
};
using EachFn = uint32_t (*)(JitInstance*, JitThread*, uint64_t* fp, EachBatch* batch, uint8_t* mem_base);
struct Activation {
  EnterFn enter = nullptr;
  EachFn each = nullptr;
  JitInstance* ji = nullptr;
  JitThread* t = nullptr;
  const void* code = nullptr;
  uint8_t* mem = nullptr;
  // The enclosing activation's (or the previous open()'s) values, put back by close().
  uintptr_t saved_entry_rsp = 0, saved_limit = 0, saved_depth_limit = 0;
  uint64_t saved_depth_bytes = 0;
  uint64_t* saved_top = nullptr;
  JitThread* saved_running = nullptr;
};
std::optional<Trap> open(Store* store, Function* entry, Activation& a);
Trap trap_of(Store* store, Activation& a);
void close(Store* store, Activation& a);

}  // namespace jit
}  // namespace wb::wasm
