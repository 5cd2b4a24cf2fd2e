// SPDX-License-Identifier: MIT
#include "oci/interrupt.h"

#include "oci/files.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace wb::oci {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "written from a signal handler");

struct Saved {
  struct sigaction int_action {};
  struct sigaction term_action {};
};
Saved g_saved;
int g_depth = 0;

// The first signal is recorded (the command stops and cleans up); a second one ends the
// process at once, of that signal, after removing its temporary directories (partial
// downloads) with system calls only.
extern "C" void on_interrupt(int sig) {
  if (g_signal.exchange(sig, std::memory_order_relaxed) == 0) return;
  remove_live_temp_dirs_now();
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);  // delivered when this handler returns (the signal is blocked until then)
}

}  // namespace

InterruptScope::InterruptScope() {
  if (g_depth++ > 0) return;
  g_signal.store(0, std::memory_order_relaxed);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: blocking calls (flock, read of a password, poll) return EINTR and look at
  // the flag.
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, &g_saved.int_action);
  sigaction(SIGTERM, &sa, &g_saved.term_action);
}

InterruptScope::~InterruptScope() {
  if (--g_depth > 0) return;
  sigaction(SIGINT, &g_saved.int_action, nullptr);
  sigaction(SIGTERM, &g_saved.term_action, nullptr);
}

int interrupt_signal() { return g_signal.load(std::memory_order_relaxed); }

bool sleep_unless_interrupted(std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (!interrupted()) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        left, std::chrono::milliseconds(20)));
  }
  return false;
}

const char* interrupt_message() {
  return interrupt_signal() == SIGTERM ? "interrupted by SIGTERM" : "interrupted by SIGINT";
}

}  // namespace wb::oci
