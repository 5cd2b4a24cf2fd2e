// SPDX-License-Identifier: MIT
#include "oci/json_fields.h"

namespace wb::oci {
namespace {

const nlohmann::json* find_member(const nlohmann::json& j, std::string_view name) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

}  // namespace

StringMember string_member(const nlohmann::json& j, std::string_view name) {
  StringMember m;
  const nlohmann::json* v = find_member(j, name);
  if (v == nullptr || v->is_null()) return m;
  m.present = true;
  if (v->is_string()) m.value = v->get<std::string>();
  return m;
}

std::string string_or(const nlohmann::json& j, std::string_view name, std::string fallback) {
  StringMember m = string_member(j, name);
  return m.value ? std::move(*m.value) : std::move(fallback);
}

std::optional<std::uint64_t> unsigned_member(const nlohmann::json& j, std::string_view name) {
  const nlohmann::json* v = find_member(j, name);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_unsigned()) return v->get<std::uint64_t>();
  if (v->is_number_integer() && v->get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(v->get<std::int64_t>());
  }
  return std::nullopt;
}

std::string scalar_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return {};
}

}  // namespace wb::oci
