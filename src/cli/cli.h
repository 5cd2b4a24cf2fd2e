// SPDX-License-Identifier: MIT
// The wasm-bpf command line: parse argv, dispatch to a command, return the exit status.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace wb::cli {

// `args` excludes the program name. Help and version go to `out`, diagnostics to `err`.
int run_cli(std::vector<std::string> args, std::ostream& out, std::ostream& err);

}  // namespace wb::cli
