// SPDX-License-Identifier: MIT
// How wasm-bpf talks to registries: TLS trust, insecure hosts, command-line credentials,
// retries, upload chunking, progress; and the pull policy of `run`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wb::oci {

class Reporter;

enum class PullPolicy { missing, always, never };

struct Credentials {
  std::string username;
  std::string password;        // or a registry token
  std::string identity_token;  // an OAuth2 refresh token (docker config "identitytoken")
  std::string source;          // where they came from, for messages ("~/.docker/config.json")
};

struct ClientOptions {
  // PEM file of extra CA certificates for HTTPS registries (system CAs stay trusted).
  std::string ca_file;
  // host[:port] entries that may be reached over plain HTTP or HTTPS without verification.
  std::vector<std::string> insecure_registries;
  // Credentials given on the command line; used for `credentials_registry` only.
  std::optional<Credentials> credentials;
  std::string credentials_registry;
  // Who hears of transfers, steps and warnings (reporter.h); none: nobody.
  std::shared_ptr<Reporter> reporter;
  // Retries of idempotent requests on 5xx answers and dropped connections.
  int max_attempts = 4;
  std::chrono::milliseconds retry_base{200};
  // Blobs larger than this are uploaded in chunks of this size (PATCH); 0: the default,
  // 16 MiB chunks for blobs over 16 MiB.
  std::uint64_t chunk_size = 0;
  // The local store; empty: default_store_root().
  std::string store_root;
  // The most a pull downloads: no layer, and not all layers of an image together, may be
  // larger (the sizes the manifest declares are checked before anything is fetched).
  std::uint64_t max_pull_size = kDefaultMaxPullSize;
  // A transfer slower than low_speed_limit bytes/s for low_speed_time is given up.
  long low_speed_limit = 1024;
  std::chrono::seconds low_speed_time{30};
  // Requests other than blob transfers (pings, tokens, manifests, upload steps) must end
  // within this.
  std::chrono::seconds request_timeout{120};

  static constexpr std::uint64_t kDefaultMaxPullSize = 1ull << 30;

  // Defaults from the environment (all optional):
  //   WASM_BPF_STORE                the local store directory
  //   WASM_BPF_CA_FILE              like --ca-file
  //   WASM_BPF_INSECURE_REGISTRIES  comma-separated host[:port] list, like --insecure-registry
  //   WASM_BPF_UPLOAD_CHUNK_SIZE    bytes; blobs larger than this are uploaded in chunks
  //   WASM_BPF_MAX_PULL_SIZE        like --max-pull-size (bytes, or with a unit: 2GiB, 500M)
  //   WASM_BPF_LOW_SPEED_LIMIT      bytes per second; slower transfers are given up after
  //   WASM_BPF_LOW_SPEED_TIME       this many seconds
  //   WASM_BPF_REQUEST_TIMEOUT      seconds a request other than a blob transfer may take
  // Values that do not parse are reported in
  // *warnings (when given) and ignored.
  static ClientOptions from_environment(std::vector<std::string>* warnings = nullptr);

  bool is_insecure(std::string_view registry) const;
};

// The store directory: $WASM_BPF_STORE, else /var/lib/wasm-bpf for root, else
// $XDG_DATA_HOME/wasm-bpf (default ~/.local/share/wasm-bpf).
std::string default_store_root();

// The store root of `options` (its store_root, else default_store_root()).
std::string store_root_of(const ClientOptions& options);

// "1073741824", "1GiB", "1G", "512MiB", "64k": a byte count with an optional binary unit
// (K, M, G, T with or without "iB"/"B"); nullopt if it does not parse or overflows.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace wb::oci
