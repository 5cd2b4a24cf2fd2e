// SPDX-License-Identifier: MIT
// Members of JSON documents that come from outside (registry answers, credential helper output,
// the store's index.json), read without nlohmann's type exceptions: a member of the wrong type
// is something to report, never a "type_error.302" escaping as an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wb::oci {

struct StringMember {
  bool present = false;               // the member exists and is not null
  std::optional<std::string> value;  // its text, when it is a string
  bool wrong_type() const { return present && !value; }
};

// Member `name` of `j` (which need not be an object).
StringMember string_member(const nlohmann::json& j, std::string_view name);

// Its text, or `fallback` when it is missing or not a string.
std::string string_or(const nlohmann::json& j, std::string_view name,
                      std::string fallback = std::string());

// A non-negative integer member that fits in 64 bits.
std::optional<std::uint64_t> unsigned_member(const nlohmann::json& j, std::string_view name);

// A string as itself, a number or boolean as JSON; "" for anything else (for messages).
std::string scalar_text(const nlohmann::json& value);

}  // namespace wb::oci
