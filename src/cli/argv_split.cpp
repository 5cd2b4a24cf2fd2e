#include "cli/argv_split.h"

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace wb::cli {
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

}  // namespace

bool is_option_like(std::string_view arg) { return arg.size() > 1 && arg.front() == '-'; }

bool insert_implicit_run(std::vector<std::string>& args) {
  if (args.empty() || is_option_like(args.front()) || find_command(args.front()) != nullptr) {
    return false;
  }
  args.insert(args.begin(), "run");
  return true;
}

Passthrough split_at_first_positional(const CLI::App& sub, const std::vector<std::string>& args) {
  std::size_t i = 1;  // args[0] is the subcommand name
  std::size_t positional = args.size();
  while (i < args.size()) {
    if (args[i] == "--") {
      positional = i + 1;
      break;
    }
    if (!is_option_like(args[i])) {
      positional = i;
      break;
    }
    i = skip_option(sub, args, i);
  }
  if (positional >= args.size()) return {args, {}};

  auto cut = args.begin() + static_cast<std::ptrdiff_t>(positional) + 1;
  Passthrough result{{args.begin(), cut}, {cut, args.end()}};
  if (!result.guest.empty() && result.guest.front() == "--") {
    result.guest.erase(result.guest.begin());
  }
  return result;
}

}  // namespace wb::cli
