// SPDX-License-Identifier: MIT
// Graceful stops of `wasm-bpf run`: SIGINT, SIGTERM and --timeout first ask the guest to
// finish (its sleep or read returns early), then stop it after --stop-timeout; a second
// signal stops it at once. Whatever the guest printed must arrive whether its stdout is a
// pipe or a file, though it never flushes (C guests line-buffer: stdout looks like a
// terminal to them).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wasi_test_util.h"

extern char** environ;

namespace {

using namespace wb::wasi_test;

enum class StopBy { sigint, sigterm, timeout };
enum class Output { pipe, file };

struct StopCase {
  const char* name;
  StopBy by;
  Output out;
  int expected_status;
};

// gtest names the case by its name (not its bytes) in test lists.
void PrintTo(const StopCase& c, std::ostream* os) { *os << c.name; }

// Checks that `out` holds "tick 1" .. "tick N" in order, nothing lost, N >= min_ticks, and
// returns N.
int expect_every_tick(const std::string& out, int min_ticks) {
  const std::vector<std::string> got = lines(out);
  int n = 0;
  for (const std::string& l : got) {
    if (l.rfind("tick ", 0) != 0) continue;
    ++n;
    EXPECT_EQ(l, "tick " + std::to_string(n)) << "a line is missing or out of order:\n" << out;
  }
  EXPECT_GE(n, min_ticks) << "lines were lost:\n" << out;
  return n;
}

class StopTicker : public ::testing::TestWithParam<StopCase> {};

// `ticker` prints a line every 100 ms and never flushes; stopped after about 1 s, every line
// it printed must be there, whether stdout is a pipe or a file.
TEST_P(StopTicker, EveryLineArrives) {
  const StopCase& c = GetParam();
  TempDir tmp;
  const std::string out_file = (tmp.path() / "out.txt").string();
  std::vector<std::string> run_args = {"run"};
  if (c.by == StopBy::timeout) run_args.insert(run_args.end(), {"--timeout", "1s"});
  run_args.push_back(guest("ticker"));

  std::unique_ptr<Process> p;
  if (c.out == Output::pipe) {
    p = Process::start(kCli, run_args);
  } else {
    std::string cmd = "exec '" + kCli + "'";
    for (const std::string& a : run_args) cmd += " '" + a + "'";
    cmd += " > '" + out_file + "'";
    p = Process::start("/bin/sh", {"-c", cmd});
  }
  const auto start = Clock::now();
  if (c.by != StopBy::timeout) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    p->send_signal(c.by == StopBy::sigint ? SIGINT : SIGTERM);
  }
  const ProcessResult r = p->wait(10000);
  const long long took = ms_between(start, p->exit_time());
  EXPECT_EQ(r.exit_code, c.expected_status) << describe(r);
  EXPECT_LT(took, 2000) << "a sleeping guest must stop promptly\n" << describe(r);
  const std::string out = c.out == Output::pipe ? r.out : read_file(out_file);
  // 1 s of ticks, give or take the start-up: at least 8 lines.
  expect_every_tick(out, 8);
}

INSTANTIATE_TEST_SUITE_P(
    Graceful, StopTicker,
    ::testing::Values(StopCase{"SigintToAPipe", StopBy::sigint, Output::pipe, 130},
                      StopCase{"SigintToAFile", StopBy::sigint, Output::file, 130},
                      StopCase{"SigtermToAPipe", StopBy::sigterm, Output::pipe, 143},
                      StopCase{"SigtermToAFile", StopBy::sigterm, Output::file, 143},
                      StopCase{"TimeoutToAPipe", StopBy::timeout, Output::pipe, 124},
                      StopCase{"TimeoutToAFile", StopBy::timeout, Output::file, 124}),
    [](const ::testing::TestParamInfo<StopCase>& p) { return std::string(p.param.name); });

// The sleep that the request cuts short returns early: the guest sees it and finishes by
// itself; the exit status still says what stopped it.
TEST(GracefulStop, ASleepReturnsEarlySoThatTheGuestCanFinish) {
  auto p = Process::start(kCli, {"run", guest("ticker"), "summary"});
  ASSERT_TRUE(p->wait_for_output("tick 3", 5000)) << p->out() << p->err();
  p->send_signal(SIGINT);
  const ProcessResult r = p->wait(5000);
  EXPECT_EQ(r.exit_code, 130) << describe(r);
  const int n = expect_every_tick(r.out, 3);
  EXPECT_NE(r.out.find("summary: " + std::to_string(n) + " ticks\n"), std::string::npos) << describe(r);
  EXPECT_EQ(r.err, "") << "a guest that finished by itself needs no message";
}

TEST(GracefulStop, AReadReturnsEarlyWithEintr) {
  SpawnOptions o;
  o.stdin_mode = SpawnOptions::Stdin::pipe;  // open, and nobody writes
  auto p = Process::start(kCli, {"run", guest("read_stdin")}, o);
  ASSERT_TRUE(p->wait_for_output("reading", 5000)) << p->out() << p->err();
  ASSERT_TRUE(wait_until_blocked(p->pid(), 2000)) << thread_states(p->pid());
  p->send_signal(SIGTERM);
  const ProcessResult r = p->wait(5000);
  EXPECT_EQ(r.exit_code, 143) << describe(r);
  // The guest's own error path ran: it saw read() fail with EINTR.
  EXPECT_NE(r.err.find("read: Interrupted system call"), std::string::npos) << describe(r);
}

