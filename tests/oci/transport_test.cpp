// SPDX-License-Identifier: MIT
// What the registry client does not let a server make it do: follow redirects to other
// schemes or down to plain HTTP, carry a registry's TLS exceptions to other hosts, read bodies
// without end or wait on a trickle forever, download layers of any claimed size. Also proxies
// from the environment, and the hint for a plain-HTTP registry on a host that is not loopback
// (reached under made-up names through the test's own forward proxy).
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/registry_client.h"
#include "servers.h"

namespace wb::oci::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// A registry with hello pushed as tool:v1 and a fault-injecting proxy in front of it.
class Transport : public ::testing::Test {
 protected:
  void SetUp() override {
    registry = std::make_unique<Registry>(dir / "reg");
    proxy = std::make_unique<FaultProxy>(registry->port());
    const Outcome push = cli({"push", hello_path(), registry->host() + "/tool:v1"});
    ASSERT_EQ(push.status, 0) << push.err;
  }
  // The client reaches made-up hosts through `forward` (http_proxy and https_proxy).
  Cli via(const ForwardProxy& forward) const {
    Cli c = cli;
    c.env["http_proxy"] = forward.url();
    c.env["https_proxy"] = forward.url();
    return c;
  }

  const std::string module_digest = sha256_digest(hello_bytes());
  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
  std::unique_ptr<FaultProxy> proxy;
};

TEST_F(Transport, RedirectsToFileUrlsAreNotFollowed) {
  // Were the file read, its "errors" would end up in the message.
  spit(dir / "secret.json", R"({"errors":[{"code":"X","message":"local secret 4711"}]})");
  proxy->set_fault(FaultProxy::Fault::redirect, module_digest, -1,
                   "file://" + (dir / "secret.json"));
  const Outcome pull = cli({"pull", "-o", dir / "out.wasm", proxy->host() + "/tool:v1"});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("only http and https redirects are followed"));
  EXPECT_THAT(pull.err, Not(HasSubstr("4711")));
  EXPECT_FALSE(exists(dir / "out.wasm"));
}

