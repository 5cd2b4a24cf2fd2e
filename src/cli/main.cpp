// wasm-bpf: entry point. All the work is in run_cli (src/cli/cli.cpp).
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return wb::cli::run_cli(std::move(args), std::cout, std::cerr);
}
