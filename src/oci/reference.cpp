// SPDX-License-Identifier: MIT
#include "oci/reference.h"

#include <cctype>

#include "oci/digest.h"
#include "oci/encoding.h"

namespace wb::oci {
namespace {

constexpr std::size_t kMaxNameLength = 255;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
bool is_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  std::size_t i = 0;
  while (i < c.size()) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    // A separator, followed by an alphanumeric (the back is alphanumeric, so one follows).
    const std::size_t start = i;
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < c.size() && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else {
      return false;
    }
    if (i == start || i >= c.size() || !is_lower_alnum(c[i])) return false;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool is_domain_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
  for (char ch : c) {
    if (!is_alnum(ch) && ch != '-') return false;
  }
  return true;
}

bool is_port(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// tag := [\w][\w.-]{0,127}
bool is_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return is_alnum(c) || c == '_'; };
  if (!word(t.front())) return false;
  for (char c : t) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool looks_like_host(std::string_view first) {
  if (first == "localhost") return true;
  if (first.find_first_of(".:[") != std::string_view::npos) return true;
  for (char c : first) {
    if (std::isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

Error invalid(std::string_view text, const std::string& why) {
  return make_error("invalid reference '" + std::string(text) + "': " + why);
}

}  // namespace

bool is_valid_registry_host(std::string_view host) {
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : host.substr(1, close - 1)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    const std::string_view rest = host.substr(close + 1);
    if (rest.empty()) return true;
    return rest.front() == ':' && is_port(rest.substr(1));
  }
  const auto colon = host.find(':');
  if (colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (!is_port(port)) return false;
  }
  if (host.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const auto dot = host.find('.', start);
    const std::string_view part =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!is_domain_component(part)) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

std::string normalize_registry(std::string_view text) {
  text = trim(text);
  if (const auto scheme = text.find("://"); scheme != std::string_view::npos) {
    text = text.substr(scheme + 3);
  }
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    text = text.substr(0, slash);
  }
  const std::string host = to_lower(text);
  if (host == "index.docker.io" || host == kDockerHubApiHost || host == kDockerHub) {
    return std::string(kDockerHub);
  }
  return std::string(text);
}

bool is_loopback_registry(std::string_view registry) {
  std::string_view host = registry;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return close != std::string_view::npos && host.substr(1, close - 1) == "::1";
  }
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (iequals(host, "localhost")) return true;
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

std::string Reference::name() const { return registry + "/" + repository; }

std::string Reference::to_string() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::api_host() const {
  return registry == kDockerHub ? std::string(kDockerHubApiHost) : registry;
}

Result<Reference> parse_reference(std::string_view text) {
  if (text.empty()) return invalid(text, "it is empty");
  if (text.find("://") != std::string_view::npos) {
    return invalid(text, "a reference has no URL scheme; write host[:port]/repository[:tag]");
  }
  Reference ref;
  std::string_view rest = text;

  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    const std::string_view digest = rest.substr(at + 1);
    if (auto ok = validate_digest(digest); !ok) return invalid(text, ok.error().message);
    ref.digest = std::string(digest);
    rest = rest.substr(0, at);
  }

  // The tag is after the last ':' that follows the last '/' (a ':' before it is a port).
  const auto last_slash = rest.rfind('/');
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    const std::string_view tag = rest.substr(colon + 1);
    if (!is_tag(tag)) {
      return invalid(text, "'" + std::string(tag) +
                               "' is not a valid tag (letters, digits, '_', '.', '-'; at most "
                               "128, not starting with '.' or '-')");
    }
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return invalid(text, "the repository name is missing");

  std::string_view path = rest;
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos && looks_like_host(rest.substr(0, slash))) {
    const std::string_view host = rest.substr(0, slash);
    if (!is_valid_registry_host(host)) {
      return invalid(text, "'" + std::string(host) + "' is not a valid registry host[:port]");
    }
    ref.registry = normalize_registry(host);
    path = rest.substr(slash + 1);
  } else {
    ref.registry = std::string(kDockerHub);
  }
  if (path.empty()) return invalid(text, "the repository name is missing");

  std::size_t start = 0;
  for (;;) {
    const auto next = path.find('/', start);
    const std::string_view component =
        path.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    if (!is_path_component(component)) {
      bool upper = false;
      for (char c : component) upper = upper || std::isupper(static_cast<unsigned char>(c));
      return invalid(text, upper ? "repository names must be lowercase"
                                 : "'" + std::string(component) +
                                       "' is not a valid repository name component "
                                       "(lowercase letters and digits separated by '.', '_', "
                                       "'__' or '-')");
    }
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  ref.repository = std::string(path);
  if (ref.registry == kDockerHub && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.name().size() > kMaxNameLength) {
    return invalid(text, "the name is longer than 255 characters");
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace wb::oci
