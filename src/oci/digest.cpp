// SPDX-License-Identifier: MIT
#include "oci/digest.h"

#include <dlfcn.h>
#include <openssl/evp.h>

#include <mutex>
#include <stdexcept>

namespace wb::oci {
namespace {

// OpenSSL's libcrypto, loaded on first use like libcurl (curl_api.h): linking it costs every
// wasm-bpf process about 0.6 ms at start-up, also when it never computes a digest.
struct Crypto {
  EVP_MD_CTX* (*ctx_new)();
  void (*ctx_free)(EVP_MD_CTX*);
  const EVP_MD* (*sha256)();
  int (*init)(EVP_MD_CTX*, const EVP_MD*, ENGINE*);
  int (*update)(EVP_MD_CTX*, const void*, size_t);
  int (*final)(EVP_MD_CTX*, unsigned char*, unsigned int*);
};

template <class F>
bool bind(void* lib, const char* name, F& slot) {
  slot = reinterpret_cast<F>(dlsym(lib, name));
  return slot != nullptr;
}

const Crypto& crypto() {
  static std::once_flag once;
  static Crypto c{};
  static std::string error;
  std::call_once(once, [] {
    void* lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      error = std::string("cannot load OpenSSL (libcrypto.so.3): ") +
              (why != nullptr ? why : "not found");
      return;
    }
    if (!(bind(lib, "EVP_MD_CTX_new", c.ctx_new) && bind(lib, "EVP_MD_CTX_free", c.ctx_free) &&
          bind(lib, "EVP_sha256", c.sha256) && bind(lib, "EVP_DigestInit_ex", c.init) &&
          bind(lib, "EVP_DigestUpdate", c.update) && bind(lib, "EVP_DigestFinal_ex", c.final))) {
      c = Crypto{};
      error = "libcrypto.so.3 lacks the EVP digest functions";
    }
  });
  if (c.ctx_new == nullptr) throw std::runtime_error(error);
  return c;
}

}  // namespace

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = crypto().ctx_new();
  if (impl_->ctx == nullptr) throw std::bad_alloc();
  reset();
}

Sha256::~Sha256() { crypto().ctx_free(impl_->ctx); }

void Sha256::reset() {
  if (crypto().init(impl_->ctx, crypto().sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 is not available from OpenSSL");
  }
}

void Sha256::update(const void* data, std::size_t size) {
  if (size > 0) crypto().update(impl_->ctx, data, size);
}

std::string Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  crypto().final(impl_->ctx, md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  reset();
  return out;
}

std::string sha256_digest(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

bool is_sha256_digest(std::string_view digest) {
  if (digest.size() != 71 || digest.substr(0, 7) != "sha256:") return false;
  for (char c : digest.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<void> validate_digest(std::string_view digest) {
  if (is_sha256_digest(digest)) return {};
  const auto colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error("'" + std::string(digest) + "' is not a digest (expected sha256:<64 hex>)");
  }
  const std::string_view algorithm = digest.substr(0, colon);
  if (algorithm != "sha256") {
    return make_error("digest algorithm '" + std::string(algorithm) +
                      "' is not supported (only sha256)");
  }
  return make_error("'" + std::string(digest) +
                    "' is not a valid sha256 digest (expected 64 lowercase hex digits)");
}

std::string_view digest_hex(std::string_view digest) {
  const auto colon = digest.find(':');
  return colon == std::string_view::npos ? digest : digest.substr(colon + 1);
}

}  // namespace wb::oci
