// SPDX-License-Identifier: MIT
// The runtime's embedding API: a guest run with redirected stdio, extra host functions, and a
// handle that stops, pauses and resumes it from another thread.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "module_builder.h"
#include "runtime/runtime.h"
#include "wasm/host.h"

using namespace wb;
using namespace std::chrono_literals;

namespace {

std::string module_path(const char* name) { return std::string(RUNTIME_TEST_MODULE_DIR) + "/" + name; }

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  std::string drain() {
    ::close(w);
    w = -1;
    std::string s;
    char buf[256];
    ssize_t n;
    while ((n = ::read(r, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
    return s;
  }
};

TEST(Runner, RedirectsStdioAndAddsHostFunctions) {
  Pipe out;
  runtime::RunConfig cfg;
  cfg.module_path = module_path("greet.wasm");
  cfg.stdout_fd = out.w;
  int pinged = 0;
  cfg.extra_imports = [&](wasm::Store& store, wasm::Imports& imports) {
    imports.add("env", "ping", wasm::define_host(store, "env.ping", [&](wasm::HostContext&, int32_t v) {
                  ++pinged;
                  return v * 6;
                }));
  };
  bool exited = false;
  cfg.on_exit = [&] { exited = true; };
  runtime::Runner runner(std::move(cfg));
  runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited);
  EXPECT_EQ(r.exit_code, 42);
  EXPECT_EQ(runtime::exit_status(r), 42);
  EXPECT_EQ(pinged, 1);
  EXPECT_TRUE(exited);
  EXPECT_EQ(out.drain(), "hi from wasm\n");
}

TEST(Runner, MissingImportIsAClearFailure) {
  runtime::RunConfig cfg;
  cfg.module_path = module_path("greet.wasm");
  runtime::Runner runner(std::move(cfg));
  runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Failed);
  EXPECT_EQ(runtime::exit_status(r), 125);
  EXPECT_NE(r.message.find("unknown import \"env\" \"ping\""), std::string::npos) << r.message;
}

struct TickerRun {
  std::atomic<uint64_t> ticks{0};
  std::unique_ptr<runtime::Runner> runner;
  explicit TickerRun(std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                     std::chrono::milliseconds stop_timeout = 5000ms) {
    runtime::RunConfig cfg;
    cfg.module_path = module_path("ticker.wasm");
    cfg.timeout = timeout;
    cfg.stop_timeout = stop_timeout;
    cfg.extra_imports = [this](wasm::Store& store, wasm::Imports& imports) {
      imports.add("env", "tick", wasm::define_host(store, "env.tick", [this](wasm::HostContext&) { ++ticks; }));
    };
    runner = std::make_unique<runtime::Runner>(std::move(cfg));
  }
  void wait_for_ticks(uint64_t above) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (ticks.load() <= above && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  }
};

TEST(Runner, StopPauseAndResumeFromAnotherThread) {
  TickerRun t;
  runtime::RunResult result;
  std::thread guest([&] { result = t.runner->run(); });
  t.wait_for_ticks(1000);
  t.runner->pause();
  std::this_thread::sleep_for(20ms);  // let it reach a check point
  uint64_t paused_at = t.ticks.load();
  std::this_thread::sleep_for(100ms);
  EXPECT_LE(t.ticks.load(), paused_at + 1) << "the guest kept running while paused";
  t.runner->resume();
  t.wait_for_ticks(paused_at + 1000);
  EXPECT_GT(t.ticks.load(), paused_at + 1000);
  auto stop_at = std::chrono::steady_clock::now();
  t.runner->stop();
  guest.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, 200ms);
  EXPECT_EQ(result.outcome, runtime::Outcome::Interrupted);
  EXPECT_EQ(runtime::exit_status(result), 130);
}

TEST(Runner, StopWhilePausedEndsTheGuest) {
  TickerRun t;
  runtime::RunResult result;
  std::thread guest([&] { result = t.runner->run(); });
  t.wait_for_ticks(10);
  t.runner->pause();
  std::this_thread::sleep_for(20ms);
  t.runner->stop();
  guest.join();
  EXPECT_EQ(result.outcome, runtime::Outcome::Interrupted);
}

// The guest never blocks, so it cannot be told to finish: it is stopped outright when the
// grace period after the timeout is over.
TEST(Runner, TimeoutEndsALoopingGuestAfterTheGracePeriod) {
  TickerRun t(150ms, 100ms);
  auto start = std::chrono::steady_clock::now();
  runtime::RunResult r = t.runner->run();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.outcome, runtime::Outcome::TimedOut);
  EXPECT_EQ(runtime::exit_status(r), 124);
  EXPECT_EQ(r.stop_reason, StopRequest::kByTimeout);
  EXPECT_TRUE(r.forced);
  EXPECT_TRUE(r.grace_expired);
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
}

TEST(Runner, ZeroStopTimeoutEndsTheGuestAtTheTimeout) {
  TickerRun t(150ms, 0ms);
  auto start = std::chrono::steady_clock::now();
  runtime::RunResult r = t.runner->run();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.outcome, runtime::Outcome::TimedOut);
  EXPECT_TRUE(r.forced);
  EXPECT_FALSE(r.grace_expired);
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 1s);
}