// A guest that never calls the host (or ignores what it is told) is stopped outright once
// the grace period is over, and wasm-bpf says so.
TEST(GracefulStop, AGuestThatDoesNotFinishIsStoppedAfterTheGracePeriod) {
  auto p = Process::start(kCli, {"run", "--stop-timeout", "400ms", guest("spin")});
  ASSERT_TRUE(p->wait_for_output("spinning", 5000)) << p->out() << p->err();
  const auto sent = p->send_signal(SIGINT);
  const ProcessResult r = p->wait(5000);
  const long long took = ms_between(sent, p->exit_time());
  EXPECT_EQ(r.exit_code, 130) << describe(r);
  EXPECT_GE(took, 390) << "stopped before the grace period was over\n" << describe(r);
  EXPECT_LT(took, 1400) << describe(r);
  EXPECT_NE(r.err.find("did not finish within 400ms of SIGINT"), std::string::npos) << describe(r);
  EXPECT_NE(r.err.find("--stop-timeout"), std::string::npos) << describe(r);
}

TEST(GracefulStop, TheDefaultGracePeriodIsFiveSeconds) {
  auto p = Process::start(kCli, {"run", guest("spin")});
  ASSERT_TRUE(p->wait_for_output("spinning", 5000)) << p->out() << p->err();
  const auto sent = p->send_signal(SIGTERM);
  const ProcessResult r = p->wait(15000);
  const long long took = ms_between(sent, p->exit_time());
  EXPECT_EQ(r.exit_code, 143) << describe(r);
  EXPECT_GE(took, 4900) << describe(r);
  EXPECT_LT(took, 7000) << describe(r);
  EXPECT_NE(r.err.find("did not finish within 5s of SIGTERM"), std::string::npos) << describe(r);
}

TEST(GracefulStop, ASecondSignalStopsTheGuestAtOnce) {
  auto p = Process::start(kCli, {"run", guest("spin")});  // default grace: 5 s
  ASSERT_TRUE(p->wait_for_output("spinning", 5000)) << p->out() << p->err();
  p->send_signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto second = p->send_signal(SIGINT);
  const ProcessResult r = p->wait(5000);
  EXPECT_EQ(r.exit_code, 130) << describe(r);
  EXPECT_LT(ms_between(second, p->exit_time()), 300) << describe(r);
  EXPECT_EQ(r.err.find("did not finish"), std::string::npos) << "the user stopped it: " << r.err;
}

TEST(GracefulStop, AZeroStopTimeoutStopsTheGuestAtOnce) {
  auto p = Process::start(kCli, {"run", "--stop-timeout", "0", guest("spin")});
  ASSERT_TRUE(p->wait_for_output("spinning", 5000)) << p->out() << p->err();
  const auto sent = p->send_signal(SIGTERM);
  const ProcessResult r = p->wait(5000);
  EXPECT_EQ(r.exit_code, 143) << describe(r);
  EXPECT_LT(ms_between(sent, p->exit_time()), 300) << describe(r);
}

TEST(GracefulStop, TheTimeoutGivesTheSameGracePeriod) {
  const auto start = Clock::now();
  auto p = Process::start(kCli, {"run", "--timeout", "300ms", "--stop-timeout", "300ms", guest("spin")});
  const ProcessResult r = p->wait(10000);
  const long long took = ms_between(start, p->exit_time());
  EXPECT_EQ(r.exit_code, 124) << describe(r);
  EXPECT_GE(took, 590) << describe(r);
  EXPECT_LT(took, 2000) << describe(r);
  EXPECT_NE(r.err.find("it did not finish within 300ms"), std::string::npos) << describe(r);
}

TEST(GracefulStop, StdoutAndStderrLookLikeTerminalsSoThatGuestsLineBuffer) {
  // tty_lines prints isatty(1) and sleeps; its stdout here is a pipe.
  const ProcessResult r = run({"--timeout", "300ms", guest("tty_lines")});
  EXPECT_EQ(r.exit_code, 124) << describe(r);
  EXPECT_EQ(r.out, "isatty=1\n") << describe(r);
}

// `wasm-bpf run tool.wasm | head`: once head is gone the guest's writes fail with EPIPE and it
// is asked to finish; wasm-bpf is not killed by SIGPIPE in the middle of a host call, and
// exits 141 as a shell expects.
TEST(GracefulStop, AClosedStdoutEndsTheGuestWith141) {
  const std::string cmd = "'" + kCli + "' run '" + guest("ticker") + "' | head -n 3; echo \"status=${PIPESTATUS[0]}\"";
  const auto start = Clock::now();
  const ProcessResult r = wb::test::run_process("/bin/bash", {"-c", cmd}, 10000);
  EXPECT_LT(ms_between(start, Clock::now()), 3000) << describe(r);
  EXPECT_EQ(r.out, "tick 1\ntick 2\ntick 3\nstatus=141\n") << describe(r);
}

// A guest writing into a pipe nobody reads waits in the host; --timeout must still reach it
// (a write larger than the pipe has room for would block inside the kernel).
TEST(GracefulStop, AGuestBlockedWritingToAFullPipeIsStopped) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const std::string module = guest("flood");
  std::vector<std::string> args = {kCli, "run", "--timeout", "300ms", "--stop-timeout", "200ms", module};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const auto start = Clock::now();
  ASSERT_EQ(::posix_spawn(&pid, kCli.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() - start < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const long long took = ms_between(start, Clock::now());
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ::close(fds[0]);
  ASSERT_EQ(done, pid) << "wasm-bpf was still blocked in a write 5 s later";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 124);
  EXPECT_LT(took, 2000);
}

}  // namespace
