// SPDX-License-Identifier: MIT
// The compiling tier against the interpreter: the same results and the same traps (kind,
// message, function) for the same calls, and what only compiled code needs: guard regions
// instead of bounds checks, W^X code memory, the native stack limit, the fallback when the
// address space for guard regions is refused, faults elsewhere left alone.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <thread>

#include "test_util.h"
#include "wasm/engine.h"
#include "wasm/host.h"

using namespace wb::wasm;

namespace {

// Every store interpreted (the suite's second run, WB_ENGINE=interp): nothing is compiled.
bool forced_interp() {
  const char* e = std::getenv("WB_ENGINE");
  return e != nullptr && std::string(e) == "interp";
}

struct TierModule {
  Store store;
  Instance* inst = nullptr;

  explicit TierModule(Tier tier, uint32_t max_depth = 0) : store(limits(tier, max_depth)) {
    auto mod = Module::load(read_test_module("tiers.wasm"));
    EXPECT_TRUE(mod.ok()) << (mod.ok() ? "" : mod.error().message);
    if (!mod.ok()) return;
    Imports imports;
    // env.twice(v) = 2 * table[0](v): a host function that calls back into the guest.
    imports.add("env", "twice", define_host(store, "env.twice", [](HostContext& ctx, int32_t v) -> HostResult<int32_t> {
                  Function* f = ctx.caller()->table_function(0, 0);
                  if (f == nullptr) return Trap{TrapKind::Host, "no function", "", 0};
                  Value arg = Value::i32(v);
                  auto r = ctx.call(f, {&arg, 1});
                  if (!r) return r.error();
                  return 2 * r.value()[0].as_i32();
                }));
    auto r = store.instantiate(mod.value(), imports);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (r.ok()) inst = r.value();
  }
  static StoreLimits limits(Tier tier, uint32_t max_depth) {
    StoreLimits l;
    l.tier = tier;
    if (max_depth != 0) l.max_call_depth = max_depth;
    return l;
  }
  CallResult<std::vector<Value>> call(const std::string& name, std::vector<Value> args) {
    Function* f = inst->function(name);
    EXPECT_NE(f, nullptr) << name;
    if (f == nullptr) return Trap{TrapKind::Host, "no such export", "", 0};
    return store.call(f, args);
  }
};

std::string describe(const CallResult<std::vector<Value>>& r) {
  if (!r.ok()) {
    return "trap kind " + std::to_string(static_cast<int>(r.error().kind)) + " \"" + r.error().message +
           "\" in `" + r.error().function + "`";
  }
  std::string out = "values";
  for (const Value& v : r.value()) out += " " + std::to_string(v.bits);
  return out;
}

// tiers.wat's "temps" in C++.
uint32_t temps_reference(uint32_t p) {
  const uint32_t w = p + 0x1234, v = p ^ 0x5555, u = p * 3;
  uint32_t z = ((p + 1) ^ 5) + 9 + 11;
  z ^= std::rotl(p, 7) + (p >> 3);
  return z + u + v + w;
}

// tiers.wat's "regs" in C++.
uint64_t regs_reference(uint32_t n) {
  uint32_t a = 0x6a09e667, b = 0xbb67ae85, c = 0x3c6ef372, d = 0xa54ff53a, e = 0x510e527f, f = 0x9b05688c;
  uint32_t g = 0x1f83d9ab, h = 0;
  uint64_t w = 0x5be0cd19;
  uint32_t i = 0;
  do {
    for (uint32_t j = 0; j < 64; ++j) {
      h = (std::rotl(a, 7) ^ std::rotl(a, 13)) + ((b & c) - d * std::rotl(e, 3));
      g = (f | h) - (g ^ std::rotl(h, 11));
      w = w * uint64_t{g | 1u} + (uint64_t{h} ^ std::rotl(w, 17));
      if ((j & 7) == 0) e = e + g + j;
      a = b;
      b = c;
      c = d;
      d = e + h;
      e = f;
      f = g;
    }
  } while (++i < n);
  return w + (a ^ (b + c + d + e + f + g + h));
}

TEST(Tiers, CompiledCodeGivesTheInterpretersResultsAndTraps) {
  TierModule interp(Tier::Interpreter), compiled(Tier::Compiler);
  ASSERT_NE(interp.inst, nullptr);
  ASSERT_NE(compiled.inst, nullptr);
  EXPECT_EQ(interp.store.compile_all(interp.inst), 0u);
  if (!forced_interp()) {
    EXPECT_GT(compiled.store.compile_all(compiled.inst), 10u);
  }

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const struct {
    const char* name;
    std::vector<Value> args;
  } calls[] = {
      {"div", {Value::i32(7), Value::i32(2)}},
      {"div", {Value::i32(1), Value::i32(0)}},
      {"div", {Value::i32(INT32_MIN), Value::i32(-1)}},
      {"rem", {Value::i64(INT64_MIN), Value::i64(-1)}},
      {"rem", {Value::i64(5), Value::i64(0)}},
      {"trunc", {Value::f64(-3.9)}},
      {"trunc", {Value::f64(1e10)}},
      {"trunc", {Value::f64(nan)}},
      {"store_at", {Value::i32(65536 - 8), Value::i64(0x1122334455667788)}},
      {"load_at", {Value::i32(65536 - 16)}},
      {"load_at", {Value::i32(65536 - 15)}},   // straddles the end
      {"load_at", {Value::i32(-8)}},           // 4 GiB - 8 + 8: wraps in neither tier
      {"load_far", {Value::i32(0)}},           // offset 4 GiB - 1
      {"store_at", {Value::i32(65536 - 4), Value::i64(-1)}},  // straddles: writes nothing
      {"byte_at", {Value::i32(65536 - 4)}},
      {"byte_at", {Value::i32(65536)}},
      {"grow", {Value::i32(1)}},
      {"byte_at", {Value::i32(65536)}},        // now inside
      {"load_at", {Value::i32(2 * 65536 - 16)}},
      {"load_at", {Value::i32(2 * 65536 - 15)}},
      {"grow", {Value::i32(5)}},               // beyond the maximum: -1
      {"fill", {Value::i32(100), Value::i32(0xAB), Value::i32(10)}},
      {"load_at", {Value::i32(96)}},
      {"fill", {Value::i32(2 * 65536 - 5), Value::i32(1), Value::i32(10)}},
      {"indirect", {Value::i32(0), Value::i32(5)}},
      {"indirect", {Value::i32(1), Value::i32(5)}},
      {"indirect", {Value::i32(2), Value::i32(5)}},  // host -> guest re-entry
      {"indirect", {Value::i32(3), Value::i32(5)}},  // null element
      {"indirect", {Value::i32(9), Value::i32(5)}},  // outside the table
      {"mix", {Value::i32(1000)}},
      {"pins", {Value::i32(1)}},
      {"addrs", {Value::i32(1000)}},
      {"arith", {Value::i32(1)}},
      {"arith", {Value::i32(1000)}},
      {"table_loop", {Value::i32(5)}},
      {"regs", {Value::i32(1)}},
      {"regs", {Value::i32(300)}},
      {"temps", {Value::i32(0x7654321)}},
      {"pins", {Value::i32(5000)}},
      {"mix", {Value::i32(7)}},
      {"unreachable", {}},
      {"deep", {Value::i32(0)}},
      {"mix", {Value::i32(3)}},  // the store runs again after exhaustion
  };
  for (const auto& c : calls) {
    auto a = interp.call(c.name, c.args);
    auto b = compiled.call(c.name, c.args);
    EXPECT_EQ(describe(a), describe(b)) << c.name;
  }
  // Spot checks that the calls did what they say (not only that the tiers agree).
  EXPECT_EQ(describe(compiled.call("div", {Value::i32(1), Value::i32(0)})),
            "trap kind 0 \"integer divide by zero\" in `internal_trap_name`");
  EXPECT_EQ(compiled.call("indirect", {Value::i32(2), Value::i32(5)}).value()[0].as_i32(), 50);
  EXPECT_EQ(compiled.call("table_loop", {Value::i32(5)}).value()[0].as_i32(), 5);
  EXPECT_EQ(compiled.call("regs", {Value::i32(300)}).value()[0].bits, regs_reference(300));
  EXPECT_EQ(compiled.call("temps", {Value::i32(0x7654321)}).value()[0].as_u32(), temps_reference(0x7654321));
  auto deep = compiled.call("deep", {Value::i32(0)});
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().kind, TrapKind::Exhaustion);
  EXPECT_EQ(deep.error().message, "call stack exhausted");
  EXPECT_EQ(compiled.call("byte_at", {Value::i32(65536 - 4)}).value()[0].as_u32(), 0x44u);  // 0x1122334455667788 at 65528, not -1
}

