// SPDX-License-Identifier: MIT
// Small modules that try to make decoding or instantiation allocate without bound or take
// super-linear time: many or large tables, many types, imports, exported functions, huge
// segment offsets and counts. Each gets a clear error or succeeds within generous bounds
// (bytes allocated, or CPU time where old code took tens of seconds).
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <functional>
#include <optional>

#include "alloc_counter.h"
#include "module_builder.h"
#include "test_util.h"
#include "wasm/engine.h"
#include "wasm/host.h"

using namespace wb::wasm;
using namespace wb::wasm::test;

namespace {

#ifdef WB_TEST_SLOW_BUILD  // see tests/wasm/CMakeLists.txt
constexpr double kMaxSeconds = 20.0;
#else
constexpr double kMaxSeconds = 2.0;
#endif

Bytes table_type(uint64_t min) {
  Bytes t{kFuncRef, 0x00};
  append(t, uleb(min));
  return t;
}

std::shared_ptr<const Module> load_ok(const Bytes& bytes) {
  auto m = Module::load(bytes);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return m.ok() ? m.value() : nullptr;
}

// ---- tables ---------------------------------------------------------------------------

TEST(HostileModule, ManyLargeTablesStopAtTheStoreWideLimit) {
  // 40 tables of 10 million elements in 250 bytes: each is within the per-table limit, all
  // together would be 3.2 GB.
  ModuleParts p;
  p.tables.assign(40, table_type(10'000'000));
  auto mod = load_ok(p.build());
  ASSERT_TRUE(mod);
  Store store;
  std::optional<wb::Result<Instance*>> r;
  uint64_t bytes = bytes_allocated_by([&] { r.emplace(store.instantiate(mod, Imports{})); });
  ASSERT_FALSE(r->ok());
  EXPECT_NE(r->error().message.find("exceeds the limit of 10000000 table elements"), std::string::npos)
      << r->error().message;
  EXPECT_LT(bytes, 200u << 20);  // the first table (80 MB) only
}

TEST(HostileModule, TableGrowIsChargedToTheStore) {
  StoreLimits limits;
  limits.max_table_elements = 1000;
  Store store(limits);
  auto mod = load_ok(read_test_module("limits.wasm"));
  ASSERT_TRUE(mod);
  auto inst = store.instantiate(mod, Imports{});  // two tables of 300
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  auto grow = [&](const char* f, int32_t n) {
    Value arg = Value::i32(n);
    auto r = store.call(inst.value()->function(f), {&arg, 1});
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value()[0].as_i32() : -2;
  };
  EXPECT_EQ(grow("grow_a", 300), 300);  // 900 in use
  EXPECT_EQ(grow("grow_b", 101), -1);   // would be 1001
  EXPECT_EQ(grow("grow_b", 100), 300);  // exactly 1000
  EXPECT_EQ(grow("grow_a", 1), -1);
  EXPECT_EQ(grow("grow_a", 0), 600);    // growing by nothing always succeeds
  Table* a = inst.value()->table("a");
  EXPECT_EQ(a->grow(1, Value::null(ValType::FuncRef)), -1);  // the embedder's view agrees
  EXPECT_EQ(a->size(), 600u);
  auto table = store.create_table(TableType{ValType::FuncRef, {1, std::nullopt}}, Value::null(ValType::FuncRef));
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message.find("exceeds the limit"), std::string::npos);
}

#if defined(__SANITIZE_ADDRESS__)
#define WB_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WB_UNDER_ASAN 1
#endif
#endif

TEST(HostileModule, TableGrowThatCannotBeAllocatedReturnsMinusOne) {
#ifdef WB_UNDER_ASAN
  GTEST_SKIP() << "AddressSanitizer aborts on a failed allocation instead of throwing";
#else
  // 2^32 - 1 elements are 32 GiB: more than this machine has, so allocation fails (with
  // more memory it could succeed, and touch all of it).
  uint64_t ram = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (ram >= (30ull << 30)) GTEST_SKIP() << "the machine has enough memory to satisfy the allocation";
  StoreLimits limits;
  limits.max_table_elements = UINT64_MAX;
  Store store(limits);
  auto mod = load_ok(read_test_module("limits.wasm"));
  ASSERT_TRUE(mod);
  auto inst = store.instantiate(mod, Imports{});
  ASSERT_TRUE(inst.ok());
  Value arg = Value::i32(-1);  // delta 0xFFFFFFFF: the table's maximum is 2^32 - 1
  auto r = store.call(inst.value()->function("grow_a"), {&arg, 1});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value()[0].as_i32(), -1);
  EXPECT_EQ(inst.value()->table("a")->size(), 300u);
  // The failed growth was not charged: the store can still make tables.
  EXPECT_TRUE(store.create_table(TableType{ValType::FuncRef, {1000, std::nullopt}}, Value::null(ValType::FuncRef)).ok());
