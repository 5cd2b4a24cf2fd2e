// SPDX-License-Identifier: MIT
// How a running guest is stopped: asked first, then stopped outright.
//
// A stop request (SIGINT, SIGTERM, the --timeout deadline, Runner::request_stop) makes the
// StopRequest that the host modules read, so that the guest's blocking calls return early
// and it can finish by itself (print its summary, detach, return from main). A thread
// started for the run watches the clock: when the guest has not ended `grace` after the
// request, it fires the engine's interrupt, which ends the guest at its next check point.
// A second signal (or request) fires the interrupt at once.
#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "common/stop_request.h"
#include "wasm/engine.h"

namespace wb::runtime {

class StopControl {
 public:
  using Clock = std::chrono::steady_clock;

  StopControl(wasm::InterruptHandle interrupt, std::chrono::milliseconds grace);
  ~StopControl();  // ends the watch thread (call finish() first to say the guest ended)
  StopControl(const StopControl&) = delete;
  StopControl& operator=(const StopControl&) = delete;

  // Starts watching: the deadline (if any) makes a StopRequest::kByTimeout request.
  // `guest_thread` runs the guest: once it is stopped outright, it is sent `kick_signal`
  // (if not 0; it must have a handler) every few milliseconds until it ends, so that a host
  // call blocked in the kernel (the BPF verifier checks for pending signals) returns.
  void start(std::optional<Clock::time_point> deadline, pthread_t guest_thread, int kick_signal);
  // The guest has ended: stop watching.
  void finish();

  // Async-signal-safe. The first request asks the guest to finish (or, with a grace of 0,
  // stops it at once); any later one stops it at once. `reason` is a signal number or
  // StopRequest::kByCaller.
  void request(int reason) noexcept;
  // Stops the guest at once (the embedder's Runner::stop).
  void force(int reason) noexcept;
  // A first request only: does nothing once the guest was asked to stop (for events that
  // repeat, such as every write into a closed pipe).
  void request_once(int reason) noexcept;

  const StopRequest& stop_request() const { return stop_; }
  int reason() const { return stop_.reason(); }
  // The guest was stopped outright: by a second request, force(), or because it did not
  // end within the grace period (then grace_expired() too).
  bool forced() const { return forced_.load(std::memory_order_relaxed); }
  bool grace_expired() const { return grace_expired_.load(std::memory_order_relaxed); }
  std::chrono::milliseconds grace() const { return grace_; }

 private:
  void watch(std::optional<Clock::time_point> deadline);
  void kick_until_finished();
  void wake() const noexcept;

  wasm::InterruptHandle interrupt_;
  std::atomic<uint32_t>* interrupt_flag_;  // the same flag, for signal handlers
  std::chrono::milliseconds grace_;
  StopRequest stop_;
  std::atomic<int> requests_{0};
  std::atomic<bool> forced_{false};
  std::atomic<bool> grace_expired_{false};
  std::atomic<bool> finished_{false};
  int wake_fd_ = -1;  // an eventfd: requests and finish() wake the watch thread
  pthread_t guest_thread_{};
  int kick_signal_ = 0;
  std::thread watcher_;
};

}  // namespace wb::runtime
