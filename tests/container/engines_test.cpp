// SPDX-License-Identifier: MIT
// wasm-bpf-runtime under the real container engines from Debian, as root: images pushed with
// `wasm-bpf push --format image` to a docker-registry on 127.0.0.1, pulled and run by podman
// (through conmon), by containerd (ctr run --runc-binary, as the runc shim of a Kubernetes
// RuntimeClass calls it) and by Docker Engine (dockerd with the runtime added). Each test
// skips, saying why, when its engine is missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "fixtures.h"

namespace wb::oci::test {
namespace {

const std::string kRuntime = WB_RUNTIME_BINARY;

std::string wasi_guest(const std::string& name) { return std::string(WB_WASI_GUEST_DIR) + "/" + name + ".wasm"; }
std::string example(const std::string& name) { return std::string(WB_EXAMPLES_DIR) + "/" + name + "/" + name + ".wasm"; }

int bpf_programs_named(const std::string& prefix) {
  const Outcome o = run("bpftool", {"prog", "show"});
  int n = 0;
  size_t at = 0;
  while ((at = o.out.find("name " + prefix, at)) != std::string::npos) {
    ++n;
    ++at;
  }
  return n;
}

class Engines : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "container engines need root here";
    registry = std::make_unique<Registry>(dir / "reg");
  }
  // Pushes `module` as a container image; returns the reference.
  std::string push_image(const std::string& module, const std::string& name) {
    const std::string ref = registry->host() + "/" + name + ":v1";
    const Outcome p = cli({"push", "--format", "image", module, ref});
    EXPECT_EQ(p.status, 0) << p.err;
    return ref;
  }
  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
};

// podman, with what this kind of machine needs (docs/containers.md, "Machines like the test
// machine"): its own storage, cgroupfs, file events, and rlimits it may not raise.
class Podman : public Engines {
 protected:
  void SetUp() override {
    Engines::SetUp();
    if (IsSkipped()) return;
    if (::access("/usr/bin/podman", X_OK) != 0) GTEST_SKIP() << "podman is not installed (scripts/setup.sh installs it)";
  }
  Outcome podman(std::vector<std::string> args, int timeout_ms = 60000) {
    std::vector<std::string> all = {"--root", dir / "podman/root", "--runroot", dir / "podman/run", "--storage-driver",
                                    "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file"};
    all.insert(all.end(), args.begin(), args.end());
    return run("podman", all, {}, "", timeout_ms);
  }
  std::vector<std::string> run_flags() {
    return {"--runtime", kRuntime, "--network", "none", "--ulimit", "nofile=20000:20000", "--ulimit",
            "nproc=32768:32768"};
  }
  Outcome podman_run(const std::vector<std::string>& flags, const std::string& ref, const std::vector<std::string>& args = {}) {
    std::vector<std::string> all = {"run"};
    for (const std::string& f : run_flags()) all.push_back(f);
    all.insert(all.end(), flags.begin(), flags.end());
    all.push_back(ref);
    all.insert(all.end(), args.begin(), args.end());
    return podman(all);
  }
  void pull(const std::string& ref) {
    const Outcome p = podman({"pull", "-q", "--tls-verify=false", ref});
    ASSERT_EQ(p.status, 0) << p.err;
  }
};

TEST_F(Podman, RunsAModuleWithItsArgumentsAndExitStatus) {
  const std::string ref = push_image(wasi_guest("exitcode"), "exitcode");
  ASSERT_NO_FATAL_FAILURE(pull(ref));
  // podman appends its arguments to the image's entry point (the module).
  const Outcome r = podman_run({"--rm"}, ref, {"7"});
  EXPECT_EQ(r.status, 7) << r.out << r.err;
  const std::string hello_ref = push_image(wasi_guest("hello"), "hello");
  ASSERT_NO_FATAL_FAILURE(pull(hello_ref));
  const Outcome hello = podman_run({"--rm"}, hello_ref);
  EXPECT_EQ(hello.status, 0) << hello.err;
  EXPECT_EQ(hello.out, "hello, world\n");
}

