// SPDX-License-Identifier: MIT
// Help output: CLI11's formatter with our own synopsis line(s) instead of the generated one, and
// the one-line summaries of the command table in the list of subcommands (each subcommand's own
// description is the longer text its --help shows).
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

namespace wb::cli {

class UsageFormatter : public CLI::Formatter {
 public:
  explicit UsageFormatter(std::string usage) : usage_(std::move(usage)) {}
  std::string make_usage(const CLI::App* app, std::string name) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  // The option's value type (and "..." when repeatable), without CLI11's "Needs:" and
  // "Excludes:" lists, which it glues onto the option's name: each description says it.
  std::string make_option_opts(const CLI::Option* opt) const override;

 private:
  std::string usage_;  // may hold several lines; lines after the first are indented
};

// Gives `app` the synopsis `usage` in its --help; option and command names are padded to
// `column_width` before their descriptions.
void set_usage(CLI::App& app, std::string usage, std::size_t column_width = 30);

// `v` without the description CLI11 would append to the option's type in --help (the synopsis
// and the option's own help text already say what is accepted).
CLI::Validator quiet(CLI::Validator v);

}  // namespace wb::cli
