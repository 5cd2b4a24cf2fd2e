// SPDX-License-Identifier: MIT
#include "oci/http.h"

#include "oci/curl_api.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "oci/encoding.h"
#include "oci/interrupt.h"
#include "oci/progress.h"
#include "oci/reference.h"

namespace wb::oci {
namespace {

// Response headers beyond this are a misbehaving server, not a registry.
constexpr std::size_t kMaxHeaderBytes = 1u << 20;

// The pre-7.85 protocol bitmask options, by number: the names are deprecated in the headers
// we build with, but the libcurl.so.4 found at run time may be older than 7.85.
constexpr CURLoption kOptProtocols = static_cast<CURLoption>(CURLOPTTYPE_LONG + 181);
constexpr CURLoption kOptRedirProtocols = static_cast<CURLoption>(CURLOPTTYPE_LONG + 182);
constexpr long kProtoHttp = 1L << 0;   // CURLPROTO_HTTP
constexpr long kProtoHttps = 1L << 1;  // CURLPROTO_HTTPS

struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  bool aborted = false;
  bool too_large = false;
  std::size_t header_bytes = 0;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  t->header_bytes += n;
  if (t->header_bytes > kMaxHeaderBytes) {
    t->too_large = true;
    return 0;  // CURLE_WRITE_ERROR
  }
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after a 1xx): start its headers afresh.
    t->response->headers.items.clear();
    const auto space = line.find(' ');
    t->response->status =
        space == std::string_view::npos
            ? 0
            : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
    return n;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    t->response->headers.items.emplace_back(std::string(trim(line.substr(0, colon))),
                                            std::string(trim(line.substr(colon + 1))));
  }
  return n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const long status = t->response->status;
  if (status >= 200 && status < 300 && t->request->sink) {
    if (!t->request->sink(data, n)) {
      t->aborted = true;
      return 0;  // CURLE_WRITE_ERROR
    }
    return n;
  }
  std::string& body = t->response->body;
  if (n > t->request->max_body - body.size()) {
    // Stop at once: reading on would let a server feed us without end.
    t->too_large = true;
    return 0;  // CURLE_WRITE_ERROR
  }
  body.append(data, n);
  return n;
}

int on_progress(void* user, curl_off_t dl_total, curl_off_t dl_now, curl_off_t ul_total,
                curl_off_t ul_now) {
  auto* t = static_cast<Transfer*>(user);
  if (interrupted()) return 1;  // CURLE_ABORTED_BY_CALLBACK
  if (t->request->progress != nullptr) {
    const curl_off_t now = dl_now > 0 ? dl_now : ul_now;
    t->request->progress->update(static_cast<std::uint64_t>(now));
  }
  (void)dl_total;
  (void)ul_total;
  return 0;
}

TransportError classify(CURLcode code, const Transfer& t) {
  if (code != CURLE_OK && t.too_large) return TransportError::too_large;
  switch (code) {
    case CURLE_OK:
      return TransportError::none;
    case CURLE_SSL_CONNECT_ERROR:
      return TransportError::tls_handshake;
    case CURLE_PEER_FAILED_VERIFICATION:
      return TransportError::tls_verify;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportError::connect;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportError::dropped;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::timeout;
    case CURLE_ABORTED_BY_CALLBACK:
      return TransportError::interrupted;
    case CURLE_UNSUPPORTED_PROTOCOL:
      return TransportError::refused;
    case CURLE_WRITE_ERROR:
      return t.aborted ? TransportError::aborted : TransportError::other;
    default:
      return TransportError::other;
  }
}

bool retryable(const HttpResponse& r) {
  if (r.error == TransportError::dropped) return true;
  if (!r.transport_ok()) return false;
  return r.status >= 500 && r.status <= 599 && r.status != 501 && r.status != 505;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Loopback never goes through a proxy; the rest follows no_proxy from the environment.
std::string no_proxy_list() {
  std::string list = "localhost,127.0.0.1,::1";
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') {
      if (std::string_view(v) == "*") return "*";
      list += ",";
      list += v;
      break;
    }
  }
  return list;
}

// host and port of "host[:port]" ("[::1]:5000" too); port "" if none.
std::pair<std::string_view, std::string_view> split_host_port(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return {authority, {}};
    const std::string_view rest = authority.substr(close + 1);
    return {authority.substr(0, close + 1), rest.starts_with(":") ? rest.substr(1) : rest};
  }
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) return {authority, {}};
  return {authority.substr(0, colon), authority.substr(colon + 1)};
}