// RepeatedCall (a ring-buffer callback's path): the results and traps of call_raw, under both
// tiers, and the store usable afterwards; a trap ends the repetition.
TEST(Tiers, ARepeatedCallGivesTheResultsAndTrapsOfSingleCalls) {
  for (Tier tier : {Tier::Interpreter, Tier::Compiler}) {
    SCOPED_TRACE(tier == Tier::Compiler ? "compiled" : "interpreted");
    TierModule m(tier);
    ASSERT_NE(m.inst, nullptr);
    Function* div = m.inst->function("div");
    ASSERT_NE(div, nullptr);
    {
      RepeatedCall rc(m.store, div);
      for (int32_t i = 1; i <= 1000; ++i) {
        const uint64_t args[2] = {static_cast<uint32_t>(i * 7), static_cast<uint32_t>(i)};
        uint64_t result = 0;
        ASSERT_TRUE(rc.call(args, &result)) << i;
        ASSERT_EQ(static_cast<int32_t>(result), 7);
      }
      const uint64_t by_zero[2] = {1, 0};
      uint64_t result = 0;
      ASSERT_FALSE(rc.call(by_zero, &result));
      Trap t = rc.take_trap();
      EXPECT_EQ(t.kind, TrapKind::Trap);
      EXPECT_EQ(t.message, "integer divide by zero");
      EXPECT_EQ(t.function, "internal_trap_name");
      const uint64_t fine[2] = {8, 2};
      EXPECT_FALSE(rc.call(fine, &result));  // stopped after the trap
    }
    {
      // Exhaustion inside a repeated call, then the same store runs deep calls again.
      RepeatedCall rc(m.store, m.inst->function("deep"));
      const uint64_t zero[1] = {0};
      uint64_t result = 0;
      ASSERT_FALSE(rc.call(zero, &result));
      EXPECT_EQ(rc.take_trap().message, "call stack exhausted");
    }
    // A host function that calls back into the guest, repeated.
    {
      RepeatedCall rc(m.store, m.inst->function("indirect"));
      for (int32_t v = 0; v < 50; ++v) {
        const uint64_t args[2] = {2, static_cast<uint32_t>(v)};
        uint64_t result = 0;
        ASSERT_TRUE(rc.call(args, &result));
        ASSERT_EQ(static_cast<int32_t>(result), 2 * v * v);
      }
    }
    EXPECT_EQ(describe(m.call("div", {Value::i32(9), Value::i32(3)})), "values 3");
    auto deep = m.call("deep", {Value::i32(0)});
    ASSERT_FALSE(deep.ok());
    EXPECT_EQ(deep.error().message, "call stack exhausted");
    EXPECT_TRUE(m.call("mix", {Value::i32(100)}).ok());
  }
}

