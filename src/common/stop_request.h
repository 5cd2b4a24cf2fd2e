// SPDX-License-Identifier: MIT
// A request that a guest finish by itself: what SIGINT, SIGTERM, --timeout and
// Runner::request_stop() make first, before the guest is stopped outright.
//
// The runtime makes the request; the host modules read it and make their blocking calls
// return early, so that the guest leaves its loop, prints what it has and returns, as a
// libbpf tool does on Ctrl-C: wasm_bpf_buffer_poll returns -EINTR, the first sleep or read
// that waits returns early. The runtime stops the guest outright (the engine's interrupt)
// when it has not ended after a grace period, or at a second signal.
#pragma once

#include <atomic>
#include <memory>

namespace wb {

class StopRequest {
 public:
  // Reasons other than a signal (signals are their own number, 1-64).
  static constexpr int kByTimeout = 1001;  // RunConfig::timeout elapsed
  static constexpr int kByCaller = 1002;   // the embedder asked

  StopRequest() : reason_(std::make_shared<std::atomic<int>>(0)) {}

  // Asks the guest to finish; the first reason given is kept. Async-signal-safe through
  // raw(), which a signal handler may use instead (it must not touch the shared_ptr).
  void request(int reason) const { request(raw(), reason); }
  static void request(std::atomic<int>* flag, int reason) noexcept {
    int none = 0;
    flag->compare_exchange_strong(none, reason, std::memory_order_relaxed);
  }

  bool requested() const { return reason() != 0; }
  // 0 while nothing was asked.
  int reason() const { return reason_->load(std::memory_order_relaxed); }
  std::atomic<int>* raw() const { return reason_.get(); }

 private:
  std::shared_ptr<std::atomic<int>> reason_;
};

}  // namespace wb
