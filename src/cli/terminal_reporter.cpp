// SPDX-License-Identifier: MIT
#include "cli/terminal_reporter.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "oci/interrupt.h"
#include "oci/progress.h"

namespace wb::cli {

void TerminalReporter::transfer_started(const std::string&, std::uint64_t total) {
  total_ = total;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void TerminalReporter::transfer_progress(const std::string& label, std::uint64_t done) {
  if (!draw_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;  // at most ten times a second
  last_draw_ = now;
  draw(label, done, false);
}

void TerminalReporter::transfer_finished(const std::string& label, std::uint64_t done) {
  if (draw_) draw(label, done, true);
}

void TerminalReporter::status(const std::string& line) {
  if (draw_) err_ << line << std::endl;
}

void TerminalReporter::warning(const std::string& line) { err_ << "wasm-bpf: warning: " << line << std::endl; }

void TerminalReporter::draw(const std::string& label, std::uint64_t done, bool final) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string line = "\r" + label + "  " + oci::format_bytes(done);
  if (total_ > 0) line += " / " + oci::format_bytes(total_);
  if (seconds > 0.05) line += "  " + oci::format_bytes(static_cast<std::uint64_t>(static_cast<double>(done) / seconds)) + "/s";
  line += "\x1b[K";
  if (final) line += "\n";
  err_ << line << std::flush;
}

std::shared_ptr<oci::Reporter> terminal_reporter(std::ostream& err) {
  return std::make_shared<TerminalReporter>(err, ::isatty(STDERR_FILENO) == 1);
}

Result<std::string> prompt_line(int fd, const std::string& prompt, bool hide) {
  if (::isatty(fd) != 1) return make_error("standard input is not a terminal");
  termios saved{};
  const bool restore = hide && ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still shows as a new line
    ::tcsetattr(fd, TCSANOW, &quiet);
  }
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  std::string line;
  std::string error;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 1) {
      if (c == '\n') break;
      line += c;
      continue;
    }
    if (n < 0 && errno == EINTR && !oci::interrupted()) continue;
    error = n == 0 ? "end of input" : oci::interrupted() ? oci::interrupt_message() : std::strerror(errno);
    break;
  }
  if (restore) ::tcsetattr(fd, TCSANOW, &saved);
  if (!error.empty()) {
    std::fputc('\n', stderr);
    return make_error(error);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace wb::cli
