// SPDX-License-Identifier: MIT
// Docker credential helpers: `docker-credential-<name> get|store|erase`, found on PATH, talking
// JSON on stdin/stdout ({"ServerURL", "Username", "Secret"}; Username "<token>" marks an
// identity token).
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "oci/auth_config.h"

namespace wb::oci {

// The server URL docker passes to helpers for `registry`.
std::string helper_server_url(const std::string& registry);

// nullopt when the helper has no credentials for the server.
Result<std::optional<AuthEntry>> helper_get(const std::string& helper, const std::string& registry);
Result<void> helper_store(const std::string& helper, const std::string& registry,
                          const std::string& username, const std::string& secret);
// False when the helper had nothing to erase.
Result<bool> helper_erase(const std::string& helper, const std::string& registry);

}  // namespace wb::oci
