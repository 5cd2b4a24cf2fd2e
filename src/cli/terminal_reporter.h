// SPDX-License-Identifier: MIT
// The command line's side of what the OCI library reports (oci/reporter.h): transfer progress
// redrawn in place on stderr ("3f2a9c1b7d0e  1.2 MiB / 3.4 MiB  2.0 MiB/s") and steps, when
// stderr is a terminal; warnings always. And the terminal prompts of `login`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "common/result.h"
#include "oci/reporter.h"

namespace wb::cli {

class TerminalReporter : public oci::Reporter {
 public:
  // `draw`: show progress and steps (stderr is a terminal); warnings are written either way.
  TerminalReporter(std::ostream& err, bool draw) : err_(err), draw_(draw) {}
  void transfer_started(const std::string& label, std::uint64_t total) override;
  void transfer_progress(const std::string& label, std::uint64_t done) override;
  void transfer_finished(const std::string& label, std::uint64_t done) override;
  void status(const std::string& line) override;
  void warning(const std::string& line) override;

 private:
  void draw(const std::string& label, std::uint64_t done, bool final);

  std::ostream& err_;
  bool draw_;
  std::uint64_t total_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// A reporter for a command's context: drawing when stderr is a terminal.
std::shared_ptr<oci::Reporter> terminal_reporter(std::ostream& err);

// Prints `prompt` to stderr and reads one line from the terminal `fd` (without the newline);
// with `hide` the terminal does not echo what is typed (its settings are restored, also when
// SIGINT/SIGTERM interrupt the read). Fails when `fd` is not a terminal or at end of input.
Result<std::string> prompt_line(int fd, const std::string& prompt, bool hide);

}  // namespace wb::cli
