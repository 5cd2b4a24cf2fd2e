// SPDX-License-Identifier: MIT
#include "oci/auth_config.h"

#include <nlohmann/json.hpp>

#include "oci/encoding.h"
#include "oci/reference.h"

namespace wb::oci {
namespace {

using nlohmann::json;

// "https://index.docker.io/v1/" -> "docker.io"; "quay.io/team/" -> "quay.io/team".
std::string normalize_key(std::string_view key) {
  key = trim(key);
  if (const auto scheme = key.find("://"); scheme != std::string_view::npos)
    key = key.substr(scheme + 3);
  while (!key.empty() && key.back() == '/') key.remove_suffix(1);
  std::string_view host = key;
  std::string_view path;
  if (const auto slash = key.find('/'); slash != std::string_view::npos) {
    host = key.substr(0, slash);
    path = key.substr(slash);
  }
  if (path == "/v1" || path == "/v2") path = {};
  return normalize_registry(host) + std::string(path);
}

Result<json> parse_object(std::string_view text) {
  if (trim(text).empty()) return json::object();
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error("not a JSON object");
  return j;
}

// Removes every "auths" entry of `registry`; true if there was one.
bool erase_entries(json& j, const std::string& registry) {
  bool removed = false;
  auto auths = j.find("auths");
  if (auths == j.end() || !auths->is_object()) return false;
  for (auto it = auths->begin(); it != auths->end();) {
    if (normalize_key(it.key()) == registry) {
      it = auths->erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace

Result<AuthFile> parse_auth_file(std::string_view text) {
  auto parsed = parse_object(text);
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  AuthFile file;
  if (auto it = j.find("auths"); it != j.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (!value.is_object()) continue;
      AuthEntry e;
      if (auto a = value.find("auth");
          a != value.end() && a->is_string() && !a->get<std::string>().empty()) {
        auto decoded = base64_decode(a->get<std::string>());
        if (!decoded) return make_error("the \"auth\" of '" + key + "' is not base64");
        const auto colon = decoded->find(':');
        if (colon == std::string::npos) {
          return make_error("the \"auth\" of '" + key + "' is not base64 of user:password");
        }
        e.username = decoded->substr(0, colon);
        e.password = decoded->substr(colon + 1);
      }
      if (auto u = value.find("username");
          u != value.end() && u->is_string() && e.username.empty()) {
        e.username = u->get<std::string>();
      }
      if (auto p = value.find("password");
          p != value.end() && p->is_string() && e.password.empty()) {
        e.password = p->get<std::string>();
      }
      if (auto t = value.find("identitytoken"); t != value.end() && t->is_string()) {
        e.identity_token = t->get<std::string>();
      }
      file.auths[key] = std::move(e);
    }
  }
  if (auto it = j.find("credsStore"); it != j.end() && it->is_string()) {
    file.creds_store = it->get<std::string>();
  }
  if (auto it = j.find("credHelpers"); it != j.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (value.is_string()) file.cred_helpers[key] = value.get<std::string>();
    }
  }
  return file;
}

std::optional<AuthEntry> find_auth(const AuthFile& file, const std::string& registry,
                                   const std::string& repository) {
  const std::string full = repository.empty() ? registry : registry + "/" + repository;
  const AuthEntry* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [key, entry] : file.auths) {
    const std::string k = normalize_key(key);
    const bool match = k == registry || k == full ||
                       (full.size() > k.size() && full.compare(0, k.size(), k) == 0 &&
                        full[k.size()] == '/' && k.find('/') != std::string::npos);
    if (!match) continue;
    if (entry.username.empty() && entry.password.empty() && entry.identity_token.empty()) continue;
    if (best == nullptr || k.size() > best_len) {
      best = &entry;
      best_len = k.size();
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::string find_registry_helper(const AuthFile& file, const std::string& registry) {
  for (const auto& [key, helper] : file.cred_helpers) {
    if (normalize_key(key) == registry) return helper;
  }
  return {};
}

std::string find_helper(const AuthFile& file, const std::string& registry) {
  std::string helper = find_registry_helper(file, registry);
  return helper.empty() ? file.creds_store : helper;
}

std::string auth_key_for(const std::string& registry) {
  return registry == kDockerHub ? "https://index.docker.io/v1/" : registry;
}

Result<std::string> with_auth(std::string_view text, const std::string& registry,
                              const std::string& username, const std::string& password) {
  auto parsed = parse_object(text);
  if (!parsed) return parsed.error();
  json j = std::move(*parsed);
  erase_entries(j, registry);  // also entries under another spelling of the registry
  if (!j.contains("auths") || !j["auths"].is_object()) j["auths"] = json::object();
  j["auths"][auth_key_for(registry)] = json{{"auth", base64_encode(username + ":" + password)}};
  return j.dump(1, '\t') + "\n";
}

Result<std::string> without_auth(std::string_view text, const std::string& registry,
                                 bool* removed) {
  auto parsed = parse_object(text);
  if (!parsed) return parsed.error();
  json j = std::move(*parsed);
  *removed = erase_entries(j, registry);
  return j.dump(1, '\t') + "\n";
}

}  // namespace wb::oci
