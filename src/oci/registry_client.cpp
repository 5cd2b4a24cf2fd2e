// SPDX-License-Identifier: MIT
#include "oci/registry_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <nlohmann/json.hpp>

#include "oci/credentials.h"
#include "oci/digest.h"
#include "oci/encoding.h"
#include "oci/files.h"
#include "oci/interrupt.h"
#include "oci/json_fields.h"
#include "oci/manifest.h"
#include "oci/progress.h"
#include "oci/reference.h"

namespace wb::oci {
namespace {

constexpr std::uint64_t kMaxManifestSize = 4u << 20;
constexpr std::uint64_t kDefaultChunk = 16u << 20;

// "CODE: message" from a registry error body, or "".
std::string registry_error_text(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return {};
  auto errors = j.find("errors");
  if (errors == j.end() || !errors->is_array() || errors->empty()) return {};
  std::string out;
  for (const auto& e : *errors) {
    if (!e.is_object()) continue;
    const std::string code = e.contains("code") ? scalar_text(e["code"]) : std::string();
    const std::string message = e.contains("message") ? scalar_text(e["message"]) : std::string();
    if (code.empty() && message.empty()) continue;
    if (!out.empty()) out += "; ";
    out += code.empty() ? message : (message.empty() ? code : code + ": " + message);
  }
  // A registry's own words, but not pages of them.
  if (out.size() > 1000) out = out.substr(0, 1000) + "...";
  return out;
}

std::string with_query(const std::string& url, const std::string& name, const std::string& value) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + name + "=" + url_encode(value);
}

// Tokens are cached for the whole process, per registry, repository and actions.
struct CachedToken {
  std::string value;
  std::chrono::steady_clock::time_point expires;
};
std::map<std::string, CachedToken>& token_cache() {
  static std::map<std::string, CachedToken> cache;
  return cache;
}
std::mutex& token_cache_mutex() {
  static std::mutex m;
  return m;
}

// "repository:x:pull" -> "repository:x:pull,push" (a push token also allows pulls).
std::string scope_with_push(const std::string& scope) {
  return scope.ends_with(":pull") ? scope + ",push" : scope;
}

// Whether `path` holds PEM certificates (what libcurl's CAINFO reads).
Result<void> check_ca_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) {
    return make_error("cannot read the CA file " + path + " (--ca-file or WASM_BPF_CA_FILE): " +
                      text.error().message);
  }
  if (text->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return make_error("the CA file " + path + " (--ca-file or WASM_BPF_CA_FILE) holds no PEM certificate "
                      "(a '-----BEGIN CERTIFICATE-----' block); convert a DER file with "
                      "'openssl x509 -inform der -in FILE -out FILE.pem'");
  }
  return {};
}

HttpClientOptions http_options(const ClientOptions& o) {
  HttpClientOptions h;
  h.ca_file = o.ca_file;
  h.max_attempts = o.max_attempts;
  h.retry_base = o.retry_base;
  h.low_speed_limit = o.low_speed_limit;
  h.low_speed_time = o.low_speed_time;
  for (const std::string& r : o.insecure_registries) h.insecure_hosts.push_back(normalize_registry(r));
  return h;
}

}  // namespace

RegistryClient::RegistryClient(std::string registry, ClientOptions options)
    : registry_(normalize_registry(registry)),
      host_(registry_ == kDockerHub ? std::string(kDockerHubApiHost) : registry_),
      options_(std::move(options)),
      http_(http_options(options_)) {}

RegistryClient::~RegistryClient() = default;

