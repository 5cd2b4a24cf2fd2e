// SPDX-License-Identifier: MIT
// WWW-Authenticate challenges (RFC 7235): `Bearer realm="...",service="...",scope="..."` or
// `Basic realm="..."`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wb::oci {

struct Challenge {
  std::string scheme;                         // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;  // lowercase names

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// All challenges in one header value (several may be listed, separated by commas).
std::vector<Challenge> parse_challenges(std::string_view header);

// The challenge to answer among `headers` (values of every WWW-Authenticate header):
// Bearer is preferred over Basic; nullopt if neither is offered.
std::optional<Challenge> pick_challenge(const std::vector<std::string>& headers);

}  // namespace wb::oci