#endif
}

TEST(HostileModule, TooManyTablesAreRefused) {
  ModuleParts p;
  p.tables.assign(100000, table_type(0));
  EXPECT_TRUE(Module::load(p.build()).ok());
  p.tables.push_back(table_type(0));
  auto r = Module::load(p.build());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too many tables"), std::string::npos) << r.error().message;
  // Imported tables count too.
  ModuleParts q;
  q.imports = uleb(100001);
  for (int i = 0; i < 100001; ++i) {
    append(q.imports, name("m"));
    append(q.imports, name("t"));
    q.imports.push_back(0x01);
    append(q.imports, table_type(0));
  }
  r = Module::load(q.build());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too many tables"), std::string::npos) << r.error().message;
}

TEST(HostileModule, ASecondMemoryIsRefusedWhetherImportedOrDefined) {
  auto import_memory = [] {
    Bytes b = name("m");
    append(b, name("mem"));
    append(b, {0x02, 0x00, 0x00});
    return b;
  };
  ModuleParts two_imports;
  two_imports.imports = uleb(2);
  append(two_imports.imports, import_memory());
  append(two_imports.imports, import_memory());
  auto r = Module::load(two_imports.build());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("multiple memories"), std::string::npos) << r.error().message;

  ModuleParts import_and_define;
  import_and_define.imports = uleb(1);
  append(import_and_define.imports, import_memory());
  import_and_define.mems.push_back({0x00, 0x00});
  r = Module::load(import_and_define.build());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("multiple memories"), std::string::npos) << r.error().message;
}

// ---- segments -----------------------------------------------------------------------

