// SPDX-License-Identifier: MIT
// More of the test's own network plumbing, all on 127.0.0.1: an HTTP forward proxy that routes
// made-up host names to local ports (so that a registry can be reached under a name that is
// not loopback, as a remote one would be), and TLS in front of a plain local port.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fixtures.h"
#include "support.h"

namespace wb::oci::test {

// Copies bytes both ways between two sockets until either side closes.
void pump(int a, int b);

class ForwardProxy {
 public:
  // `routes`: "host:port" as the client names it -> the local port that serves it.
  explicit ForwardProxy(std::map<std::string, int> routes);
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  // "CONNECT host:port" or "GET http://host:port/path", in arrival order.
  std::vector<std::string> log() const;
  int count(const std::string& substring) const;

 private:
  void handle(int fd);

  std::map<std::string, int> routes_;
  mutable std::mutex mutex_;
  std::vector<std::string> log_;
  std::unique_ptr<TcpServer> server_;
};

class TlsFront {
 public:
  // Accepts TLS with `tls`'s server certificate (127.0.0.1, localhost) and passes the plain
  // bytes on to 127.0.0.1:upstream_port, one upstream connection per TLS connection.
  TlsFront(int upstream_port, const TlsFiles& tls);
  ~TlsFront();
  int port() const { return server_->port(); }
  std::string host() const { return "127.0.0.1:" + std::to_string(port()); }

 private:
  void handle(int fd);

  int upstream_port_;
  void* ctx_ = nullptr;  // SSL_CTX*
  std::unique_ptr<TcpServer> server_;
};

}  // namespace wb::oci::test
