// SPDX-License-Identifier: MIT
#include "oci/credentials.h"

#include "oci/reporter.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "oci/auth_config.h"
#include "oci/cred_helper.h"
#include "oci/files.h"
#include "oci/reference.h"

namespace wb::oci {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string home_dir() {
  std::string home = env("HOME");
  return home.empty() ? "." : home;
}

std::vector<std::string> credential_files() {
  std::vector<std::string> files;
  if (std::string f = env("REGISTRY_AUTH_FILE"); !f.empty()) files.push_back(f);
  if (std::string run = env("XDG_RUNTIME_DIR"); !run.empty()) {
    files.push_back(run + "/containers/auth.json");
  }
  files.push_back(docker_config_path());
  return files;
}

Credentials from_entry(const AuthEntry& e, std::string source) {
  return Credentials{e.username, e.password, e.identity_token, std::move(source)};
}

std::optional<Credentials> from_helper(const std::string& helper, const std::string& registry, Reporter& reporter) {
  auto got = helper_get(helper, registry);
  if (!got) {
    reporter.warning(got.error().message);
    return std::nullopt;
  }
  if (!got->has_value()) return std::nullopt;
  return from_entry(**got, "docker-credential-" + helper);
}

}  // namespace

std::string docker_config_path() {
  if (std::string dir = env("DOCKER_CONFIG"); !dir.empty()) return dir + "/config.json";
  return home_dir() + "/.docker/config.json";
}

std::string login_config_path() {
  if (std::string f = env("REGISTRY_AUTH_FILE"); !f.empty()) return f;
  return docker_config_path();
}

std::optional<Credentials> find_credentials(const std::string& registry,
                                            const std::string& repository,
                                            const ClientOptions& options) {
  if (options.credentials && normalize_registry(options.credentials_registry) == registry) {
    return options.credentials;
  }
  const std::string user = env("WASM_BPF_REGISTRY_USER");
  const std::string only = env("WASM_BPF_REGISTRY");
  if (!user.empty() && (only.empty() || normalize_registry(only) == registry)) {
    return Credentials{user, env("WASM_BPF_REGISTRY_PASSWORD"), "", "the environment"};
  }
  for (const std::string& path : credential_files()) {
    if (!file_exists(path)) continue;
    auto text = read_file(path);
    if (!text) continue;
    auto file = parse_auth_file(*text);
    if (!file) {
      reporter_of(options).warning("ignoring " + path + ": " + file.error().message);
      continue;
    }
    if (std::string h = find_registry_helper(*file, registry); !h.empty()) {
      if (auto c = from_helper(h, registry, reporter_of(options))) return c;
    }
    if (auto e = find_auth(*file, registry, repository)) return from_entry(*e, path);
    if (!file->creds_store.empty()) {
      if (auto c = from_helper(file->creds_store, registry, reporter_of(options))) return c;
    }
  }
  return std::nullopt;
}

Result<std::string> save_credentials(const std::string& registry, const std::string& username,
                                     const std::string& password) {
  const std::string path = login_config_path();
  std::string text;
  if (file_exists(path)) {
    auto read = read_file(path);
    if (!read) return read.error();
    text = std::move(*read);
  }
  auto file = parse_auth_file(text);
  if (!file) return make_error("cannot use " + path + ": " + file.error().message);
  if (std::string helper = find_helper(*file, registry); !helper.empty()) {
    if (auto r = helper_store(helper, registry, username, password); !r) return r.error();
    return "docker-credential-" + helper;
  }
  auto updated = with_auth(text, registry, username, password);
  if (!updated) return make_error("cannot use " + path + ": " + updated.error().message);
  const auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto r = make_dirs(path.substr(0, slash)); !r) return r.error();
  }
  if (auto r = write_file_atomic(path, *updated, 0600); !r) return r.error();
  return path;
}

Result<bool> erase_credentials(const std::string& registry) {
  const std::string path = login_config_path();
  if (!file_exists(path)) return false;
  auto text = read_file(path);
  if (!text) return text.error();
  auto file = parse_auth_file(*text);
  if (!file) return make_error("cannot use " + path + ": " + file.error().message);
  bool erased = false;
  if (std::string helper = find_helper(*file, registry); !helper.empty()) {
    auto r = helper_erase(helper, registry);
    if (!r) return r.error();
    erased = *r;
  }
  bool removed = false;
  auto updated = without_auth(*text, registry, &removed);
  if (!updated) return make_error("cannot use " + path + ": " + updated.error().message);
  if (removed) {
    if (auto r = write_file_atomic(path, *updated, 0600); !r) return r.error();
  }
  return erased || removed;
}

}  // namespace wb::oci