TEST(HostileModule, DataSegmentFarOutsideAnEmptyMemoryFailsInstantiation) {
  ModuleParts p;
  p.mems.push_back({0x00, 0x00});
  Bytes seg{0x00, 0x41, 0x7F, 0x0B, 0x0A};  // offset i32.const -1 (0xFFFFFFFF), 10 bytes
  seg.insert(seg.end(), 10, 'x');
  p.datas.push_back(seg);
  auto mod = load_ok(p.build());
  ASSERT_TRUE(mod);
  Store store;
  auto r = store.instantiate(mod, Imports{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("out of bounds memory access"), std::string::npos) << r.error().message;
}

TEST(HostileModule, HugeElementSegmentCostsInProportionToItsSize) {
  ModuleParts p;
  p.types.push_back(func_type({}, {}));
  p.funcs.push_back(uleb(0));
  p.tables.push_back(table_type(0));
  Bytes seg{0x00, 0x41, 0x00, 0x0B};  // active, table 0, offset 0
  append(seg, uleb(900000));
  seg.insert(seg.end(), 900000, 0x00);  // function 0, 900000 times
  p.elems.push_back(seg);
  p.codes.push_back(body({}, {}));
  Bytes m = p.build();
  std::optional<wb::Result<std::shared_ptr<const Module>>> mod;
  uint64_t bytes = bytes_allocated_by([&] { mod.emplace(Module::load(m)); });
  ASSERT_TRUE(mod->ok());
  EXPECT_LT(bytes, 64 * m.size());
  Store store;
  auto r = store.instantiate(mod->value(), Imports{});
  ASSERT_FALSE(r.ok());  // the table is empty
  EXPECT_NE(r.error().message.find("out of bounds table access"), std::string::npos) << r.error().message;
}

// ---- many types, imports, exports ---------------------------------------------------------

TEST(HostileModule, ManyDistinctTypesInstantiateInLinearTime) {
  // 100000 distinct function types: interning each by comparing it with all earlier ones
  // took seconds.
  ModuleParts p;
  const uint8_t kinds[] = {0x7F, 0x7E, 0x7D, 0x7C, 0x70, 0x6F};
  for (uint32_t i = 0; i < 100000; ++i) {
    Bytes params;
    for (uint32_t x = i, k = 0; k < 7; ++k, x /= 6) params.push_back(kinds[x % 6]);
    p.types.push_back(func_type(params, {}));
  }
  auto mod = load_ok(p.build());
  ASSERT_TRUE(mod);
  Store store;
  double s = cpu_seconds([&] { ASSERT_TRUE(store.instantiate(mod, Imports{}).ok()); });
  EXPECT_LT(s, kMaxSeconds);
}

TEST(HostileModule, TypesCraftedToCollideUnderAFixedHashInternInLinearTime) {
  // A 2.6 MB module whose types all had one hash under the store's former fixed hash
  // (h = params * 0x9E3779B97F4A7C15 + results, then h = h * 131 + byte per parameter) took 19 s
  // to instantiate: every insertion walked a bucket of all the earlier types. kRelation is a
  // relation sum c_i * 131^(28-i) = 0 (mod 2^64) with small c_i (a short vector of the
  // knapsack lattice, found by LLL reduction with PARI/GP's qflll); a type is 13 blocks, each
  // either `base` or `base + c`, so all 8192 such types share that hash. The hash is now
  // seeded per process: a module cannot aim at it.
  constexpr int kRelation[] = {-2, 1, 1, 0, 0, 0, -1, -1, -1, -2, 1, 1, 2, 1, 0,
                               0,  1, -1, 1, 1, -2, 2, -2, 1, 1, -1, 2, -2, -1};
  constexpr int kBlocks = 13;
  auto block = [&](bool shifted) {
    Bytes b;
    for (int c : kRelation) {  // f64, f32 or i64 (0x7C..0x7E) either way
      const auto base = static_cast<uint8_t>(0x7C + (c < 0 ? -c : 0));
      b.push_back(shifted ? static_cast<uint8_t>(base + c) : base);
    }
    return b;
  };
  auto former_hash = [](const Bytes& params) {
    uint64_t h = params.size() * 0x9E3779B97F4A7C15ull;
    for (uint8_t v : params) h = h * 131 + v;
    return h;
  };
  ModuleParts p;
  std::optional<uint64_t> shared;
  for (uint32_t t = 0; t < (1u << kBlocks); ++t) {
    Bytes params;
    for (int k = 0; k < kBlocks; ++k) append(params, block((t >> k) & 1));
    const uint64_t h = former_hash(params);
    if (!shared) shared = h;
    ASSERT_EQ(h, *shared) << "type " << t << " does not collide: the relation is wrong";
    p.types.push_back(func_type(params, {}));
  }
  auto mod = load_ok(p.build());
  ASSERT_TRUE(mod);
  ASSERT_EQ(mod->types.size(), 8192u);
  Store store;
  double s = cpu_seconds([&] { ASSERT_TRUE(store.instantiate(mod, Imports{}).ok()); });
  EXPECT_LT(s, kMaxSeconds);
}

TEST(HostileModule, ManyImportsLinkInLinearTime) {
  constexpr int kImports = 60000;
  ModuleParts p;
  p.imports = uleb(kImports);
  for (int i = 0; i < kImports; ++i) {
    append(p.imports, name("m"));
    append(p.imports, name("g" + std::to_string(i)));
    append(p.imports, {0x03, kI32, 0x00});  // immutable i32 global
  }
  auto mod = load_ok(p.build());
  ASSERT_TRUE(mod);
  Store store;
  double s = cpu_seconds([&] {
    Imports imports;
    for (int i = 0; i < kImports; ++i) {
      auto g = store.create_global(GlobalType{ValType::I32, false}, Value::i32(i));
      imports.add("m", "g" + std::to_string(i), g.value());
    }
    auto inst = store.instantiate(mod, imports);
    ASSERT_TRUE(inst.ok()) << inst.error().message;
  });
  EXPECT_LT(s, kMaxSeconds);
}

TEST(HostileModule, ManyExportedFunctionsInstantiateInLinearTime) {
  // Naming each of 150000 functions by searching the 150000 exports took seconds.
  constexpr uint32_t kFuncs = 150000;
  ModuleParts p;
  p.types.push_back(func_type({}, {}));
  for (uint32_t i = 0; i < kFuncs; ++i) {
    p.funcs.push_back(uleb(0));
    p.codes.push_back(body({}, {}));
    Bytes e = name("e" + std::to_string(i));
    e.push_back(0x00);
    append(e, uleb(kFuncs - 1 - i));  // export i names function kFuncs-1-i
    p.exports.push_back(e);
  }
  auto mod = load_ok(p.build());
  ASSERT_TRUE(mod);
  Store store;
  std::optional<wb::Result<Instance*>> inst;
  double s = cpu_seconds([&] { inst.emplace(store.instantiate(mod, Imports{})); });
  ASSERT_TRUE(inst->ok());
  EXPECT_LT(s, kMaxSeconds);
  EXPECT_EQ(inst->value()->function("e0")->name(), "e0");
  EXPECT_EQ(inst->value()->functions()[0]->name(), "e" + std::to_string(kFuncs - 1));
}

TEST(HostileModule, HostCallsWithAMillionExportsStayCheap) {
  // Every host call looks up the caller's exported "memory": with a scan of the exports,
  // 20000 calls with 1M exports took 47 s. The memory is exported last. (Functions are
  // capped at 1M: 999,998 exported, besides the import and the caller.)
  constexpr uint32_t kFuncs = 999998;
  ModuleParts p;
  p.types.push_back(func_type({}, {}));
  p.imports = uleb(1);
  append(p.imports, name("env"));
  append(p.imports, name("h"));
  append(p.imports, {0x00, 0x00});  // a function of type 0
  p.funcs.push_back(uleb(0));       // function 1: calls env.h 20000 times
  p.codes.push_back(body({{1, kI32}}, {0x03, 0x40, 0x10, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6A, 0x22, 0x00, 0x41, 0xA0,
                                        0x9C, 0x01, 0x48, 0x0D, 0x00, 0x0B}));
  for (uint32_t i = 0; i < kFuncs; ++i) {
    p.funcs.push_back(uleb(0));
    p.codes.push_back(body({}, {}));
    Bytes e = name("f" + std::to_string(i));
    e.push_back(0x00);
    append(e, uleb(i + 2));
    p.exports.push_back(e);
  }
  Bytes run = name("run");
  append(run, {0x00, 0x01});
  p.exports.push_back(run);
  p.mems.push_back({0x00, 0x01});
  Bytes mem = name("memory");
  append(mem, {0x02, 0x00});
  p.exports.push_back(mem);
  auto mod = load_ok(p.build());
  ASSERT_TRUE(mod);
  Store store;
  Imports imports;
  int calls = 0;
  bool saw_memory = true;
  imports.add("env", "h", define_host(store, "env.h", [&](HostContext& ctx) {
                ++calls;
                saw_memory = saw_memory && ctx.memory() != nullptr;
              }));
  auto inst = store.instantiate(mod, imports);
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  Function* f = inst.value()->function("run");
  ASSERT_NE(f, nullptr);
  double s = cpu_seconds([&] { ASSERT_TRUE(store.call(f, {}).ok()); });
  EXPECT_EQ(calls, 20000);
  EXPECT_TRUE(saw_memory);
  EXPECT_LT(s, kMaxSeconds);
}

}  // namespace

