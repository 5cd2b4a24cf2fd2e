// SPDX-License-Identifier: MIT
// The embedding API against real modules: calls, typed host functions, re-entrant callbacks
// through the table, checked memory views, traps with function names, interruption from
// another thread and from a signal handler, call-depth and memory limits.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/time.h>

#include <chrono>
#include <thread>

#include "module_builder.h"
#include "test_util.h"
#include "wasm/engine.h"
#include "wasm/host.h"

using namespace wb::wasm;

namespace {

struct ApiModule {
  Store store;
  Instance* inst = nullptr;
  int fail_calls = 0;

  explicit ApiModule(StoreLimits limits = {}) : store(limits) {
    auto bytes = read_test_module("api.wasm");
    auto mod = Module::load(bytes);
    EXPECT_TRUE(mod.ok()) << (mod.ok() ? "" : mod.error().message);
    Imports imports;
    imports.add("env", "mul_add", define_host(store, "env.mul_add", [](HostContext&, int32_t a, int64_t b, double c) {
                  return static_cast<double>(a) * static_cast<double>(b) + c;
                }));
    imports.add("env", "invoke", define_host(store, "env.invoke", [](HostContext& ctx, int32_t idx, int32_t v) -> HostResult<int32_t> {
                  Function* f = ctx.caller()->table_function(0, static_cast<uint32_t>(idx));
                  if (f == nullptr) return Trap{TrapKind::Host, "no function at that index", "", 0};
                  Value arg = Value::i32(v);
                  auto r = ctx.call(f, {&arg, 1});
                  if (!r) return r.error();
                  return r.value()[0].as_i32();
                }));
    imports.add("env", "fail", define_host(store, "env.fail", [this](HostContext&, int32_t code) -> HostResult<int32_t> {
                  ++fail_calls;
                  if (code == 0) return 0;
                  return Trap{TrapKind::Exit, "exit", "", code};
                }));
    imports.add("env", "scale", define_host(store, "env.scale", [](HostContext&, float a, float b) -> float {
                  return a * b + a;
                }));
    auto r = store.instantiate(mod.value(), imports);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (r.ok()) inst = r.value();
  }

  CallResult<std::vector<Value>> call(const char* name, std::vector<Value> args) {
    Function* f = inst->function(name);
    EXPECT_NE(f, nullptr) << name;
    return store.call(f, args);
  }
};

TEST(EngineApi, CallsExportsWithResults) {
  ApiModule m;
  auto r = m.call("add", {Value::i32(2), Value::i32(40)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()[0].as_i32(), 42);
  auto f = m.call("fac", {Value::i64(20)});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.value()[0].as_i64(), 2432902008176640000LL);
  auto s = m.call("sum", {Value::i32(100000)});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value()[0].as_i64(), 4999950000LL);
}

TEST(EngineApi, MultiValueReturnIsAParallelMove) {
  ApiModule m;
  auto r = m.call("swap", {Value::i32(1), Value::i32(2)});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().size(), 2u);
  EXPECT_EQ(r.value()[0].as_i32(), 2);
  EXPECT_EQ(r.value()[1].as_i32(), 1);
}

TEST(EngineApi, TypedHostFunctionsReceiveEveryParameterType) {
  ApiModule m;
  auto r = m.call("host_mul_add", {Value::i32(-3), Value::i64(5), Value::f64(0.5)});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r.value()[0].as_f64(), -14.5);
  Function* f = m.inst->function("host_mul_add");
  EXPECT_EQ(f->type().to_string(), "(i32, i64, f64) -> (f64)");
}

TEST(EngineApi, HostCallsBackIntoTheGuestThroughTheTable) {
  ApiModule m;
  auto r = m.call("via_host", {Value::i32(0), Value::i32(21)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()[0].as_i32(), 42);
  r = m.call("via_host", {Value::i32(1), Value::i32(5)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()[0].as_i32(), 15);
  r = m.call("via_host", {Value::i32(3), Value::i32(5)});  // null entry
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "no function at that index");
}

TEST(EngineApi, TypedHostFunctionsTakeAndReturnF32) {
  ApiModule m;
  Function* f = m.inst->function("host_scale");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type().to_string(), "(f32, f32) -> (f32)");
  auto r = m.call("host_scale", {Value::f32(1.5f), Value::f32(-2.25f)});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value()[0].type, ValType::F32);
  EXPECT_EQ(r.value()[0].as_f32(), -1.875f);  // 1.5 * -2.25 + 1.5, exact in binary
  // The result slot holds exactly the f32's bits, zero-extended.
  EXPECT_EQ(r.value()[0].bits, 0xBFF00000u);
}