Error RegistryClient::transport_error(const HttpResponse& r, const std::string& what) const {
  switch (r.error) {
    case TransportError::tls_verify:
      return make_error(what + ": the TLS certificate of " + registry_ + " is not trusted (" +
                        r.error_message +
                        "); pass its CA with --ca-file FILE, or mark it with "
                        "--insecure-registry " +
                        registry_);
    case TransportError::connect:
      return make_error(what + ": cannot connect to " + registry_ + ": " + r.error_message);
    case TransportError::tls_handshake:
      // Typically "wrong version number": the server answered the TLS hello in plain HTTP.
      return make_error(what + ": the TLS handshake with " + registry_ + " failed (" +
                        r.error_message + "); if " + registry_ +
                        " serves plain HTTP, mark it with --insecure-registry " + registry_);
    case TransportError::dropped:
      return make_error(what + ": the connection to " + registry_ + " broke: " + r.error_message);
    case TransportError::timeout:
      return make_error(what + ": " + registry_ + " is too slow: " + r.error_message +
                        " (the limits are WASM_BPF_LOW_SPEED_LIMIT bytes/s over "
                        "WASM_BPF_LOW_SPEED_TIME seconds, and WASM_BPF_REQUEST_TIMEOUT)");
    case TransportError::too_large:
      return make_error(what + ": " + registry_ + " sent too much: " + r.error_message);
    case TransportError::refused:
      return make_error(what + ": not following " + registry_ + ": " + r.error_message);
    case TransportError::interrupted:
      return make_error(what + ": " + r.error_message);
    default:
      return make_error(what + ": " + registry_ + ": " + r.error_message);
  }
}

Error RegistryClient::status_error(const HttpResponse& r, const std::string& what) const {
  std::string detail = registry_error_text(r.body);
  if (r.status == 401) {
    const auto& creds = credentials_;
    if (!creds) {
      return make_error(what + ": " + registry_ + " requires authentication; run 'wasm-bpf login " +
                        registry_ + "'" + (detail.empty() ? "" : " (" + detail + ")"));
    }
    if (challenge_ && challenge_->scheme == "basic") {
      return make_error(what + ": " + registry_ + ": invalid username or password (from " +
                        creds->source + ")");
    }
    return make_error(what + ": " + registry_ + " denied access with the credentials from " +
                      creds->source + (detail.empty() ? "" : " (" + detail + ")"));
  }
  if (r.status == 403) {
    return make_error(what + ": access denied by " + registry_ +
                      (detail.empty() ? "" : " (" + detail + ")"));
  }
  if (detail.empty()) detail = "HTTP " + std::to_string(r.status);
  return make_error(what + ": " + registry_ + " answered " + detail);
}

const std::optional<Credentials>& RegistryClient::credentials() {
  if (!credentials_looked_up_) {
    credentials_looked_up_ = true;
    credentials_ = find_credentials(registry_, "", options_);
  }
  return credentials_;
}

std::string RegistryClient::scope_for(const std::string& repository) const {
  if (repository.empty()) return {};
  return "repository:" + repository + (push_ ? ":pull,push" : ":pull");
}

Result<void> RegistryClient::ping() {
  if (pinged_) return {};
  // A CA file that is not PEM makes every TLS attempt fail for a reason the registry's
  // answer over plain HTTP would hide ("answered HTTP 400"): say what is wrong with it.
  if (!options_.ca_file.empty()) {
    if (auto ok = check_ca_file(options_.ca_file); !ok) return ok.error();
  }
  const bool insecure = options_.is_insecure(registry_);
  const bool loopback = is_loopback_registry(registry_);
  HttpResponse r;
  for (const bool https : {true, false}) {
    if (!https && !insecure && !loopback) break;
    HttpRequest req;
    req.url = std::string(https ? "https://" : "http://") + host_ + "/v2/";
    req.verify_tls = !insecure;
    req.timeout = options_.request_timeout;
    // A server that may speak plain HTTP is probed over TLS once: a failure there means "try
    // HTTP", not "retry".
    req.retry = !(https && (insecure || loopback));
    r = http_.send(req);
    if (r.transport_ok()) {
      base_url_ = std::string(https ? "https://" : "http://") + host_;
      verify_tls_ = req.verify_tls;
      break;
    }
    // Only a registry that may speak plain HTTP gets a second try, and not when its TLS
    // certificate failed verification (that is reported).
    if (r.error == TransportError::tls_verify || r.error == TransportError::connect ||
        r.error == TransportError::interrupted) {
      break;
    }
  }
  if (!r.transport_ok()) return transport_error(r, "cannot reach " + registry_);
  if (r.status == 401) {
    challenge_ = pick_challenge(r.headers.get_all("WWW-Authenticate"));
  } else if (r.status == 404) {
    return make_error(registry_ + " is not an OCI registry (GET /v2/ answered 404)");
  } else if (r.status < 200 || r.status >= 300) {
    return status_error(r, "cannot use " + registry_);
  }
  pinged_ = true;
  return {};
}

