// SPDX-License-Identifier: MIT
// The command line an OCI runtime receives from podman (through conmon), docker and
// containerd's runc shim: runc's global options, a subcommand, its options and the container
// id. wasm-bpf-runtime reads only what it needs (the subcommand, --bundle, --log) and hands
// the whole line to runc unchanged.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace wb::container {

struct RuncCommand {
  std::vector<std::string> argv;  // everything after the program name, as received
  std::string command;            // "create", "start", "kill", ... ("" for --version alone)
  std::string bundle;             // create/run: --bundle / -b (default: the working directory)
  std::string id;                 // the container id (the last argument), if any
  std::string log;                // --log FILE
  std::string log_format = "text";  // --log-format text|json
  bool version = false;           // --version / -v before any command
};

RuncCommand parse_runc_command(const std::vector<std::string>& argv);

}  // namespace wb::container