TEST_F(Transport, RedirectsToOtherProtocolsReachNoPort) {
  std::atomic<int> connections{0};
  TcpServer listener([&](int) { ++connections; });
  proxy->set_fault(FaultProxy::Fault::redirect, module_digest, -1,
                   "dict://127.0.0.1:" + std::to_string(listener.port()) + "/info");
  const Outcome pull = cli({"pull", proxy->host() + "/tool:v1"});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("only http and https redirects are followed"));
  EXPECT_THAT(pull.err, HasSubstr("dict://127.0.0.1:"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(connections, 0);
}

TEST_F(Transport, RedirectFromHttpsToPlainHttpNeedsAnInsecureHost) {
  const TlsFiles tls = make_tls(dir.path());
  TlsFront secure(proxy->port(), tls);
  BlobHost storage(hello_bytes());
  ForwardProxy forward({{"secure.test:5000", secure.port()}, {"plain.test:8080", storage.port()}});
  proxy->set_fault(FaultProxy::Fault::redirect, module_digest, -1,
                   "http://plain.test:8080/blob?sig=1");
  const Cli c = via(forward);
  const Outcome refused = c({"pull", "--insecure-registry", "secure.test:5000", "-o",
                             dir / "a.wasm", "secure.test:5000/tool:v1"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("from HTTPS to plain HTTP"));
  EXPECT_THAT(refused.err, HasSubstr("--insecure-registry"));
  EXPECT_EQ(storage.hits(), 0);
  EXPECT_FALSE(exists(dir / "a.wasm"));

  const Outcome allowed =
      c({"pull", "--insecure-registry", "secure.test:5000", "--insecure-registry",
         "plain.test:8080", "-o", dir / "b.wasm", "secure.test:5000/tool:v1"});
  ASSERT_EQ(allowed.status, 0) << allowed.err;
  EXPECT_EQ(slurp(dir / "b.wasm"), hello_bytes());
  EXPECT_EQ(storage.hits(), 1);
}

TEST_F(Transport, TlsExceptionsOfARegistryDoNotFollowItsRedirects) {
  const TlsFiles tls = make_tls(dir.path());
  TlsFront insecure_registry(proxy->port(), tls);
  BlobHost storage(hello_bytes());
  TlsFront storage_tls(storage.port(), tls);  // a certificate the client does not trust
  proxy->set_fault(FaultProxy::Fault::redirect, module_digest, -1,
                   "https://" + storage_tls.host() + "/blob");
  const std::string ref = insecure_registry.host() + "/tool:v1";

  const Outcome untrusted = cli(
      {"pull", "--insecure-registry", insecure_registry.host(), "-o", dir / "a.wasm", ref});
  EXPECT_EQ(untrusted.status, 1);
  EXPECT_THAT(untrusted.err, HasSubstr("not trusted"));
  EXPECT_EQ(storage.hits(), 0);

  const Outcome trusted = cli({"pull", "--insecure-registry", insecure_registry.host(),
                               "--ca-file", tls.ca, "-o", dir / "b.wasm", ref});
  ASSERT_EQ(trusted.status, 0) << trusted.err;
  EXPECT_EQ(slurp(dir / "b.wasm"), hello_bytes());
  EXPECT_EQ(storage.hits(), 1);
}

TEST_F(Transport, PlainHttpRegistryElsewhereSuggestsInsecureRegistry) {
  ForwardProxy forward({{"plain.test:5000", registry->port()}});
  const Cli c = via(forward);
  const Outcome pull = c({"pull", "plain.test:5000/tool:v1"});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("TLS handshake with plain.test:5000 failed"));
  EXPECT_THAT(pull.err, HasSubstr("--insecure-registry plain.test:5000"));
}

TEST_F(Transport, ProxiesFromTheEnvironmentCarryTheRequests) {
  ForwardProxy forward({{"plain.test:5000", registry->port()}});
  const Cli c = via(forward);
  const Outcome pull = c({"pull", "--insecure-registry", "plain.test:5000", "-o", dir / "p.wasm",
                          "plain.test:5000/tool:v1"});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "p.wasm"), hello_bytes());
  // HTTPS first (a CONNECT tunnel, where the TLS handshake fails), then plain HTTP.
  EXPECT_GE(forward.count("CONNECT plain.test:5000"), 1);
  EXPECT_GE(forward.count("GET http://plain.test:5000/v2/tool/manifests/v1"), 1);
  EXPECT_GE(forward.count("GET http://plain.test:5000/v2/tool/blobs/" + module_digest), 1);

  // run takes the registry options too.
  const Outcome run = c({"run", "--insecure-registry", "plain.test:5000", "plain.test:5000/tool:v1"});
  EXPECT_EQ(run.status, 7) << run.err;
  EXPECT_EQ(run.out, "hello from oci\n");

  // Loopback registries are never reached through the proxy.
  const int before = static_cast<int>(forward.log().size());
  ASSERT_EQ(c({"pull", "-o", dir / "q.wasm", registry->host() + "/tool:v1"}).status, 0);
  EXPECT_EQ(static_cast<int>(forward.log().size()), before);
}

