// SPDX-License-Identifier: MIT
// Credential files in the docker format: docker's config.json and containers' auth.json.
//   {"auths": {"ghcr.io": {"auth": base64("user:password"), "identitytoken": "..."}},
//    "credsStore": "pass", "credHelpers": {"ghcr.io": "gcloud"}}
// Keys may carry a scheme and path ("https://index.docker.io/v1/") or, in auth.json, a
// namespace ("quay.io/team"); the most specific key matching a repository wins.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace wb::oci {

struct AuthEntry {
  std::string username;
  std::string password;
  std::string identity_token;
};

struct AuthFile {
  std::map<std::string, AuthEntry> auths;  // by key as written
  std::string creds_store;
  std::map<std::string, std::string> cred_helpers;  // by key as written
};

Result<AuthFile> parse_auth_file(std::string_view json);

// The entry for `registry` (normalized, e.g. "docker.io") and `repository` (may be empty).
std::optional<AuthEntry> find_auth(const AuthFile& file, const std::string& registry,
                                   const std::string& repository);

// The credential helper configured for `registry`: credHelpers, else credsStore, else "".
std::string find_helper(const AuthFile& file, const std::string& registry);
// Only credHelpers.
std::string find_registry_helper(const AuthFile& file, const std::string& registry);

// The key docker writes for `registry` ("https://index.docker.io/v1/" for docker.io).
std::string auth_key_for(const std::string& registry);

// `json` (possibly empty) with the entry for `registry` replaced by user/password; every
// other field is kept.
Result<std::string> with_auth(std::string_view json, const std::string& registry,
                              const std::string& username, const std::string& password);
// `json` without any auths entry for `registry`; *removed tells whether there was one.
Result<std::string> without_auth(std::string_view json, const std::string& registry, bool* removed);

}  // namespace wb::oci
