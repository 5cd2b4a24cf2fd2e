// SPDX-License-Identifier: MIT
// wasm-bpf-runtime without an engine: runc command lines as podman and containerd send them,
// and what happens to a spec (detection, privileges, the rewritten process and mounts).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "container/runc_command.h"
#include "container/wasm_spec.h"

namespace wb::container {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Args = std::vector<std::string>;

TEST(RuncCommand, ContainerdShimCreate) {
  const RuncCommand c = parse_runc_command({"--root", "/run/r/default", "--log", "/b/log.json", "--log-format", "json",
                                            "create", "--bundle", "/b", "--pid-file", "/b/init.pid",
                                            "--console-socket", "/tmp/pty.sock", "ctr1"});
  EXPECT_EQ(c.command, "create");
  EXPECT_EQ(c.bundle, "/b");
  EXPECT_EQ(c.id, "ctr1");
  EXPECT_EQ(c.log, "/b/log.json");
  EXPECT_EQ(c.log_format, "json");
}

TEST(RuncCommand, ConmonCreateWithEqualsAndKill) {
  const RuncCommand c = parse_runc_command({"--log-format=json", "--log=/x/oci-log", "create", "--bundle=/bb",
                                            "--pid-file", "/p", "id2"});
  EXPECT_EQ(c.command, "create");
  EXPECT_EQ(c.bundle, "/bb");
  EXPECT_EQ(c.id, "id2");
  EXPECT_EQ(c.log, "/x/oci-log");
  const RuncCommand k = parse_runc_command({"kill", "id2", "15"});
  EXPECT_EQ(k.command, "kill");
  EXPECT_EQ(k.id, "id2");
  const RuncCommand e = parse_runc_command({"exec", "--process", "/f", "--detach", "--pid-file", "/g", "id3"});
  EXPECT_EQ(e.id, "id3");
  EXPECT_TRUE(parse_runc_command({"--version"}).version);
}

class Bundle : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("wb-bundle-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir / "rootfs/bin");
    spec = {{"root", {{"path", "rootfs"}}},
            {"process", {{"args", {"/tool.wasm", "-d", "3"}}, {"env", {"PATH=/bin", "K=V"}}, {"cwd", "/"},
                         {"capabilities", {{"effective", {"CAP_BPF", "CAP_PERFMON"}}}}}},
            {"mounts", json::array()}};
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& bytes) { std::ofstream(dir / "rootfs" / rel, std::ios::binary) << bytes; }
  fs::path dir;
  json spec;
};

const std::string kModule = std::string("\0asm\1\0\0\0", 8);
// A module importing wasm_bpf.wasm_load_bpf_object (type 0: () -> ()).
const std::string kBpfModule = kModule + std::string("\x01\x04\x01\x60\x00\x00", 6) +
                               std::string("\x02\x21\x01\x08wasm_bpf\x14wasm_load_bpf_object\x00\x00", 35);

TEST_F(Bundle, AModuleAtArgs0IsWasmAndItsImportsSayWhetherItNeedsBpf) {
  write("tool.wasm", kModule);
  auto w = detect_wasm(spec, dir);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_TRUE(*w);
  EXPECT_EQ((*w)->module, "/tool.wasm");
  EXPECT_FALSE((*w)->uses_bpf);
  write("tool.wasm", kBpfModule);
  EXPECT_TRUE((*detect_wasm(spec, dir))->uses_bpf);
}

TEST_F(Bundle, ANameIsLookedUpInThePathOfTheContainer) {
  write("bin/tool", kModule);
  spec["process"]["args"] = {"tool"};
  auto w = detect_wasm(spec, dir);
  ASSERT_TRUE(w && *w);
  EXPECT_EQ((*w)->module, "/bin/tool");
}

TEST_F(Bundle, NativeProgramsAndTheSandboxAreNotWasm) {
  write("tool.wasm", "\x7f" "ELF....");
  EXPECT_FALSE(*detect_wasm(spec, dir));
  write("tool.wasm", kModule);
  spec["annotations"] = {{"io.kubernetes.cri.container-type", "sandbox"}};
  EXPECT_FALSE(*detect_wasm(spec, dir));
}

TEST_F(Bundle, AnImageMarkedWasmMustHoldAModule) {
  write("tool.wasm", "#!/bin/sh\n");
  spec["annotations"] = {{"module.wasm.image/variant", "compat"}};
  auto w = detect_wasm(spec, dir);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("is not a WebAssembly module"), std::string::npos);
}

