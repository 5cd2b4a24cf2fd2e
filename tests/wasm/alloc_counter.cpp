// SPDX-License-Identifier: MIT
// Replaces the global operator new/delete of the test program to count requested bytes.
// The replaced forms are the ones every other form (array) forwards to; the nothrow form is
// replaced too, because a sanitizer runtime intercepts it itself (std::stable_sort's buffer
// comes from it, and would then be freed here with a mismatched deallocator).
#include "alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_requested{0};
}

namespace wb::wasm::test {
uint64_t allocated_bytes() { return g_requested.load(std::memory_order_relaxed); }
}  // namespace wb::wasm::test

void* operator new(std::size_t n) {
  g_requested.fetch_add(n, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_requested.fetch_add(n, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
