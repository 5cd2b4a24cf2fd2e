// SPDX-License-Identifier: MIT
// Counts the bytes requested from operator new by this test program (alloc_counter.cpp
// replaces the global operator new): a deterministic measure of how much a load or an
// instantiation allocates, where a time limit would depend on the machine's load.
#pragma once

#include <cstdint>

namespace wb::wasm::test {

// Total bytes requested from operator new so far (never decreases).
uint64_t allocated_bytes();

// Bytes requested while `fn` runs.
template <class F>
uint64_t bytes_allocated_by(F&& fn) {
  uint64_t before = allocated_bytes();
  fn();
  return allocated_bytes() - before;
}

}  // namespace wb::wasm::test