// The eBPF bootstrap example: its events in `podman logs`, and `podman stop` (SIGTERM) ends
// it the graceful way (exit 143, nothing left in the kernel).
TEST_F(Podman, RunsAnEbpfModuleAndStopsItGracefully) {
  if (::access("/usr/sbin/bpftool", X_OK) != 0) GTEST_SKIP() << "bpftool is not installed";
  const std::string ref = push_image(example("bootstrap"), "bootstrap");
  ASSERT_NO_FATAL_FAILURE(pull(ref));
  const Outcome started = podman_run({"-d", "--name", "boot", "--cap-add", "BPF,PERFMON", "--security-opt",
                                      "seccomp=unconfined"},
                                     ref);
  ASSERT_EQ(started.status, 0) << started.err;
  ASSERT_TRUE(eventually([&] { return podman({"logs", "boot"}).out.find("FILENAME/EXIT CODE") != std::string::npos; },
                         15000))
      << podman({"logs", "boot"}).err;
  EXPECT_EQ(bpf_programs_named("handle_"), 2);
  const std::string marker = dir / "wbcontainer-marker";
  std::filesystem::copy_file("/bin/true", marker);
  run(marker, {});
  ASSERT_TRUE(eventually([&] { return podman({"logs", "boot"}).out.find("wbcontainer-mar") != std::string::npos; }, 10000))
      << podman({"logs", "boot"}).out;
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome stop = podman({"stop", "boot"});
  EXPECT_EQ(stop.status, 0) << stop.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5)) << "stop waited for the kill";
  EXPECT_EQ(podman({"inspect", "boot", "--format", "{{.State.ExitCode}}"}).out, "143\n");
  EXPECT_EQ(bpf_programs_named("handle_"), 0) << "BPF programs left after podman stop";
  podman({"rm", "boot"});
}

TEST_F(Podman, AContainerWithoutBpfPrivilegesIsRefusedWithWhatToAdd) {
  const std::string ref = push_image(example("bootstrap"), "bootstrap");
  ASSERT_NO_FATAL_FAILURE(pull(ref));
  const Outcome r = podman_run({"--rm"}, ref);
  EXPECT_EQ(r.status, 126) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot load BPF programs: it has neither CAP_BPF and CAP_PERFMON nor CAP_SYS_ADMIN"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--cap-add BPF --cap-add PERFMON --security-opt seccomp=unconfined"), std::string::npos) << r.err;
}

// Annotations carry the policy: the xdp example is refused without one, runs with
// io.wasm-bpf.allow-program=xdp (on the container's loopback).
TEST_F(Podman, AnnotationsSetThePolicy) {
  const std::string ref = push_image(example("xdp"), "xdp");
  ASSERT_NO_FATAL_FAILURE(pull(ref));
  const std::vector<std::string> priv = {"--rm", "--cap-add", "BPF,PERFMON,NET_ADMIN", "--security-opt",
                                         "seccomp=unconfined"};
  const Outcome refused = podman_run(priv, ref, {"lo", "-d", "1"});
  EXPECT_NE(refused.status, 0) << refused.out;
  EXPECT_NE(refused.err.find("(allow with --allow-program xdp)"), std::string::npos) << refused.err;
  // In a container the way to allow it is an annotation, and the message says which.
  EXPECT_NE(refused.err.find("io.wasm-bpf.allow-program=xdp"), std::string::npos) << refused.err;
  std::vector<std::string> allowed = priv;
  allowed.insert(allowed.end(), {"--annotation", "io.wasm-bpf.allow-program=xdp"});
  const Outcome ok = podman_run(allowed, ref, {"lo", "-d", "1"});
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("XDP program attached to lo"), std::string::npos) << ok.out << ok.err;
}