Result<std::string> RegistryClient::fetch_token(const std::string& scope,
                                                const std::string& extra_scope) {
  const std::string realm = challenge_->param("realm");
  const std::string service = challenge_->param("service");
  if (realm.empty()) return make_error(registry_ + " asked for a token without naming a realm");
  const std::string realm_scheme = url_scheme(realm);
  if (realm_scheme != "http" && realm_scheme != "https") {
    return make_error(registry_ + " named a token realm that is not an http(s) URL: " +
                      realm.substr(0, 200));
  }
  const std::string realm_host = url_authority(realm);
  const bool realm_insecure = host_listed(http_options(options_).insecure_hosts, realm_host,
                                          realm_scheme);
  const auto& creds = credentials();
  // Whoever listens on the path to a plain-HTTP realm would read the password.
  if (creds && realm_scheme == "http" && !is_loopback_registry(realm_host) && !realm_insecure) {
    return make_error("not sending the credentials for " + registry_ +
                      " to its token server " + realm +
                      " over plain HTTP; if that is intended, mark " + realm_host +
                      " with --insecure-registry");
  }
  HttpRequest req;
  req.verify_tls = !realm_insecure;
  req.timeout = options_.request_timeout;
  std::string form;
  if (creds && !creds->identity_token.empty()) {
    // An OAuth2 refresh token (docker's identitytoken).
    req.method = "POST";
    req.url = realm;
    form = "grant_type=refresh_token&client_id=wasm-bpf&refresh_token=" +
           url_encode(creds->identity_token);
    if (!service.empty()) form += "&service=" + url_encode(service);
    if (!scope.empty()) form += "&scope=" + url_encode(scope);
    if (!extra_scope.empty() && extra_scope != scope) form += "&scope=" + url_encode(extra_scope);
    req.body = form;
    req.headers.set("Content-Type", "application/x-www-form-urlencoded");
  } else {
    req.url = realm;
    if (!service.empty()) req.url = with_query(req.url, "service", service);
    if (!scope.empty()) req.url = with_query(req.url, "scope", scope);
    if (!extra_scope.empty() && extra_scope != scope)
      req.url = with_query(req.url, "scope", extra_scope);
    if (creds) {
      req.url = with_query(req.url, "account", creds->username);
      req.headers.set("Authorization",
                      "Basic " + base64_encode(creds->username + ":" + creds->password));
    }
  }
  const HttpResponse r = http_.send(req);
  if (!r.transport_ok()) {
    return make_error("cannot get a token for " + registry_ + " from " + realm + ": " +
                      r.error_message);
  }
  if (r.status == 401 || r.status == 403) {
    if (creds) {
      return make_error(registry_ + ": invalid username or password (the token server " + realm +
                        " refused the credentials from " + creds->source + ")");
    }
    return make_error(registry_ + " requires authentication; run 'wasm-bpf login " + registry_ +
                      "'");
  }
  if (r.status != 200) {
    std::string detail = registry_error_text(r.body);
    return make_error("the token server " + realm + " of " + registry_ + " answered " +
                      (detail.empty() ? "HTTP " + std::to_string(r.status) : detail));
  }
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) {
    return make_error("the token server " + realm + " of " + registry_ +
                      " sent a token response that is not a JSON object");
  }
  // "token" is the distribution spec's name, "access_token" the OAuth2 one; either will do.
  std::string token;
  std::string wrong;
  for (const char* name : {"token", "access_token"}) {
    StringMember m = string_member(j, name);
    if (m.value && !m.value->empty()) {
      token = std::move(*m.value);
      break;
    }
    if (m.wrong_type() && wrong.empty()) wrong = name;
  }
  if (token.empty()) {
    if (!wrong.empty()) {
      return make_error("registry " + registry_ + " sent a token response whose '" + wrong +
                        "' is not a string (from " + realm + ")");
    }
    return make_error("the token server " + realm + " of " + registry_ + " sent no token");
  }
  // Kept a little shorter than the server says, at least 10 s and at most a day.
  long expires_in = 60;
  if (auto e = j.find("expires_in"); e != j.end() && e->is_number()) {
    const double seconds = e->get<double>();
    expires_in = seconds >= 86400 ? 86400L : std::max(10L, static_cast<long>(seconds));
  }
  std::lock_guard<std::mutex> lock(token_cache_mutex());
  token_cache()[registry_ + "|" + scope] =
      CachedToken{token, std::chrono::steady_clock::now() + std::chrono::seconds(expires_in - 5)};
  return token;
}