// ---- costs in proportion, interruptible ---------------------------------------------------

namespace {

// Empty functions, `n` of them, the first exported as "f0".
Bytes many_empty_functions(uint32_t n) {
  ModuleParts p;
  p.types.push_back(func_type({}, {}));
  Bytes e = name("f0");
  e.push_back(0x00);
  append(e, uleb(0));
  p.exports.push_back(e);
  for (uint32_t i = 0; i < n; ++i) {
    p.funcs.push_back(uleb(0));
    p.codes.push_back(body({}, {}));
  }
  return p.build();
}

}  // namespace

TEST(HostileModule, AFunctionCostsTheEngineLittleBesidesItsCode) {
  // 1M empty functions (a 4 MB module) took 219 MB: a name string, a std::function and a
  // separately allocated code vector per function. Heap bytes held (glibc's count of bytes in
  // use, mmapped blocks included) by the loaded module and its instance, per function:
  constexpr uint32_t kFuncs = 200000;
  const Bytes m = many_empty_functions(kFuncs);
  auto in_use = [] {
    const struct mallinfo2 mi = ::mallinfo2();
    return static_cast<uint64_t>(mi.uordblks + mi.hblkhd);
  };
  const uint64_t before = in_use();
  {
    Store store;
    std::shared_ptr<const Module> mod = load_ok(m);
    ASSERT_TRUE(mod);
    auto r = store.instantiate(mod, Imports{});
    ASSERT_TRUE(r.ok()) << r.error().message;
    Instance* inst = r.value();
    const uint64_t held = in_use() - before;
    EXPECT_LT(held / kFuncs, 150u) << held << " bytes held for " << kFuncs << " functions";
    // Names are worked out when asked for.
    EXPECT_EQ(inst->function("f0")->name(), "f0");
    EXPECT_EQ(inst->functions()[7]->name(), "func[7]");
    EXPECT_TRUE(store.call(inst->functions()[kFuncs - 1], {}).ok());
  }
}

