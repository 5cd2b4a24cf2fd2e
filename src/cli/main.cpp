// SPDX-License-Identifier: MIT
// wasm-bpf: entry point. All the work is in run_cli (src/cli/cli.cpp).
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // A closed stdout (`wasm-bpf run tool.wasm | head`) must not kill wasm-bpf in the middle
  // of a host call: the write fails with EPIPE instead, and `run` asks the guest to finish
  // and exits 141, as a shell expects of a tool that SIGPIPE ended.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return wb::cli::run_cli(std::move(args), std::cout, std::cerr);
}
