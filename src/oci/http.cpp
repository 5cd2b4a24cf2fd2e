#include "oci/http.h"

#include "oci/curl_api.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "oci/encoding.h"
#include "oci/progress.h"

namespace wb::oci {
namespace {

struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  bool aborted = false;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
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
  if (body.size() < t->request->max_body) {
    body.append(data, std::min<std::size_t>(n, t->request->max_body - body.size()));
  }
  return n;
}

int on_progress(void* user, curl_off_t dl_total, curl_off_t dl_now, curl_off_t ul_total,
                curl_off_t ul_now) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->progress != nullptr) {
    const curl_off_t now = dl_now > 0 ? dl_now : ul_now;
    t->request->progress->update(static_cast<std::uint64_t>(now));
  }
  (void)dl_total;
  (void)ul_total;
  return 0;
}

TransportError classify(CURLcode code, bool aborted) {
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
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportError::dropped;
    case CURLE_WRITE_ERROR:
      return aborted ? TransportError::aborted : TransportError::other;
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

}  // namespace

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

HttpResponse HttpClient::perform_once(const HttpRequest& request) {
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
  Transfer t{&request, &response, false};
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl->easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl->easy_setopt(c, CURLOPT_USERAGENT, "wasm-bpf");
  curl->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
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
  if (request.progress != nullptr) {
    curl->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl->easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }

  const CURLcode code = curl->easy_perform(c);
  curl->slist_free_all(headers);
  response.error = classify(code, t.aborted);
  if (code != CURLE_OK) {
    response.error_message = errbuf[0] != '\0' ? std::string(errbuf) : curl->easy_strerror(code);
    while (!response.error_message.empty() && response.error_message.back() == '\n') {
      response.error_message.pop_back();
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
      std::this_thread::sleep_for(delay);
      if (request.sink_reset) request.sink_reset();
    }
    if (!response.transport_ok() || !is_redirect(response.status) || hop >= 10) return response;
    const auto location = response.headers.get("Location");
    if (!location) return response;
    const std::string next = resolve_url(request.url, *location);
    // Credentials for the registry must not reach another host (e.g. a storage backend).
    if (url_origin(next) != first_origin) request.headers.remove("Authorization");
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