TEST(TokenRealm, CredentialsGoToAPlainHttpRealmOnlyWhenItIsInsecure) {
  ScratchDir dir;
  const SignerFiles signer = make_signer(dir.path());
  TokenServer tokens(signer, "issuer", "service", "bob", "builder");
  RegistryConfig config;
  config.token = RegistryConfig::Token{"http://auth.test:9999/token", "service", "issuer",
                                       signer.cert};
  Registry registry(dir / "reg", config);
  ForwardProxy forward({{"reg.test:5000", registry.port()}, {"auth.test:9999", tokens.port()}});
  Cli cli(dir.path());
  cli.env["http_proxy"] = forward.url();
  cli.env["https_proxy"] = forward.url();
  cli.env["WASM_BPF_REGISTRY_USER"] = "bob";
  cli.env["WASM_BPF_REGISTRY_PASSWORD"] = "builder";

  const Outcome refused =
      cli({"push", "--insecure-registry", "reg.test:5000", hello_path(), "reg.test:5000/t:v1"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("not sending the credentials for reg.test:5000 to its token "
                                     "server http://auth.test:9999/token over plain HTTP"));
  EXPECT_THAT(refused.err, HasSubstr("--insecure-registry"));
  for (const Request& r : tokens.log()) {
    EXPECT_EQ(r.header("authorization"), "") << "the password went out in the clear";
  }

  const Outcome allowed = cli({"push", "--insecure-registry", "reg.test:5000",
                               "--insecure-registry", "auth.test:9999", hello_path(),
                               "reg.test:5000/t:v1"});
  ASSERT_EQ(allowed.status, 0) << allowed.err;
  EXPECT_GE(forward.count("GET http://auth.test:9999/token"), 1);
}

TEST_F(Transport, LayersOverThePullSizeLimitAreNotDownloaded) {
  // A manifest that claims a 1 TiB module layer.
  RegistryClient client(registry->host(), ClientOptions{});
  auto real = client.get_manifest("tool", "v1");
  ASSERT_TRUE(real) << real.error().message;
  json manifest = json::parse(real->bytes);
  manifest["layers"][0]["size"] = 1ull << 40;
  const std::string body = manifest.dump();
  FaultProxy::Rule rule;
  rule.fault = FaultProxy::Fault::respond;
  rule.match = "/manifests/v1";
  rule.raw_response =
      response(200, "OK", {{"Content-Type", std::string(media::kOciManifest)}}, body);
  proxy->set_rule(rule);
  const Outcome huge = cli({"pull", proxy->host() + "/tool:v1"});
  EXPECT_EQ(huge.status, 1);
  EXPECT_THAT(huge.err, HasSubstr("1.0 TiB"));
  EXPECT_THAT(huge.err, HasSubstr("pull size limit of 1.0 GiB"));
  EXPECT_THAT(huge.err, HasSubstr("--max-pull-size"));
  EXPECT_EQ(proxy->count("GET", module_digest), 0);
  EXPECT_TRUE(files_under(cli.store + "/tmp").empty());

  // The limit is configurable, on the command line and in the environment.
  const std::string ref = registry->host() + "/tool:v1";
  const Outcome small = cli({"pull", "--max-pull-size", "100", "-o", dir / "s.wasm", ref});
  EXPECT_EQ(small.status, 1);
  EXPECT_THAT(small.err, HasSubstr("pull size limit of 100 B"));
  Cli env = cli;
  env.env["WASM_BPF_MAX_PULL_SIZE"] = "100";
  const Outcome from_env = env({"run", ref});
  EXPECT_EQ(from_env.status, 125);
  EXPECT_THAT(from_env.err, HasSubstr("pull size limit of 100 B"));
  const Outcome raised = env({"pull", "--max-pull-size", "1KiB", "-o", dir / "r.wasm", ref});
  ASSERT_EQ(raised.status, 0) << raised.err;
  EXPECT_EQ(slurp(dir / "r.wasm"), hello_bytes());
}

// A registry of the test's own: /v2/ answers at once, manifests as `serve_manifest` says.
class ScriptedRegistry {
 public:
  explicit ScriptedRegistry(std::function<void(int fd, const Request&)> serve_manifest)
      : serve_(std::move(serve_manifest)), server_([this](int fd) { handle(fd); }) {}
  std::string host() const { return "127.0.0.1:" + std::to_string(server_.port()); }

 private:
  void handle(int fd) {
    auto req = read_request(fd);
    if (!req) return;
    if (req->target == "/v2/") {
      write_all(fd, response(200, "OK", {{"Content-Type", "application/json"}}, "{}"));
    } else {
      serve_(fd, *req);
    }
  }
  std::function<void(int, const Request&)> serve_;
  TcpServer server_;
};

// Writes `piece` every `pause` until `total` bytes or the client leaves; returns what was sent.
std::size_t dribble(int fd, const std::string& piece, std::chrono::milliseconds pause,
                    std::size_t total) {
  std::size_t sent = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (sent < total && std::chrono::steady_clock::now() < give_up && write_all(fd, piece)) {
    sent += piece.size();
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  return sent;
}

std::string manifest_head(std::size_t length) {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(media::kOciManifest) +
         "\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

TEST(Limits, AnOversizedManifestIsCutOffAtTheLimit) {
  ScratchDir dir;
  std::atomic<std::size_t> sent{0};
  constexpr std::size_t kEndless = 256u << 20;
  ScriptedRegistry server([&](int fd, const Request&) {
    write_all(fd, manifest_head(kEndless));
    sent = dribble(fd, std::string(1 << 16, ' '), std::chrono::milliseconds(0), kEndless);
  });
  const Outcome pull = Cli(dir.path())({"pull", server.host() + "/x:v1"});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("larger than 4.0 MiB"));
  // The client hung up soon after 4 MiB (socket buffers hold a few more).
  EXPECT_TRUE(eventually([&] { return sent > 0; }, 5000));
  EXPECT_LT(sent, 64u << 20);
}

TEST(Limits, ATrickleBelowTheLowSpeedLimitIsGivenUp) {
  ScratchDir dir;
  ScriptedRegistry server([&](int fd, const Request&) {
    write_all(fd, manifest_head(1 << 20));
    dribble(fd, "x", std::chrono::milliseconds(100), 1 << 20);  // 10 bytes/s
  });
  Cli cli(dir.path());
  cli.env["WASM_BPF_LOW_SPEED_LIMIT"] = "100";
  cli.env["WASM_BPF_LOW_SPEED_TIME"] = "2";
  const Outcome pull = run(WB_CLI_BINARY, {"pull", server.host() + "/x:v1"}, cli.env, "", 20000);
  EXPECT_EQ(pull.status, 1) << pull.err;
  EXPECT_THAT(pull.err, HasSubstr("is too slow"));
  EXPECT_THAT(pull.err, HasSubstr("WASM_BPF_LOW_SPEED_LIMIT"));
}

TEST(Limits, AnEndlessRequestRunsIntoTheRequestTimeout) {
  ScratchDir dir;
  ScriptedRegistry server([&](int fd, const Request&) {
    write_all(fd, manifest_head(1 << 30));
    dribble(fd, std::string(4096, ' '), std::chrono::milliseconds(100), 1 << 30);  // 40 KiB/s
  });
  Cli cli(dir.path());
  cli.env["WASM_BPF_REQUEST_TIMEOUT"] = "2";
  const Outcome pull = run(WB_CLI_BINARY, {"pull", server.host() + "/x:v1"}, cli.env, "", 20000);
  EXPECT_EQ(pull.status, 1) << pull.err;
  EXPECT_THAT(pull.err, HasSubstr("is too slow"));
  EXPECT_THAT(pull.err, HasSubstr("WASM_BPF_REQUEST_TIMEOUT"));
}

TEST(Limits, UnusableLimitsInTheEnvironmentAreReported) {
  ScratchDir dir;
  Cli cli(dir.path());
  cli.env["WASM_BPF_MAX_PULL_SIZE"] = "lots";
  cli.env["WASM_BPF_LOW_SPEED_TIME"] = "-1";
  const Outcome r = cli({"run", "--pull", "never", "127.0.0.1:1/x:v1"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("WASM_BPF_MAX_PULL_SIZE='lots' is not a size"));
  EXPECT_THAT(r.err, HasSubstr("WASM_BPF_LOW_SPEED_TIME='-1' is not a positive number"));
}

}  // namespace
}  // namespace wb::oci::test
