// SPDX-License-Identifier: MIT
// Splitting argv before CLI11 sees it: the implicit `run` (`wasm-bpf FILE.wasm ARGS...`) and the
// guest arguments that follow a module, which must reach the guest untouched even when they
// look like wasm-bpf options (`wasm-bpf run tool.wasm --help` shows the tool's help).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace wb::cli {

// True for "-x", "--xyz" and "--"; false for "-" (conventionally stdin) and the empty string.
bool is_option_like(std::string_view arg);

// Whether `arg` names a module file: an existing file, or a path that looks like one (it
// starts with '/', './' or '../', or ends in ".wasm"). Only for those may `run` be left out:
// anything else that is not a command is a typo, not a registry reference to pull.
bool is_module_file(std::string_view arg);

enum class ImplicitRun {
  not_needed,       // args start with a command, a top-level option, or are empty
  inserted,         // "run" was put in front
  unknown_command,  // args[0] is neither a command nor a module file
  not_a_module,     // run's options, then something that is not a module file (or nothing)
};

// `wasm-bpf tool.wasm -d 10` means `wasm-bpf run tool.wasm -d 10`, and so does
// `wasm-bpf --timeout 5s tool.wasm -d 10` (run's options before the module): "run" is put in
// front when the first positional argument (skipping the options of `run_sub` and their
// values) is a module file.
ImplicitRun insert_implicit_run(std::vector<std::string>& args, const CLI::App& run_sub);

struct Passthrough {
  std::vector<std::string> own;    // args[0..MODULE], for CLI11
  std::vector<std::string> guest;  // everything after MODULE
};

// Splits `args` (which start with the subcommand name) at the subcommand's first positional.
// Options of `sub` that take a value consume the next argument unless written as --opt=value or
// -oVALUE. A "--" before the positional marks the positional; a single "--" right after it is a
// separator and is dropped, so `run m.wasm -- --help` passes "--help" to the guest.
// When there is no positional, everything stays in `own` (CLI11 then reports it missing).
Passthrough split_at_first_positional(const CLI::App& sub, const std::vector<std::string>& args);

}  // namespace wb::cli