// The call depth limit is the same number of frames in both tiers (the compiled tier counts
// frames by the native stack pointer).
TEST(Tiers, BothTiersStopAtTheSameCallDepth) {
  TierModule interp(Tier::Interpreter, 300), compiled(Tier::Compiler, 300);
  ASSERT_NE(interp.inst, nullptr);
  ASSERT_NE(compiled.inst, nullptr);
  int deepest = -1;
  for (int32_t n = 280; n <= 310; ++n) {
    auto a = interp.call("down", {Value::i32(n)});
    auto b = compiled.call("down", {Value::i32(n)});
    EXPECT_EQ(describe(a), describe(b)) << n;
    if (b.ok()) deepest = n;
  }
  EXPECT_GE(deepest, 290);
  EXPECT_LT(deepest, 300);
  // The limit holds again for the next call, and for calls made from a repeated call.
  EXPECT_TRUE(compiled.call("down", {Value::i32(deepest)}).ok());
  RepeatedCall rc(compiled.store, compiled.inst->function("down"));
  uint64_t result = 0;
  const uint64_t ok_arg[1] = {static_cast<uint32_t>(deepest)}, too_deep[1] = {static_cast<uint32_t>(deepest + 1)};
  EXPECT_TRUE(rc.call(ok_arg, &result));
  EXPECT_EQ(result & 0xFFFFFFFF, static_cast<uint64_t>(deepest));
  EXPECT_FALSE(rc.call(too_deep, &result));
  EXPECT_EQ(rc.take_trap().message, "call stack exhausted");
}

