// SPDX-License-Identifier: MIT
#include "cli/registry_options.h"

#include "cli/terminal_reporter.h"

#include <iostream>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/help_format.h"
#include "cli/units.h"
#include "oci/interrupt.h"
#include "oci/login.h"
#include "oci/reference.h"

namespace wb::cli {
namespace {

CLI::Validator pull_size_validator() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        const auto size = parse_size(v);
        if (!size) return "'" + v + "' is not a size (examples: 500M, 2GiB, 1073741824)";
        if (*size == 0) return "the size must be greater than zero";
        return {};
      },
      "", "SIZE");
}

}  // namespace

void add_registry_options(CLI::App& sub, RegistryArgs& a, bool downloads) {
  sub.add_option("--ca-file", a.ca_file,
                 "Trust the CA certificates in FILE (PEM) for HTTPS registries,\n"
                 "besides the system's")
      ->type_name("FILE")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("--insecure-registry", a.insecure,
                 "Allow plain HTTP, or HTTPS without certificate checks, for\n"
                 "HOST[:PORT]; repeatable")
      ->type_name("HOST")
      ->allow_extra_args(false);
  CLI::Option* user =
      sub.add_option("-u,--username", a.user, "Authenticate as USER (with --password-stdin)")
          ->type_name("USER");
  CLI::Option* password = sub.add_flag("--password-stdin", a.password_stdin,
                                       "Read the password or token for -u from standard input");
  user->needs(password);
  password->needs(user);
  if (downloads) {
    sub.add_option("--max-pull-size", a.max_pull_size,
                   "Refuse images whose layers add up to more than SIZE\n"
                   "(default 1GiB, or WASM_BPF_MAX_PULL_SIZE)")
        ->type_name("SIZE")
        ->check(quiet(pull_size_validator()));
  }
}

oci::ClientOptions environment_options(Context& ctx) {
  std::vector<std::string> warnings;
  oci::ClientOptions o = oci::ClientOptions::from_environment(&warnings);
  o.reporter = terminal_reporter(ctx.err);
  for (const std::string& w : warnings) o.reporter->warning(w);
  return o;
}

oci::ClientOptions client_options(Context& ctx, const RegistryArgs& a,
                                  const std::string& registry) {
  oci::ClientOptions o = environment_options(ctx);
  if (!a.ca_file.empty()) o.ca_file = a.ca_file;
  for (const std::string& h : a.insecure)
    o.insecure_registries.push_back(oci::normalize_registry(h));
  if (!a.max_pull_size.empty()) o.max_pull_size = parse_size(a.max_pull_size).value_or(0);
  if (!a.user.empty()) {
    oci::Credentials c;
    c.username = a.user;
    if (a.password_stdin) c.password = oci::read_password(std::cin);
    c.source = "the command line";
    o.credentials = c;
    o.credentials_registry = registry;
  }
  return o;
}

int interrupted_status() {
  const int sig = oci::interrupt_signal();
  return sig == 0 ? 0 : 128 + sig;
}

int registry_failure(Context& ctx, const std::string& message) {
  if (const int status = interrupted_status(); status != 0) {
    ctx.err << "wasm-bpf: " << oci::interrupt_message() << '\n';
    return status;
  }
  ctx.err << "wasm-bpf: " << message << '\n';
  return kExitFailure;
}

}  // namespace wb::cli
