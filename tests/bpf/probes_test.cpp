// SPDX-License-Identifier: MIT
// kprobe, kretprobe, uprobe and raw tracepoint programs attached from their section names.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

std::string diag(const wb::test::Process& p) { return "stdout:\n" + p.out() + "\nstderr:\n" + p.err(); }
std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

bool kernel_has_kprobes() {
  return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
         access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
         access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

TEST(Probes, KprobeEventsArrive) {
  WBT_REQUIRE_ROOT();
  if (!kernel_has_kprobes()) {
    // CONFIG_KPROBES=n: attaching must fail cleanly, with a negative errno.
    auto r = start_guest(guest("probes"), {"kprobe", std::to_string(getpid()), "1", "1000"})->wait(5000);
    EXPECT_EQ(r.exit_code, 11) << diag(r);  // the guest's "attach failed" status
    EXPECT_NE(r.out.find("attach wbt_kprobe: -"), std::string::npos) << diag(r);
    GTEST_SKIP() << "this kernel has no kprobes (CONFIG_KPROBES=n); checked that attaching one fails cleanly: "
                 << r.out;
  }
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string victim = dir.path() + "/unlink-me";
  auto g = start_guest(guest("probes"), {"kprobe", std::to_string(getpid()), "1", "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  // kprobe/do_unlinkat, filtered to this process: unlink() runs it even for a missing file.
  unlink(victim.c_str());
  ASSERT_TRUE(g->wait_for_output("KPROBE pid=" + std::to_string(getpid()) + " path=" + victim + "\n", 3000))
      << diag(*g);
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
}

// kretprobe: the return value of do_unlinkat (-ENOENT for a missing file).
TEST(Probes, KretprobeEventsArrive) {
  WBT_REQUIRE_ROOT();
  if (!kernel_has_kprobes()) {
    auto r = start_guest(guest("probes"), {"kretprobe", std::to_string(getpid()), "1", "1000"})->wait(5000);
    EXPECT_EQ(r.term_signal, 0) << diag(r);
    EXPECT_EQ(r.exit_code, 11) << diag(r);
    EXPECT_NE(r.out.find("attach wbt_kretprobe: -"), std::string::npos) << diag(r);
    GTEST_SKIP() << "this kernel has no kprobes (CONFIG_KPROBES=n); checked that attaching a kretprobe fails "
                    "cleanly: "
                 << r.out;
  }
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto g = start_guest(guest("probes"), {"kretprobe", std::to_string(getpid()), "1", "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  unlink((dir.path() + "/missing").c_str());
  ASSERT_TRUE(g->wait_for_output("KRETPROBE pid=" + std::to_string(getpid()) + " ret=-2\n", 3000)) << diag(*g);
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
}

// raw_tp/sched_process_exec, for children of this process: the helper binary started here.
TEST(Probes, RawTracepointEventsArrive) {
  WBT_REQUIRE_ROOT();
  auto g = start_guest(guest("probes"), {"rawtp", std::to_string(getpid()), "1", "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  ASSERT_EQ(spawn_and_wait(uprobe_target_binary(), {"1"}), 0);
  ASSERT_TRUE(g->wait_for_output(" comm=wb_uprobe_targe\n", 3000)) << diag(*g);
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  auto lines = lines_starting_with(r.out, "RAWTP ");
  ASSERT_EQ(lines.size(), 1u) << diag(r);
  // pid and the pid before exec agree (a single-threaded exec)
  const std::string prefix = "RAWTP pid=";
  const std::string pid = lines[0].substr(prefix.size(), lines[0].find(' ', prefix.size()) - prefix.size());
  ASSERT_FALSE(pid.empty()) << lines[0];
  EXPECT_NE(lines[0].find(" old_pid=" + pid + " "), std::string::npos) << lines[0];
}

TEST(Probes, UprobeEventsArrive) {
  WBT_REQUIRE_ROOT();
  auto g = start_guest(guest("probes"), {"uprobe", "0", "1", "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  // uprobe on the helper binary's function: the record carries its argument.
  ASSERT_EQ(spawn_and_wait(uprobe_target_binary(), {"77"}), 0);
  ASSERT_TRUE(g->wait_for_output(" arg=77 comm=", 3000)) << diag(*g);
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  auto uprobes = lines_starting_with(r.out, "UPROBE ");
  ASSERT_EQ(uprobes.size(), 1u) << diag(r);
  EXPECT_NE(uprobes[0].find("comm=wb_uprobe_targe"), std::string::npos) << uprobes[0];  // comm: 15 chars
}

}  // namespace
}  // namespace wb::bpftest
