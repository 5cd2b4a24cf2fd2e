// SPDX-License-Identifier: MIT
// What deploy/ ships: the Kubernetes manifests (parsed offline, and checked for what running
// eBPF modules needs), and the wasm-bpf container image (built with scripts/build-image.sh,
// run with podman: it pulls a module by reference and runs it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fixtures.h"

namespace wb::oci::test {
namespace {

const std::string kSource = WB_SOURCE_DIR;

int bpf_programs_named(const std::string& prefix) {
  const Outcome o = run("bpftool", {"prog", "show"});
  int n = 0;
  for (size_t at = 0; (at = o.out.find("name " + prefix, at)) != std::string::npos; ++at) ++n;
  return n;
}

// A Python check of one manifest with Debian's python3-yaml: prints problems, exits 1 if any.
const char* kManifestCheck = R"PY(
import sys, yaml
problems = []
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
for d in docs:
    kind = d.get("kind")
    if kind == "RuntimeClass":
        if d.get("handler") != "wasm-bpf": problems.append("RuntimeClass handler is not wasm-bpf")
    elif kind == "DaemonSet":
        spec = d["spec"]; tmpl = spec["template"]
        want = spec["selector"]["matchLabels"]
        have = tmpl["metadata"].get("labels", {})
        if any(have.get(k) != v for k, v in want.items()): problems.append("selector does not match the template")
        for c in tmpl["spec"]["containers"]:
            if not c.get("image"): problems.append("a container without an image")
            sc = c.get("securityContext", {})
            caps = set(sc.get("capabilities", {}).get("add", []))
            if not {"BPF", "PERFMON"} <= caps: problems.append(c["name"] + ": capabilities BPF and PERFMON missing")
            if sc.get("seccompProfile", {}).get("type") != "Unconfined": problems.append(c["name"] + ": seccomp not Unconfined")
        if "module" in sys.argv[1] and tmpl["spec"].get("runtimeClassName") != "wasm-bpf":
            problems.append("the module DaemonSet does not use the wasm-bpf RuntimeClass")
    else:
        problems.append("unexpected kind " + str(kind))
print("\n".join(problems))
sys.exit(1 if problems else 0)
)PY";

TEST(Deploy, KubernetesManifestsParseAndGrantWhatEbpfNeeds) {
  if (run("python3", {"-c", "import yaml"}).status != 0) GTEST_SKIP() << "python3-yaml is not installed (scripts/setup.sh)";
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kSource + "/deploy/kubernetes")) {
    if (e.path().extension() != ".yaml") continue;
    ++files;
    const Outcome check = run("python3", {"-c", kManifestCheck, e.path().string()});
    EXPECT_EQ(check.status, 0) << e.path() << ":\n" << check.out << check.err;
    if (::access("/usr/bin/kubectl", X_OK) == 0) {
      // kubectl's own offline parse (no API server).
      const Outcome k = run("kubectl", {"label", "--local", "-f", e.path().string(), "checked=yes", "-o", "yaml"});
      EXPECT_EQ(k.status, 0) << e.path() << ": " << k.err;
    }
  }
  EXPECT_EQ(files, 3);
  // The containerd handler the RuntimeClass names.
  EXPECT_NE(slurp(kSource + "/deploy/kubernetes/containerd-wasm-bpf.toml").find("runtimes.wasm-bpf]"), std::string::npos);
}

// The image of wasm-bpf itself pulls a module from a registry and runs it, as
// deploy/kubernetes/daemonset-wasm-bpf.yaml does (the Inspektor Gadget model). The image is
// built once for the suite with scripts/build-image.sh into podman storage of the test's own.
class WasmBpfImage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      skip_reason() = "podman needs root here";
      return;
    }
    if (::access("/usr/bin/podman", X_OK) != 0 || ::access("/usr/bin/buildah", X_OK) != 0) {
      skip_reason() = "podman or buildah is not installed (scripts/setup.sh)";
      return;
    }
    storage() = std::make_unique<ScratchDir>();
    EnvChanges env;
    env["BUILD_DIR"] = WB_BUILD_DIR;
    env["BUILDAH_FLAGS"] = "--root " + (*storage() / "root") + " --runroot " + (*storage() / "run") +
                           " --storage-driver vfs";
    build() = run(kSource + "/scripts/build-image.sh", {kImage}, env, "", 300000);
  }
  static void TearDownTestSuite() { storage().reset(); }
  static std::string& skip_reason() {
    static std::string r;
    return r;
  }
  static std::unique_ptr<ScratchDir>& storage() {
    static std::unique_ptr<ScratchDir> s;
    return s;
  }
  static Outcome& build() {
    static Outcome o;
    return o;
  }
  static constexpr const char* kImage = "localhost/wasm-bpf-test:latest";

  void SetUp() override {
    if (!skip_reason().empty()) GTEST_SKIP() << skip_reason();
    ASSERT_EQ(build().status, 0) << "scripts/build-image.sh failed:\n" << build().out << build().err;
    registry = std::make_unique<Registry>(dir / "reg");
  }
  Outcome podman(std::vector<std::string> args, int timeout_ms = 120000) {
    std::vector<std::string> all = {"--root", *storage() / "root", "--runroot", *storage() / "run", "--storage-driver",
                                    "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file"};
    all.insert(all.end(), args.begin(), args.end());
    return run("podman", all, {}, "", timeout_ms);
  }
  // What this kind of machine needs (docs/containers.md): runc, explicit ulimits; the
  // registry listens on 127.0.0.1, so the container shares the host's network.
  std::vector<std::string> run_flags() {
    return {"run", "--runtime", "runc", "--network", "host", "--ulimit", "nofile=20000:20000", "--ulimit",
            "nproc=32768:32768"};
  }
  std::string push(const std::string& module, const std::string& name) {
    const std::string ref = registry->host() + "/" + name + ":v1";
    const Outcome p = cli({"push", "--format", "image", module, ref});
    EXPECT_EQ(p.status, 0) << p.err;
    return ref;
  }

  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
};

