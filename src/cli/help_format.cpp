#include "cli/help_format.h"

#include <sstream>

#include "cli/commands.h"

namespace wb::cli {

std::string UsageFormatter::make_usage(const CLI::App* app, std::string /*name*/) const {
  std::string out = app->get_description().empty() ? "Usage: " : "\nUsage: ";
  for (char c : usage_) {
    out += c;
    if (c == '\n') out += "       ";
  }
  out += '\n';
  return out;
}

std::string UsageFormatter::make_subcommand(const CLI::App* sub) const {
  const Command* command = find_command(sub->get_name());
  if (command == nullptr) return CLI::Formatter::make_subcommand(sub);
  std::ostringstream out;
  CLI::detail::format_help(out, sub->get_name(), std::string(command->summary), get_column_width());
  return out.str();
}

void set_usage(CLI::App& app, std::string usage, std::size_t column_width) {
  auto formatter = std::make_shared<UsageFormatter>(std::move(usage));
  formatter->column_width(column_width);
  app.formatter(formatter);
}

CLI::Validator quiet(CLI::Validator v) {
  v.description("");
  return v;
}

}  // namespace wb::cli