// RepeatedCall::call_each (ring-buffer delivery): every record copied (cut to the maximum)
// and passed on in order; a negative status, the stop flag and a trap end the batch where
// they happen; the same outcome under both tiers.
TEST(Tiers, CallEachDeliversRecordsInOrderAndStopsWhereItShould) {
  for (Tier tier : {Tier::Interpreter, Tier::Compiler}) {
    SCOPED_TRACE(tier == Tier::Compiler ? "compiled" : "interpreted");
    TierModule m(tier);
    ASSERT_NE(m.inst, nullptr);
    Memory* mem = m.inst->memory("memory");
    ASSERT_NE(mem, nullptr);
    constexpr uint32_t kCtx = 1024, kBuf = 2048, kMax = 24;
    uint8_t* buf = mem->span(kBuf, kMax);
    ASSERT_NE(buf, nullptr);
    auto counters = [&] {
      uint32_t v[2];
      std::memcpy(v, mem->span(kCtx, 8), 8);
      std::memset(mem->span(kCtx, 8), 0, 8);
      return std::pair<uint32_t, uint32_t>(v[0], v[1]);
    };
    // Records of 2..41 bytes (sizes 2-7, 8-16, 17-24 and beyond the maximum), every byte i but
    // the last, 0xAB.
    std::vector<std::vector<uint8_t>> data;
    std::vector<RepeatedCall::Record> recs;
    uint32_t expect = 0;
    for (uint32_t i = 0; i < 40; ++i) {
      data.emplace_back(i + 2, static_cast<uint8_t>(i));
      data.back().back() = 0xAB;  // the last byte: cut off beyond kMax
      expect += std::min(i + 2, kMax) + i;
    }
    for (auto& d : data) recs.push_back({d.data(), d.size()});
    bool stop = false;
    const RepeatedCall::Delivery d{kCtx, kBuf, buf, kMax, &stop};
    counters();
    {
      RepeatedCall rc(m.store, m.inst->function("on_event"));
      int32_t status = 1;
      EXPECT_EQ(rc.call_each(recs.data(), recs.size(), d, &status), 40u);
      EXPECT_EQ(status, 0);
      EXPECT_EQ(counters(), std::make_pair(expect, 40u));
      EXPECT_EQ(buf[kMax - 1], 39);  // record 39 cut at 24 bytes: its byte 23, not 0xAB
      // A record of 16 bytes: copied whole.
      EXPECT_EQ(rc.call_each(recs.data() + 14, 1, d, &status), 1u);
      EXPECT_EQ(buf[15], 0xAB);
      EXPECT_EQ(buf[14], 14);
      counters();
      // A negative status ends the batch after that record.
      data[5][0] = 0xFF;
      EXPECT_EQ(rc.call_each(recs.data(), recs.size(), d, &status), 6u);
      EXPECT_EQ(status, -1);
      EXPECT_EQ(counters().second, 6u);
      data[5][0] = 5;
      // The stop flag, set before: one record, then the check.
      stop = true;
      EXPECT_EQ(rc.call_each(recs.data(), recs.size(), d, &status), 1u);
      EXPECT_EQ(status, 0);
      EXPECT_EQ(counters().second, 1u);
      stop = false;
      // A trap in record 7: 7 calls returned, the trap is kept, nothing more runs.
      data[7][0] = 0xEE;
      EXPECT_EQ(rc.call_each(recs.data(), recs.size(), d, &status), 7u);
      ASSERT_TRUE(rc.has_trap());
      EXPECT_EQ(rc.take_trap().message, "unreachable");
      EXPECT_EQ(counters().second, 7u);
      EXPECT_EQ(rc.call_each(recs.data(), recs.size(), d, &status), 0u);
      data[7][0] = 7;
    }
    EXPECT_TRUE(m.call("mix", {Value::i32(10)}).ok());  // the store runs again
  }
}

