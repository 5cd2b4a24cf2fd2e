// SPDX-License-Identifier: MIT
#include "container/runc_command.h"

#include <set>

namespace wb::container {
namespace {

// runc's global options that take a value (runc 1.1 `--help`).
const std::set<std::string> kGlobalWithValue = {"--root", "--log", "--log-format", "--criu", "--rootless"};
// Options of create/run that take a value.
const std::set<std::string> kCreateWithValue = {"--bundle", "-b", "--console-socket", "--pid-file", "--preserve-fds"};

// "--opt=value" -> ("--opt", "value").
std::pair<std::string, std::optional<std::string>> split_eq(const std::string& a) {
  const size_t eq = a.find('=');
  if (a.rfind("--", 0) != 0 || eq == std::string::npos) return {a, std::nullopt};
  return {a.substr(0, eq), a.substr(eq + 1)};
}

}  // namespace

RuncCommand parse_runc_command(const std::vector<std::string>& argv) {
  RuncCommand c;
  c.argv = argv;
  size_t i = 0;
  for (; i < argv.size(); ++i) {
    const auto [name, inline_value] = split_eq(argv[i]);
    if (name.empty() || name[0] != '-') break;
    if (name == "--version" || name == "-v") c.version = true;
    if (kGlobalWithValue.count(name)) {
      const std::string value = inline_value ? *inline_value : (i + 1 < argv.size() ? argv[++i] : "");
      if (name == "--log") c.log = value;
      if (name == "--log-format") c.log_format = value;
    }
  }
  if (i >= argv.size()) return c;
  c.command = argv[i++];
  std::vector<std::string> positionals;
  for (; i < argv.size(); ++i) {
    const auto [name, inline_value] = split_eq(argv[i]);
    if (name == "--") {
      positionals.insert(positionals.end(), argv.begin() + static_cast<ptrdiff_t>(i) + 1, argv.end());
      break;
    }
    if (!name.empty() && name[0] == '-') {
      if ((c.command == "create" || c.command == "run") && kCreateWithValue.count(name)) {
        const std::string value = inline_value ? *inline_value : (i + 1 < argv.size() ? argv[++i] : "");
        if (name == "--bundle" || name == "-b") c.bundle = value;
      } else if (!inline_value && (name == "--process" || name == "-p" || name == "--pid-file" || name == "--console-socket" ||
                                   name == "--format" || name == "-f" || name == "--cwd" || name == "--env" || name == "-e" ||
                                   name == "--user" || name == "-u" || name == "--cap" || name == "-c" || name == "--signal")) {
        ++i;  // an option of another subcommand with a separate value
      }
      continue;
    }
    positionals.push_back(argv[i]);
  }
  if (!positionals.empty()) c.id = positionals.front();
  return c;
}

}  // namespace wb::container
