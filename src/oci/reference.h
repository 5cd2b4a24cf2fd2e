// SPDX-License-Identifier: MIT
// OCI references in the distribution grammar: [host[:port]/]path[:tag][@sha256:hex].
// Without a host the registry is docker.io (API host registry-1.docker.io), where one-component
// paths get the library/ prefix; without a tag or digest the tag is "latest". A first component
// with a '.' or ':' or equal to "localhost" is a host, so localhost:5000/x and 127.0.0.1:5000/x
// name registries.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace wb::oci {

inline constexpr std::string_view kDockerHub = "docker.io";
inline constexpr std::string_view kDockerHubApiHost = "registry-1.docker.io";

struct Reference {
  std::string registry;    // host[:port] as normalized: "docker.io", "localhost:5000"
  std::string repository;  // "library/alpine", "me/tool"
  std::string tag;         // empty only when digest is set and no tag was given
  std::string digest;      // "sha256:..." or empty

  // registry/repository
  std::string name() const;
  // The canonical form: registry/repository[:tag][@digest].
  std::string to_string() const;
  // The host[:port] to send API requests to (registry-1.docker.io for docker.io).
  std::string api_host() const;
  // What to ask the registry's manifest endpoint for: the digest if there is one, else the tag.
  std::string manifest_reference() const { return digest.empty() ? tag : digest; }

  bool operator==(const Reference&) const = default;
};

Result<Reference> parse_reference(std::string_view text);

// A registry as given to `login`/`logout` or found as a key in a credentials file:
// "ghcr.io", "https://index.docker.io/v1/", "localhost:5000". Strips the scheme and path and
// folds docker.io's aliases (index.docker.io, registry-1.docker.io) into "docker.io".
std::string normalize_registry(std::string_view text);

// Validates a host[:port] ("[::1]:5000" too).
bool is_valid_registry_host(std::string_view host);

// localhost, 127.0.0.0/8 and ::1, with or without a port.
bool is_loopback_registry(std::string_view registry);

}  // namespace wb::oci