TEST_F(WasmBpfImage, RunsAWasiModuleByReference) {
  const std::string ref = push(std::string(WB_WASI_GUEST_DIR) + "/hello.wasm", "hello");
  std::vector<std::string> args = run_flags();
  for (const char* a : {"--rm", kImage, "run", "--pull", "missing"}) args.push_back(a);
  args.push_back(ref);
  const Outcome r = podman(args);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "hello, world\n") << r.err;
  // Its entry point is wasm-bpf: with no arguments it explains itself.
  const Outcome help = podman({"run", "--rm", "--runtime", "runc", "--network", "none", "--ulimit",
                               "nofile=20000:20000", "--ulimit", "nproc=32768:32768", kImage});
  EXPECT_EQ(help.status, 0) << help.err;
  EXPECT_NE(help.out.find("wasm-bpf"), std::string::npos) << help.out;
}

// The bootstrap example with what the DaemonSet gives: BPF and PERFMON, seccomp unconfined,
// tracefs and BTF from the host, the store on a host directory. Its events reach `podman logs`,
// `podman stop` ends it gracefully with nothing left in the kernel, and the pulled module stays
// in the host's store for the next start.
TEST_F(WasmBpfImage, RunsAnEbpfModuleWithTheDaemonSetsPrivilegesAndMounts) {
  if (::access("/usr/sbin/bpftool", X_OK) != 0) GTEST_SKIP() << "bpftool is not installed";
  if (::access("/sys/kernel/tracing/events", F_OK) != 0) GTEST_SKIP() << "tracefs is not mounted at /sys/kernel/tracing";
  const std::string ref = push(std::string(WB_EXAMPLES_DIR) + "/bootstrap/bootstrap.wasm", "bootstrap");
  const std::string store = dir / "store";
  std::filesystem::create_directories(store);
  std::vector<std::string> args = run_flags();
  for (const std::string& a :
       {std::string("-d"), std::string("--name"), std::string("wbimage-boot"), std::string("--cap-add"),
        std::string("BPF,PERFMON"), std::string("--security-opt"), std::string("seccomp=unconfined"), std::string("-v"),
        std::string("/sys/kernel/tracing:/sys/kernel/tracing:ro"), std::string("-v"),
        std::string("/sys/kernel/btf:/sys/kernel/btf:ro"), std::string("-v"), store + ":/var/lib/wasm-bpf",
        std::string(kImage), std::string("run"), std::string("--pull"), std::string("missing"), std::string("--stop-timeout"),
        std::string("5s"), ref})
    args.push_back(a);
  const Outcome started = podman(args);
  ASSERT_EQ(started.status, 0) << started.err;
  auto logs = [&] { return podman({"logs", "wbimage-boot"}); };
  const bool header = eventually([&] { return logs().out.find("FILENAME/EXIT CODE") != std::string::npos; }, 30000);
  if (!header) {
    podman({"rm", "-f", "wbimage-boot"});
    FAIL() << "no header in the logs:\n" << logs().out << logs().err;
  }
  EXPECT_EQ(bpf_programs_named("handle_"), 2);
  const std::string marker = dir / "wbimage-marker";
  std::filesystem::copy_file("/bin/true", marker);
  run(marker, {});
  EXPECT_TRUE(eventually([&] { return logs().out.find("wbimage-marker") != std::string::npos; }, 10000)) << logs().out;
  const Outcome stop = podman({"stop", "wbimage-boot"});
  EXPECT_EQ(stop.status, 0) << stop.err;
  EXPECT_EQ(podman({"inspect", "wbimage-boot", "--format", "{{.State.ExitCode}}"}).out, "143\n");
  EXPECT_EQ(bpf_programs_named("handle_"), 0) << "BPF programs left after podman stop";
  podman({"rm", "wbimage-boot"});
  // The module stayed in the store on the host: the next start needs no registry.
  registry.reset();
  std::vector<std::string> again = run_flags();
  for (const std::string& a : {std::string("--rm"), std::string("--cap-add"), std::string("BPF,PERFMON"),
                               std::string("--security-opt"), std::string("seccomp=unconfined"), std::string("-v"),
                               std::string("/sys/kernel/tracing:/sys/kernel/tracing:ro"), std::string("-v"),
                               store + ":/var/lib/wasm-bpf", std::string(kImage), std::string("run"),
                               std::string("--pull"), std::string("never"), std::string("--timeout"),
                               std::string("2s"), ref})
    again.push_back(a);
  const Outcome offline = podman(again);
  EXPECT_EQ(offline.status, 124) << offline.out << offline.err;
  EXPECT_NE(offline.out.find("FILENAME/EXIT CODE"), std::string::npos) << offline.out << offline.err;
}

}  // namespace
}  // namespace wb::oci::test
