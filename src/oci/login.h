// SPDX-License-Identifier: MIT
// `wasm-bpf login` and `wasm-bpf logout`.
#pragma once

#include <iosfwd>
#include <string>

#include "common/result.h"
#include "oci/client_options.h"

namespace wb::oci {

// Checks the credentials against `registry` (host[:port], or a URL such as
// https://index.docker.io/v1/) and saves them; returns where they were saved.
Result<std::string> login(const std::string& registry, const Credentials& credentials,
                          const ClientOptions& options);

// Forgets the saved credentials of `registry`; false if there were none.
Result<bool> logout(const std::string& registry);

// A password or token read from `in` (all of it, without the trailing newline).
std::string read_password(std::istream& in);

// `registry` normalized and validated.
Result<std::string> registry_argument(const std::string& registry);

}  // namespace wb::oci
