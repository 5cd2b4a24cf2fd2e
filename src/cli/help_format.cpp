// SPDX-License-Identifier: MIT
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

std::string UsageFormatter::make_option_opts(const CLI::Option* opt) const {
  if (!opt->get_option_text().empty()) return " " + opt->get_option_text();
  std::string out;
  if (opt->get_type_size() == 0) return out;
  if (!opt->get_type_name().empty()) out += " " + get_label(opt->get_type_name());
  if (!opt->get_default_str().empty()) out += "=" + opt->get_default_str();
  if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
  if (opt->get_required()) out += " " + get_label("REQUIRED");
  return out;
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
