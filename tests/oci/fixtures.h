// SPDX-License-Identifier: MIT
// Integration fixtures: a real docker-registry child process (plain HTTP, TLS, htpasswd or
// token auth), TLS and token-signing material made with the openssl CLI, the test's own token
// server (RS256 JWTs signed with OpenSSL), a fault-injecting proxy and a redirect target, and a
// runner for the wasm-bpf binary with an isolated environment.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "support.h"

namespace wb::oci::test {

struct TlsFiles {
  std::string ca, cert, key;
};
// A CA and a server certificate for 127.0.0.1 and localhost signed by it, in `dir`.
TlsFiles make_tls(const std::string& dir);

struct SignerFiles {
  std::string cert, key;
};
// A self-signed RSA certificate that signs tokens (the registry's rootcertbundle).
SignerFiles make_signer(const std::string& dir);

// "user:<bcrypt>" via htpasswd -Bbn, written to dir/htpasswd; returns the path.
std::string make_htpasswd(const std::string& dir, const std::string& user,
                          const std::string& password);

struct RegistryConfig {
  std::optional<TlsFiles> tls;
  std::string htpasswd;  // path; enables Basic auth
  struct Token {
    std::string realm, service, issuer, rootcertbundle;
  };
  std::optional<Token> token;
  bool relative_urls = false;
};

class Registry {
 public:
  // Starts /usr/bin/docker-registry with a config in `dir` and waits until it listens.
  Registry(const std::string& dir, RegistryConfig config = {});
  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& log_path() const { return log_; }

 private:
  std::unique_ptr<Child> child_;
  int port_ = 0;
  std::string log_;
};

// containerd started by the test with a configuration of its own (root, state and socket in
// `dir`, the CRI plugin off), as a plain background process; ctr() runs `ctr -a SOCK -n test`.
class Containerd {
 public:
  explicit Containerd(const std::string& dir);
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& socket() const { return socket_; }
  Outcome ctr(const std::vector<std::string>& args, int timeout_ms = 60000) const;

 private:
  std::unique_ptr<Child> child_;
  std::string socket_, error_;
  bool ok_ = false;
};

class TokenServer {
 public:
  TokenServer(SignerFiles signer, std::string issuer, std::string service, std::string user,
              std::string password);
  std::string realm() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/token";
  }
  int port() const { return server_->port(); }
  int requests() const { return requests_; }
  // The body of a successful answer, with every "{TOKEN}" replaced by a signed token; the
  // default is {"token": T, "access_token": T, "expires_in": 300}.
  void set_answer(std::string body_template);
  // Accept this OAuth2 refresh token (POST grant_type=refresh_token) as the user's.
  void set_refresh_token(std::string token);
  std::vector<Request> log() const;

 private:
  void handle(int fd);
  std::string sign(const std::string& subject, const std::vector<std::string>& scopes) const;

  SignerFiles signer_;
  std::string issuer_, service_, user_, password_, cert_der_b64_;
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::string answer_;
  std::string refresh_token_;
  std::vector<Request> log_;
  std::unique_ptr<TcpServer> server_;  // last: stops first
};

class FaultProxy {
 public:
  enum class Fault {
    none,
    corrupt,   // flip a bit of the body
    drop,      // half the body, then close
    fail_503,  // answer 503
    redirect,  // answer 307 to `location`
    trickle,   // the answer in 16 KiB pieces, 100 ms apart
    hold,      // wait until release(), then forward
    respond,   // answer `raw_response` instead
  };
  struct Rule {
    Fault fault = Fault::none;
    std::string match;  // part of the request target
    int times = -1;     // how many requests it applies to; -1: all
    std::string location;
    std::string method = "GET";
    std::string raw_response;
  };
  explicit FaultProxy(int upstream_port);
  // Applies `fault` to the next `times` (-1: all) GET requests whose target contains `match`.
  void set_fault(Fault fault, std::string match, int times = -1, std::string location = "");
  void set_rule(Rule rule);
  // Lets the requests held by Fault::hold go on (and no new ones are held).
  void release();
  std::vector<std::string> log() const;  // "METHOD target", in arrival order
  int count(const std::string& method, const std::string& match) const;
  std::string host() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  int port() const { return server_->port(); }

 private:
  void handle(int fd);

  int upstream_port_;
  mutable std::mutex mutex_;
  std::condition_variable released_cv_;
  bool released_ = false;
  Rule rule_;
  std::vector<std::string> log_;
  std::unique_ptr<TcpServer> server_;
};

// Serves `content` for every GET and remembers whether an Authorization header came along.
class BlobHost {
 public:
  explicit BlobHost(std::string content);
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  int port() const { return server_->port(); }
  int hits() const { return hits_; }
  bool saw_authorization() const { return saw_authorization_; }

 private:
  std::string content_;
  std::atomic<int> hits_{0};
  std::atomic<bool> saw_authorization_{false};
  std::unique_ptr<TcpServer> server_;
};

// Runs the wasm-bpf binary with a store, HOME and docker config inside `dir` and no
// credentials, CA or proxy settings from the outside environment.
class Cli {
 public:
  explicit Cli(const std::string& dir);
  Outcome operator()(const std::vector<std::string>& args, const std::string& input = "") const;
  EnvChanges env;
  std::string store;
};

// Pushes blobs and a manifest with the library's low-level client (for layouts `wasm-bpf push`
// does not write); returns the manifest digest.
std::string push_raw(const std::string& host, const std::string& repository,
                     const std::string& reference, const std::vector<std::string>& blobs,
                     const std::string& manifest, const std::string& media_type);

// The test module (hello.wasm: prints "hello from oci", exits 7).
std::string hello_path();
std::string hello_bytes();

}  // namespace wb::oci::test