Result<std::string> RegistryClient::authorization(const std::string& scope,
                                                  const std::string& extra_scope, bool refresh) {
  if (!challenge_) return std::string();
  if (challenge_->scheme == "basic") {
    const auto& creds = credentials();
    if (!creds || (creds->username.empty() && creds->password.empty())) return std::string();
    return "Basic " + base64_encode(creds->username + ":" + creds->password);
  }
  if (!refresh) {
    std::lock_guard<std::mutex> lock(token_cache_mutex());
    auto& cache = token_cache();
    for (const std::string& key :
         {registry_ + "|" + scope, registry_ + "|" + scope_with_push(scope)}) {
      auto it = cache.find(key);
      if (it != cache.end() && it->second.expires > std::chrono::steady_clock::now()) {
        return "Bearer " + it->second.value;
      }
    }
  }
  auto token = fetch_token(scope, extra_scope);
  if (!token) return token.error();
  return "Bearer " + *token;
}

Result<HttpResponse> RegistryClient::execute(HttpRequest request, const std::string& repository) {
  if (auto p = ping(); !p) return p.error();
  if (request.url.starts_with("/")) request.url = base_url_ + request.url;
  // The registry's TLS exception (--insecure-registry) and its credentials are its own: an
  // upload Location on another host (a storage backend, with the access it needs in its
  // URL) is verified unless that host is insecure too, and gets no Authorization header.
  if (url_origin(request.url) != url_origin(base_url_)) {
    request.verify_tls = !host_listed(http_options(options_).insecure_hosts, url_authority(request.url),
                                      url_scheme(request.url));
    return http_.send(request);
  }
  request.verify_tls = verify_tls_;
  const std::string scope = scope_for(repository);
  auto auth = authorization(scope, "", false);
  if (!auth) return auth.error();
  if (!auth->empty()) request.headers.set("Authorization", *auth);
  HttpResponse r = http_.send(request);
  if (r.transport_ok() && r.status == 401) {
    // The token may lack the access this request needs, or the registry wants other auth.
    if (auto c = pick_challenge(r.headers.get_all("WWW-Authenticate"))) challenge_ = std::move(c);
    if (!challenge_) return r;
    const std::string sent = auth->empty() ? std::string() : *auth;
    auto again = authorization(scope, challenge_->param("scope"), true);
    if (!again) return again.error();
    if (again->empty() || (*again == sent && challenge_->scheme == "basic")) return r;
    request.headers.set("Authorization", *again);
    if (request.sink_reset) request.sink_reset();
    r = http_.send(request);
  }
  return r;
}

Result<void> RegistryClient::check_login(const Credentials& creds) {
  credentials_ = creds;
  credentials_looked_up_ = true;
  if (auto p = ping(); !p) return p.error();
  if (!challenge_) return {};  // the registry lets everyone in
  if (challenge_->scheme == "bearer") {
    auto token = fetch_token("", "");
    if (!token) return token.error();
    return {};
  }
  HttpRequest req;
  req.url = base_url_ + "/v2/";
  req.verify_tls = verify_tls_;
  req.timeout = options_.request_timeout;
  req.headers.set("Authorization", "Basic " + base64_encode(creds.username + ":" + creds.password));
  const HttpResponse r = http_.send(req);
  if (!r.transport_ok()) return transport_error(r, "cannot log in to " + registry_);
  if (r.status == 401) return make_error(registry_ + ": invalid username or password");
  if (!r.success()) return status_error(r, "cannot log in to " + registry_);
  return {};
}

