// SPDX-License-Identifier: MIT
// Examples run from a registry reference, as users run them on other machines: pushed to a
// real docker-registry on 127.0.0.1, then `wasm-bpf run REF`. Loading BPF programs needs root:
// the tests skip otherwise.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include "fixtures.h"
#include "oci/registry_client.h"

namespace wb::oci::test {
namespace {

using ::testing::HasSubstr;

class FromRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    registry = std::make_unique<Registry>(dir / "reg");
  }
  void require_root() {
    if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
  }
  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
};

// argv[0] of a module run by reference is the reference: there is no directory next to it
// where uprobe-target could be, so the example asks for the binary, and traces it when given.
TEST_F(FromRegistry, UprobeAsksForItsBinaryAndTracesTheOneGiven) {
  require_root();
  if (IsSkipped()) return;
  const std::string ref = registry->host() + "/uprobe:v1";
  const Outcome push = cli({"push", std::string(WB_EXAMPLES_DIR) + "/uprobe/uprobe.wasm", ref});
  ASSERT_EQ(push.status, 0) << push.err;

  const Outcome bare = cli({"run", ref});
  EXPECT_EQ(bare.status, 2) << bare.err;
  EXPECT_THAT(bare.err, HasSubstr("is not a module file, so there is no uprobe-target next to it"));
  EXPECT_THAT(bare.err, HasSubstr("wasm-bpf run " + ref + " [-c COUNT] /path/to/uprobe-target"));

  Background traced(WB_CLI_BINARY, {"run", "--timeout", "20s", ref, "-c", "4", WB_UPROBE_TARGET}, cli.env,
                    dir.path());
  // Call the target until the tracer has seen two calls (four events) and exits.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (traced.running() && std::chrono::steady_clock::now() < deadline) {
    const Outcome call = run(WB_UPROBE_TARGET, {"5", "3"});
    ASSERT_EQ(call.status, 0) << call.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const Outcome r = traced.wait(5000);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("uprobed_add(5, 3) called"));
  EXPECT_THAT(r.out, HasSubstr("uprobed_sub returned 2"));
}

// `inspect` shows what a module's BPF side would do before it is run, for a file and for a
// reference (downloaded for that, not stored), and what the default policy refuses.
TEST_F(FromRegistry, InspectShowsTheBpfSideAndWhatThePolicyRefuses) {
  const std::string xdp = std::string(WB_EXAMPLES_DIR) + "/xdp/xdp.wasm";
  const Outcome file = cli({"inspect", "--format", "json", xdp});
  ASSERT_EQ(file.status, 0) << file.err;
  const auto f = nlohmann::json::parse(file.out);
  ASSERT_EQ(f["bpf"].size(), 1u) << file.out;
  const auto& obj = f["bpf"][0];
  EXPECT_EQ(obj["programs"][0]["type"], "xdp") << file.out;
  EXPECT_EQ(obj["policy"]["runWith"], nlohmann::json::array({"--allow-program xdp"})) << file.out;
  bool ringbuf = false;
  for (const auto& m : obj["maps"]) ringbuf = ringbuf || m["type"] == "ringbuf";
  EXPECT_TRUE(ringbuf) << file.out;
  EXPECT_EQ(obj["license"], "Dual BSD/GPL") << file.out;
  bool load_import = false;
  for (const auto& i : f["imports"]) load_import = load_import || (i["module"] == "wasm_bpf" && i["name"] == "wasm_load_bpf_object");
  EXPECT_TRUE(load_import) << file.out;

  // The same facts as text, the default.
  const Outcome text = cli({"inspect", xdp});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Module  " + xdp + "\n")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("\n  wasm_bpf: ")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("wasm_load_bpf_object,")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("  License       Dual BSD/GPL\n")) << text.out;
  EXPECT_TRUE(std::regex_search(text.out, std::regex("    PROGRAM +TYPE +ATTACH POINT \\(SECTION\\)\n    [a-z_]+ +xdp +xdp\n")))
      << text.out;
  EXPECT_TRUE(std::regex_search(text.out, std::regex("\n    [a-z_]+ +ringbuf +0 +0 +[0-9]+ +[0-9.]+ [KM]iB\n"))) << text.out;
  EXPECT_THAT(text.out, HasSubstr("    run it with: --allow-program xdp\n")) << text.out;
  EXPECT_EQ(cli({"inspect", "--format", "yaml", xdp}).status, 2);

  const Outcome boot = cli({"inspect", "--format", "json", std::string(WB_EXAMPLES_DIR) + "/bootstrap/bootstrap.wasm"});
  ASSERT_EQ(boot.status, 0) << boot.err;
  const auto b = nlohmann::json::parse(boot.out);
  EXPECT_TRUE(b["bpf"][0]["policy"]["refusedByDefault"].empty()) << "observability runs with no flag\n" << boot.out;
  const Outcome boot_text = cli({"inspect", std::string(WB_EXAMPLES_DIR) + "/bootstrap/bootstrap.wasm"});
  EXPECT_THAT(boot_text.out, HasSubstr("  Policy: runs with no --allow flag\n")) << boot_text.out;
  EXPECT_THAT(boot_text.out, HasSubstr("    handle_exec  tracepoint  tp/sched/sched_process_exec\n")) << boot_text.out;

  const std::string ref = registry->host() + "/xdp:v1";
  ASSERT_EQ(cli({"push", xdp, ref}).status, 0);
  const Outcome remote = cli({"inspect", "--format", "json", ref});
  ASSERT_EQ(remote.status, 0) << remote.err;
  const auto r = nlohmann::json::parse(remote.out);
  EXPECT_EQ(r["source"], "registry");
  EXPECT_EQ(r["bpf"][0]["policy"]["runWith"], nlohmann::json::array({"--allow-program xdp"})) << remote.out;
  EXPECT_TRUE(files_under(cli.store + "/blobs").empty()) << "inspect must not store the module";
}

// An image records the architecture its BPF programs were built for when they depend on one
// (uprobe reads registers; bootstrap uses tracepoints only).
TEST_F(FromRegistry, ImagesRecordTheBpfArchitecture) {
  auto manifest_of = [&](const std::string& repo) {
    RegistryClient client(registry->host(), ClientOptions{});
    auto m = client.get_manifest(repo, "v1");
    EXPECT_TRUE(m) << (m ? "" : m.error().message);
    return m ? nlohmann::json::parse(m->bytes) : nlohmann::json();
  };
  ASSERT_EQ(cli({"push", "--format", "image", std::string(WB_EXAMPLES_DIR) + "/uprobe/uprobe.wasm",
                 registry->host() + "/uprobe:v1"})
                .status,
            0);
  EXPECT_EQ(manifest_of("uprobe")["annotations"]["io.wasm-bpf.bpf-arch"], "x86");
  ASSERT_EQ(cli({"push", "--format", "image", std::string(WB_EXAMPLES_DIR) + "/bootstrap/bootstrap.wasm",
                 registry->host() + "/bootstrap:v1"})
                .status,
            0);
  EXPECT_FALSE(manifest_of("bootstrap")["annotations"].contains("io.wasm-bpf.bpf-arch"));
}

}  // namespace
}  // namespace wb::oci::test
