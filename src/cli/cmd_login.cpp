// Registry credentials: login, logout. The work is done by src/oci.
#include <iostream>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help_format.h"
#include "oci/client_options.h"
#include "oci/credentials.h"
#include "oci/login.h"
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
      "Check credentials against an OCI registry and save them for push, pull and run. The\n"
      "password (or token) is read from standard input so that it never appears in the\n"
      "process list or the shell history. They are saved in $REGISTRY_AUTH_FILE if set, else\n"
      "in the docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json), through\n"
      "its credential helper when it names one.");
  sub.add_option("REGISTRY", args->registry, "Registry host[:port], e.g. ghcr.io")
      ->required()
      ->type_name("");
  sub.add_option("-u,--username", args->user, "User name")->required()->type_name("USER");
  sub.add_flag("--password-stdin", args->password_stdin, "Read the password from standard input")
      ->required();
  sub.add_option("--ca-file", args->ca_file,
                 "Trust the CA certificates in FILE (PEM) for an HTTPS registry")
      ->type_name("FILE")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("--insecure-registry", args->insecure,
                 "Allow plain HTTP, or HTTPS without certificate checks, for\n"
                 "HOST[:PORT]; repeatable")
      ->type_name("HOST")
      ->allow_extra_args(false);
  sub.footer("Example:\n  echo \"$TOKEN\" | wasm-bpf login ghcr.io -u me --password-stdin");
  return [args](Context& ctx) {
    oci::ClientOptions options = oci::ClientOptions::from_environment();
    if (!args->ca_file.empty()) options.ca_file = args->ca_file;
    for (const std::string& h : args->insecure) {
      options.insecure_registries.push_back(oci::normalize_registry(h));
    }
    oci::Credentials credentials;
    credentials.username = args->user;
    credentials.password = oci::read_password(std::cin);
    credentials.source = "the command line";
    auto saved = oci::login(args->registry, credentials, options);
    if (!saved) {
      ctx.err << "wasm-bpf: login failed: " << saved.error().message << '\n';
      return kExitFailure;
    }
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
