// SPDX-License-Identifier: MIT
// Programs attached to a target: XDP, tc and a socket filter on an interface (a veth pair the
// test creates), cgroup_skb on a cgroup directory (by a path inside the guest's preopened
// directories, and through a preopened directory fd). Targets the host must refuse: trailing
// junk after an interface name, cgroup paths outside the guest's preopens.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

// netcount.bpf.o holds xdp, tc and cgroup programs besides the socket filter: programs that
// change what the kernel does are refused unless allowed (policy.h).
const std::vector<std::string> kNetPrograms = {"--allow-program", "xdp,tc,cgroup"};
std::vector<std::string> net_flags(std::vector<std::string> flags) {
  flags.insert(flags.end(), kNetPrograms.begin(), kNetPrograms.end());
  return flags;
}

using wb::test::Process;

std::string diag(const Process& p) { return "stdout:\n" + p.out() + "\nstderr:\n" + p.err(); }
std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

std::string ip_link_show(const std::string& dev) { return run(find_tool("ip"), {"link", "show", "dev", dev}).out; }

// Sends frames every 100 ms until the guest reports the count it waits for (or 4 s pass).
void send_until_final(Process& g, const std::string& ifname) {
  ASSERT_TRUE(eventually(
      [&] {
        std::string err = send_test_frames(ifname, 1);
        EXPECT_EQ(err, "");
        return !err.empty() || g.wait_for_output("final ", 100);
      },
      4000))
      << diag(g);
}

class Net : public ::testing::Test {
 protected:
  void SetUp() override {
    WBT_REQUIRE_ROOT();
    if (find_tool("ip").empty()) GTEST_SKIP() << "iproute2 (ip) is not installed";
  }
};

using Xdp = Net;
using Tc = Net;
using SocketFilter = Net;

TEST_F(Xdp, CountsFramesOnInterfaceAndDetachesOnExit) {
  VethPair veth("wbx");
  ASSERT_TRUE(veth.ok()) << veth.error();

  auto g = start_guest(guest("netcount"), {"wbt_xdp", veth.a(), "0", "3", "5000"}, kNetPrograms);
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  EXPECT_NE(ip_link_show(veth.a()).find("xdp"), std::string::npos) << ip_link_show(veth.a());
  // Frames sent out of the peer arrive on veth.a(), where the program runs.
  send_until_final(*g, veth.b());
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_FALSE(lines_starting_with(r.out, "final ").empty()) << diag(r);
  EXPECT_TRUE(eventually([&] { return ip_link_show(veth.a()).find("xdp") == std::string::npos; }, 2000))
      << ip_link_show(veth.a());
}

// "IFNAME:junk" names no interface: refused (-EINVAL), not attached to IFNAME.
TEST_F(Xdp, TargetWithTrailingJunkIsRejected) {
  VethPair veth("wbj");
  ASSERT_TRUE(veth.ok()) << veth.error();
  auto r = start_guest(guest("netcount"), {"wbt_xdp", veth.a() + ":junk", "0", "1", "1000"}, kNetPrograms)->wait(5000);
  EXPECT_EQ(r.exit_code, 11) << diag(r);  // the guest's "attach failed" status
  EXPECT_NE(r.out.find("attach wbt_xdp to " + veth.a() + ":junk: -28\n"), std::string::npos) << diag(r);  // -EINVAL
  EXPECT_EQ(ip_link_show(veth.a()).find("xdp"), std::string::npos) << ip_link_show(veth.a());
}

TEST_F(Tc, IngressCountsFramesAndIsRemovedOnExit) {
  VethPair veth("wbt");
  ASSERT_TRUE(veth.ok()) << veth.error();

  auto g = start_guest(guest("netcount"), {"wbt_tc", veth.a(), "1", "3", "5000"}, kNetPrograms);
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  EXPECT_TRUE(tc_attached(veth.a(), "ingress", "wbt_tc"));
  EXPECT_FALSE(tc_attached(veth.a(), "egress", "wbt_tc"));
  send_until_final(*g, veth.b());
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_TRUE(eventually([&] { return !tc_attached(veth.a(), "ingress", "wbt_tc"); }, 2000));
}

// Target "IFNAME:egress" selects the egress hook (a wasm-bpf extension; the reference runtimes
// always attach to ingress).
TEST_F(Tc, EgressSelectedByTargetSuffix) {
  VethPair veth("wbe");
  ASSERT_TRUE(veth.ok()) << veth.error();

  auto g = start_guest(guest("netcount"), {"wbt_tc", veth.a() + ":egress", "1", "3", "5000"}, kNetPrograms);
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  EXPECT_TRUE(tc_attached(veth.a(), "egress", "wbt_tc"));
  EXPECT_FALSE(tc_attached(veth.a(), "ingress", "wbt_tc"));
  send_until_final(*g, veth.a());  // sent out of veth.a(): its egress hook sees them
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_TRUE(eventually([&] { return !tc_attached(veth.a(), "egress", "wbt_tc"); }, 2000));
}

TEST_F(Tc, UnknownInterfaceIsAnError) {
  auto r = start_guest(guest("netcount"), {"wbt_tc", "nosuchdev0", "1", "1", "1000"}, kNetPrograms)->wait(5000);
  EXPECT_EQ(r.exit_code, 11) << diag(r);  // the guest's "attach failed" status
  EXPECT_NE(r.out.find("attach wbt_tc to nosuchdev0: -43\n"), std::string::npos) << diag(r);  // -ENODEV
}

