// A small HTTP/1.1 client on libcurl for the registry protocol: in-memory request bodies,
// response bodies collected in memory or streamed to a sink, redirects followed by hand (the
// Authorization header is dropped when a redirect leaves the origin), retries with exponential
// backoff of idempotent requests on 5xx answers and dropped connections, custom CA file,
// per-request TLS verification, proxies from the environment (libcurl).
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
  std::uint64_t max_body = 4u << 20;  // bodies collected in memory are cut at this size
  bool retry = true;                  // idempotent: may be sent again
  bool verify_tls = true;
  Progress* progress = nullptr;  // upload or download progress
};

enum class TransportError {
  none,
  tls_handshake,  // the TLS handshake failed (e.g. the server speaks plain HTTP)
  tls_verify,     // the server's certificate was not trusted
  connect,        // could not connect or resolve
  dropped,        // the connection broke or the body was cut short
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

  HttpClientOptions options_;
  void* curl_ = nullptr;  // CURL*, reused so connections are kept alive
};

// Resolves `location` (absolute, scheme-relative, absolute-path or relative) against `base`.
std::string resolve_url(const std::string& base, const std::string& location);

// "scheme://host:port" of `url` (with the default port made explicit), or "" if unparsable.
std::string url_origin(const std::string& url);

}  // namespace wb::oci
