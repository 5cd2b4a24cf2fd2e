// SPDX-License-Identifier: MIT
#include "cli/cli.h"

#include <algorithm>
#include <exception>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/argv_split.h"
#include "cli/commands.h"
#include "cli/help_format.h"

namespace wb::cli {
namespace {

constexpr const char* kDescription =
    "wasm-bpf runs eBPF programs whose user-space half is a portable WebAssembly (wasm32-wasi)\n"
    "module, and moves those modules through OCI registries like container images.";

constexpr const char* kUsage =
    "wasm-bpf [OPTIONS] COMMAND [ARGS...]\n"
    "wasm-bpf [RUN OPTIONS] MODULE.wasm [ARGS...]   (wasm-bpf run ..., for a module file)";

constexpr const char* kFooter =
    "Examples:\n"
    "  wasm-bpf run ./bootstrap.wasm -d 10\n"
    "  wasm-bpf push ./bootstrap.wasm localhost:5000/bootstrap:v1\n"
    "  wasm-bpf run localhost:5000/bootstrap:v1\n"
    "\n"
    "Run 'wasm-bpf COMMAND --help' for more about a command.";

// `help` and `help COMMAND` are spelled `--help` and `COMMAND --help`. Returns false for
// `help` followed by something that is not a command.
bool rewrite_help_command(std::vector<std::string>& args) {
  if (args.empty() || args.front() != "help") return true;
  if (args.size() == 1) {
    args = {"--help"};
    return true;
  }
  if (args.size() == 2 && find_command(args[1]) != nullptr) {
    args = {args[1], "--help"};
    return true;
  }
  return false;
}

int report_parse_error(const CLI::App& app, const CLI::ParseError& e, const Command* command,
                       std::ostream& out, std::ostream& err) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
    return app.exit(e, out, err);  // --help, --version
  }
  err << "wasm-bpf: " << e.what() << '\n';
  err << "Run 'wasm-bpf " << (command != nullptr ? std::string(command->name) + " " : "")
      << "--help' for usage.\n";
  return kExitUsage;
}

// `wasm-bpf imgaes`: not a command and not a module file. Never taken as a reference to pull
// and run (a typo would fetch whatever Docker Hub has under that name).
int report_unknown_command(const std::string& word, std::ostream& err) {
  err << "wasm-bpf: '" << word << "' is not a wasm-bpf command";
  if (const Command* near = nearest_command(word)) {
    err << ". Did you mean 'wasm-bpf " << near->name << "'?\n";
  } else {
    err << ".\n";
  }
  err << "Run 'wasm-bpf --help' for the commands. A module file runs with 'wasm-bpf FILE.wasm';\n"
      << "a module from a registry with 'wasm-bpf run REF'.\n";
  return kExitUsage;
}

}  // namespace

std::string_view top_level_usage() { return kUsage; }

int run_cli(std::vector<std::string> args, std::ostream& out, std::ostream& err) {
  CLI::App app{kDescription, "wasm-bpf"};
  set_usage(app, kUsage, 16);
  app.set_version_flag("-V,--version", version_line(), "Print the version and exit");
  app.require_subcommand(0, 1);

  std::vector<Handler> handlers;
  std::vector<CLI::App*> subs;
  for (const Command& command : command_table()) {
    CLI::App* sub = app.add_subcommand(std::string(command.name));
    sub->group("Commands");
    set_usage(*sub, std::string(command.usage));
    handlers.push_back(command.setup(*sub));
    subs.push_back(sub);
  }

  app.footer(kFooter);  // after the subcommands, which would inherit it

  if (args.empty()) {
    err << app.help();
    return kExitUsage;
  }

  if (!rewrite_help_command(args)) {
    err << "wasm-bpf: usage: wasm-bpf help [COMMAND]\n";
    if (const Command* near = nearest_command(args[1])) err << "Did you mean 'wasm-bpf help " << near->name << "'?\n";
    err << "The commands are listed by 'wasm-bpf --help'.\n";
    return kExitUsage;
  }
  switch (insert_implicit_run(args, *app.get_subcommand("run"))) {
    case ImplicitRun::not_needed:
    case ImplicitRun::inserted: break;
    case ImplicitRun::unknown_command: return report_unknown_command(args.front(), err);
    case ImplicitRun::not_a_module: {
      err << "wasm-bpf: '" << args.front() << "' is not an option of wasm-bpf itself. Options of 'run' may come\n"
          << "before a module file (wasm-bpf --timeout 5s ./tool.wasm); a registry reference needs\n"
          << "'run': wasm-bpf run [OPTIONS] REF [ARGS...]\n"
          << "Run 'wasm-bpf --help' for usage.\n";
      return kExitUsage;
    }
  }
  const Command* command = is_option_like(args.front()) ? nullptr : find_command(args.front());
  std::vector<std::string> passthrough;
  if (command != nullptr && command->passthrough) {
    Passthrough split = split_at_first_positional(*app.get_subcommand(args.front()), args);
    args = std::move(split.own);
    passthrough = std::move(split.guest);
  }

  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, command, out, err);
  }

  const auto selected =
      std::find_if(subs.begin(), subs.end(), [](const CLI::App* s) { return s->parsed(); });
  if (selected == subs.end()) {
    err << app.help();
    return kExitUsage;
  }

  Context ctx{out, err, std::move(passthrough), &app};
  const std::string name = (*selected)->get_name();
  try {
    return handlers[static_cast<std::size_t>(selected - subs.begin())](ctx);
  } catch (const std::exception& e) {
    err << "wasm-bpf " << name << ": " << e.what() << '\n';
    return kExitFailure;
  }
}

}  // namespace wb::cli
