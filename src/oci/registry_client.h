// SPDX-License-Identifier: MIT
// The registry HTTP API (distribution-spec v1.1) for one registry: ping and scheme detection,
// Bearer-token and Basic authentication, manifests, blob existence, downloads verified while
// they stream, and monolithic or chunked uploads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "oci/challenge.h"
#include "oci/client_options.h"
#include "oci/http.h"

namespace wb::oci {

struct FetchedManifest {
  std::string bytes;
  std::string media_type;  // from Content-Type, else from the document
  std::string digest;      // sha256 of bytes
};

class RegistryClient {
 public:
  // `registry` is a normalized host[:port] ("docker.io", "localhost:5000").
  RegistryClient(std::string registry, ClientOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const std::string& registry() const { return registry_; }

  // Ask for push access as well as pull access from now on.
  void enable_push() { push_ = true; }

  // GET /v2/: finds out whether the registry speaks HTTPS or (loopback and insecure registries
  // only) plain HTTP, and which authentication it wants.
  Result<void> ping();

  // Checks `credentials` against the registry (for `login`).
  Result<void> check_login(const Credentials& credentials);

  Result<FetchedManifest> get_manifest(const std::string& repository, const std::string& reference);
  // The tags of a repository (GET /v2/NAME/tags/list, every page), sorted.
  Result<std::vector<std::string>> list_tags(const std::string& repository);
  Result<bool> has_blob(const std::string& repository, const std::string& digest);
  // A small blob (config), verified.
  Result<std::string> get_blob(const std::string& repository, const std::string& digest,
                               std::uint64_t max_size);
  // Streams a blob into a new file `path`, verifying size and digest as it arrives; on any
  // failure the file is removed.
  Result<void> download_blob(const std::string& repository, const std::string& digest,
                             std::uint64_t size, const std::string& path);
  // Uploads a blob unless the registry has it; returns false if it was already there.
  Result<bool> upload_blob(const std::string& repository, const std::string& digest,
                           std::string_view data);
  // PUT of a manifest under a tag (or digest); returns its digest.
  Result<std::string> put_manifest(const std::string& repository, const std::string& reference,
                                   const std::string& media_type, std::string_view bytes);

 private:
  // Sends `request` to the registry with authentication for `repository` (empty for /v2/).
  Result<HttpResponse> execute(HttpRequest request, const std::string& repository);
  Result<std::string> authorization(const std::string& scope, const std::string& extra_scope,
                                    bool refresh);
  Result<std::string> fetch_token(const std::string& scope, const std::string& extra_scope);
  const std::optional<Credentials>& credentials();
  std::string scope_for(const std::string& repository) const;
  Error transport_error(const HttpResponse& r, const std::string& what) const;
  Error status_error(const HttpResponse& r, const std::string& what) const;
  Result<void> upload_once(const std::string& repository, const std::string& digest,
                           std::string_view data, bool* retryable);
  // Paths are completed with the registry's base URL by execute(), once ping() found it.
  static std::string url(const std::string& path) { return path; }

  std::string registry_;
  std::string host_;
  ClientOptions options_;
  HttpClient http_;
  bool push_ = false;
  bool pinged_ = false;
  std::string base_url_;
  bool verify_tls_ = true;
  std::optional<Challenge> challenge_;
  bool credentials_looked_up_ = false;
  std::optional<Credentials> credentials_;
};

}  // namespace wb::oci
