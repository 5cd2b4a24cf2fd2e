// SPDX-License-Identifier: MIT
#include "fixtures.h"

#include <filesystem>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/encoding.h"
#include "oci/registry_client.h"

namespace wb::oci::test {
namespace {

void must(const Outcome& o, const std::string& what) {
  if (o.status != 0) throw std::runtime_error(what + " failed: " + o.err);
}

std::string base64url(std::string_view data) {
  std::string s = base64_encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

}  // namespace

TlsFiles make_tls(const std::string& dir) {
  TlsFiles f{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key"};
  must(run("openssl", {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                       "-nodes", "-keyout", dir + "/ca.key", "-out", f.ca, "-days", "2", "-subj",
                       "/CN=wasm-bpf test CA"}),
       "openssl (CA)");
  must(run("openssl", {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", f.key, "-out", dir + "/server.csr", "-subj", "/CN=127.0.0.1"}),
       "openssl (server key)");
  spit(dir + "/ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  must(run("openssl",
           {"x509", "-req", "-in", dir + "/server.csr", "-CA", f.ca, "-CAkey", dir + "/ca.key",
            "-CAcreateserial", "-out", f.cert, "-days", "2", "-extfile", dir + "/ext.cnf"}),
       "openssl (server certificate)");
  return f;
}

SignerFiles make_signer(const std::string& dir) {
  SignerFiles f{dir + "/signer.pem", dir + "/signer.key"};
  must(run("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f.key, "-out",
                       f.cert, "-days", "2", "-subj", "/CN=wasm-bpf test token signer"}),
       "openssl (token signer)");
  return f;
}

std::string make_htpasswd(const std::string& dir, const std::string& user,
                          const std::string& password) {
  const Outcome o = run("htpasswd", {"-Bbn", user, password});
  must(o, "htpasswd");
  spit(dir + "/htpasswd", o.out);
  return dir + "/htpasswd";
}

Registry::Registry(const std::string& dir, RegistryConfig config) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    std::ostringstream y;
    y << "version: 0.1\n"
      << "log:\n  level: error\n  accesslog:\n    disabled: true\n"
      << "storage:\n  filesystem:\n    rootdirectory: " << dir << "/registry-data\n"
      << "  delete:\n    enabled: true\n"
      << "http:\n  addr: 127.0.0.1:" << port_ << "\n";
    if (config.relative_urls) y << "  relativeurls: true\n";
    if (config.tls)
      y << "  tls:\n    certificate: " << config.tls->cert << "\n    key: " << config.tls->key
        << "\n";
    if (!config.htpasswd.empty()) {
      y << "auth:\n  htpasswd:\n    realm: wasm-bpf-test\n    path: " << config.htpasswd << "\n";
    } else if (config.token) {
      y << "auth:\n  token:\n    realm: " << config.token->realm
        << "\n    service: " << config.token->service << "\n    issuer: " << config.token->issuer
        << "\n    rootcertbundle: " << config.token->rootcertbundle << "\n";
    }
    const std::string config_path = dir + "/registry.yml";
    spit(config_path, y.str());
    log_ = dir + "/registry.log";
    child_ = std::make_unique<Child>("docker-registry",
                                     std::vector<std::string>{"serve", config_path}, log_);
    if (wait_for_port(port_, 10000) && child_->running()) return;
    child_.reset();
  }
  throw std::runtime_error("docker-registry did not start: " + slurp(log_));
}

Containerd::Containerd(const std::string& dir) {
  std::filesystem::create_directories(dir);
  socket_ = dir + "/containerd.sock";
  std::ostringstream c;
  c << "version = 2\n"
    << "root = \"" << dir << "/root\"\n"
    << "state = \"" << dir << "/state\"\n"
    << "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
    << "[grpc]\n  address = \"" << socket_ << "\"\n"
    << "[ttrpc]\n  address = \"" << socket_ << ".ttrpc\"\n";
  spit(dir + "/config.toml", c.str());
  const std::string log = dir + "/containerd.log";
  child_ = std::make_unique<Child>("containerd", std::vector<std::string>{"--config", dir + "/config.toml"}, log);
  ok_ = eventually([&] { return ctr({"version"}, 5000).status == 0 || !child_->running(); }, 20000) &&
        child_->running();
  if (!ok_) error_ = "containerd did not start: " + slurp(log);
}

Outcome Containerd::ctr(const std::vector<std::string>& args, int timeout_ms) const {
  std::vector<std::string> all = {"-a", socket_, "-n", "test"};
  all.insert(all.end(), args.begin(), args.end());
  return run("ctr", all, {}, "", timeout_ms);
}

TokenServer::TokenServer(SignerFiles signer, std::string issuer, std::string service,
                         std::string user, std::string password)
    : signer_(std::move(signer)),
      issuer_(std::move(issuer)),
      service_(std::move(service)),
      user_(std::move(user)),
      password_(std::move(password)) {
  FILE* f = std::fopen(signer_.cert.c_str(), "r");
  if (f == nullptr) throw std::runtime_error("cannot open " + signer_.cert);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) throw std::runtime_error("cannot parse " + signer_.cert);
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  cert_der_b64_ =
      base64_encode(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  X509_free(cert);
  server_ = std::make_unique<TcpServer>([this](int fd) { handle(fd); });
}

std::string TokenServer::sign(const std::string& subject,
                              const std::vector<std::string>& scopes) const {
  nlohmann::json access = nlohmann::json::array();
  for (const std::string& scope : scopes) {
    // repository:<name>:<actions>
    const auto first = scope.find(':');
    const auto last = scope.rfind(':');
    if (first == std::string::npos || last == first) continue;
    nlohmann::json actions = nlohmann::json::array();
    std::istringstream a(scope.substr(last + 1));
    std::string action;
    while (std::getline(a, action, ',')) actions.push_back(action);
    access.push_back({{"type", scope.substr(0, first)},
                      {"name", scope.substr(first + 1, last - first - 1)},
                      {"actions", actions}});
  }
  const long now = static_cast<long>(std::time(nullptr));
  const nlohmann::json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", {cert_der_b64_}}};
  const nlohmann::json claims = {
      {"iss", issuer_},
      {"sub", subject},
      {"aud", service_},
      {"exp", now + 300},
      {"nbf", now - 10},
      {"iat", now},
      {"jti", std::to_string(now) + "-" + std::to_string(requests_.load())},
      {"access", access}};
  const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
  FILE* f = std::fopen(signer_.key.c_str(), "r");
  EVP_PKEY* key = f != nullptr ? PEM_read_PrivateKey(f, nullptr, nullptr, nullptr) : nullptr;
  if (f != nullptr) std::fclose(f);
  if (key == nullptr) throw std::runtime_error("cannot read " + signer_.key);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t sig_len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx, nullptr, &sig_len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(sig_len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(sig_len);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return input + "." + base64url(sig);
}

void TokenServer::set_answer(std::string body_template) {
  std::lock_guard<std::mutex> lock(mutex_);
  answer_ = std::move(body_template);
}

void TokenServer::set_refresh_token(std::string token) {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_token_ = std::move(token);
}

std::vector<Request> TokenServer::log() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return log_;
}

void TokenServer::handle(int fd) {
  auto req = read_request(fd);
  if (!req) return;
  ++requests_;
  std::string answer, refresh;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.push_back(*req);
    answer = answer_;
    refresh = refresh_token_;
  }
  if (req->target.rfind("/token", 0) != 0) {
    write_all(fd, response(404, "Not Found", {}, ""));
    return;
  }
  auto refuse = [&] {
    write_all(fd, response(401, "Unauthorized", {{"Content-Type", "application/json"}},
                           R"({"details":"invalid username or password"})"));
  };
  std::string subject;  // anonymous
  std::vector<std::string> scopes = query_params(req->target, "scope");
  if (req->method == "POST") {
    // OAuth2: grant_type=refresh_token&refresh_token=...&service=...&scope=...
    const std::string form = "?" + req->body;
    if (query_param(form, "grant_type") != "refresh_token" || refresh.empty() ||
        query_param(form, "refresh_token") != refresh) {
      refuse();
      return;
    }
    subject = user_;
    scopes = query_params(form, "scope");
  } else if (const std::string auth = req->header("authorization"); !auth.empty()) {
    auto decoded = auth.rfind("Basic ", 0) == 0 ? base64_decode(auth.substr(6)) : std::nullopt;
    if (!decoded || *decoded != user_ + ":" + password_) {
      refuse();
      return;
    }
    subject = user_;
  }
  // Anonymous clients get a token without access; the registry then refuses them.
  const std::string token =
      sign(subject, subject.empty() ? std::vector<std::string>{} : scopes);
  std::string body;
  if (answer.empty()) {
    body = nlohmann::json{{"token", token}, {"access_token", token}, {"expires_in", 300}}.dump();
  } else {
    body = answer;
    for (std::size_t at; (at = body.find("{TOKEN}")) != std::string::npos;) {
      body.replace(at, 7, token);
    }
  }
  write_all(fd, response(200, "OK", {{"Content-Type", "application/json"}}, body));
}

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
  server_ = std::make_unique<TcpServer>([this](int fd) { handle(fd); });
}

