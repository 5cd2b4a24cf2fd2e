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

// When args[0] is neither an option nor a known subcommand, inserts "run" in front of it and
// returns true: `wasm-bpf tool.wasm -d 10` means `wasm-bpf run tool.wasm -d 10`.
bool insert_implicit_run(std::vector<std::string>& args);

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