Result<std::vector<std::string>> RegistryClient::list_tags(const std::string& repository) {
  const std::string what = registry_ + "/" + repository;
  std::vector<std::string> tags;
  std::string path = "/v2/" + repository + "/tags/list?n=1000";
  // Pages follow the Link header (rel="next"); a registry that links in circles is cut off.
  for (int page = 0; page < 1000 && !path.empty(); ++page) {
    HttpRequest req;
    req.url = url(path);
    req.headers.set("Accept", "application/json");
    req.max_body = 8u << 20;
    req.timeout = options_.request_timeout;
    auto r = execute(std::move(req), repository);
    if (!r) return r.error();
    if (!r->transport_ok()) return transport_error(*r, "cannot list the tags of " + what);
    if (r->status == 404) {
      const std::string detail = registry_error_text(r->body);
      return make_error(what + ": no such repository" + (detail.empty() ? "" : " (" + detail + ")"));
    }
    if (!r->success()) return status_error(*r, "cannot list the tags of " + what);
    const auto body = nlohmann::json::parse(r->body, nullptr, false);
    if (!body.is_object()) return make_error(what + ": the registry's tag list is not JSON");
    if (auto t = body.find("tags"); t != body.end() && !t->is_null()) {
      if (!t->is_array()) return make_error(what + ": the registry's tag list has no array of tags");
      for (const auto& tag : *t)
        if (tag.is_string()) tags.push_back(tag.get<std::string>());
    }
    path.clear();
    if (auto link = r->headers.get("Link")) {
      const auto open = link->find('<'), close = link->find('>');
      if (open != std::string::npos && close != std::string::npos && close > open && link->find("rel=\"next\"") != std::string::npos) {
        std::string next = link->substr(open + 1, close - open - 1);
        // Only a path on the same registry (an absolute URL elsewhere is not followed).
        if (next.starts_with("/v2/")) path = next;
      }
    }
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

Result<FetchedManifest> RegistryClient::get_manifest(const std::string& repository,
                                                     const std::string& reference) {
  const std::string what =
      registry_ + "/" + repository + (reference.starts_with("sha256:") ? "@" : ":") + reference;
  HttpRequest req;
  req.url = url("/v2/" + repository + "/manifests/" + reference);
  req.headers.set("Accept", kManifestAccept);
  req.max_body = kMaxManifestSize;
  req.timeout = options_.request_timeout;
  auto r = execute(std::move(req), repository);
  if (!r) return r.error();
  if (r->error == TransportError::too_large) {
    return make_error(what + ": the manifest is larger than " + format_bytes(kMaxManifestSize) +
                      " (or the registry's answer is)");
  }
  if (!r->transport_ok()) return transport_error(*r, "cannot get the manifest of " + what);
  if (r->status == 404) {
    const std::string detail = registry_error_text(r->body);
    return make_error(what + ": not found" + (detail.empty() ? "" : " (" + detail + ")"));
  }
  if (!r->success()) return status_error(*r, "cannot get the manifest of " + what);
  FetchedManifest m;
  m.bytes = std::move(r->body);
  m.media_type = detect_media_type(m.bytes, r->headers.get("Content-Type").value_or(""));
  m.digest = sha256_digest(m.bytes);
  if (reference.starts_with("sha256:") && m.digest != reference) {
    return make_error(what + ": the registry sent a manifest whose digest is " + m.digest);
  }
  if (auto header = r->headers.get("Docker-Content-Digest");
      header && is_sha256_digest(*header) && *header != m.digest) {
    return make_error(what + ": the manifest's digest " + m.digest +
                      " differs from the Docker-Content-Digest " + *header);
  }
  return m;
}

Result<bool> RegistryClient::has_blob(const std::string& repository, const std::string& digest) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = url("/v2/" + repository + "/blobs/" + digest);
  req.timeout = options_.request_timeout;
  auto r = execute(std::move(req), repository);
  if (!r) return r.error();
  const std::string what = "cannot check blob " + digest + " in " + registry_ + "/" + repository;
  if (!r->transport_ok()) return transport_error(*r, what);
  if (r->status == 404) return false;
  if (!r->success()) return status_error(*r, what);
  return true;
}

Result<std::string> RegistryClient::get_blob(const std::string& repository,
                                             const std::string& digest, std::uint64_t max_size) {
  const std::string what = "blob " + digest + " of " + registry_ + "/" + repository;
  std::string data;
  HttpRequest req;
  req.url = url("/v2/" + repository + "/blobs/" + digest);
  req.timeout = options_.request_timeout;
  bool too_big = false;
  req.sink = [&](const char* p, std::size_t n) {
    if (data.size() + n > max_size) {
      too_big = true;
      return false;
    }
    data.append(p, n);
    return true;
  };
  req.sink_reset = [&] { data.clear(); };
  auto r = execute(std::move(req), repository);
  if (!r) return r.error();
  if (too_big) return make_error(what + " is larger than " + format_bytes(max_size));
  if (!r->transport_ok()) return transport_error(*r, "cannot download " + what);
  if (!r->success()) return status_error(*r, "cannot download " + what);
  if (sha256_digest(data) != digest) {
    return make_error(what + " is corrupt: its content has digest " + sha256_digest(data));
  }
  return data;
}

Result<void> RegistryClient::download_blob(const std::string& repository, const std::string& digest,
                                           std::uint64_t size, const std::string& path) {
  const std::string what = "blob " + digest + " of " + registry_ + "/" + repository;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return make_error("cannot create " + path + ": " + std::strerror(errno));
  Sha256 hash;
  std::uint64_t received = 0;
  bool too_big = false;
  bool write_failed = false;
  Progress progress(digest.substr(7, 12), size, options_.reporter.get());
  HttpRequest req;
  req.url = url("/v2/" + repository + "/blobs/" + digest);
  req.progress = &progress;
  req.sink = [&](const char* p, std::size_t n) {
    if (received + n > size) {
      too_big = true;
      return false;
    }
    std::size_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(fd, p + done, n - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        write_failed = true;
        return false;
      }
      done += static_cast<std::size_t>(w);
    }
    hash.update(p, n);
    received += n;
    return true;
  };
  req.sink_reset = [&] {
    (void)::ftruncate(fd, 0);
    (void)::lseek(fd, 0, SEEK_SET);
    hash.reset();
    received = 0;
  };
  auto fail = [&](Error e) -> Result<void> {
    ::close(fd);
    ::unlink(path.c_str());
    return e;
  };
  auto r = execute(std::move(req), repository);
  if (!r) return fail(r.error());
  if (write_failed) return fail(make_error("cannot write " + path + ": " + std::strerror(errno)));
  if (too_big)
    return fail(make_error(what + " is corrupt: it is larger than the " + std::to_string(size) +
                           " bytes its descriptor says"));
  if (!r->transport_ok()) return fail(transport_error(*r, "cannot download " + what));
  if (!r->success()) return fail(status_error(*r, "cannot download " + what));
  if (received != size) {
    return fail(make_error(what + " is corrupt: it has " + std::to_string(received) +
                           " bytes, its descriptor says " + std::to_string(size)));
  }
  if (const std::string got = hash.finish(); got != digest) {
    return fail(make_error(what + " is corrupt: its content has digest " + got));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(path.c_str());
    return make_error("cannot write " + path + ": " + std::strerror(errno));
  }
  progress.finish();
  return {};
}

