// SPDX-License-Identifier: MIT
#include "servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace wb::oci::test {

void pump(int a, int b) {
  char buf[16384];
  for (;;) {
    pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    if (poll(p, 2, 30000) <= 0) return;
    for (int i = 0; i < 2; ++i) {
      if (p[i].revents == 0) continue;
      const ssize_t n = ::read(p[i].fd, buf, sizeof buf);
      if (n <= 0 || !write_all(p[1 - i].fd, std::string(buf, static_cast<std::size_t>(n)))) return;
    }
  }
}

ForwardProxy::ForwardProxy(std::map<std::string, int> routes) : routes_(std::move(routes)) {
  server_ = std::make_unique<TcpServer>([this](int fd) { handle(fd); });
}

std::vector<std::string> ForwardProxy::log() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return log_;
}

int ForwardProxy::count(const std::string& substring) const {
  int n = 0;
  for (const std::string& line : log()) n += line.find(substring) != std::string::npos ? 1 : 0;
  return n;
}

void ForwardProxy::handle(int fd) {
  auto req = read_request(fd);
  if (!req) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.push_back(req->method + " " + req->target);
  }
  std::string authority = req->target;
  std::string path = "/";
  if (req->method != "CONNECT") {
    // Absolute form: http://host:port/path
    if (authority.rfind("http://", 0) != 0) {
      write_all(fd, response(400, "Bad Request", {}, "not a proxy request"));
      return;
    }
    authority = authority.substr(7);
    const auto slash = authority.find('/');
    if (slash != std::string::npos) {
      path = authority.substr(slash);
      authority = authority.substr(0, slash);
    }
  }
  auto route = routes_.find(authority);
  const int up = route == routes_.end() ? -1 : connect_local(route->second);
  if (up < 0) {
    write_all(fd, response(502, "Bad Gateway", {}, "no route to " + authority));
    return;
  }
  if (req->method == "CONNECT") {
    write_all(fd, "HTTP/1.1 200 Connection established\r\n\r\n");
    pump(fd, up);
    ::close(up);
    return;
  }
  std::string head = req->method + " " + path + " HTTP/1.1\r\n";
  for (const auto& [k, v] : req->headers) {
    if (k != "connection" && k != "proxy-connection") head += k + ": " + v + "\r\n";
  }
  head += "connection: close\r\n\r\n";
  write_all(up, head + req->body);
  pump(fd, up);
  ::close(up);
}

TlsFront::TlsFront(int upstream_port, const TlsFiles& tls) : upstream_port_(upstream_port) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr || SSL_CTX_use_certificate_chain_file(ctx, tls.cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, tls.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ctx != nullptr) SSL_CTX_free(ctx);
    throw std::runtime_error("cannot set up TLS with " + tls.cert);
  }
  ctx_ = ctx;
  server_ = std::make_unique<TcpServer>([this](int fd) { handle(fd); });
}

TlsFront::~TlsFront() {
  server_.reset();  // joins the connections before the context goes
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

void TlsFront::handle(int fd) {
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
  SSL_set_fd(ssl, fd);
  const int up = SSL_accept(ssl) == 1 ? connect_local(upstream_port_) : -1;
  if (up >= 0) {
    char buf[16384];
    bool open = true;
    while (open) {
      pollfd p[2] = {{fd, POLLIN, 0}, {up, POLLIN, 0}};
      if (SSL_pending(ssl) == 0 && poll(p, 2, 30000) <= 0) break;
      if (SSL_pending(ssl) > 0 || p[0].revents != 0) {
        const int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) {
          const int e = SSL_get_error(ssl, n);
          if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) continue;
          break;
        }
        open = write_all(up, std::string(buf, static_cast<std::size_t>(n)));
      }
      if (open && p[1].revents != 0) {
        const ssize_t n = ::read(up, buf, sizeof buf);
        open = n > 0 && SSL_write(ssl, buf, static_cast<int>(n)) == static_cast<int>(n);
      }
    }
    ::close(up);
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  ERR_clear_error();
}

}  // namespace wb::oci::test
