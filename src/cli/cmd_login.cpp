// SPDX-License-Identifier: MIT
// Registry credentials: login, logout. The work is done by src/oci.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help_format.h"
#include "cli/registry_options.h"
#include "oci/client_options.h"
#include "oci/credentials.h"
#include "oci/interrupt.h"
#include "oci/login.h"
#include "cli/terminal_reporter.h"
#include "oci/reference.h"

namespace wb::cli {

Handler setup_login(CLI::App& sub) {
  struct Args {
    std::string registry, user, ca_file;
    std::vector<std::string> insecure;
    bool password_stdin = false;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Check credentials against an OCI registry and save them for push, pull and run.\n"
      "Without -u the user name is asked for on the terminal; the password (or token) is\n"
      "asked for on the terminal without echo, or read from standard input with\n"
      "--password-stdin, so that it never appears in the process list or the shell history.\n"
      "They are saved in $REGISTRY_AUTH_FILE if set, else in the docker config\n"
      "($DOCKER_CONFIG/config.json or ~/.docker/config.json), through its credential helper\n"
      "when it names one.");
  sub.add_option("REGISTRY", args->registry, "Registry host[:port], e.g. ghcr.io")
      ->required()
      ->type_name("");
  sub.add_option("-u,--username", args->user, "User name (default: ask on the terminal)")
      ->type_name("USER");
  sub.add_flag("--password-stdin", args->password_stdin,
               "Read the password from standard input (default: ask on the\n"
               "terminal)");
  sub.add_option("--ca-file", args->ca_file,
                 "Trust the CA certificates in FILE (PEM) for an HTTPS registry")
      ->type_name("FILE")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("--insecure-registry", args->insecure,
                 "Allow plain HTTP, or HTTPS without certificate checks, for\n"
                 "HOST[:PORT]; repeatable")
      ->type_name("HOST")
      ->allow_extra_args(false);
  sub.footer(
      "Examples:\n"
      "  wasm-bpf login ghcr.io\n"
      "  echo \"$TOKEN\" | wasm-bpf login ghcr.io -u me --password-stdin");
  return [args](Context& ctx) {
    const oci::InterruptScope interrupts;  // Ctrl-C at a prompt restores the terminal's echo
    auto failed = [&](const std::string& message, int status) {
      if (const int s = interrupted_status(); s != 0) {
        ctx.err << "wasm-bpf: " << oci::interrupt_message() << '\n';
        return s;
      }
      ctx.err << "wasm-bpf: login failed: " << message << '\n';
      return status;
    };
    oci::ClientOptions options = environment_options(ctx);
    if (!args->ca_file.empty()) options.ca_file = args->ca_file;
    for (const std::string& h : args->insecure) {
      options.insecure_registries.push_back(oci::normalize_registry(h));
    }
    const bool terminal = ::isatty(STDIN_FILENO) == 1;
    oci::Credentials credentials;
    credentials.source = "the command line";
    credentials.username = args->user;
    if (credentials.username.empty()) {
      if (args->password_stdin) {
        return failed("--password-stdin needs -u USER (standard input holds the password)",
                      kExitUsage);
      }
      if (!terminal) {
        return failed("give the user name with -u USER (standard input is not a terminal to "
                      "ask for it on)",
                      kExitUsage);
      }
      auto user = prompt_line(STDIN_FILENO, "Username: ", false);
      if (!user) return failed(user.error().message, kExitFailure);
      credentials.username = *user;
    }
    if (args->password_stdin) {
      credentials.password = oci::read_password(std::cin);
    } else {
      if (!terminal) {
        return failed("standard input is not a terminal to ask for the password on; pipe it "
                      "in with --password-stdin",
                      kExitUsage);
      }
      auto password = prompt_line(STDIN_FILENO, "Password: ", true);
      if (!password) return failed(password.error().message, kExitFailure);
      credentials.password = *password;
    }
    auto saved = oci::login(args->registry, credentials, options);
    if (!saved) return failed(saved.error().message, kExitFailure);
    ctx.out << "Login Succeeded (credentials saved in " << *saved << ")\n";
    return kExitOk;
  };
}

Handler setup_logout(CLI::App& sub) {
  auto registry = std::make_shared<std::string>();
  sub.description(
      "Forget the credentials that 'wasm-bpf login' saved for a registry (in\n"
      "$REGISTRY_AUTH_FILE or the docker config, or its credential helper).");
  sub.add_option("REGISTRY", *registry, "Registry host[:port]")->required()->type_name("");
  sub.footer("Example:\n  wasm-bpf logout ghcr.io");
  return [registry](Context& ctx) {
    auto removed = oci::logout(*registry);
    if (!removed) {
      ctx.err << "wasm-bpf: logout failed: " << removed.error().message << '\n';
      return kExitFailure;
    }
    const std::string host = oci::normalize_registry(*registry);
    if (*removed) {
      ctx.out << "Removed the credentials for " << host << '\n';
    } else {
      ctx.out << "Not logged in to " << host << '\n';
    }
    return kExitOk;
  };
}

}  // namespace wb::cli