Result<void> RegistryClient::upload_once(const std::string& repository, const std::string& digest,
                                         std::string_view data, bool* retryable) {
  *retryable = false;
  const std::string what = "cannot upload blob " + digest + " to " + registry_ + "/" + repository;
  auto check = [&](const Result<HttpResponse>& r, long expected) -> Result<void> {
    if (!r) return r.error();
    if (!r->transport_ok()) {
      *retryable = r->error == TransportError::dropped;
      return transport_error(*r, what);
    }
    if (r->status != expected && !(expected == 202 && r->status == 204)) {
      *retryable = r->status >= 500;
      return status_error(*r, what);
    }
    return {};
  };

  HttpRequest start;
  start.method = "POST";
  start.url = url("/v2/" + repository + "/blobs/uploads/");
  start.timeout = options_.request_timeout;
  auto r = execute(start, repository);
  if (auto ok = check(r, 202); !ok) return ok.error();
  auto location = r->headers.get("Location");
  if (!location) return make_error(what + ": the registry gave no upload location");
  std::string upload = resolve_url(r->url, *location);

  Progress progress(digest.substr(7, 12), data.size(), options_.reporter.get());
  const std::uint64_t chunk = options_.chunk_size > 0 ? options_.chunk_size : kDefaultChunk;
  std::string_view final_body = data;
  if (data.size() > chunk) {
    for (std::uint64_t offset = 0; offset < data.size(); offset += chunk) {
      const std::string_view part = data.substr(offset, chunk);
      HttpRequest patch;
      patch.method = "PATCH";
      patch.url = upload;
      patch.retry = false;
      patch.body = part;
      patch.headers.set("Content-Type", "application/octet-stream");
      patch.headers.set("Content-Range",
                        std::to_string(offset) + "-" + std::to_string(offset + part.size() - 1));
      r = execute(patch, repository);
      if (auto ok = check(r, 202); !ok) return ok.error();
      progress.update(offset + part.size());
      if (auto next = r->headers.get("Location")) upload = resolve_url(r->url, *next);
    }
    final_body = std::string_view();
  }
  HttpRequest put;
  put.method = "PUT";
  put.url = with_query(upload, "digest", digest);
  put.retry = false;
  put.body = final_body;
  put.headers.set("Content-Type", "application/octet-stream");
  if (!final_body.empty()) put.progress = &progress;
  if (final_body.empty()) put.timeout = options_.request_timeout;
  r = execute(put, repository);
  if (auto ok = check(r, 201); !ok) return ok.error();
  if (auto header = r->headers.get("Docker-Content-Digest"); header && *header != digest) {
    return make_error(what + ": the registry stored it as " + *header);
  }
  progress.update(data.size());
  return {};
}

