// SPDX-License-Identifier: MIT
// The table of wasm-bpf subcommands. Each command declares its options on a CLI11 subcommand
// and returns the handler that runs once parsing succeeded; later issues replace a handler's
// body with the real implementation without touching the dispatcher.
#pragma once

#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace wb::cli {

// Exit statuses shared by all commands (`run` returns the guest's own status instead).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;           // bad command line

// What a handler gets besides its own parsed options.
struct Context {
  std::ostream& out;
  std::ostream& err;
  // Arguments after the first positional of a passthrough command (the guest's argv[1..]).
  std::vector<std::string> passthrough;
  // The whole command line's definition (for `completion` and `man`, which describe it).
  const CLI::App* root = nullptr;
};

using Handler = std::function<int(Context&)>;

struct Command {
  std::string_view name;
  std::string_view summary;  // one line, shown by `wasm-bpf --help`
  std::string_view usage;    // the synopsis shown after "Usage:"
  // When true, every argument after the first positional is handed to the handler untouched
  // (Context::passthrough) instead of being parsed as options of this command.
  bool passthrough = false;
  // Declares description, options and positionals on `sub`; returns the handler, which owns
  // the state the options are bound to.
  Handler (*setup)(CLI::App& sub) = nullptr;
};

// All subcommands, in the order `--help` lists them.
std::span<const Command> command_table();

// The command named `name`, or nullptr.
const Command* find_command(std::string_view name);

// The command a mistyped `name` most likely meant (one or two letters off, letters swapped,
// or the start of exactly one command), or nullptr.
const Command* nearest_command(std::string_view name);

// The synopsis of `wasm-bpf --help` (two lines).
std::string_view top_level_usage();

// "wasm-bpf <version>", printed by `version` and `--version`.
std::string version_line();

// Setup functions, one per command (defined in cmd_*.cpp).
Handler setup_run(CLI::App& sub);
Handler setup_push(CLI::App& sub);
Handler setup_pull(CLI::App& sub);
Handler setup_images(CLI::App& sub);
Handler setup_rm(CLI::App& sub);
Handler setup_tag(CLI::App& sub);
Handler setup_prune(CLI::App& sub);
Handler setup_tags(CLI::App& sub);
Handler setup_inspect(CLI::App& sub);
Handler setup_save(CLI::App& sub);
Handler setup_load(CLI::App& sub);
Handler setup_login(CLI::App& sub);
Handler setup_logout(CLI::App& sub);
Handler setup_gen(CLI::App& sub);
Handler setup_build(CLI::App& sub);
Handler setup_version(CLI::App& sub);
Handler setup_completion(CLI::App& sub);
Handler setup_man(CLI::App& sub);

}  // namespace wb::cli
