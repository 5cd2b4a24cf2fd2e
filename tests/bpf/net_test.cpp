// Programs attached to a target: XDP and tc on an interface (a veth pair the test creates),
// cgroup_skb on a cgroup directory (by path, and through a preopened directory fd).
#include <gtest/gtest.h>

#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

using wb::test::Process;

std::string diag(const Process& p) { return "stdout:\n" + p.out() + "\nstderr:\n" + p.err(); }
std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

std::string ip_link_show(const std::string& dev) { return run(find_tool("ip"), {"link", "show", "dev", dev}).out; }
std::string tc_filters(const std::string& dev, const std::string& direction) {
  return run(find_tool("tc"), {"filter", "show", "dev", dev, direction}).out;
}

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

TEST(Xdp, CountsFramesOnInterfaceAndDetachesOnExit) {
  WBT_REQUIRE_ROOT();
  if (find_tool("ip").empty()) GTEST_SKIP() << "iproute2 (ip) is not installed";
  VethPair veth("wbx");
  ASSERT_TRUE(veth.ok()) << veth.error();

  auto g = start_guest(guest("netcount"), {"wbt_xdp", veth.a(), "0", "3", "5000"});
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

TEST(Tc, IngressCountsFramesAndIsRemovedOnExit) {
  WBT_REQUIRE_ROOT();
  if (find_tool("ip").empty() || find_tool("tc").empty()) GTEST_SKIP() << "iproute2 (ip, tc) is not installed";
  VethPair veth("wbt");
  ASSERT_TRUE(veth.ok()) << veth.error();

  auto g = start_guest(guest("netcount"), {"wbt_tc", veth.a(), "1", "3", "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  EXPECT_NE(tc_filters(veth.a(), "ingress").find("wbt_tc"), std::string::npos) << tc_filters(veth.a(), "ingress");
  EXPECT_EQ(tc_filters(veth.a(), "egress").find("wbt_tc"), std::string::npos) << tc_filters(veth.a(), "egress");
  send_until_final(*g, veth.b());
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  // A tc filter outlives the process that added it: only the host's cleanup removes it.
  EXPECT_TRUE(eventually([&] { return tc_filters(veth.a(), "ingress").find("wbt_tc") == std::string::npos; }, 2000))
      << tc_filters(veth.a(), "ingress");
}

// Target "IFNAME:egress" selects the egress hook (a wasm-bpf extension; the reference runtimes
// always attach to ingress).
TEST(Tc, EgressSelectedByTargetSuffix) {
  WBT_REQUIRE_ROOT();
  if (find_tool("ip").empty() || find_tool("tc").empty()) GTEST_SKIP() << "iproute2 (ip, tc) is not installed";
  VethPair veth("wbe");
  ASSERT_TRUE(veth.ok()) << veth.error();

  auto g = start_guest(guest("netcount"), {"wbt_tc", veth.a() + ":egress", "1", "3", "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  EXPECT_NE(tc_filters(veth.a(), "egress").find("wbt_tc"), std::string::npos) << tc_filters(veth.a(), "egress");
  send_until_final(*g, veth.a());  // sent out of veth.a(): its egress hook sees them
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_TRUE(eventually([&] { return tc_filters(veth.a(), "egress").find("wbt_tc") == std::string::npos; }, 2000))
      << tc_filters(veth.a(), "egress");
}

TEST(Tc, UnknownInterfaceIsAnError) {
  WBT_REQUIRE_ROOT();
  auto r = start_guest(guest("netcount"), {"wbt_tc", "nosuchdev0", "1", "1", "1000"})->wait(5000);
  EXPECT_EQ(r.exit_code, 11) << diag(r);  // the guest's "attach failed" status
  EXPECT_NE(r.out.find("attach wbt_tc to nosuchdev0: -"), std::string::npos) << diag(r);
}

void cgroup_test(bool through_fd) {
  Cgroup cg;
  ASSERT_TRUE(cg.ok()) << cg.error();
  std::vector<std::string> flags;
  std::string target = cg.path();
  if (through_fd) {
    flags = {"--dir", cg.path() + "::/cg"};
    target = "fd:/cg";
  }
  auto g = start_guest(guest("netcount"), {"wbt_cg_egress", target, "2", "3", "5000"}, flags);
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

TEST(Cgroup, SkbEgressCountsPacketsOfProcessesInTheCgroup) {
  WBT_REQUIRE_ROOT();
  cgroup_test(false);
}

TEST(Cgroup, AttachThroughPreopenedDirectoryFd) {
  WBT_REQUIRE_ROOT();
  cgroup_test(true);
}

}  // namespace
}  // namespace wb::bpftest
