// SPDX-License-Identifier: MIT
// The embedding API (runtime::Runner) with the C guests: args, environment, directories and
// stdio given by the embedder (as host fds or as stream objects), and stop() while the guest
// is blocked in poll_oneoff or in a read of stdin.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "runtime/runtime.h"
#include "wasi/stdio_stream.h"

namespace {

using namespace wb;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string guest(const std::string& name) { return std::string(WB_WASI_GUEST_DIR) + "/" + name + ".wasm"; }

runtime::RunConfig config_for(const std::string& name, std::vector<std::string> args = {}) {
  runtime::RunConfig cfg;
  cfg.module_path = guest(name);
  cfg.args = std::move(args);
  cfg.enable_bpf = false;
  return cfg;
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void close_write() {
    if (w >= 0) ::close(w);
    w = -1;
  }
  // Everything written so far (the write end is closed first).
  std::string drain() {
    close_write();
    std::string s;
    char buf[256];
    ssize_t n;
    while ((n = ::read(r, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
    return s;
  }
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/wb-runner-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `cfg` on a thread; stop() it once `ready` says so, and check it ends within 200 ms.
void expect_stops_promptly(runtime::RunConfig cfg, const std::function<bool()>& ready) {
  runtime::Runner runner(std::move(cfg));
  runtime::RunResult result;
  std::atomic<bool> done{false};
  std::thread t([&] {
    result = runner.run();
    done = true;
  });
  const auto deadline = Clock::now() + 5s;
  while (!ready() && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(ready()) << "the guest never got to where it blocks";
  std::this_thread::sleep_for(100ms);  // let it block in the host call
  EXPECT_FALSE(done.load()) << "the guest did not block";
  const auto stop_at = Clock::now();
  runner.stop();
  while (!done.load() && Clock::now() - stop_at < 5s) std::this_thread::sleep_for(1ms);
  const auto took = Clock::now() - stop_at;
  t.join();
  EXPECT_LT(took, 200ms);
  EXPECT_EQ(result.outcome, runtime::Outcome::Interrupted) << result.message;
  EXPECT_EQ(runtime::exit_status(result), 130);
}

// ---- args, env, dirs, stdio as host fds ------------------------------------------------------

TEST(RunnerApi, ArgsAndEnvironment) {
  Pipe out;
  auto cfg = config_for("echo_args_env", {"one", "two words"});
  cfg.env = {"A=1", "B=x=y"};
  cfg.stdout_fd = out.w;
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(r.exit_code, 0);
  const std::string text = out.drain();
  EXPECT_NE(text.find("argc 3\nargv[0]=" + guest("echo_args_env") + "\nargv[1]=one\nargv[2]=two words\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("env:A=1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("env:B=x=y\n"), std::string::npos) << text;
}

TEST(RunnerApi, DirectoriesAreMappedUnderTheirGuestNames) {
  TempDir dir;
  std::ofstream(dir.path() + "/in.txt") << "from the embedder\n";
  Pipe out;
  auto cfg = config_for("files", {"cat", "/data/in.txt"});
  cfg.dirs = {{dir.path(), "/data"}};
  cfg.stdout_fd = out.w;
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(out.drain(), "from the embedder\n");
}

TEST(RunnerApi, StdinAndStdoutFromHostFds) {
  Pipe in, out, err;
  ASSERT_EQ(::write(in.w, "abc", 3), 3);
  in.close_write();
  auto cfg = config_for("read_stdin");
  cfg.stdin_fd = in.r;
  cfg.stdout_fd = out.w;
  cfg.stderr_fd = err.w;
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(out.drain(), "reading\ngot: abc\neof\n");
  EXPECT_EQ(err.drain(), "");
}

// A guest that makes its stdin non-blocking gets EAGAIN, but the embedder's fd (whose open
// file description outlives the run, and may be shared with a shell) keeps its flags.
TEST(RunnerApi, NonblockingStdinLeavesTheHostFdAlone) {
  Pipe in, out;  // `in` stays open and empty
  auto cfg = config_for("wasi_raw", {"nonblock_stdin"});
  cfg.stdin_fd = in.r;
  cfg.stdout_fd = out.w;
  cfg.timeout = 5s;
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(out.drain(), "set_flags errno 0, nonblock on\nappend: ENOTSUP\nread: EAGAIN\n");
  const int fl = ::fcntl(in.r, F_GETFL);
  EXPECT_EQ(fl & O_NONBLOCK, 0) << "the guest changed the host's stdin";
}

// The embedder's stdin may be non-blocking; a guest that did not ask for that still gets
// blocking reads.
TEST(RunnerApi, NonblockingHostStdinStillBlocksForTheGuest) {
  Pipe in, out;
  ASSERT_EQ(::fcntl(in.r, F_SETFL, O_NONBLOCK), 0);
  auto cfg = config_for("read_stdin");
  cfg.stdin_fd = in.r;
  cfg.stdout_fd = out.w;
  cfg.timeout = 10s;
  std::thread writer([&] {
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(::write(in.w, "late", 4), 4);
    std::this_thread::sleep_for(100ms);
    in.close_write();
  });
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  writer.join();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(out.drain(), "reading\ngot: late\neof\n");
}

TEST(RunnerApi, ExitStatusOutsideEightBitsIsOne) {
  auto cfg = config_for("exitcode", {"proc_exit", "256"});
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(r.exit_code, 256);
  EXPECT_EQ(runtime::exit_status(r), 1);
}

// ---- stdio as streams ------------------------------------------------------------------------

TEST(RunnerApi, StreamsFeedStdinAndCaptureStdoutAndStderrSeparately) {
  auto in = std::make_shared<wasi::StringInput>("hello world");
  auto out = std::make_shared<wasi::StringOutput>();
  auto err = std::make_shared<wasi::StringOutput>();
  auto cfg = config_for("wasi_raw", {"stdio_split"});
  cfg.stdin_stream = in;
  cfg.stdout_stream = out;
  cfg.stderr_stream = err;
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(out->str(), "out: hello world\n");
  EXPECT_EQ(err->str(), "poll ok\nerr: 11 bytes\n");
}

TEST(RunnerApi, CallbackOutputSeesEveryWriteOfLibcStdio) {
  std::string captured;
  auto cfg = config_for("read_stdin");
  cfg.stdin_stream = std::make_shared<wasi::StringInput>("line one");
  cfg.stdout_stream = std::make_shared<wasi::CallbackOutput>([&](std::string_view s) { captured.append(s); });
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(captured, "reading\ngot: line one\neof\n");
}

TEST(RunnerApi, EmptyStreamInputIsEndOfFile) {
  auto out = std::make_shared<wasi::StringOutput>();
  auto cfg = config_for("read_stdin");
  cfg.stdin_stream = std::make_shared<wasi::StringInput>("");
  cfg.stdout_stream = out;
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_EQ(out->str(), "reading\neof\n");
}

// ---- stop() while blocked --------------------------------------------------------------------

TEST(RunnerApi, StopWhileBlockedInPollOneoff) {
  auto out = std::make_shared<wasi::StringOutput>();
  auto cfg = config_for("sleep_forever", {"poll"});
  cfg.stdout_stream = out;
  expect_stops_promptly(std::move(cfg), [&] { return out->str() == "sleeping\n"; });
}

TEST(RunnerApi, StopWhileBlockedReadingStdinFromAPipe) {
  Pipe in;  // open and empty
  auto out = std::make_shared<wasi::StringOutput>();
  auto cfg = config_for("read_stdin");
  cfg.stdin_fd = in.r;
  cfg.stdout_stream = out;
  expect_stops_promptly(std::move(cfg), [&] { return out->str() == "reading\n"; });
}

// An input stream with nothing to give yet: the guest waits, and stop() still ends it.
class NeverReady : public wasi::StdioStream {
 public:
  int64_t read(uint8_t*, size_t) override { return kWouldBlock; }
};

TEST(RunnerApi, StopWhileBlockedReadingStdinFromAStream) {
  auto out = std::make_shared<wasi::StringOutput>();
  auto cfg = config_for("read_stdin");
  cfg.stdin_stream = std::make_shared<NeverReady>();
  cfg.stdout_stream = out;
  expect_stops_promptly(std::move(cfg), [&] { return out->str() == "reading\n"; });
}

TEST(RunnerApi, StopWhilePollingStdinFromAPipe) {
  Pipe in;  // open and empty
  auto out = std::make_shared<wasi::StringOutput>();
  auto cfg = config_for("wasi_raw", {"poll_stdin"});
  cfg.stdin_fd = in.r;
  cfg.stdout_stream = out;
  expect_stops_promptly(std::move(cfg), [&] { return out->str() == "polling\n"; });
}

// request_stop(): the guest's sleep returns early, it finishes by itself (printing what it
// had) and the result says it was asked to stop, not forced.
TEST(RunnerApi, RequestStopLetsTheGuestFinish) {
  auto out = std::make_shared<wasi::StringOutput>();
  auto cfg = config_for("ticker", {"summary"});
  cfg.stdout_stream = out;
  runtime::Runner runner(std::move(cfg));
  runtime::RunResult result;
  std::thread t([&] { result = runner.run(); });
  const auto deadline = Clock::now() + 5s;
  while (out->str().find("tick 2\n") == std::string::npos && Clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  const auto asked = Clock::now();
  runner.request_stop();
  t.join();
  EXPECT_LT(Clock::now() - asked, 200ms);
  EXPECT_EQ(result.outcome, runtime::Outcome::Interrupted) << result.message;
  EXPECT_FALSE(result.forced);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stop_reason, StopRequest::kByCaller);
  EXPECT_EQ(runtime::exit_status(result), 130);
  // Each line arrived as it was printed (the stream looks like a terminal), and the summary.
  EXPECT_NE(out->str().find("tick 2\n"), std::string::npos) << out->str();
  EXPECT_NE(out->str().find("summary: "), std::string::npos) << out->str();
}

}  // namespace