TEST_F(Bundle, SymlinksResolveInsideTheRootFileSystem) {
  // An absolute symlink means the container's path, not the host's.
  write("real.wasm", kModule);
  fs::create_symlink("/real.wasm", dir / "rootfs/tool.wasm");
  auto w = detect_wasm(spec, dir);
  ASSERT_TRUE(w && *w);
}

TEST(Privileges, CapabilitiesAndSeccompAreChecked) {
  json s = {{"process", {{"capabilities", {{"effective", {"CAP_CHOWN"}}}}}}};
  EXPECT_NE(missing_bpf_privileges(s).find("neither CAP_BPF and CAP_PERFMON nor CAP_SYS_ADMIN"), std::string::npos);
  s["process"]["capabilities"]["effective"] = {"CAP_BPF", "CAP_PERFMON"};
  EXPECT_EQ(missing_bpf_privileges(s), "");
  s["linux"] = {{"seccomp", {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}}}}}}};
  EXPECT_NE(missing_bpf_privileges(s).find("seccomp profile does not allow bpf(2)"), std::string::npos);
  s["linux"]["seccomp"]["syscalls"].push_back({{"names", {"bpf", "perf_event_open"}}, {"action", "SCMP_ACT_ALLOW"}});
  EXPECT_EQ(missing_bpf_privileges(s), "");
  s["process"]["capabilities"]["effective"] = {"CAP_SYS_ADMIN"};
  EXPECT_EQ(missing_bpf_privileges(s), "");
}

TEST_F(Bundle, TheRewrittenProcessRunsTheEngineOnTheModule) {
  spec["annotations"] = {{"io.wasm-bpf.allow-program", "xdp"}, {"io.wasm-bpf.stop-timeout", "2s"}};
  spec["root"]["readonly"] = true;
  auto r = rewrite_for_wasm(spec, WasmContainer{"/tool.wasm", true}, "/usr/libexec/wasm-bpf/wasm-bpf-static");
  ASSERT_TRUE(r) << r.error().message;
  const Args args = (*r)["process"]["args"].get<Args>();
  EXPECT_EQ(args, (Args{"/.wasm-bpf/wasm-bpf", "run", "--pull", "never", "--allow-program", "xdp", "--stop-timeout", "2s",
                        "--dir", "/::/:ro", "-e", "PATH=/bin", "-e", "K=V", "--", "/tool.wasm", "-d", "3"}));
  bool engine = false;
  for (const json& m : (*r)["mounts"])
    if (m["destination"] == "/.wasm-bpf/wasm-bpf" && m["source"] == "/usr/libexec/wasm-bpf/wasm-bpf-static") engine = true;
  EXPECT_TRUE(engine) << r->dump(2);
}

// Bind mounts of host directories become preopens of their own (read-only ones with :ro, so
// the guest gets EROFS there as with `run --dir HOST:ro`); file mounts, system paths and
// other mount types stay reachable through the root preopen only.
TEST_F(Bundle, BindMountedDirectoriesArePreopenedReadOnlyWhenMountedSo) {
  const std::string host_dir = (dir / "data").string(), hosts = (dir / "hosts").string();
  fs::create_directories(host_dir);
  std::ofstream(hosts) << "127.0.0.1 localhost\n";
  spec["mounts"] = json::array({
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
      {{"destination", "/data"}, {"type", "bind"}, {"source", host_dir}, {"options", {"rbind", "ro"}}},
      {{"destination", "/scratch"}, {"source", host_dir}, {"options", {"bind", "rw"}}},
      {{"destination", "/etc/hosts"}, {"type", "bind"}, {"source", hosts}, {"options", {"bind", "ro"}}},
      {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"}},
      {{"destination", "/sys/fs/cgroup"}, {"type", "bind"}, {"source", "/sys/fs/cgroup"}, {"options", {"rbind", "ro"}}},
  });
  auto r = rewrite_for_wasm(spec, WasmContainer{"/tool.wasm", false}, "/engine");
  ASSERT_TRUE(r) << r.error().message;
  const Args args = (*r)["process"]["args"].get<Args>();
  Args dirs;
  for (size_t i = 0; i + 1 < args.size() && args[i] != "--"; ++i)
    if (args[i] == "--dir") dirs.push_back(args[i + 1]);
  EXPECT_EQ(dirs, (Args{"/::/", "/data::/data:ro", "/scratch::/scratch"}));
}

}  // namespace
}  // namespace wb::container
