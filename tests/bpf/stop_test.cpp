// SPDX-License-Identifier: MIT
// Graceful stops with BPF: SIGINT, SIGTERM and --timeout make a pending (or the next)
// wasm_bpf_buffer_poll return -EINTR, through the function-table callback and through the
// Go callback path, so that the guest leaves its poll loop and prints its summary, which must
// arrive whether stdout is a pipe or a file. A guest that ignores -EINTR is stopped after
// --stop-timeout. Nothing the guest loaded stays in the kernel, however it ended.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <ostream>
#include <string>
#include <thread>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

using wb::test::Process;
using wb::test::ProcessResult;
using Clock = std::chrono::steady_clock;

std::string diag(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

enum class StopBy { sigint, sigterm, timeout };

struct StopCase {
  const char* name;
  const char* guest;   // stop_poll or stop_poll_go
  const char* poll_timeout_ms;  // "-1": the poll waits for ever, the stop must end it
  StopBy by;
  int expected_status;
};

// gtest names the case by its name (not its bytes) in test lists.
void PrintTo(const StopCase& c, std::ostream* os) { *os << c.name; }

class GracefulStop : public ::testing::TestWithParam<StopCase> {
 protected:
  void SetUp() override { WBT_REQUIRE_ROOT(); }
};

// The guest counts records, then prints "poll returned R (EINTR: yes)" and "summary: N
// records" when the poll fails; N must match the records it printed.
TEST_P(GracefulStop, ThePollReturnsEintrAndTheSummaryArrives) {
  const StopCase& c = GetParam();
  std::vector<std::string> flags;
  if (c.by == StopBy::timeout) flags = {"--timeout", "1500ms"};
  auto p = start_guest(guest(c.guest), {c.poll_timeout_ms}, flags);
  ASSERT_TRUE(p->wait_for_output("attached\n", 5000)) << p->out() << p->err();
  const BpfIds ids = bpf_ids_of_process(p->pid());
  ASSERT_FALSE(ids.progs.empty());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(spawn_and_wait("/bin/true"), 0);
  ASSERT_TRUE(p->wait_for_output("exec 3\n", 5000)) << "records printed without a flush must arrive at once\n"
                                                    << p->out() << p->err();
  const auto stop_at = Clock::now();
  if (c.by != StopBy::timeout) p->send_signal(c.by == StopBy::sigint ? SIGINT : SIGTERM);
  const ProcessResult r = p->wait(10000);
  if (c.by != StopBy::timeout) {
    EXPECT_LT(ms_since(stop_at), 1000) << diag(r);
  }
  EXPECT_EQ(r.exit_code, c.expected_status) << diag(r);
  EXPECT_NE(r.out.find("(EINTR: yes)\n"), std::string::npos) << diag(r);
  int printed = 0;
  std::istringstream lines(r.out);
  for (std::string l; std::getline(lines, l);) printed += l.rfind("exec ", 0) == 0;
  EXPECT_NE(r.out.find("summary: " + std::to_string(printed) + " records\n"), std::string::npos) << diag(r);
  EXPECT_EQ(r.err.find("did not finish"), std::string::npos) << diag(r);
  std::string left;
  EXPECT_TRUE(eventually([&] { return (left = left_in_kernel(ids)).empty(); }, 3000)) << "still present:" << left;
}

INSTANTIATE_TEST_SUITE_P(
    Stop, GracefulStop,
    ::testing::Values(StopCase{"SigintWhilePolling", "stop_poll", "100", StopBy::sigint, 130},
                      StopCase{"SigtermWhilePolling", "stop_poll", "100", StopBy::sigterm, 143},
                      StopCase{"SigintEndsAPollWithoutTimeout", "stop_poll", "-1", StopBy::sigint, 130},
                      StopCase{"TimeoutEndsAPollWithoutTimeout", "stop_poll", "-1", StopBy::timeout, 124},
                      StopCase{"GoPathSigint", "stop_poll_go", "100", StopBy::sigint, 130},
                      StopCase{"GoPathSigterm", "stop_poll_go", "-1", StopBy::sigterm, 143},
                      StopCase{"GoPathTimeout", "stop_poll_go", "100", StopBy::timeout, 124}),
    [](const ::testing::TestParamInfo<StopCase>& p) { return std::string(p.param.name); });

class GracefulStopBpf : public ::testing::Test {
 protected:
  void SetUp() override { WBT_REQUIRE_ROOT(); }
};

// stdout is a file: the lines and the summary are written all the same.
TEST_F(GracefulStopBpf, SummaryReachesAFile) {
  TempDir tmp;
  const std::string out = tmp.path() + "/out.txt";
  auto p = Process::start("/bin/sh", {"-c", "exec '" + wasm_bpf_binary() + "' run '" + guest("stop_poll") +
                                                "' 100 > '" + out + "'"});
  ASSERT_TRUE(eventually(
      [&] {
        std::ifstream in(out);
        std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return s.find("attached\n") != std::string::npos;
      },
      5000));
  for (int i = 0; i < 2; ++i) ASSERT_EQ(spawn_and_wait("/bin/true"), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  p->send_signal(SIGTERM);
  const ProcessResult r = p->wait(10000);
  EXPECT_EQ(r.exit_code, 143) << diag(r);
  std::ifstream in(out);
  const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(s.find("exec 2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("(EINTR: yes)\nsummary: "), std::string::npos) << s;
}

// A guest that polls again after -EINTR is stopped once --stop-timeout is over; wasm-bpf
// says so, and what it loaded is gone.
TEST_F(GracefulStopBpf, AGuestThatIgnoresEintrIsStoppedAfterTheGracePeriod) {
  auto p = start_guest(guest("stop_poll"), {"100", "ignore"}, {"--stop-timeout", "500ms"});
  ASSERT_TRUE(p->wait_for_output("attached\n", 5000)) << p->out() << p->err();
  const BpfIds ids = bpf_ids_of_process(p->pid());
  const auto sent = p->send_signal(SIGINT);
  const ProcessResult r = p->wait(10000);
  const long long took = std::chrono::duration_cast<std::chrono::milliseconds>(p->exit_time() - sent).count();
  EXPECT_EQ(r.exit_code, 130) << diag(r);
  EXPECT_GE(took, 490) << diag(r);
  EXPECT_LT(took, 1500) << diag(r);
  EXPECT_EQ(r.out.find("summary"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("did not finish within 500ms of SIGINT"), std::string::npos) << diag(r);
  std::string left;
  EXPECT_TRUE(eventually([&] { return (left = left_in_kernel(ids)).empty(); }, 3000)) << "still present:" << left;
}

// A second Ctrl-C does not wait for the grace period.
TEST_F(GracefulStopBpf, ASecondSignalStopsAGuestThatIgnoresEintr) {
  auto p = start_guest(guest("stop_poll"), {"100", "ignore"});
  ASSERT_TRUE(p->wait_for_output("attached\n", 5000)) << p->out() << p->err();
  const BpfIds ids = bpf_ids_of_process(p->pid());
  p->send_signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto second = p->send_signal(SIGINT);
  const ProcessResult r = p->wait(10000);
  EXPECT_EQ(r.exit_code, 130) << diag(r);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(p->exit_time() - second).count(), 500) << diag(r);
  std::string left;
  EXPECT_TRUE(eventually([&] { return (left = left_in_kernel(ids)).empty(); }, 3000)) << "still present:" << left;
}

}  // namespace
}  // namespace wb::bpftest