void FaultProxy::set_fault(Fault fault, std::string match, int times, std::string location) {
  Rule rule;
  rule.fault = fault;
  rule.match = std::move(match);
  rule.times = times;
  rule.location = std::move(location);
  set_rule(std::move(rule));
}

void FaultProxy::set_rule(Rule rule) {
  std::lock_guard<std::mutex> lock(mutex_);
  rule_ = std::move(rule);
}

void FaultProxy::release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    if (rule_.fault == Fault::hold) rule_.fault = Fault::none;
  }
  released_cv_.notify_all();
}

std::vector<std::string> FaultProxy::log() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return log_;
}

int FaultProxy::count(const std::string& method, const std::string& match) const {
  int n = 0;
  for (const std::string& line : log()) {
    if (line.rfind(method + " ", 0) == 0 && line.find(match) != std::string::npos) ++n;
  }
  return n;
}

void FaultProxy::handle(int fd) {
  auto req = read_request(fd);
  if (!req) return;
  Rule rule;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    log_.push_back(req->method + " " + req->target);
    if (rule_.fault != Fault::none && req->method == rule_.method &&
        req->target.find(rule_.match) != std::string::npos && rule_.times != 0) {
      rule = rule_;
      if (rule_.times > 0) --rule_.times;
    }
    if (rule.fault == Fault::hold) {
      released_cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; });
    }
  }
  if (rule.fault == Fault::fail_503) {
    write_all(fd, response(503, "Service Unavailable", {}, ""));
    return;
  }
  if (rule.fault == Fault::redirect) {
    write_all(fd, response(307, "Temporary Redirect", {{"Location", rule.location}}, ""));
    return;
  }
  if (rule.fault == Fault::respond) {
    write_all(fd, rule.raw_response);
    return;
  }
  // Forward, asking the registry to close the connection after its answer.
  std::string head = req->method + " " + req->target + " HTTP/1.1\r\n";
  for (const auto& [k, v] : req->headers) {
    if (k != "connection") head += k + ": " + v + "\r\n";
  }
  head += "connection: close\r\n\r\n";
  const int up = connect_local(upstream_port_);
  if (up < 0) return;
  write_all(up, head + req->body);
  std::string answer;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(up, buf, sizeof buf);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(up);
  const auto body_at = answer.find("\r\n\r\n");
  const bool ok = answer.rfind("HTTP/1.1 200", 0) == 0 && body_at != std::string::npos &&
                  body_at + 4 < answer.size();
  if (rule.fault == Fault::corrupt && ok) {
    answer.back() = static_cast<char>(answer.back() ^ 0x5a);
  } else if (rule.fault == Fault::drop && ok) {
    const std::size_t body = answer.size() - (body_at + 4);
    answer.resize(body_at + 4 + body / 2);  // half the body, then the connection closes
  } else if (rule.fault == Fault::trickle) {
    // Until the client goes away (a write fails) or the answer is through.
    for (std::size_t at = 0; at < answer.size(); at += 16384) {
      if (!write_all(fd, answer.substr(at, 16384))) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return;
  }
  write_all(fd, answer);
}

