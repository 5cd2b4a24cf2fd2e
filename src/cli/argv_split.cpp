// SPDX-License-Identifier: MIT
#include "cli/argv_split.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace wb::cli {

bool is_option_like(std::string_view arg) { return arg.size() > 1 && arg.front() == '-'; }

namespace {

bool takes_value(const CLI::Option* opt) {
  return opt != nullptr && opt->get_items_expected_max() > 0;
}

// Index just past the option at args[i] (and its value, if it takes a separate one).
std::size_t skip_option(const CLI::App& sub, const std::vector<std::string>& args, std::size_t i) {
  const std::string& arg = args[i];
  if (arg.starts_with("--")) {
    if (arg.find('=') != std::string::npos) return i + 1;
    return takes_value(sub.get_option_no_throw(arg)) ? i + 2 : i + 1;
  }
  // A cluster of short options: flags until one that takes a value, which takes the rest of
  // the cluster or, when the cluster ends there, the next argument.
  for (std::size_t j = 1; j < arg.size(); ++j) {
    const CLI::Option* opt = sub.get_option_no_throw(std::string{'-', arg[j]});
    if (opt == nullptr) break;  // unknown: CLI11 reports it
    if (takes_value(opt)) return j + 1 < arg.size() ? i + 1 : i + 2;
  }
  return i + 1;
}

// The index of the first positional argument of `sub` in `args` (args[0] is the
// subcommand's name), or args.size() when there is none.
std::size_t first_positional(const CLI::App& sub, const std::vector<std::string>& args) {
  std::size_t i = 1;
  while (i < args.size()) {
    if (args[i] == "--") return i + 1;
    if (!is_option_like(args[i])) return i;
    i = skip_option(sub, args, i);
  }
  return args.size();
}

}  // namespace

bool is_module_file(std::string_view arg) {
  if (arg.starts_with("/") || arg.starts_with("./") || arg.starts_with("../") || arg.ends_with(".wasm")) return true;
  struct stat st;
  return !arg.empty() && ::stat(std::string(arg).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

ImplicitRun insert_implicit_run(std::vector<std::string>& args, const CLI::App& run_sub) {
  if (args.empty() || find_command(args.front()) != nullptr) return ImplicitRun::not_needed;
  const std::string& first = args.front();
  if (!is_option_like(first)) {
    if (!is_module_file(first)) return ImplicitRun::unknown_command;
    args.insert(args.begin(), "run");
    return ImplicitRun::inserted;
  }
  // Top-level options (and `--` before a command name) stay with the top level.
  if (first == "-h" || first == "--help" || first == "--version" || first == "-V") return ImplicitRun::not_needed;
  std::vector<std::string> with_run = args;
  with_run.insert(with_run.begin(), "run");
  const std::size_t at = first_positional(run_sub, with_run);
  if (at >= with_run.size()) return ImplicitRun::not_a_module;  // options only
  if (find_command(with_run[at]) != nullptr) return ImplicitRun::not_needed;  // CLI11 names the option
  if (!is_module_file(with_run[at])) return ImplicitRun::not_a_module;
  args = std::move(with_run);
  return ImplicitRun::inserted;
}

Passthrough split_at_first_positional(const CLI::App& sub, const std::vector<std::string>& args) {
  const std::size_t positional = first_positional(sub, args);
  if (positional >= args.size()) return {args, {}};

  auto cut = args.begin() + static_cast<std::ptrdiff_t>(positional) + 1;
  Passthrough result{{args.begin(), cut}, {cut, args.end()}};
  if (!result.guest.empty() && result.guest.front() == "--") {
    result.guest.erase(result.guest.begin());
  }
  return result;
}

}  // namespace wb::cli
