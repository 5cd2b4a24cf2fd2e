// SPDX-License-Identifier: MIT
// Runs a program the way a user's shell would and captures what it prints.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wb::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number if the process was killed by a signal
  int term_signal = 0;  // the signal that killed it, 0 if it exited by itself
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs `program` with `args` (argv[1..]), stdin from /dev/null, and waits for it to exit; a
// process still running after `timeout_ms` is killed and reported as timed out.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          int timeout_ms = 20000);

// How to start a process (see Process::start and run_process below).
struct SpawnOptions {
  enum class Stdin {
    null,  // /dev/null
    data,  // a pipe that receives `stdin_data` and is then closed
    pipe,  // a pipe kept open: Process::write_stdin / close_stdin
  };
  Stdin stdin_mode = Stdin::null;
  std::string stdin_data;  // for Stdin::data (written at start: keep it small, < 64 KiB)
  // The environment: this process's own unless `clear_env`, plus `env` ("K=V"; a K already
  // present is replaced).
  bool clear_env = false;
  std::vector<std::string> env;
};

// A running child process with its stdout and stderr captured through pipes. The output is
// collected while the caller waits (wait_for_output / wait). The destructor kills (SIGKILL)
// and reaps a child that is still running.
class Process {
 public:
  using Clock = std::chrono::steady_clock;

  static std::unique_ptr<Process> start(const std::string& program,
                                        const std::vector<std::string>& args,
                                        const SpawnOptions& options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Collects output until stdout contains `needle`, the process exits or `timeout_ms`
  // passes. True if stdout contains `needle`.
  bool wait_for_output(std::string_view needle, int timeout_ms);
  // Sends `sig` and returns the time it was sent.
  Clock::time_point send_signal(int sig);
  void write_stdin(std::string_view data);
  void close_stdin();

  // Waits for the process to exit (killing it with SIGKILL after `timeout_ms`, then
  // timed_out is set) and returns everything it printed and its status.
  ProcessResult wait(int timeout_ms = 20000);
  // When wait() saw the process exit (accurate to a few milliseconds).
  Clock::time_point exit_time() const { return exit_time_; }

  const std::string& out() const { return result_.out; }
  const std::string& err() const { return result_.err; }

 private:
  Process() = default;
  // Reads whatever is available within `wait_ms`; returns false once both pipes hit EOF.
  bool pump(int wait_ms);
  bool try_reap();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int in_fd_ = -1;
  bool reaped_ = false;
  ProcessResult result_;
  Clock::time_point exit_time_{};
};

// Runs a process to completion with the given stdin and environment.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const SpawnOptions& options, int timeout_ms = 20000);

}  // namespace wb::test
