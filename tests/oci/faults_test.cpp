// Transfers that go wrong, through a proxy the test controls in front of a real registry:
// corrupt blobs, connections dropped mid-blob, 503 answers, redirects to another host.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include "fixtures.h"
#include "oci/digest.h"

namespace wb::oci::test {
namespace {

using ::testing::HasSubstr;

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

}  // namespace
}  // namespace wb::oci::test
