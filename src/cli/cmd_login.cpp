// Registry credentials: login, logout.
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace wb::cli {

Handler setup_login(CLI::App& sub) {
  struct Args {
    std::string registry, user;
    bool password_stdin = false;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Save credentials for an OCI registry, used by push, pull and run. The password (or\n"
      "token) is read from standard input so that it never appears in the process list or\n"
      "the shell history.");
  sub.add_option("REGISTRY", args->registry, "Registry host[:port], e.g. ghcr.io")
      ->required()
      ->type_name("");
  sub.add_option("-u,--username", args->user, "User name")->required()->type_name("USER");
  sub.add_flag("--password-stdin", args->password_stdin, "Read the password from standard input")
      ->required();
  sub.footer("Example:\n  echo \"$TOKEN\" | wasm-bpf login ghcr.io -u me --password-stdin");
  return [args](Context& ctx) { return not_available(ctx, "login"); };
}

Handler setup_logout(CLI::App& sub) {
  auto registry = std::make_shared<std::string>();
  sub.description("Forget the credentials that 'wasm-bpf login' saved for a registry.");
  sub.add_option("REGISTRY", *registry, "Registry host[:port]")->required()->type_name("");
  sub.footer("Example:\n  wasm-bpf logout ghcr.io");
  return [registry](Context& ctx) { return not_available(ctx, "logout"); };
}

}  // namespace wb::cli