HttpResponse refused(const HttpRequest& request, std::string message) {
  HttpResponse r;
  r.url = request.url;
  r.error = TransportError::refused;
  r.error_message = std::move(message);
  return r;
}

HttpResponse interrupted_response(const HttpRequest& request) {
  HttpResponse r;
  r.url = request.url;
  r.error = TransportError::interrupted;
  r.error_message = interrupt_message();
  return r;
}

bool is_http_scheme(std::string_view scheme) { return scheme == "http" || scheme == "https"; }

// A URL for messages: without its query (which may hold a signature) and not too long.
std::string shown_url(const std::string& url) {
  std::string s = url.substr(0, url.find_first_of("?#"));
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

}  // namespace

std::string url_scheme(std::string_view url) {
  std::size_t i = 0;
  while (i < url.size() && (std::isalnum(static_cast<unsigned char>(url[i])) || url[i] == '+' ||
                            url[i] == '-' || url[i] == '.')) {
    ++i;
  }
  if (i == 0 || i >= url.size() || url[i] != ':' ||
      !std::isalpha(static_cast<unsigned char>(url[0]))) {
    return {};
  }
  return to_lower(url.substr(0, i));
}

std::string url_authority(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  return std::string(rest);
}

bool host_listed(const std::vector<std::string>& hosts, std::string_view authority,
                 std::string_view scheme) {
  const auto [host, port] = split_host_port(authority);
  const std::string_view default_port = scheme == "https" ? "443" : "80";
  for (const std::string& entry : hosts) {
    const auto [entry_host, entry_port] = split_host_port(entry);
    if (!iequals(entry_host, host)) continue;
    if (entry_port == port) return true;
    if (entry_port.empty() && (port.empty() || port == default_port)) return true;
    if (port.empty() && entry_port == default_port) return true;
  }
  return false;
}

std::optional<std::string> HttpHeaders::get(std::string_view name) const {
  for (const auto& [k, v] : items) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> HttpHeaders::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : items) {
    if (iequals(k, name)) out.push_back(v);
  }
  return out;
}

