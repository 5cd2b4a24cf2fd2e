// SPDX-License-Identifier: MIT
// Content digests ("sha256:<64 lowercase hex>"), computed with OpenSSL while data streams by.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace wb::oci {

// An incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // "sha256:<hex>" of everything so far; the hasher starts over afterwards.
  std::string finish();
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_digest(std::string_view data);
// The same without loading OpenSSL (sha256_builtin.cpp): for small data on paths where
// start-up time counts (the digest check of `run REF`).
std::string sha256_digest_builtin(std::string_view data);

// Checks "sha256:<64 lowercase hex>"; other algorithms are reported as unsupported.
Result<void> validate_digest(std::string_view digest);
bool is_sha256_digest(std::string_view digest);

// The hex part of a valid digest.
std::string_view digest_hex(std::string_view digest);

}  // namespace wb::oci
