// SPDX-License-Identifier: MIT
// The fuzz targets' watchdog: guests that run past their budget are interrupted, so an
// input with an endless loop is a short run, not a hang.
#pragma once

#include <chrono>
#include <mutex>
#include <thread>

#include "wasm/engine.h"

namespace wb::fuzz {

// The guarded store, as a handle that shares ownership of its interrupt flag (a raw pointer to
// the flag could outlive the store), and its deadline; the main thread replaces the handle
// while the watchdog thread may be using it, hence the mutex.
class Watchdog {
 public:
  // The process's watchdog, its thread started on first use. Never destroyed: the detached
  // thread may still use it while the process exits.
  static Watchdog& get() {
    static Watchdog* w = [] {
      auto* dog = new Watchdog;
      std::thread(&Watchdog::loop, dog).detach();
      return dog;
    }();
    return *w;
  }
  // Interrupts the store behind `h` once `budget` has passed from now (replaces any guard).
  void guard(const wasm::InterruptHandle& h, std::chrono::milliseconds budget) {
    std::lock_guard<std::mutex> lock(mutex_);
    deadline_ = std::chrono::steady_clock::now() + budget;
    running_ = h;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = wasm::InterruptHandle();
  }

 private:
  Watchdog() = default;
  void loop() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::lock_guard<std::mutex> lock(mutex_);
      if (std::chrono::steady_clock::now() > deadline_) running_.interrupt();  // none: no effect
    }
  }

  std::mutex mutex_;
  wasm::InterruptHandle running_;  // empty while no guest runs
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace wb::fuzz