Result<bool> RegistryClient::upload_blob(const std::string& repository, const std::string& digest,
                                         std::string_view data) {
  auto exists = has_blob(repository, digest);
  if (!exists) return exists.error();
  if (*exists) return false;
  for (int attempt = 1;; ++attempt) {
    bool retryable = false;
    auto r = upload_once(repository, digest, data, &retryable);
    if (r) return true;
    if (!retryable || attempt >= options_.max_attempts) return r.error();
    if (!sleep_unless_interrupted(options_.retry_base * (1 << (attempt - 1)))) {
      return make_error("cannot upload blob " + digest + " to " + registry_ + "/" + repository +
                        ": " + interrupt_message());
    }
  }
}

Result<std::string> RegistryClient::put_manifest(const std::string& repository,
                                                 const std::string& reference,
                                                 const std::string& media_type,
                                                 std::string_view bytes) {
  const std::string what =
      "cannot push the manifest of " + registry_ + "/" + repository + ":" + reference;
  HttpRequest req;
  req.method = "PUT";
  req.url = url("/v2/" + repository + "/manifests/" + reference);
  req.body = bytes;
  req.timeout = options_.request_timeout;
  req.headers.set("Content-Type", media_type);
  auto r = execute(std::move(req), repository);
  if (!r) return r.error();
  if (!r->transport_ok()) return transport_error(*r, what);
  if (r->status != 201 && !r->success()) return status_error(*r, what);
  const std::string digest = sha256_digest(bytes);
  if (auto header = r->headers.get("Docker-Content-Digest");
      header && is_sha256_digest(*header) && *header != digest) {
    return make_error(what + ": the registry computed digest " + *header + ", expected " + digest);
  }
  return digest;
}

}  // namespace wb::oci
