// SPDX-License-Identifier: MIT
// Where registry credentials come from, in order:
//   1. the command line (-u USER --password-stdin) for the registry of the command's reference
//   2. WASM_BPF_REGISTRY_USER and WASM_BPF_REGISTRY_PASSWORD (for every registry, or only for
//      WASM_BPF_REGISTRY when that is set)
//   3. $REGISTRY_AUTH_FILE
//   4. ${XDG_RUNTIME_DIR}/containers/auth.json
//   5. $DOCKER_CONFIG/config.json, else ~/.docker/config.json
// In each file: credHelpers for the registry, then the "auths" entry, then credsStore.
// `login` writes to $REGISTRY_AUTH_FILE if set, else to the docker config file (through its
// credential helper when one is configured).
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "oci/client_options.h"

namespace wb::oci {

std::optional<Credentials> find_credentials(const std::string& registry,
                                            const std::string& repository,
                                            const ClientOptions& options);

// $DOCKER_CONFIG/config.json or ~/.docker/config.json
std::string docker_config_path();
// The file `login` and `logout` use.
std::string login_config_path();

// Stores credentials for `registry`; returns where they went (a file or a helper).
Result<std::string> save_credentials(const std::string& registry, const std::string& username,
                                     const std::string& password);
// Removes them; false if there were none.
Result<bool> erase_credentials(const std::string& registry);

}  // namespace wb::oci
