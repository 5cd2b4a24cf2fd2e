// SPDX-License-Identifier: MIT
// `wasm-bpf version` (also `wasm-bpf --version`).
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/version.h"

namespace wb::cli {

std::string version_line() { return std::string("wasm-bpf ") + kVersion; }

Handler setup_version(CLI::App& sub) {
  sub.description("Print the version of wasm-bpf.");
  return [](Context& ctx) {
    ctx.out << version_line() << '\n';
    return kExitOk;
  };
}

}  // namespace wb::cli