// Volumes are the guest's directories: a read-only one (-v SRC:DST:ro) refuses every change
// with EROFS, also a link of one of its files into a writable volume (the files guest's
// `readonly` checks, as for `run --dir HOST:ro`); a writable one is written.
TEST_F(Podman, VolumesKeepTheirReadOnlyMode) {
  const std::string ref = push_image(wasi_guest("files"), "files");
  ASSERT_NO_FATAL_FAILURE(pull(ref));
  const std::string ro = dir / "ro", rw = dir / "rw";
  std::filesystem::create_directories(ro + "/sub");
  std::filesystem::create_directories(rw);
  std::ofstream(ro + "/from_host.txt") << "from the host\n";
  const Outcome r = podman_run({"--rm", "-v", ro + ":/ro:ro", "-v", rw + ":/rw"}, ref, {"readonly", "/ro", "/rw"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("FAIL "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nDONE\n"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(ro + "/from_host.txt"), "from the host\n");
  EXPECT_TRUE(std::filesystem::is_empty(rw));
}

// Native containers go through the wrapper to runc unchanged.
TEST_F(Podman, ANativeImageRunsUnchanged) {
  if (::access("/usr/bin/buildah", X_OK) != 0) GTEST_SKIP() << "buildah is not installed";
  const std::string bin = dir / "native";
  std::ofstream(dir / "native.c") << "#include <stdio.h>\nint main(void) { puts(\"native\"); return 5; }\n";
  ASSERT_EQ(run("cc", {"-static", "-O1", dir / "native.c", "-o", bin}).status, 0);
  const std::vector<std::string> b = {"--root", dir / "buildah/root", "--runroot", dir / "buildah/run", "--storage-driver",
                                      "vfs"};
  auto buildah = [&](std::vector<std::string> args) {
    std::vector<std::string> all = b;
    all.insert(all.end(), args.begin(), args.end());
    return run("buildah", all);
  };
  const Outcome from = buildah({"from", "scratch"});
  ASSERT_EQ(from.status, 0) << from.err;
  const std::string c = from.out.substr(0, from.out.find('\n'));
  ASSERT_EQ(buildah({"copy", c, bin, "/native"}).status, 0);
  ASSERT_EQ(buildah({"config", "--entrypoint", "[\"/native\"]", c}).status, 0);
  const std::string ref = registry->host() + "/native:v1";
  ASSERT_EQ(buildah({"commit", "--tls-verify=false", c, "docker://" + ref}).status, 0);
  ASSERT_NO_FATAL_FAILURE(pull(ref));
  const Outcome r = podman_run({"--rm"}, ref);
  EXPECT_EQ(r.status, 5) << r.err;
  EXPECT_EQ(r.out, "native\n");
}

class ContainerdTest : public Engines {
 protected:
  void SetUp() override {
    Engines::SetUp();
    if (IsSkipped()) return;
    if (::access("/usr/bin/containerd", X_OK) != 0) GTEST_SKIP() << "containerd is not installed (scripts/setup.sh)";
    containerd = std::make_unique<Containerd>(dir / "containerd");
    ASSERT_TRUE(containerd->ok()) << containerd->error();
  }
  std::vector<std::string> run_args(const std::string& ref, const std::string& id) {
    return {"run", "--rm", "--runc-binary", kRuntime, "--runc-root", dir / "containerd/runc", ref, id};
  }
  std::unique_ptr<Containerd> containerd;
};

TEST_F(ContainerdTest, CtrRunKeepsExitStatusesAndStopsGracefully) {
  const std::string ref = push_image(wasi_guest("exitcode"), "exitcode");
  ASSERT_EQ(containerd->ctr({"images", "pull", "--plain-http", ref}).status, 0);
  for (const std::string code : {"0", "7"}) {
    std::vector<std::string> a = run_args(ref, "e" + code);
    a.insert(a.end(), {"/exitcode.wasm", code});
    const Outcome r = containerd->ctr(a);
    EXPECT_EQ(r.status, std::stoi(code)) << r.out << r.err;
  }
  // ctr task kill sends SIGTERM: the sleeping guest ends at once, exit 143.
  const std::string sleeper = push_image(wasi_guest("sleep_forever"), "sleeper");
  ASSERT_EQ(containerd->ctr({"images", "pull", "--plain-http", sleeper}).status, 0);
  std::vector<std::string> args = {"-a", containerd->socket(), "-n", "test"};
  for (const std::string& a : run_args(sleeper, "s1")) args.push_back(a);
  Background task("ctr", args, {}, dir.path());
  ASSERT_TRUE(eventually([&] { return containerd->ctr({"task", "ls"}).out.find("RUNNING") != std::string::npos; }, 15000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(containerd->ctr({"task", "kill", "s1"}).status, 0);
  const Outcome o = task.wait(15000);
  EXPECT_EQ(o.status, 143) << o.out << o.err;
}

TEST_F(ContainerdTest, ARefusedCreateReachesTheUser) {
  const std::string ref = push_image(example("bootstrap"), "bootstrap");
  ASSERT_EQ(containerd->ctr({"images", "pull", "--plain-http", ref}).status, 0);
  const Outcome r = containerd->ctr(run_args(ref, "b1"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE((r.out + r.err).find("cannot load BPF programs"), std::string::npos) << r.out << r.err;
}

// Docker Engine from Debian (docker.io 20.10), started by the test with its own data and exec
// roots, no iptables and no bridge, and the runtime registered as "wasm-bpf" (what
// daemon.json's "runtimes" does): dockerd hands it to containerd's runc shim as BinaryName,
// as the CRI plugin does for a RuntimeClass. Docker 20.10 pulls only images of its own OS,
// hence `push --platform linux/amd64`.
class DockerTest : public Engines {
 protected:
  void SetUp() override {
    Engines::SetUp();
    if (IsSkipped()) return;
    if (::access("/usr/sbin/dockerd", X_OK) != 0 || ::access("/usr/bin/docker", X_OK) != 0)
      GTEST_SKIP() << "Docker Engine is not installed (docker.io, scripts/setup.sh)";
    const std::string d = dir / "docker";
    std::filesystem::create_directories(d);
    spit(d + "/daemon.json", "{}");
    socket_ = "unix://" + d + "/docker.sock";
    daemon_ = std::make_unique<Child>(
        "/usr/sbin/dockerd",
        std::vector<std::string>{"--config-file", d + "/daemon.json", "--data-root", d + "/root", "--exec-root",
                                 d + "/exec", "-H", socket_, "--pidfile", d + "/docker.pid", "--iptables=false",
                                 "--ip6tables=false", "--bridge=none", "--storage-driver=vfs", "--exec-opt",
                                 "native.cgroupdriver=cgroupfs", "--add-runtime", "wasm-bpf=" + kRuntime},
        d + "/dockerd.log");
    if (!eventually([&] { return docker({"version"}, 5000).status == 0 || !daemon_->running(); }, 30000) ||
        !daemon_->running())
      GTEST_SKIP() << "dockerd did not start here: " << slurp(d + "/dockerd.log");
  }
  void TearDown() override {
    if (!daemon_) return;
    // Containers first, then dockerd the graceful way, so that it stops the containerd it
    // started (a killed dockerd would leave it running).
    const Outcome ids = docker({"ps", "-aq"});
    std::istringstream in(ids.out);
    for (std::string id; in >> id;) docker({"rm", "-f", id});
    if (const std::string pid = slurp(dir / "docker/docker.pid"); !pid.empty()) {
      ::kill(std::stoi(pid), SIGTERM);
      eventually([&] { return !daemon_->running(); }, 30000);
    }
    daemon_.reset();
    run("pkill", {"-f", dir / "docker/exec"});
  }
  Outcome docker(std::vector<std::string> args, int timeout_ms = 60000) {
    args.insert(args.begin(), {"-H", socket_});
    return run("/usr/bin/docker", args, {}, "", timeout_ms);
  }
  // Pushes `module` as an image Docker 20.10 accepts; returns the reference.
  std::string push_linux_image(const std::string& module, const std::string& name) {
    const std::string ref = registry->host() + "/" + name + ":linux";
    const Outcome p = cli({"push", "--format", "image", "--platform", "linux/amd64", module, ref});
    EXPECT_EQ(p.status, 0) << p.err;
    return ref;
  }
  std::vector<std::string> run_flags() {
    return {"--runtime", "wasm-bpf", "--network", "none", "--ulimit", "nofile=20000:20000", "--ulimit",
            "nproc=32768:32768"};
  }
  std::string socket_;
  std::unique_ptr<Child> daemon_;
};

TEST_F(DockerTest, DockerRunKeepsTheModulesOutputAndExitStatus) {
  const std::string ref = push_linux_image(wasi_guest("exitcode"), "exitcode");
  ASSERT_EQ(docker({"pull", "-q", ref}).status, 0);
  std::vector<std::string> a = {"run", "--rm"};
  for (const std::string& f : run_flags()) a.push_back(f);
  a.insert(a.end(), {ref, "7"});
  const Outcome r = docker(a);
  EXPECT_EQ(r.status, 7) << r.out << r.err;
  const std::string hello = push_linux_image(wasi_guest("hello"), "hello");
  std::vector<std::string> h = {"run", "--rm"};
  for (const std::string& f : run_flags()) h.push_back(f);
  h.push_back(hello);
  const Outcome o = docker(h);
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "hello, world\n") << o.err;
}

// The bootstrap example under docker: events in `docker logs`, `docker stop` graceful (143,
// nothing left in the kernel); without the privileges, the create is refused with what to add.
TEST_F(DockerTest, DockerRunsAnEbpfModuleAndStopsItGracefully) {
  if (::access("/usr/sbin/bpftool", X_OK) != 0) GTEST_SKIP() << "bpftool is not installed";
  const std::string ref = push_linux_image(example("bootstrap"), "bootstrap");
  ASSERT_EQ(docker({"pull", "-q", ref}).status, 0);
  std::vector<std::string> refused = {"run", "--rm"};
  for (const std::string& f : run_flags()) refused.push_back(f);
  refused.push_back(ref);
  const Outcome no = docker(refused);
  EXPECT_NE(no.status, 0);
  EXPECT_NE(no.err.find("cannot load BPF programs"), std::string::npos) << no.err;

  // Docker 20.10 knows no CAP_BPF or CAP_PERFMON ("unknown capability"): CAP_SYS_ADMIN
  // covers both, and the runtime accepts it.
  std::vector<std::string> a = {"run", "-d", "--name", "dboot", "--cap-add", "SYS_ADMIN", "--security-opt",
                                "seccomp=unconfined"};
  for (const std::string& f : run_flags()) a.push_back(f);
  a.push_back(ref);
  const Outcome started = docker(a);
  ASSERT_EQ(started.status, 0) << started.err;
  ASSERT_TRUE(eventually([&] { return docker({"logs", "dboot"}).out.find("FILENAME/EXIT CODE") != std::string::npos; },
                         15000))
      << docker({"logs", "dboot"}).out << docker({"logs", "dboot"}).err;
  EXPECT_EQ(bpf_programs_named("handle_"), 2);
  const std::string marker = dir / "wbdocker-marker";
  std::filesystem::copy_file("/bin/true", marker);
  run(marker, {});
  EXPECT_TRUE(eventually([&] { return docker({"logs", "dboot"}).out.find("wbdocker-marker") != std::string::npos; }, 10000))
      << docker({"logs", "dboot"}).out;
  const Outcome stop = docker({"stop", "dboot"});
  EXPECT_EQ(stop.status, 0) << stop.err;
  EXPECT_EQ(docker({"inspect", "dboot", "--format", "{{.State.ExitCode}}"}).out, "143\n");
  EXPECT_EQ(bpf_programs_named("handle_"), 0) << "BPF programs left after docker stop";
}

}  // namespace
}  // namespace wb::oci::test