TEST(HostileModule, AFunctionOfManyLoopsCompilesInLinearTime) {
  // 100000 loops one after another (a 1.3 MB function; each adds 1 to local 0 and repeats
  // while local 1, zero, is not): choosing the locals that compiled code keeps in registers
  // looked for each instruction's loops among all of them.
  Bytes code;
  for (int i = 0; i < 100000; ++i)
    append(code, Bytes{0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6A, 0x21, 0x00, 0x20, 0x01, 0x0D, 0x00, 0x0B});
  auto mod = load_ok(one_function(code, {{2, kI32}}));
  ASSERT_TRUE(mod);
  Store store;
  auto r = store.instantiate(mod, Imports{});
  ASSERT_TRUE(r.ok()) << r.error().message;
  double s = cpu_seconds([&] { store.compile_all(r.value()); });
  EXPECT_LT(s, kMaxSeconds);
  EXPECT_TRUE(store.call(r.value()->functions()[0], {}).ok());
}

TEST(HostileModule, LoadingStopsWhenAskedBetweenFunctions) {
  // Neither --timeout nor SIGINT stopped the load of a large module.
  const Bytes m = many_empty_functions(100000);
  ModuleOptions opts;
  int asked = 0;
  opts.interrupted = [&] { return ++asked == 3; };
  auto r = Module::load(m, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(kInterruptedLoad), std::string::npos) << r.error().message;
  EXPECT_EQ(asked, 3);  // it stopped when told, not at the end
  opts.interrupted = [] { return false; };
  EXPECT_TRUE(Module::load(m, opts).ok());
}

namespace {

// A module importing env.arm ([] -> []) and running `op` (three i32 operands) on a memory of
// `pages` pages after calling it.
Bytes bulk_after_arm(uint32_t pages, const Bytes& operands_and_op) {
  ModuleParts p;
  p.types.push_back(func_type({}, {}));
  p.imports = uleb(1);
  append(p.imports, name("env"));
  append(p.imports, name("arm"));
  p.imports.push_back(0x00);
  append(p.imports, uleb(0));
  p.funcs.push_back(uleb(0));
  Bytes mem{0x00};
  append(mem, uleb(pages));
  p.mems.push_back(mem);
  Bytes ex = name("run");
  ex.push_back(0x00);
  append(ex, uleb(1));
  p.exports.push_back(ex);
  Bytes code{0x10, 0x00};  // call arm
  append(code, operands_and_op);
  p.codes.push_back(body({}, code));
  return p.build();
}

Bytes i32_const(int32_t v) {
  Bytes out{0x41};
  // signed LEB128
  for (;;) {
    uint8_t b = v & 0x7F;
    v >>= 7;
    if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
      out.push_back(b);
      return out;
    }
    out.push_back(b | 0x80);
  }
}