TEST(Tiers, AnInterruptStopsACompiledLoop) {
  TierModule m(Tier::Compiler);
  ASSERT_NE(m.inst, nullptr);
  InterruptHandle h = m.store.interrupt_handle();
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    h.interrupt();
  });
  auto r = m.call("spin", {});
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Interrupted);
  h.reset();
  EXPECT_TRUE(m.call("mix", {Value::i32(3)}).ok());
}

TEST(Tiers, NoMappingIsWritableAndExecutableAtOnce) {
  TierModule m(Tier::Compiler);
  ASSERT_NE(m.inst, nullptr);
  m.store.compile_all(m.inst);
  ASSERT_TRUE(m.call("mix", {Value::i32(100)}).ok());
  std::ifstream maps("/proc/self/maps");
  std::string line;
  int lines = 0;
  while (std::getline(maps, line)) {
    ++lines;
    const std::string perms = line.substr(line.find(' ') + 1, 4);
    EXPECT_FALSE(perms[1] == 'w' && perms[2] == 'x') << line;
  }
  EXPECT_GT(lines, 5);
}

// WB_JIT_PERFMAP=1: every compiled function has a line "START SIZE wasm:NAME" in
// /tmp/perf-PID.map, for perf to name guest code.
TEST(Tiers, WithPerfMapEveryCompiledFunctionIsNamedForPerf) {
  if (forced_interp()) GTEST_SKIP() << "every store is interpreted in this run";
  const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  std::remove(path.c_str());
  ASSERT_EQ(setenv("WB_JIT_PERFMAP", "1", 1), 0);
  TierModule m(Tier::Compiler);
  ASSERT_NE(m.inst, nullptr);
  const size_t compiled = m.store.compile_all(m.inst);
  unsetenv("WB_JIT_PERFMAP");
  ASSERT_GT(compiled, 10u);
  std::ifstream map(path);
  ASSERT_TRUE(map.good()) << path << " was not written";
  std::string line;
  size_t lines = 0;
  bool mix = false, deep = false;
  while (std::getline(map, line)) {
    ++lines;
    std::istringstream fields(line);
    std::string start, size, name, rest;
    fields >> start >> size >> name >> rest;
    EXPECT_TRUE(rest.empty() && name.rfind("wasm:", 0) == 0) << line;
    EXPECT_GT(std::stoull(start, nullptr, 16), 0u) << line;
    EXPECT_GT(std::stoull(size, nullptr, 16), 0u) << line;
    mix |= name == "wasm:mix";
    deep |= name == "wasm:deep";
  }
  std::remove(path.c_str());
  EXPECT_EQ(lines, compiled);
  EXPECT_TRUE(mix && deep) << "the exported functions' names are missing";
}

