// SPDX-License-Identifier: MIT
// Small text encodings used by the registry protocol: base64 (auth headers, docker config
// files), percent-encoding (query parameters) and case-insensitive comparison (HTTP headers).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wb::oci {

std::string base64_encode(std::string_view data);
// Standard alphabet; padding optional, whitespace ignored. nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view text);

}  // namespace wb::oci
