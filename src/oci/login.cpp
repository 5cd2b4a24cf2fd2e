// SPDX-License-Identifier: MIT
#include "oci/login.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <istream>
#include <iterator>

#include "oci/credentials.h"
#include "oci/interrupt.h"
#include "oci/reference.h"
#include "oci/registry_client.h"

namespace wb::oci {

Result<std::string> registry_argument(const std::string& registry) {
  const std::string normalized = normalize_registry(registry);
  if (!is_valid_registry_host(normalized)) {
    return make_error("'" + registry + "' is not a registry host[:port]");
  }
  return normalized;
}

std::string read_password(std::istream& in) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

Result<std::string> login(const std::string& registry, const Credentials& credentials,
                          const ClientOptions& options) {
  auto host = registry_argument(registry);
  if (!host) return host.error();
  if (credentials.username.empty()) return make_error("a user name is needed to log in");
  if (credentials.password.empty()) return make_error("the password is empty");
  RegistryClient client(*host, options);
  if (auto r = client.check_login(credentials); !r) return r.error();
  return save_credentials(*host, credentials.username, credentials.password);
}

Result<bool> logout(const std::string& registry) {
  auto host = registry_argument(registry);
  if (!host) return host.error();
  return erase_credentials(*host);
}

}  // namespace wb::oci