// /tmp is shared: a symbolic link planted at the map's path is not written through.
TEST(Tiers, APerfMapIsNotWrittenThroughASymbolicLink) {
  if (forced_interp()) GTEST_SKIP() << "every store is interpreted in this run";
  const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  const std::string target = "/tmp/wb-perfmap-target-" + std::to_string(getpid());
  std::remove(path.c_str());
  { std::ofstream(target) << "untouched\n"; }
  ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0);
  ASSERT_EQ(setenv("WB_JIT_PERFMAP", "1", 1), 0);
  TierModule m(Tier::Compiler);
  ASSERT_NE(m.inst, nullptr);
  EXPECT_GT(m.store.compile_all(m.inst), 10u);
  EXPECT_TRUE(m.call("mix", {Value::i32(3)}).ok());  // compiled code runs all the same
  unsetenv("WB_JIT_PERFMAP");
  std::ifstream in(target);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  std::remove(target.c_str());
  EXPECT_EQ(all, "untouched\n");
}

// A thread with a small native stack: recursion traps before the stack runs out.
TEST(Tiers, DeepRecursionOnASmallThreadStackTraps) {
  TierModule m(Tier::Compiler);
  ASSERT_NE(m.inst, nullptr);
  struct Arg {
    TierModule* m;
    std::string outcome;
  } arg{&m, ""};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 192 * 1024);
  pthread_t th;
  ASSERT_EQ(pthread_create(
                &th, &attr,
                [](void* p) -> void* {
                  auto* a = static_cast<Arg*>(p);
                  auto r = a->m->call("deep", {Value::i32(0)});
                  a->outcome = describe(r);
                  return nullptr;
                },
                &arg),
            0);
  pthread_join(th, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(arg.outcome.rfind("trap kind 1 \"call stack exhausted\"", 0), 0u) << arg.outcome;
}

// Pages of address space this process has mapped.
uint64_t mapped_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

TEST(Tiers, WithoutAddressSpaceForGuardRegionsTheInstanceIsInterpreted) {
  if (forced_interp()) GTEST_SKIP() << "every store is interpreted in this run";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // 1 GiB more than this process maps now: a memory's 8 GiB guard reservation is refused.
    rlimit rl{};
    rl.rlim_cur = rl.rlim_max = mapped_bytes() + (uint64_t{1} << 30);
    if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(10);
    TierModule m(Tier::Compiler);
    if (m.inst == nullptr) _exit(11);
    if (m.store.compile_all(m.inst) != 0) _exit(12);  // interpreted
    auto r = m.call("mix", {Value::i32(1000)});
    if (!r.ok()) _exit(13);
    auto oob = m.call("load_at", {Value::i32(65536 - 15)});
    if (oob.ok() || oob.error().message != "out of bounds memory access") _exit(14);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died with signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Tiers, AFaultOutsideCompiledCodeIsNotTakenForATrap) {
  TierModule m(Tier::Compiler);
  ASSERT_NE(m.inst, nullptr);
  ASSERT_TRUE(m.call("mix", {Value::i32(3)}).ok());  // the fault handler is installed by now
  // A page no one may touch (a fault without undefined behaviour for UBSan to report first).
  void* page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  auto touch = [page] {
    *static_cast<volatile int*>(page) = 1;
    std::exit(0);
  };
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_DEATH(touch(), "SEGV");  // passed on to AddressSanitizer's handler, which reports it
#else
  EXPECT_EXIT(touch(), ::testing::KilledBySignal(SIGSEGV), "");  // the default action
#endif
  munmap(page, 4096);
}

}  // namespace
