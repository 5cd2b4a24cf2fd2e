// SPDX-License-Identifier: MIT
// A small HTTP/1.1 client on libcurl for the registry protocol: in-memory request bodies,
// response bodies collected in memory (up to a limit) or streamed to a sink, redirects followed
// by hand, retries with exponential backoff of idempotent requests on 5xx answers and dropped
// connections, custom CA file, per-request TLS verification, proxies from the environment
// (libcurl), low-speed and overall timeouts, and a stop on SIGINT/SIGTERM (interrupt.h).
//
// Only http and https are spoken, also on redirects. A redirect is not followed to another
// scheme, nor from https to plain http unless the target is loopback or an insecure host. When
// a redirect leaves the first URL's origin, the Authorization header is dropped and TLS
// verification is on again unless the new host is itself insecure: the registry's own
// exceptions do not travel to other hosts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wb::oci {

class Progress;

struct HttpHeaders {
  std::vector<std::pair<std::string, std::string>> items;
  // The first value of `name` (case-insensitive), if any.
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;
  void set(std::string name, std::string value);  // replaces every `name`
  void remove(std::string_view name);
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  std::optional<std::string_view> body;  // sent as is (POST/PUT/PATCH); must outlive send()
  // When set, the body of a 2xx answer is handed here instead of collected; returning false
  // aborts the transfer. `sink_reset` is called before a retry starts the body over.
  std::function<bool(const char* data, std::size_t size)> sink;
  std::function<void()> sink_reset;
  // Bodies collected in memory may not be larger: the transfer stops with too_large.
  std::uint64_t max_body = 4u << 20;
  bool retry = true;       // idempotent: may be sent again
  bool verify_tls = true;  // for the origin of `url`; see the top of this file for redirects
  // The whole exchange (each attempt) must end within this; zero: no limit but the low-speed
  // one (blob transfers, which their size bounds).
  std::chrono::seconds timeout{0};
  Progress* progress = nullptr;  // upload or download progress
};

enum class TransportError {
  none,
  tls_handshake,  // the TLS handshake failed (e.g. the server speaks plain HTTP)
  tls_verify,     // the server's certificate was not trusted
  connect,        // could not connect or resolve
  dropped,        // the connection broke or the body was cut short
  timeout,        // slower than the low-speed limit, or over the request's timeout
  too_large,      // a body collected in memory (or the headers) went over the limit
  refused,        // a redirect this client does not follow (another scheme, a downgrade)
  interrupted,    // SIGINT or SIGTERM (interrupt.h)
  aborted,        // the sink refused data
  other,
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;
  std::string body;  // unless streamed to the sink
  std::string url;   // the URL that answered (after redirects)
  TransportError error = TransportError::none;
  std::string error_message;  // libcurl's description of a transport error

  bool transport_ok() const { return error == TransportError::none; }
  bool success() const { return transport_ok() && status >= 200 && status < 300; }
};

struct HttpClientOptions {
  std::string ca_file;
  int max_attempts = 4;
  std::chrono::milliseconds retry_base{200};
  std::chrono::seconds connect_timeout{30};
  // A transfer slower than low_speed_limit bytes/s for low_speed_time is given up.
  long low_speed_limit = 1024;
  std::chrono::seconds low_speed_time{30};
  // host[:port] entries (normalized) that may be reached over plain HTTP, or HTTPS without
  // verification, when a redirect leads there.
  std::vector<std::string> insecure_hosts;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request`, following up to 10 redirects and retrying as the request allows.
  // Transport failures are reported in HttpResponse::error.
  HttpResponse send(HttpRequest request);

 private:
  HttpResponse perform_once(const HttpRequest& request);
  // Whether `url` may be reached over plain HTTP / without TLS verification.
  bool is_insecure_url(const std::string& url) const;

  HttpClientOptions options_;
  void* curl_ = nullptr;  // CURL*, reused so connections are kept alive
};

// Resolves `location` (absolute, scheme-relative, absolute-path or relative) against `base`.
std::string resolve_url(const std::string& base, const std::string& location);

// "scheme://host:port" of `url` (with the default port made explicit), or "" if unparsable.
std::string url_origin(const std::string& url);

// The lowercase scheme of `url` ("https"), or "" if it has none.
std::string url_scheme(std::string_view url);

// "host[:port]" of `url` as written (no userinfo), or "".
std::string url_authority(std::string_view url);

// Whether `authority` ("host[:port]") matches an entry of `hosts` ("host[:port]"): the same
// host and port, or the same host when the entry has no port and `port` is the scheme's
// default (443 for https, 80 for http).
bool host_listed(const std::vector<std::string>& hosts, std::string_view authority,
                 std::string_view scheme);

}  // namespace wb::oci
