// SPDX-License-Identifier: MIT
// wasm-bpf run on a terminal: guests see their stdio as a terminal (so that C programs
// line-buffer their output, as eBPF tools that print events expect).
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>

namespace {

const std::string kCli = WB_CLI_BINARY;
const std::string kGuest = std::string(WB_WASI_GUEST_DIR) + "/tty_lines.wasm";

// Runs `wasm-bpf run --timeout 1s tty_lines.wasm` with a pseudo-terminal as its stdio and
// returns what the terminal received.
std::string run_on_terminal() {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return "forkpty failed";
  if (pid == 0) {
    execl(kCli.c_str(), kCli.c_str(), "run", "--timeout", "1s", kGuest.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      char buf[256];
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break;  // EIO once the child side is closed
      out.append(buf, static_cast<size_t>(n));
    } else if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      break;
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  return out;
}

TEST(Terminal, GuestStdoutIsATerminalAndLineBuffered) {
  std::string out = run_on_terminal();
  EXPECT_NE(out.find("isatty=1"), std::string::npos) << "terminal received: " << out;
}

}  // namespace