// memory.fill or memory.copy of `length` bytes, interrupted from a host call just before it
// (which first runs `prepare`).
void expect_bulk_op_interrupted(const Bytes& op, int32_t dst, int32_t src_or_value, int32_t length,
                                const std::function<void(Memory&)>& prepare, const std::function<void(Memory&)>& check) {
  constexpr uint32_t kPages = 16384;  // 1 GiB, committed only where written
  Bytes code = i32_const(dst);
  append(code, i32_const(src_or_value));
  append(code, i32_const(length));
  append(code, op);
  auto mod = load_ok(bulk_after_arm(kPages, code));
  ASSERT_TRUE(mod);
  Store store;
  Imports imports;
  InterruptHandle h = store.interrupt_handle();
  Instance* instance = nullptr;
  imports.add("env", "arm", store.create_host_function(FuncType{}, [&](HostContext&, const uint64_t*, uint64_t*) {
    prepare(*instance->memories()[0]);
    h.interrupt();
    return std::optional<Trap>{};
  }, "env.arm"));
  auto inst = store.instantiate(mod, imports);
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  instance = inst.value();
  auto r = store.call(inst.value()->function("run"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TrapKind::Interrupted) << r.error().to_string();
  check(*inst.value()->memories()[0]);
}

}  // namespace

TEST(HostileModule, AGigabyteMemoryFillStopsAtAnInterrupt) {
  // One memory.fill of 4 GiB ran for 16 s whatever --timeout said: it is done in pieces.
  expect_bulk_op_interrupted({0xFC, 0x0B, 0x00}, 0, 0xAB, 1 << 30, [](Memory&) {}, [](Memory& m) {
    EXPECT_EQ(*m.load<uint8_t>(0), 0xAB);                  // the first piece was written
    EXPECT_EQ(*m.load<uint8_t>((1u << 30) - 1), 0);        // the last was not
  });
}

TEST(HostileModule, AGigabyteMemoryCopyStopsAtAnInterrupt) {
  // Upwards (destination above the source) copies run back to front: the end is written first.
  constexpr uint32_t kHalf = 1u << 29;
  expect_bulk_op_interrupted(
      {0xFC, 0x0A, 0x00, 0x00}, kHalf, 0, kHalf,
      [](Memory& m) {
        m.store<uint8_t>(0, 0xCD);
        m.store<uint8_t>(kHalf - 1, 0xCD);
      },
      [](Memory& m) {
        EXPECT_EQ(*m.load<uint8_t>(2 * kHalf - 1), 0xCD);  // the last piece was copied
        EXPECT_EQ(*m.load<uint8_t>(kHalf), 0);             // the first was not
      });
}

TEST(HostileModule, LargeOverlappingCopiesAreCorrectInBothDirections) {
  // memory.copy in pieces must still behave as memmove: 40 MiB regions overlapping by all
  // but 1 MiB, copied down and up.
  constexpr uint32_t kMiB = 1 << 20, kLen = 40 * kMiB;
  for (const bool up : {false, true}) {
    const int32_t src = up ? 0 : kMiB, dst = up ? kMiB : 0;
    Bytes code = i32_const(dst);
    append(code, i32_const(src));
    append(code, i32_const(kLen));
    append(code, {0xFC, 0x0A, 0x00, 0x00});
    auto mod = load_ok(bulk_after_arm(42 * 16, code));
    ASSERT_TRUE(mod);
    Store store;
    Imports imports;
    Instance* inst = nullptr;
    imports.add("env", "arm", store.create_host_function(FuncType{}, [&inst, src](HostContext&, const uint64_t*, uint64_t*) {
      Memory& m = *inst->memories()[0];
      for (uint32_t i = 0; i < kLen; i += 4) m.store<uint32_t>(src + i, i * 2654435761u);
      return std::optional<Trap>{};
    }, "env.arm"));
    auto r = store.instantiate(mod, imports);
    ASSERT_TRUE(r.ok()) << r.error().message;
    inst = r.value();
    ASSERT_TRUE(store.call(inst->function("run"), {}).ok());
    Memory& m = *inst->memories()[0];
    uint32_t wrong = 0;
    for (uint32_t i = 0; i < kLen; i += 4)
      if (*m.load<uint32_t>(dst + i) != i * 2654435761u) ++wrong;
    EXPECT_EQ(wrong, 0u) << (up ? "up" : "down");
  }
}
