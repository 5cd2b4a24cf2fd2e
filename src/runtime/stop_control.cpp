// SPDX-License-Identifier: MIT
#include "runtime/stop_control.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <climits>

namespace wb::runtime {

StopControl::StopControl(wasm::InterruptHandle interrupt, std::chrono::milliseconds grace)
    : interrupt_(std::move(interrupt)), interrupt_flag_(interrupt_.raw()), grace_(grace) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

StopControl::~StopControl() {
  finish();
  if (watcher_.joinable()) watcher_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void StopControl::start(std::optional<Clock::time_point> deadline, pthread_t guest_thread, int kick_signal) {
  guest_thread_ = guest_thread;
  kick_signal_ = kick_signal;
  watcher_ = std::thread([this, deadline] {
    watch(deadline);
    kick_until_finished();
  });
}

void StopControl::kick_until_finished() {
  if (kick_signal_ == 0) return;
  // The interpreter stops at its next check point; a host call in the kernel (a verifier run
  // of many seconds, libbpf retrying it) ends with EINTR or EAGAIN when a signal is pending.
  constexpr int kKickIntervalMs = 10;
  while (!finished_.load()) {
    ::pthread_kill(guest_thread_, kick_signal_);
    struct pollfd p{wake_fd_, POLLIN, 0};
    ::poll(wake_fd_ >= 0 ? &p : nullptr, wake_fd_ >= 0 ? 1 : 0, kKickIntervalMs);
  }
}

void StopControl::finish() {
  finished_.store(true);
  wake();
}

void StopControl::wake() const noexcept {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  ssize_t r = ::write(wake_fd_, &one, sizeof one);  // async-signal-safe
  (void)r;
}

void StopControl::request(int reason) noexcept {
  StopRequest::request(stop_.raw(), reason);
  if (requests_.fetch_add(1, std::memory_order_relaxed) > 0 || grace_.count() == 0) {
    forced_.store(true, std::memory_order_relaxed);
    if (interrupt_flag_) interrupt_flag_->store(wasm::kInterruptRequested, std::memory_order_relaxed);
  }
  wake();
}

void StopControl::request_once(int reason) noexcept {
  int none = 0;
  if (!requests_.compare_exchange_strong(none, 1)) return;
  StopRequest::request(stop_.raw(), reason);
  if (grace_.count() == 0) {
    forced_.store(true, std::memory_order_relaxed);
    interrupt_.interrupt();
  }
  wake();
}

void StopControl::force(int reason) noexcept {
  StopRequest::request(stop_.raw(), reason);
  requests_.fetch_add(1, std::memory_order_relaxed);
  forced_.store(true, std::memory_order_relaxed);
  interrupt_.interrupt();
  wake();
}

void StopControl::watch(std::optional<Clock::time_point> deadline) {
  std::optional<Clock::time_point> grace_end;
  for (;;) {
    if (finished_.load()) return;
    const Clock::time_point now = Clock::now();
    if (deadline && now >= *deadline) {
      deadline.reset();
      // The timeout is a first request only: after a signal it does not cut the grace short.
      int none = 0;
      if (requests_.compare_exchange_strong(none, 1)) {
        stop_.request(StopRequest::kByTimeout);
        if (grace_.count() == 0) {
          forced_.store(true);
          interrupt_.interrupt();
        }
      }
    }
    if (stop_.requested() && !grace_end) grace_end = now + grace_;
    if (grace_end && now >= *grace_end && !forced_.load()) {
      grace_expired_.store(true);
      forced_.store(true);
      interrupt_.interrupt();
    }
    if (forced_.load()) return;  // nothing left to watch for but the kicks

    std::optional<Clock::time_point> next = deadline;
    if (grace_end && (!next || *grace_end < *next)) next = grace_end;
    int wait_ms = -1;
    if (next) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
      wait_ms = static_cast<int>(std::clamp<int64_t>(left, 0, INT_MAX));
    }
    struct pollfd p{wake_fd_, POLLIN, 0};
    if (wake_fd_ < 0) {  // no eventfd: look again every 20 ms
      wait_ms = wait_ms < 0 ? 20 : std::min(wait_ms, 20);
      ::poll(nullptr, 0, wait_ms);
      continue;
    }
    if (::poll(&p, 1, wait_ms) > 0) {
      uint64_t count;
      ssize_t r = ::read(wake_fd_, &count, sizeof count);
      (void)r;
    }
  }
}

}  // namespace wb::runtime