void HttpHeaders::set(std::string name, std::string value) {
  remove(name);
  items.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::remove(std::string_view name) {
  std::erase_if(items, [&](const auto& kv) { return iequals(kv.first, name); });
}

std::string resolve_url(const std::string& base, const std::string& location) {
  const CurlApi* curl = curl_api();
  if (curl == nullptr) return location;
  CURLU* u = curl->url();
  std::string out = location;
  if (u != nullptr && curl->url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      curl->url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK) {
    char* s = nullptr;
    if (curl->url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK && s != nullptr) {
      out = s;
      curl->free(s);
    }
  }
  curl->url_cleanup(u);
  return out;
}

std::string url_origin(const std::string& url) {
  const CurlApi* curl = curl_api();
  if (curl == nullptr) return {};
  CURLU* u = curl->url();
  std::string out;
  if (u != nullptr && curl->url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    if (curl->url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl->url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl->url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out = to_lower(scheme) + "://" + to_lower(host) + ":" + port;
    }
    curl->free(scheme);
    curl->free(host);
    curl->free(port);
  }
  curl->url_cleanup(u);
  return out;
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_api()->easy_cleanup(static_cast<CURL*>(curl_));
}

bool HttpClient::is_insecure_url(const std::string& url) const {
  return host_listed(options_.insecure_hosts, url_authority(url), url_scheme(url));
}

HttpResponse HttpClient::perform_once(const HttpRequest& request) {
  if (!is_http_scheme(url_scheme(request.url))) {
    return refused(request, "only http and https URLs are used, not " + shown_url(request.url));
  }
  if (interrupted()) return interrupted_response(request);
  HttpResponse response;
  response.url = request.url;
  std::string load_error;
  const CurlApi* curl = curl_api(&load_error);
  if (curl != nullptr && curl_ == nullptr) curl_ = curl->easy_init();
  if (curl == nullptr || curl_ == nullptr) {
    response.error = TransportError::other;
    response.error_message = curl == nullptr ? load_error : "cannot initialise libcurl";
    return response;
  }
  CURL* c = static_cast<CURL*>(curl_);
  curl->easy_reset(c);
  Transfer t{&request, &response};
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl->easy_setopt(c, CURLOPT_URL, request.url.c_str());
  // Nothing but HTTP(S), whatever a server or a proxy setting says (no file://, dict://, ...).
  if (curl->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
      curl->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK) {
    curl->easy_setopt(c, kOptProtocols, kProtoHttp | kProtoHttps);
    curl->easy_setopt(c, kOptRedirProtocols, kProtoHttp | kProtoHttps);
  }
  curl->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl->easy_setopt(c, CURLOPT_USERAGENT, "wasm-bpf");
  curl->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, std::max(1L, options_.low_speed_limit));
  curl->easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                    std::max(1L, static_cast<long>(options_.low_speed_time.count())));
  if (request.timeout.count() > 0) {
    curl->easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(request.timeout.count()));
  }
  const std::string no_proxy = no_proxy_list();
  curl->easy_setopt(c, CURLOPT_NOPROXY, no_proxy.c_str());
  if (!options_.ca_file.empty()) curl->easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!request.verify_tls) {
    curl->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  if (request.method == "HEAD") {
    curl->easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && !request.body) {
    curl->easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    const std::string_view body = request.body.value_or(std::string_view());
    curl->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl->easy_setopt(c, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
    curl->easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  curl_slist* headers = nullptr;
  bool has_content_type = false;
  for (const auto& [k, v] : request.headers.items) {
    has_content_type = has_content_type || iequals(k, "Content-Type");
    headers = curl->slist_append(headers, (k + ": " + v).c_str());
  }
  headers = curl->slist_append(headers, "Expect:");
  if (!has_content_type && request.method != "GET" && request.method != "HEAD") {
    headers = curl->slist_append(headers, "Content-Type:");  // not curl's form default
  }
  curl->easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  curl->easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
  curl->easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl->easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl->easy_setopt(c, CURLOPT_WRITEDATA, &t);
  // Also without a progress display: the callback is where a signal stops the transfer.
  curl->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl->easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);

  const CURLcode code = curl->easy_perform(c);
  curl->slist_free_all(headers);
  response.error = classify(code, t);
  if (code != CURLE_OK) {
    response.error_message = errbuf[0] != '\0' ? std::string(errbuf) : curl->easy_strerror(code);
    while (!response.error_message.empty() && response.error_message.back() == '\n') {
      response.error_message.pop_back();
    }
    if (response.error == TransportError::too_large) {
      response.error_message =
          t.header_bytes > kMaxHeaderBytes
              ? "its response headers are larger than " + format_bytes(kMaxHeaderBytes)
              : "its answer is larger than " + format_bytes(request.max_body);
    } else if (response.error == TransportError::interrupted) {
      response.error_message = interrupt_message();
    }
  } else {
    long status = 0;
    curl->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
  }
  return response;
}

HttpResponse HttpClient::send(HttpRequest request) {
  const std::string first_origin = url_origin(request.url);
  const bool first_verify_tls = request.verify_tls;
  for (int hop = 0;; ++hop) {
    HttpResponse response;
    for (int attempt = 1;; ++attempt) {
      response = perform_once(request);
      if (!request.retry || attempt >= options_.max_attempts || !retryable(response)) break;
      auto delay = options_.retry_base * (1 << (attempt - 1));
      if (auto after = response.headers.get("Retry-After")) {
        const long seconds = std::strtol(after->c_str(), nullptr, 10);
        if (seconds > 0 && seconds <= 10) delay = std::chrono::seconds(seconds);
      }
      if (!sleep_unless_interrupted(delay)) return interrupted_response(request);
      if (request.sink_reset) request.sink_reset();
    }
    if (!response.transport_ok() || !is_redirect(response.status) || hop >= 10) return response;
    const auto location = response.headers.get("Location");
    if (!location) return response;
    const std::string next = resolve_url(request.url, *location);
    const std::string scheme = url_scheme(next);
    if (!is_http_scheme(scheme)) {
      return refused(request, "it redirected to " + shown_url(next) +
                                  "; only http and https redirects are followed");
    }
    if (url_scheme(request.url) == "https" && scheme == "http" &&
        !is_loopback_registry(url_authority(next)) && !is_insecure_url(next)) {
      return refused(request, "it redirected from HTTPS to plain HTTP (" + shown_url(next) +
                                  "); mark " + url_authority(next) +
                                  " with --insecure-registry to allow that");
    }
    if (url_origin(next) != first_origin) {
      // Credentials for the registry must not reach another host (e.g. a storage backend),
      // and its TLS exceptions do not apply there either.
      request.headers.remove("Authorization");
      request.verify_tls = !is_insecure_url(next);
    } else {
      request.verify_tls = first_verify_tls;
    }
    if (response.status == 303 ||
        ((response.status == 301 || response.status == 302) && request.method == "POST")) {
      request.method = "GET";
      request.body.reset();
    }
    request.url = next;
    if (request.sink_reset) request.sink_reset();
  }
}

}  // namespace wb::oci