BlobHost::BlobHost(std::string content) : content_(std::move(content)) {
  server_ = std::make_unique<TcpServer>([this](int fd) {
    auto req = read_request(fd);
    if (!req) return;
    ++hits_;
    if (!req->header("authorization").empty()) saw_authorization_ = true;
    write_all(fd, response(200, "OK", {{"Content-Type", "application/octet-stream"}}, content_));
  });
}

Cli::Cli(const std::string& dir) {
  store = dir + "/store";
  env = {{"WASM_BPF_STORE", store},
         {"HOME", dir + "/home"},
         {"DOCKER_CONFIG", dir + "/docker"},
         {"XDG_RUNTIME_DIR", std::nullopt},
         {"XDG_DATA_HOME", std::nullopt},
         {"REGISTRY_AUTH_FILE", std::nullopt},
         {"WASM_BPF_REGISTRY", std::nullopt},
         {"WASM_BPF_REGISTRY_USER", std::nullopt},
         {"WASM_BPF_REGISTRY_PASSWORD", std::nullopt},
         {"WASM_BPF_CA_FILE", std::nullopt},
         {"WASM_BPF_INSECURE_REGISTRIES", std::nullopt},
         {"WASM_BPF_UPLOAD_CHUNK_SIZE", std::nullopt},
         {"http_proxy", std::nullopt},
         {"https_proxy", std::nullopt},
         {"HTTP_PROXY", std::nullopt},
         {"HTTPS_PROXY", std::nullopt},
         {"ALL_PROXY", std::nullopt},
         {"all_proxy", std::nullopt},
         {"no_proxy", std::nullopt},
         {"NO_PROXY", std::nullopt},
         {"WASM_BPF_MAX_PULL_SIZE", std::nullopt},
         {"WASM_BPF_LOW_SPEED_LIMIT", std::nullopt},
         {"WASM_BPF_LOW_SPEED_TIME", std::nullopt},
         {"WASM_BPF_REQUEST_TIMEOUT", std::nullopt},
         {"TMPDIR", dir}};
}

Outcome Cli::operator()(const std::vector<std::string>& args, const std::string& input) const {
  return run(WB_CLI_BINARY, args, env, input);
}

std::string push_raw(const std::string& host, const std::string& repository,
                     const std::string& reference, const std::vector<std::string>& blobs,
                     const std::string& manifest, const std::string& media_type) {
  ClientOptions options;
  options.retry_base = std::chrono::milliseconds(10);
  RegistryClient client(host, options);
  client.enable_push();
  for (const std::string& blob : blobs) {
    auto r = client.upload_blob(repository, sha256_digest(blob), blob);
    if (!r) throw std::runtime_error(r.error().message);
  }
  auto digest = client.put_manifest(repository, reference, media_type, manifest);
  if (!digest) throw std::runtime_error(digest.error().message);
  return *digest;
}

std::string hello_path() { return WB_OCI_TEST_MODULE; }
std::string hello_bytes() { return slurp(hello_path()); }

}  // namespace wb::oci::test