// Only ":ingress" and ":egress" may follow the interface name.
TEST_F(Tc, UnknownHookSuffixIsRejected) {
  VethPair veth("wbk");
  ASSERT_TRUE(veth.ok()) << veth.error();
  auto r = start_guest(guest("netcount"), {"wbt_tc", veth.a() + ":junk", "1", "1", "1000"}, kNetPrograms)->wait(5000);
  EXPECT_EQ(r.exit_code, 11) << diag(r);
  EXPECT_NE(r.out.find(":junk: -28\n"), std::string::npos) << diag(r);  // -EINVAL
  EXPECT_FALSE(tc_attached(veth.a(), "ingress", "wbt_tc"));
}

TEST_F(SocketFilter, CountsFramesArrivingOnTheInterface) {
  VethPair veth("wbs");
  ASSERT_TRUE(veth.ok()) << veth.error();
  auto g = start_guest(guest("netcount"), {"wbt_sock", veth.a(), "3", "3", "5000"}, kNetPrograms);
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  send_until_final(*g, veth.b());
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_FALSE(lines_starting_with(r.out, "final ").empty()) << diag(r);
}

TEST_F(SocketFilter, TargetWithTrailingJunkIsRejected) {
  VethPair veth("wbq");
  ASSERT_TRUE(veth.ok()) << veth.error();
  auto r = start_guest(guest("netcount"), {"wbt_sock", veth.a() + ":x", "3", "1", "1000"}, kNetPrograms)->wait(5000);
  EXPECT_EQ(r.exit_code, 11) << diag(r);
  EXPECT_NE(r.out.find(":x: -28\n"), std::string::npos) << diag(r);  // -EINVAL
}

// ---- cgroups ---------------------------------------------------------------------------------

// Attaches wbt_cg_egress to TARGET with `flags`, sends datagrams from inside the cgroup until
// the guest has counted 3.
void expect_cgroup_counts(const Cgroup& cg, const std::string& target, const std::vector<std::string>& flags) {
  auto g = start_guest(guest("netcount"), {"wbt_cg_egress", target, "2", "3", "5000"}, net_flags(flags));
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  ASSERT_TRUE(eventually(
      [&] {
        std::string err = cg.send_udp_from_inside(1);
        EXPECT_EQ(err, "");
        return !err.empty() || g->wait_for_output("final ", 100);
      },
      4000))
      << diag(*g);
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
}

// The parent directory of the cgroup: the whole cgroup v2 hierarchy in these tests.
std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

class CgroupAttach : public ::testing::Test {
 protected:
  void SetUp() override {
    WBT_REQUIRE_ROOT();
    cg_ = std::make_unique<Cgroup>();
    ASSERT_TRUE(cg_->ok()) << cg_->error();
  }
  // Runs the guest with `flags` and a cgroup `target` the host must refuse: -ENOTCAPABLE.
  void expect_refused(const std::string& target, const std::vector<std::string>& flags) {
    auto r = start_guest(guest("netcount"), {"wbt_cg_egress", target, "2", "1", "1000"}, net_flags(flags))->wait(5000);
    EXPECT_EQ(r.exit_code, 11) << diag(r);
    EXPECT_NE(r.out.find("attach wbt_cg_egress to " + target + ": -76\n"), std::string::npos) << diag(r);
  }
  std::unique_ptr<Cgroup> cg_;
};

// The guest names the cgroup as it sees it: the hierarchy is preopened under its host path.
TEST_F(CgroupAttach, SkbEgressAttachedByPathInsideAPreopenedDirectory) {
  const std::string root = parent_of(cg_->path());
  expect_cgroup_counts(*cg_, cg_->path(), {"--dir", root + "::" + root});
}

// The same cgroup preopened under another guest name.
TEST_F(CgroupAttach, GuestPathIsResolvedInTheGuestsNamespace) {
  // Read-only is enough to attach: attaching writes nothing in the cgroup directory.
  expect_cgroup_counts(*cg_, "/cg", {"--dir", cg_->path() + "::/cg:ro"});
}

TEST_F(CgroupAttach, AttachThroughPreopenedDirectoryFd) {
  expect_cgroup_counts(*cg_, "fd:/cg", {"--dir", cg_->path() + "::/cg"});
}

// A guest given no directory cannot name a host cgroup (the root cgroup least of all).
TEST_F(CgroupAttach, HostPathWithoutAPreopenIsRefused) {
  expect_refused(cg_->path(), {});
  expect_refused(parent_of(cg_->path()), {});
}

// `..` out of the preopen, a name that only starts like the preopen's, and a symlink in a
// preopened directory pointing out of it.
TEST_F(CgroupAttach, PathsLeavingThePreopenAreRefused) {
  expect_refused("/cg/..", {"--dir", cg_->path() + "::/cg"});
  expect_refused("/cgx", {"--dir", cg_->path() + "::/cg"});
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_EQ(symlink(cg_->path().c_str(), (dir.path() + "/out").c_str()), 0);
  expect_refused("/t/out", {"--dir", dir.path() + "::/t"});
}

}  // namespace
}  // namespace wb::bpftest
