// SPDX-License-Identifier: MIT
// Transfers that go wrong, through a proxy the test controls in front of a real registry:
// corrupt blobs, connections dropped mid-blob, 503 answers, redirects to another host.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include "fixtures.h"
#include "oci/digest.h"

namespace wb::oci::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    registry = std::make_unique<Registry>(dir / "reg", config());
    proxy = std::make_unique<FaultProxy>(registry->port());
    const Outcome push = cli({"push", hello_path(), registry->host() + "/tool:v1"});
    ASSERT_EQ(push.status, 0) << push.err;
  }
  virtual RegistryConfig config() { return {}; }

  std::string via_proxy() const { return proxy->host() + "/tool:v1"; }
  const std::string module_digest = sha256_digest(hello_bytes());

  // Nothing of a failed pull may remain: no index entry, no blob, no temporary file, no output.
  void expect_nothing_left() const {
    for (const std::string& f : files_under(cli.store)) {
      EXPECT_TRUE(f == "oci-layout" || f == "index.json" || f == "index.json.lock")
          << "left in the store: " << f;
    }
    if (exists(cli.store + "/index.json")) {
      EXPECT_EQ(slurp(cli.store + "/index.json").find("tool"), std::string::npos);
    }
    EXPECT_FALSE(exists(dir / "out.wasm"));
    for (const std::string& f : files_under(dir.path())) {
      EXPECT_EQ(f.find("wasm-bpf-pull-"), std::string::npos) << f;
      EXPECT_EQ(f.find(".tmp-"), std::string::npos) << f;
    }
  }

  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
  std::unique_ptr<FaultProxy> proxy;
};

TEST_F(Faults, CorruptBlobIsRejectedAndNothingIsWritten) {
  proxy->set_fault(FaultProxy::Fault::corrupt, module_digest);
  const Outcome pull = cli({"pull", via_proxy()});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("blob " + module_digest));
  EXPECT_THAT(pull.err, HasSubstr("corrupt"));
  const Outcome to_file = cli({"pull", "-o", dir / "out.wasm", via_proxy()});
  EXPECT_EQ(to_file.status, 1);
  EXPECT_THAT(to_file.err, HasSubstr("corrupt"));
  const Outcome run = cli({"run", via_proxy()});
  EXPECT_EQ(run.status, 125);
  EXPECT_THAT(run.err, HasSubstr("corrupt"));
  expect_nothing_left();
}

TEST_F(Faults, InterruptedDownloadLeavesNoPartialFile) {
  proxy->set_fault(FaultProxy::Fault::drop, module_digest);
  const Outcome pull = cli({"pull", via_proxy()});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("cannot download blob " + module_digest));
  EXPECT_THAT(pull.err, HasSubstr("connection"));
  EXPECT_EQ(proxy->count("GET", module_digest), 4);  // tried, then retried three times
  const Outcome to_file = cli({"pull", "-o", dir / "out.wasm", via_proxy()});
  EXPECT_EQ(to_file.status, 1);
  expect_nothing_left();
}

TEST_F(Faults, DroppedConnectionIsRetried) {
  proxy->set_fault(FaultProxy::Fault::drop, module_digest, 1);
  const Outcome pull = cli({"pull", "-o", dir / "ok.wasm", via_proxy()});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "ok.wasm"), hello_bytes());
  EXPECT_EQ(proxy->count("GET", module_digest), 2);
}

TEST_F(Faults, ServiceUnavailableIsRetriedWithBackoff) {
  proxy->set_fault(FaultProxy::Fault::fail_503, module_digest, 2);
  const Outcome pull = cli({"pull", via_proxy()});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(proxy->count("GET", module_digest), 3);
  const Outcome run = cli({"run", "--pull", "never", via_proxy()});
  EXPECT_EQ(run.status, 7) << run.err;
}

TEST_F(Faults, PersistentServerErrorsAreReported) {
  proxy->set_fault(FaultProxy::Fault::fail_503, "/manifests/");
  const Outcome pull = cli({"pull", via_proxy()});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("HTTP 503"));
  EXPECT_THAT(pull.err, HasSubstr(proxy->host()));
}

TEST_F(Faults, UploadsAreRetriedAfterServerErrors) {
  FaultProxy::Rule rule;
  rule.fault = FaultProxy::Fault::fail_503;
  rule.method = "PUT";
  rule.match = "/v2/up/blobs/uploads/";
  rule.times = 1;
  proxy->set_rule(rule);
  const Outcome push = cli({"push", hello_path(), proxy->host() + "/up:v1"});
  ASSERT_EQ(push.status, 0) << push.err;
  // The module's upload failed once and started over; then the config's went through.
  EXPECT_EQ(proxy->count("POST", "/v2/up/blobs/uploads/"), 3);
  EXPECT_EQ(proxy->count("PUT", "/v2/up/blobs/uploads/"), 3);
  const Outcome pull = cli({"pull", "-o", dir / "up.wasm", proxy->host() + "/up:v1"});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "up.wasm"), hello_bytes());

  rule.times = -1;  // for good
  proxy->set_rule(rule);
  const std::string other = dir / "other.wasm";
  spit(other, hello_bytes() + std::string("\0\x02\x01x", 4));  // another module: a custom section more
  const int before = proxy->count("POST", "/v2/up/blobs/uploads/");
  const Outcome failing = cli({"push", other, proxy->host() + "/up:v3"});
  EXPECT_EQ(failing.status, 1);
  EXPECT_THAT(failing.err, HasSubstr("HTTP 503"));
  EXPECT_EQ(proxy->count("POST", "/v2/up/blobs/uploads/") - before, 4);  // tried four times
}