TEST(EngineApi, HostCallsNestHostGuestHostGuest) {
  ApiModule m;
  // guest via_host -> host invoke -> guest $reenter -> host invoke -> guest $double.
  auto r = m.call("via_host", {Value::i32(2), Value::i32(5)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value()[0].as_i32(), 11);
  // $chain re-enters through the host n times.
  r = m.call("via_host", {Value::i32(4), Value::i32(20)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value()[0].as_i32(), 20);
}

TEST(EngineApi, NestedHostCallsAreLimited) {
  StoreLimits limits;
  limits.max_nested_calls = 5;
  ApiModule m(limits);
  // via_host and each $chain level are one interpreter activation each: 1 + (n + 1).
  auto ok = m.call("via_host", {Value::i32(4), Value::i32(3)});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok.value()[0].as_i32(), 3);
  auto r = m.call("via_host", {Value::i32(4), Value::i32(4)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Exhaustion);
  EXPECT_EQ(r.error().message, "call stack exhausted (too many nested host calls)");
  // Every activation was unwound: the store runs normally afterwards.
  auto again = m.call("via_host", {Value::i32(4), Value::i32(3)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value()[0].as_i32(), 3);
}

TEST(EngineApi, HostTrapEndsTheGuestWithItsKindAndCode) {
  ApiModule m;
  auto ok = m.call("host_fail", {Value::i32(0)});
  ASSERT_TRUE(ok.ok());
  auto r = m.call("host_fail", {Value::i32(7)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Exit);
  EXPECT_EQ(r.error().exit_code, 7);
  EXPECT_EQ(m.fail_calls, 2);
}

TEST(EngineApi, TrapNamesTheFunctionFromTheNameSection) {
  ApiModule m;
  auto r = m.call("boom", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Trap);
  EXPECT_EQ(r.error().message, "integer divide by zero");
  EXPECT_EQ(r.error().function, "boom");
  EXPECT_EQ(r.error().to_string(), "integer divide by zero (in function `boom`)");
}

TEST(EngineApi, TrapNamesTheNameSectionNameNotTheExportName) {
  ApiModule m;
  auto r = m.call("exported_trap", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unreachable");
  EXPECT_EQ(r.error().function, "internal_name");
  EXPECT_EQ(r.error().to_string(), "unreachable (in function `internal_name`)");
}

TEST(EngineApi, DeepRecursionTrapsAndTheStoreStaysUsable) {
  ApiModule m;
  auto r = m.call("recurse", {Value::i32(0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Exhaustion);
  EXPECT_EQ(r.error().message, "call stack exhausted");
  auto again = m.call("add", {Value::i32(1), Value::i32(1)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value()[0].as_i32(), 2);
}

TEST(EngineApi, CallDepthLimitIsConfigurable) {
  StoreLimits limits;
  limits.max_call_depth = 100;
  ApiModule m(limits);
  auto ok = m.call("fac", {Value::i64(50)});  // depth 50
  ASSERT_TRUE(ok.ok());
  auto r = m.call("fac", {Value::i64(200)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Exhaustion);
}

TEST(EngineApi, InterruptFromAnotherThreadStopsALoop) {
  ApiModule m;
  InterruptHandle h = m.store.interrupt_handle();
  std::thread t([h] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    h.interrupt();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = m.call("spin", {});
  auto elapsed = std::chrono::steady_clock::now() - start;
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Interrupted);
  EXPECT_EQ(r.error().function, "spin");
  EXPECT_GE(elapsed, std::chrono::milliseconds(40));
  // The flag stays set until reset(): the next call stops at once.
  auto next = m.call("add", {Value::i32(1), Value::i32(2)});
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().kind, TrapKind::Interrupted);
  h.reset();
  EXPECT_TRUE(m.call("add", {Value::i32(1), Value::i32(2)}).ok());
}

TEST(EngineApi, InterruptIsPolledAtFunctionEntry) {
  // "fib" recurses through call_indirect without a loop or a branch: fib(42) is seconds of
  // work that the interrupt can only notice when a function is entered.
  ApiModule m;
  auto small = m.call("fib", {Value::i32(10)});
  ASSERT_TRUE(small.ok()) << small.error().to_string();
  EXPECT_EQ(small.value()[0].as_i32(), 89);
  InterruptHandle h = m.store.interrupt_handle();
  std::thread t([h] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    h.interrupt();
  });
  auto r = m.call("fib", {Value::i32(42)});
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Interrupted);
  EXPECT_EQ(r.error().message, "interrupted");
  h.reset();
}

InterruptHandle* g_signal_handle = nullptr;
void on_alarm(int) { g_signal_handle->interrupt(); }

TEST(EngineApi, InterruptFromASignalHandlerStopsALoop) {
  ApiModule m;
  InterruptHandle h = m.store.interrupt_handle();
  g_signal_handle = &h;
  struct sigaction sa{};
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, nullptr);
  itimerval tv{};
  tv.it_value.tv_usec = 30000;
  setitimer(ITIMER_REAL, &tv, nullptr);
  auto r = m.call("spin", {});
  signal(SIGALRM, SIG_DFL);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Interrupted);
}

TEST(EngineApi, MemoryViewsAreBoundsCheckedAndStableAcrossGrow) {
  ApiModule m;
  Memory* mem = m.inst->memory("memory");
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->size(), 65536u);
  EXPECT_EQ(mem->c_string(16).value(), "hello");
  EXPECT_EQ(mem->c_string(16, 3), std::nullopt);  // no terminator within 3 bytes
  EXPECT_TRUE(mem->store<uint32_t>(65532, 0xdeadbeef));
  EXPECT_FALSE(mem->store<uint32_t>(65533, 1));
  EXPECT_EQ(mem->span(65535, 2), nullptr);
  EXPECT_EQ(mem->span(UINT64_MAX - 1, 4), nullptr);
  EXPECT_EQ(mem->load<uint32_t>(65532).value(), 0xdeadbeefu);
  uint8_t* before = mem->span(0, 16);
  auto g = m.call("grow", {Value::i32(1)});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g.value()[0].as_i32(), 1);
  EXPECT_EQ(mem->pages(), 2u);
  EXPECT_EQ(mem->span(0, 16), before);
  EXPECT_NE(mem->span(65536, 65536), nullptr);
  // Guest loads see the new page; past the end traps.
  EXPECT_TRUE(m.call("load", {Value::i32(131072 - 4)}).ok());
  auto oob = m.call("load", {Value::i32(131072 - 3)});
  ASSERT_FALSE(oob.ok());
  EXPECT_EQ(oob.error().message, "out of bounds memory access");
  // The declared maximum (4 pages) is enforced.
  EXPECT_EQ(m.call("grow", {Value::i32(3)}).value()[0].as_i32(), -1);
}

TEST(EngineApi, StoreMemoryLimitCapsGrowthAndInstantiation) {
  StoreLimits limits;
  limits.max_memory_pages = 2;
  ApiModule m(limits);
  EXPECT_EQ(m.call("grow", {Value::i32(1)}).value()[0].as_i32(), 1);
  EXPECT_EQ(m.call("grow", {Value::i32(1)}).value()[0].as_i32(), -1);

  Store store(limits);
  auto mod = Module::load(read_test_module("big_memory.wasm"));
  ASSERT_TRUE(mod.ok());
  auto r = store.instantiate(mod.value(), Imports{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exceeds the limit of 2 pages"), std::string::npos) << r.error().message;
}

TEST(EngineApi, LinkErrorsNameTheImport) {
  Store store;
  auto mod = Module::load(read_test_module("api.wasm"));
  ASSERT_TRUE(mod.ok());
  auto r = store.instantiate(mod.value(), Imports{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unknown import \"env\" \"mul_add\"");

  Imports wrong;
  wrong.add("env", "mul_add", define_host(store, "x", [](HostContext&, int32_t) {}));
  r = store.instantiate(mod.value(), wrong);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("incompatible import type"), std::string::npos);
  EXPECT_NE(r.error().message.find("(i32, i64, f64) -> (f64)"), std::string::npos);
}

TEST(EngineApi, CallChecksArgumentsAgainstTheType) {
  ApiModule m;
  auto r = m.call("add", {Value::i32(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Host);
  r = m.call("add", {Value::i32(1), Value::f32(1.0f)});
  ASSERT_FALSE(r.ok());
}

TEST(EngineApi, SimdModulesAreRefusedClearly) {
  auto mod = Module::load(read_test_module("simd.wasm"));
  ASSERT_FALSE(mod.ok());
  EXPECT_NE(mod.error().message.find("SIMD is not supported"), std::string::npos) << mod.error().message;
}

TEST(EngineApi, SimdInstructionsAloneAreRefused) {
  // No v128 anywhere in the types: the body only uses 0xFD instructions
  // (v128.const, i32x4.extract_lane 0, drop).
  test::Bytes code{0xFD, 0x0C};
  code.insert(code.end(), 16, 0);
  code.insert(code.end(), {0xFD, 0x1B, 0x00, 0x1A});
  auto mod = Module::load(test::one_function(code));
  ASSERT_FALSE(mod.ok());
  EXPECT_NE(mod.error().message.find("SIMD is not supported"), std::string::npos) << mod.error().message;
}

TEST(EngineApi, SimdGlobalIsRefused) {
  test::ModuleParts p;
  test::Bytes g{0x7B, 0x00, 0xFD, 0x0C};  // (global v128 (v128.const ...))
  g.insert(g.end(), 16, 0);
  g.push_back(0x0B);
  p.globals.push_back(g);
  auto mod = Module::load(p.build());
  ASSERT_FALSE(mod.ok());
  EXPECT_NE(mod.error().message.find("SIMD is not supported"), std::string::npos) << mod.error().message;
}

}  // namespace
