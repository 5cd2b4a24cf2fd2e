// SPDX-License-Identifier: MIT
// Ring buffers and perf event arrays: events produced by the kernel arrive in the guest's
// callback, complete, in order, one callback per record.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

using wb::test::Process;

std::string diag(const Process& p) { return "stdout:\n" + p.out() + "\nstderr:\n" + p.err(); }
std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// Symlinks to /bin/true with unique names: exec() reports the link's path as the filename and
// its base name as comm.
std::vector<std::string> make_marker_links(const TempDir& dir, const std::string& marker, int n) {
  std::vector<std::string> links;
  for (int i = 1; i <= n; ++i) {
    std::string link = dir.path() + "/" + marker + "-" + std::to_string(i);
    EXPECT_EQ(symlink("/bin/true", link.c_str()), 0) << link;
    links.push_back(link);
  }
  return links;
}

TEST(RingBuffer, ExecEventsArriveInOrder) {
  WBT_REQUIRE_ROOT();
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string marker = "wbm" + std::to_string(getpid());
  const auto links = make_marker_links(dir, marker, 3);

  auto g = start_guest(guest("exec_rb"), {marker, "3", "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  for (const auto& link : links) ASSERT_EQ(spawn_and_wait(link), 0) << link;
  auto r = g->wait(8000);
  ASSERT_EQ(r.exit_code, 0) << diag(r);

  auto lines = lines_starting_with(r.out, "EXEC ");
  ASSERT_EQ(lines.size(), 3u) << diag(r);
  for (size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    const std::string name = marker + "-" + std::to_string(i + 1);
    EXPECT_NE(lines[i].find(" file=" + links[i]), std::string::npos);
    EXPECT_NE(lines[i].find(" comm=" + name.substr(0, 15)), std::string::npos);
    EXPECT_NE(lines[i].find(" ppid=" + std::to_string(getpid()) + " "), std::string::npos);
  }
  EXPECT_NE(r.out.find("done 3"), std::string::npos);
}

TEST(RingBuffer, RecordLargerThanMaxSizeIsTruncated) {
  WBT_REQUIRE_ROOT();
  // max_size 8: the callback gets min(record length, 8) = 8 bytes.
  auto g = start_guest(guest("exec_rb"), {"-", "1", "5000", "8"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  ASSERT_TRUE(eventually(
      [&] {
        spawn_and_wait("/bin/true");
        return g->wait_for_output("size=", 50);
      },
      4000))
      << diag(*g);
  auto r = g->wait(5000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("size=8\n"), std::string::npos) << diag(r);
}

TEST(PerfBuffer, OpenatEventsArrive) {
  WBT_REQUIRE_ROOT();
  const std::string marker = "/tmp/wbopen-" + std::to_string(getpid()) + "-";
  auto g = start_guest(guest("open_perf"), {std::to_string(getpid()), marker, "3", "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  for (int i = 1; i <= 3; ++i) {
    const std::string path = marker + std::to_string(i);
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);  // fails (no such file); the syscall is traced
    if (fd >= 0) close(fd);
    // Perf buffers are per CPU: wait for each event before the next so the order is defined.
    ASSERT_TRUE(g->wait_for_output("path=" + path + "\n", 3000)) << diag(*g);
  }
  auto r = g->wait(5000);
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  auto lines = lines_starting_with(r.out, "OPEN ");
  ASSERT_EQ(lines.size(), 3u) << diag(r);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[i], "OPEN pid=" + std::to_string(getpid()) + " path=" + marker + std::to_string(i + 1));
  }
}

// The contract: every record of a poll is delivered, in order (a runtime that kept only the
// last record of each poll fails this).
TEST(RingBuffer, BurstOfRecordsDeliveredInOrder) {
  WBT_REQUIRE_ROOT();
  auto g = start_guest(guest("burst"), {"ring", "1000", "5"}, {"--dir", "/proc::/proc:ro"});
  auto r = g->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("received=5000 expected=5000 in_order=1"), std::string::npos) << diag(r);
}

TEST(PerfBuffer, BurstOfRecordsDeliveredInOrder) {
  WBT_REQUIRE_ROOT();
  auto g = start_guest(guest("burst"), {"perf", "200", "5"}, {"--dir", "/proc::/proc:ro"});
  auto r = g->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("received=1000 expected=1000 in_order=1"), std::string::npos) << diag(r);
}

TEST(RingBuffer, SeveralObjectsAndSeveralPollersPerObject) {
  WBT_REQUIRE_ROOT();
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string marker = "wbx" + std::to_string(getpid() % 100000);  // < 16 chars: exit events carry comm
  const std::string link = dir.path() + "/" + marker;
  ASSERT_EQ(symlink("/bin/true", link.c_str()), 0);

  auto g = start_guest(guest("multi"), {marker, "5000"});
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  ASSERT_TRUE(eventually(
      [&] {
        spawn_and_wait(link);
        return g->wait_for_output("done\n", 200);
      },
      4000))
      << diag(*g);
  auto r = g->wait(5000);
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  for (const char* source : {"A-EXEC ", "A-EXIT ", "B-EXEC "}) {
    auto lines = lines_starting_with(r.out, source);
    ASSERT_FALSE(lines.empty()) << source << "\n" << diag(r);
    EXPECT_NE(lines[0].find(marker), std::string::npos) << lines[0];
  }
  EXPECT_NE(lines_starting_with(r.out, "A-EXIT ")[0].find(" code=0"), std::string::npos) << diag(r);
}

}  // namespace
}  // namespace wb::bpftest
