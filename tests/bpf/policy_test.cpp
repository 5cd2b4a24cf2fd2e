// SPDX-License-Identifier: MIT
// The policy of what a module's BPF programs may do (src/bpf/policy.h): observability runs
// with no flag; dangerous helpers and programs that change what the kernel does are refused
// before anything is loaded, with a message that names them and the flag that allows them.
#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <fstream>
#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

std::string host_arch() {
  struct utsname u;
  return ::uname(&u) == 0 ? u.machine : "";
}

std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class Policy : public ::testing::Test {
 protected:
  void SetUp() override { WBT_REQUIRE_ROOT(); }
};

TEST_F(Policy, DangerousHelpersAreRefusedByDefault) {
  auto r = start_guest(guest("load_dangerous"), {})->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("load=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("BPF object 'load_dangerous' refused by the policy"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("code in section tp/syscalls/sys_enter_getppid calls bpf_send_signal: it sends signals to "
                       "processes (allow with --allow send-signal)"),
            std::string::npos)
      << diag(r);
  // In a subprogram, which libbpf does not list as a program.
  EXPECT_NE(r.err.find("code in section .text calls bpf_probe_write_user"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("wasm-bpf run --allow probe-write-user --allow send-signal ..."), std::string::npos)
      << diag(r);
}

TEST_F(Policy, AllowedHelpersAreNotRefused) {
  auto r = start_guest(guest("load_dangerous"), {}, {"--allow", "send-signal,probe-write-user"})->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(r.err.find("refused by the policy"), std::string::npos) << diag(r);
  // (The kernel may still refuse bpf_probe_write_user, under lockdown: that is its decision.)
  auto all = start_guest(guest("load_dangerous"), {}, {"--allow", "all"})->wait(10000);
  EXPECT_EQ(all.err.find("refused by the policy"), std::string::npos) << diag(all);
  auto one = start_guest(guest("load_dangerous"), {}, {"--allow", "send-signal"})->wait(10000);
  EXPECT_NE(one.err.find("calls bpf_probe_write_user"), std::string::npos) << diag(one);
  EXPECT_EQ(one.err.find("calls bpf_send_signal"), std::string::npos) << diag(one);
}

TEST_F(Policy, APolicyFileSaysTheSame) {
  TempDir dir;
  const std::string file = dir.path() + "/policy";
  std::ofstream(file) << "# what this module may do\nallow send-signal\n\nallow probe-write-user  # it patches\n";
  auto r = start_guest(guest("load_dangerous"), {}, {"--policy", file})->wait(10000);
  EXPECT_EQ(r.err.find("refused by the policy"), std::string::npos) << diag(r);
  std::ofstream(file) << "allow fly\n";
  auto bad = start_guest(guest("load_dangerous"), {}, {"--policy", file})->wait(10000);
  EXPECT_EQ(bad.exit_code, 2) << diag(bad);
  EXPECT_NE(bad.err.find(file + ":1: unknown helper class 'fly' (known: all, send-signal, probe-write-user, "
                                "override-return, sys-bpf)"),
            std::string::npos)
      << diag(bad);
}

TEST_F(Policy, UnknownNamesAreUsageErrors) {
  auto r = start_guest(guest("load_dangerous"), {}, {"--allow-program", "xdp,teleport"})->wait(10000);
  EXPECT_EQ(r.exit_code, 2) << diag(r);
  EXPECT_NE(r.err.find("unknown program type 'teleport'"), std::string::npos) << diag(r);
}

// netcount.bpf.o holds xdp, tc and cgroup programs: each is named with its flag.
TEST_F(Policy, ProgramsThatChangeTheKernelNeedTheirFlag) {
  VethPair veth("wpo");
  ASSERT_TRUE(veth.ok()) << veth.error();
  auto r = start_guest(guest("netcount"), {"wbt_sock", veth.a(), "3", "1", "1000"})->wait(10000);
  EXPECT_EQ(r.exit_code, 10) << diag(r);  // the guest's "load failed"
  EXPECT_NE(r.err.find("program 'wbt_xdp' (SEC(\"xdp\"), type xdp): it can drop, change or redirect packets "
                       "(allow with --allow-program xdp)"),
            std::string::npos)
      << diag(r);
  EXPECT_NE(r.err.find("(allow with --allow-program tc)"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("(allow with --allow-program cgroup)"), std::string::npos) << diag(r);
  EXPECT_EQ(r.err.find("wbt_sock"), std::string::npos) << "a socket filter observes only: " << diag(r);
}

// Objects whose programs read CPU registers are built for one architecture: one built for
// arm64 is refused here (x86) with what to do, instead of reading the wrong registers.
TEST_F(Policy, AnObjectBuiltForAnotherArchitectureIsRefused) {
  if (host_arch() != "x86_64") GTEST_SKIP() << "the test object is built for arm64; this machine is " << host_arch();
  auto r = start_guest(guest("load_arm64"), {})->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("load=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("BPF object 'load_arm64' was built for arm64 (its programs read arm64 registers, struct "
                       "pt_regs) but this machine is x86: build the module for x86"),
            std::string::npos)
      << diag(r);
}

}  // namespace
}  // namespace wb::bpftest