TEST(Runner, ASecondStopRequestEndsTheGuestAtOnce) {
  TickerRun t;  // 5 s of grace
  runtime::RunResult result;
  std::thread guest([&] { result = t.runner->run(); });
  t.wait_for_ticks(100);
  t.runner->request_stop();
  std::this_thread::sleep_for(50ms);
  EXPECT_GT(t.ticks.load(), 100u);
  auto second = std::chrono::steady_clock::now();
  t.runner->request_stop();
  guest.join();
  EXPECT_LT(std::chrono::steady_clock::now() - second, 200ms);
  EXPECT_EQ(result.outcome, runtime::Outcome::Interrupted);
  EXPECT_EQ(result.stop_reason, StopRequest::kByCaller);
  EXPECT_TRUE(result.forced);
  EXPECT_FALSE(result.grace_expired);
}

// A start function is the guest's code: proc_exit there ends the run with that status (not
// as a trap), and a timeout there is a timeout.
TEST(Runner, ProcExitInTheStartFunctionIsAnExit) {
  for (int code : {0, 3}) {
    runtime::RunConfig cfg;
    cfg.module_path = module_path("start_exit.wasm");
    cfg.extra_imports = [code](wasm::Store& store, wasm::Imports& imports) {
      imports.add("env", "code", wasm::define_host(store, "env.code", [code](wasm::HostContext&) { return code; }));
    };
    runtime::Runner runner(std::move(cfg));
    const runtime::RunResult r = runner.run();
    EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
    EXPECT_EQ(runtime::exit_status(r), code);
  }
}

TEST(Runner, TimeoutInTheStartFunctionIsATimeout) {
  runtime::RunConfig cfg;
  cfg.module_path = module_path("start_loop.wasm");
  cfg.timeout = 100ms;
  cfg.stop_timeout = 0ms;
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::TimedOut) << r.message;
  EXPECT_EQ(runtime::exit_status(r), 124);
}

TEST(Runner, SignalStopUsesTheSignalsExitStatus) {
  TickerRun t(std::nullopt, 0ms);
  runtime::RunResult result;
  std::thread guest([&] { result = t.runner->run(); });
  t.wait_for_ticks(100);
  t.runner->signal_stop(SIGTERM);
  guest.join();
  EXPECT_EQ(result.outcome, runtime::Outcome::Interrupted);
  EXPECT_EQ(result.stop_reason, SIGTERM);
  EXPECT_EQ(runtime::exit_status(result), 143);
}

}  // namespace

// ---- limits ---------------------------------------------------------------------------------

TEST(Runner, AGrowRefusedByTheMemoryCapIsReported) {
  for (const bool capped : {true, false}) {
    runtime::RunConfig cfg;
    cfg.module_path = module_path("grow_past_cap.wasm");
    cfg.max_memory_bytes = capped ? 16u << 20 : 128u << 20;
    runtime::Runner runner(std::move(cfg));
    const runtime::RunResult r = runner.run();
    EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
    EXPECT_EQ(r.memory_capped, capped);
  }
  // Refused by the module's own maximum: nothing to raise.
  runtime::RunConfig cfg;
  cfg.module_path = module_path("grow_past_own_max.wasm");
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Exited) << r.message;
  EXPECT_FALSE(r.memory_capped);
}

TEST(Runner, TheDefaultMemoryCapIsOneGibibyte) {
  EXPECT_EQ(runtime::RunConfig{}.max_memory_bytes, uint64_t{1} << 30);
}

TEST(Runner, AModuleThatNeedsMoreThanTheCapAtStartSaysWhichOptionToRaise) {
  runtime::RunConfig cfg;
  cfg.module_path = module_path("big_min.wasm");
  cfg.max_memory_bytes = 16u << 20;
  runtime::Runner runner(std::move(cfg));
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Failed);
  EXPECT_NE(r.message.find("needs 32 MiB of linear memory at start, more than the limit of 16 MiB"), std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("--max-memory"), std::string::npos) << r.message;
}

namespace {

// `n` empty functions and an exported _start that loops for ever.
std::vector<uint8_t> many_functions_then_a_loop(uint32_t n) {
  using namespace wasm::test;
  ModuleParts p;
  p.types.push_back(func_type({}, {}));
  p.funcs.assign(n + 1, uleb(0));
  p.codes.assign(n, body({}, {}));
  p.codes.push_back(body({}, {0x03, 0x40, 0x0C, 0x00, 0x0B}));  // loop br 0 end
  Bytes start = name("_start");
  start.push_back(0x00);
  append(start, uleb(n));
  p.exports.push_back(start);
  return p.build();
}

}  // namespace

// Neither --timeout nor SIGINT stopped the load of a large module. A stop asked for before
// the guest exists ends the load at once (there is nothing to ask to finish): the looping
// _start never runs, so the long grace period is not waited out.
TEST(Runner, AStopAskedForWhileLoadingEndsTheLoad) {
  runtime::RunConfig cfg;
  cfg.module_path = "many.wasm";
  cfg.module_bytes = many_functions_then_a_loop(200000);
  cfg.stop_timeout = 30s;
  runtime::Runner runner(std::move(cfg));
  runner.signal_stop(SIGINT);
  const runtime::RunResult r = runner.run();
  EXPECT_EQ(r.outcome, runtime::Outcome::Interrupted) << r.message;
  EXPECT_EQ(runtime::exit_status(r), 130);
  EXPECT_TRUE(r.forced);
  EXPECT_FALSE(r.grace_expired);
}
