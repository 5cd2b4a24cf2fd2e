// SPDX-License-Identifier: MIT
// Command-line options shared by the commands that talk to a registry (push, pull, inspect,
// run), the ClientOptions they make, and how those commands fail: with a message, or with
// 130/143 when SIGINT/SIGTERM stopped them (oci/interrupt.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "oci/client_options.h"

namespace CLI {
class App;
}

namespace wb::cli {

struct RegistryArgs {
  std::string ca_file;
  std::vector<std::string> insecure;
  std::string user;
  bool password_stdin = false;
  std::string max_pull_size;  // as typed; empty: the default
};

// --ca-file, --insecure-registry, -u/--username with --password-stdin; with `downloads` also
// --max-pull-size.
void add_registry_options(CLI::App& sub, RegistryArgs& args, bool downloads);

// ClientOptions from the environment overridden by `args`; command-line credentials apply to
// `registry`. Reads the password from standard input when -u is given. Warnings about
// unusable environment variables go to ctx.err.
oci::ClientOptions client_options(Context& ctx, const RegistryArgs& args,
                                  const std::string& registry);

// ClientOptions from the environment alone (warnings to ctx.err).
oci::ClientOptions environment_options(Context& ctx);

// Prints "wasm-bpf: <message>" and returns kExitFailure, or, when a signal stopped the
// command, "wasm-bpf: interrupted" and 128 + the signal.
int registry_failure(Context& ctx, const std::string& message);

// 128 + the signal that interrupted the command, or 0.
int interrupted_status();

}  // namespace wb::cli