TEST_F(Faults, ErrorBodiesOfTheWrongTypeAreReadAsFarAsTheyMakeSense) {
  FaultProxy::Rule rule;
  rule.fault = FaultProxy::Fault::respond;
  rule.match = "/manifests/";
  rule.raw_response = response(404, "Not Found", {{"Content-Type", "application/json"}},
                               R"({"errors":[{"code":404,"message":null,"detail":{}},)"
                               R"({"code":["x"],"message":7},null,{"code":"GONE"}]})");
  proxy->set_rule(rule);
  const Outcome pull = cli({"pull", via_proxy()});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("not found (404; 7; GONE)"));
  EXPECT_THAT(pull.err, Not(HasSubstr("type_error")));

  // Manifests and indexes whose fields have the wrong types.
  const std::vector<std::pair<std::string, std::string>> documents = {
      {R"({"schemaVersion":2,"config":null,"layers":[]})", "config is not a JSON object"},
      {R"({"schemaVersion":2,"mediaType":5,"config":{"digest":7,"size":2},"layers":[]})",
       "config has a digest that is not a string"},
      {R"({"schemaVersion":2,"config":{"digest":"sha256:)" + std::string(64, 'a') +
           R"(","size":"2"},"layers":[]})",
       "has no valid size"},
      {R"({"schemaVersion":2,"manifests":[{"digest":null,"size":1,"platform":"wasm"}]})",
       "index entry 0 has no digest"},
      {R"({"schemaVersion":"2","config":{},"layers":{}})", "not a schema version 2 manifest"},
  };
  for (const auto& [document, message] : documents) {
    rule.raw_response = response(200, "OK", {}, document);
    proxy->set_rule(rule);
    const Outcome bad = cli({"pull", via_proxy()});
    EXPECT_EQ(bad.status, 1) << document;
    EXPECT_THAT(bad.err, HasSubstr(message)) << document;
    EXPECT_THAT(bad.err, Not(HasSubstr("type_error"))) << document;
  }
}

class AuthFaults : public Faults {
 protected:
  RegistryConfig config() override {
    RegistryConfig c;
    c.htpasswd = make_htpasswd(dir.path(), "alice", "wonderland");
    return c;
  }
  void SetUp() override {
    cli.env["WASM_BPF_REGISTRY_USER"] = "alice";
    cli.env["WASM_BPF_REGISTRY_PASSWORD"] = "wonderland";
    Faults::SetUp();
  }
};

TEST_F(AuthFaults, RedirectToAnotherHostDropsTheAuthorizationHeader) {
  BlobHost storage(hello_bytes());
  proxy->set_fault(FaultProxy::Fault::redirect, module_digest, -1,
                   storage.url("/storage/blob?sig=abc"));
  const Outcome pull = cli({"pull", "-o", dir / "r.wasm", via_proxy()});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "r.wasm"), hello_bytes());
  EXPECT_EQ(storage.hits(), 1);
  EXPECT_FALSE(storage.saw_authorization());
}

TEST_F(AuthFaults, UploadLocationOnAnotherHostGetsNoCredentials) {
  // A module the registry does not have yet (an empty module with its own custom section),
  // so that push uploads it; the registry sends the upload to a storage host elsewhere.
  const std::string module("\0asm\x01\0\0\0\0\x09\x08upload-x", 19);
  spit(dir / "fresh.wasm", module);
  BlobHost storage("");
  FaultProxy::Rule rule;
  rule.fault = FaultProxy::Fault::respond;
  rule.method = "POST";
  rule.match = "/blobs/uploads/";
  rule.raw_response = "HTTP/1.1 202 Accepted\r\nLocation: " + storage.url("/upload?sig=1") +
                      "\r\nContent-Length: 0\r\n\r\n";
  proxy->set_rule(rule);
  const Outcome push = cli({"push", dir / "fresh.wasm", via_proxy()});
  // The storage host is not a registry, so the push may fail after the upload; what matters
  // is that the registry's credentials never reached it.
  EXPECT_GE(storage.hits(), 1) << push.err;
  EXPECT_FALSE(storage.saw_authorization());
}

}  // namespace
}  // namespace wb::oci::test
