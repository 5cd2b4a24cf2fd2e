// SPDX-License-Identifier: MIT
// SIGINT and SIGTERM while a registry command runs. Killing wasm-bpf in the middle of a pull
// would leave a partial download behind, so while an InterruptScope lives the first of these
// signals only records itself: transfers stop at their next progress callback, retries stop
// waiting, temporaries are removed on the way out, and the command exits 128 + the signal
// (130, 143). A second signal kills at once, after removing the command's temporary
// directories (files.h: remove_live_temp_dirs_now), so that nothing is left either way.
#pragma once

#include <chrono>

namespace wb::oci {

class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

// The signal received while a scope was active, or 0.
int interrupt_signal();
inline bool interrupted() { return interrupt_signal() != 0; }

// Sleeps for `duration`, waking early when interrupted; false if interrupted.
bool sleep_unless_interrupted(std::chrono::milliseconds duration);

// "interrupted by SIGINT" / "... SIGTERM", for error messages.
const char* interrupt_message();

}  // namespace wb::oci
