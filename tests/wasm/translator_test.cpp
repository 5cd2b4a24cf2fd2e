// SPDX-License-Identifier: MIT
// The translator (validation + translation of function bodies): branches passing many
// values (multi_value.wat) compute the right results, and hostile bodies cost time, memory
// and code in proportion to their size. Hostile bodies are generated here; their loads are
// bounded by CPU time (generously: the fixed translator needs tens of milliseconds where the
// quadratic one needed tens of seconds) or, deterministically, by bytes allocated.
#include <gtest/gtest.h>

#include <optional>

#include "alloc_counter.h"
#include "module_builder.h"
#include "test_util.h"
#include "wasm/code.h"  // white-box: the translated code's size
#include "wasm/engine.h"

using namespace wb::wasm;
using namespace wb::wasm::test;

namespace {

#ifdef WB_TEST_SLOW_BUILD
constexpr double kMaxLoadSeconds = 40.0;  // AddressSanitizer + UBSan, Debug: the widest case takes ~24 s
#else
constexpr double kMaxLoadSeconds = 2.0;
#endif

struct TimedLoad {
  std::optional<wb::Result<std::shared_ptr<const Module>>> mod;
  double seconds = 0;
  uint64_t allocated = 0;
  std::string error() const { return mod->ok() ? "" : mod->error().message; }
};

TimedLoad timed_load(const Bytes& bytes) {
  TimedLoad t;
  t.allocated = bytes_allocated_by([&] { t.seconds = cpu_seconds([&] { t.mod.emplace(Module::load(bytes)); }); });
  return t;
}

Bytes i32s(size_t n) { return Bytes(n, kI32); }
Bytes local_get(uint32_t x) {
  Bytes b{0x20};
  append(b, uleb(x));
  return b;
}

// ---- branches passing many values ----------------------------------------------------

struct MultiValue : ::testing::Test {
  Store store;
  Instance* inst = nullptr;
  void SetUp() override {
    auto mod = Module::load(read_test_module("multi_value.wasm"));
    ASSERT_TRUE(mod.ok()) << mod.error().message;
    auto r = store.instantiate(mod.value(), Imports{});
    ASSERT_TRUE(r.ok()) << r.error().message;
    inst = r.value();
  }
  std::vector<int32_t> call(const char* name, std::vector<Value> args) {
    auto r = store.call(inst->function(name), args);
    EXPECT_TRUE(r.ok()) << name << ": " << r.error().to_string();
    std::vector<int32_t> out;
    if (r.ok())
      for (const Value& v : r.value()) out.push_back(v.as_i32());
    return out;
  }
};

TEST_F(MultiValue, BrMovesTheValuesIntoTheLabelsSlots) {
  EXPECT_EQ(call("br_wide", {Value::i32(1), Value::i32(2)}), (std::vector<int32_t>{2, 1, 7, 2, -1}));
}

TEST_F(MultiValue, BrIfTakenAndNotTakenSeeTheSameValues) {
  EXPECT_EQ(call("br_if_wide", {Value::i32(1), Value::i32(2)}), (std::vector<int32_t>{1, 2, 3, 1, 2}));
  EXPECT_EQ(call("br_if_wide", {Value::i32(5), Value::i32(2)}), (std::vector<int32_t>{1005, 2, 3, 5, 2}));
}

TEST_F(MultiValue, ConditionalAndPlainReturns) {
  EXPECT_EQ(call("br_if_return_wide", {Value::i32(7)}), (std::vector<int32_t>{7, 1, 2, 3}));
  EXPECT_EQ(call("br_if_return_wide", {Value::i32(0)}), (std::vector<int32_t>{-1, -2, -3, -4}));
}

TEST_F(MultiValue, BrTableReachesEveryKindOfTarget) {
  EXPECT_EQ(call("br_table_wide", {Value::i32(0)}), (std::vector<int32_t>{1, 2, 0, 14}));
  EXPECT_EQ(call("br_table_wide", {Value::i32(1)}), (std::vector<int32_t>{1, 2, 1, 4}));
  EXPECT_EQ(call("br_table_wide", {Value::i32(2)}), (std::vector<int32_t>{1, 2, 2, 4}));
  EXPECT_EQ(call("br_table_wide", {Value::i32(9)}), (std::vector<int32_t>{1, 2, 9, 4}));
}

TEST_F(MultiValue, ReturnIsAParallelMove) {
  EXPECT_EQ(call("reverse", {Value::i32(1), Value::i32(2), Value::i32(3), Value::i32(4), Value::i32(5)}),
            (std::vector<int32_t>{5, 4, 3, 2, 1}));
}

TEST_F(MultiValue, LoopWithParametersBranchesBack) {
  EXPECT_EQ(call("rotate", {Value::i32(1)}), (std::vector<int32_t>{1, 2, 3, 10}));
  EXPECT_EQ(call("rotate", {Value::i32(3)}), (std::vector<int32_t>{3, 10, 11, 12}));
}

// ---- hostile bodies ---------------------------------------------------------------------

TEST(TranslatorHostile, BlockEntriesDoNotRescanTheOperandStack) {
  // 65000 lazy local.gets stay on the stack while 200000 blocks are entered (each entry used
  // to scan the whole stack for lazy operands).
  Bytes code = repeat(local_get(0), 65000);
  append(code, repeat({0x02, 0x40, 0x0B}, 200000));
  append(code, repeat({0x1A}, 65000));
  auto t = timed_load(one_function(code, {{1, kI32}}));
  ASSERT_TRUE(t.mod->ok()) << t.error();
  EXPECT_LT(t.seconds, kMaxLoadSeconds);
}

TEST(TranslatorHostile, LocalSetDoesNotRescanTheOperandStack) {
  // Each local.set 1 used to scan the 65000 entries for lazy readers of local 1.
  Bytes code = repeat(local_get(0), 65000);
  append(code, repeat({0x20, 0x00, 0x21, 0x01}, 250000));
  append(code, repeat({0x1A}, 65000));
  auto t = timed_load(one_function(code, {{2, kI32}}));
  ASSERT_TRUE(t.mod->ok()) << t.error();
  EXPECT_LT(t.seconds, kMaxLoadSeconds);
}

TEST(TranslatorHostile, LocalSetFindsItsReadersWithoutAScan) {
  // The stack holds 65000 readers of local 1 below one reader of local 0 that each local.set 0
  // must materialise.
  Bytes code = repeat(local_get(1), 65000);
  append(code, repeat({0x20, 0x00, 0x41, 0x00, 0x21, 0x00, 0x1A}, 200000));
  append(code, repeat({0x1A}, 65000));
  auto t = timed_load(one_function(code, {{2, kI32}}));
  ASSERT_TRUE(t.mod->ok()) << t.error();
  EXPECT_LT(t.seconds, kMaxLoadSeconds);
}

TEST(TranslatorHostile, WideBrIfKeepsCodeProportionalToTheBody) {
  // A block of 1000 results, branched to 200000 times with the values off their slots: one
  // copy per value and branch would be 200 million copies.
  Bytes code{0x02, 0x01};  // block (type 1)
  append(code, repeat(local_get(0), 1000));
  append(code, repeat({0x41, 0x00, 0x0D, 0x00}, 200000));  // i32.const 0, br_if 0
  code.push_back(0x0B);
  append(code, repeat({0x1A}, 1000));
  Bytes m = one_function(code, {{1, kI32}}, {func_type({}, i32s(1000))});
  auto t = timed_load(m);
  ASSERT_TRUE(t.mod->ok()) << t.error();
  EXPECT_LT(t.mod->value()->code().functions[0].code_size, 8 * code.size());
  EXPECT_LT(t.allocated, 64 * m.size());
  EXPECT_LT(t.seconds, kMaxLoadSeconds);
}

TEST(TranslatorHostile, WideReturnsKeepCodeProportionalToTheBody) {
  // 200000 returns of 1000 values from blocks with 1000 parameters.
  ModuleParts p;
  p.types = {func_type({}, i32s(1000)), func_type(i32s(1000), i32s(1000))};
  p.funcs.push_back(uleb(0));
  Bytes e = name("f");
  e.push_back(0x00);
  append(e, uleb(0));
  p.exports.push_back(e);
  Bytes code = repeat(local_get(0), 1000);
  append(code, repeat({0x02, 0x01, 0x0F, 0x0B}, 200000));  // block (type 1) return end
  p.codes.push_back(body({{1, kI32}}, code));
  Bytes m = p.build();
  auto t = timed_load(m);
  ASSERT_TRUE(t.mod->ok()) << t.error();
  EXPECT_LT(t.mod->value()->code().functions[0].code_size, 8 * code.size());
  EXPECT_LT(t.allocated, 64 * m.size());
  EXPECT_LT(t.seconds, kMaxLoadSeconds);
  // And it runs: the 1000 values come back.
  Store store;
  auto inst = store.instantiate(t.mod->value(), Imports{});
  ASSERT_TRUE(inst.ok());
  auto r = store.call(inst.value()->function("f"), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().size(), 1000u);
}

TEST(TranslatorHostile, OperandStackHeightIsLimited) {
  // Each `block (type 1) unreachable end` leaves 1000 values: 65 of them fit under the limit
  // of 65536 values, 66 do not.
  Bytes one_block{0x02, 0x01, 0x00, 0x0B};
  auto with_blocks = [&](size_t n) {
    Bytes code = repeat(one_block, n);
    code.push_back(0x00);  // unreachable: the values need not be dropped
    return one_function(code, {}, {func_type({}, i32s(1000))});
  };
  auto fits = Module::load(with_blocks(65));
  EXPECT_TRUE(fits.ok()) << fits.error().message;
  auto deep = Module::load(with_blocks(66));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message.find("operand stack too deep"), std::string::npos) << deep.error().message;
  // Without the limit these 400 KB would need a stack of 100 million values.
  Bytes m = with_blocks(100000);
  auto t = timed_load(m);
  ASSERT_FALSE(t.mod->ok());
  EXPECT_LT(t.allocated, 64 * m.size());
}

TEST(TranslatorHostile, BrTableDeepInsideBlocksAllocatesLittle) {
  // 60000 br_tables at nesting depth 60000: the stub table used to be one entry per depth.
  Bytes code = repeat({0x02, 0x40}, 60000);
  append(code, repeat({0x02, 0x40, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x00, 0x0B}, 60000));
  append(code, repeat({0x0B}, 60000));
  Bytes m = one_function(code);
  auto t = timed_load(m);
  ASSERT_TRUE(t.mod->ok()) << t.error();
  EXPECT_LT(t.allocated, 64 * m.size());
}

TEST(TranslatorHostile, WideBrTableChecksEachLabelTypeOnce) {
  // 8 million targets, each a loop label of 1000 values: checking the operands against
  // every target's types would be 8 billion comparisons. (A loop, because its targets are
  // patched at once: the test measures the type checks, not the bookkeeping of 8 million
  // forward branches.)
  constexpr size_t kTargets = 8'000'000;
  Bytes code = repeat(local_get(0), 1000);
  append(code, {0x03, 0x01, 0x41, 0x00, 0x0E});  // loop (type 1: 1000 params), i32.const 0, br_table
  append(code, uleb(kTargets));
  code.insert(code.end(), kTargets + 1, 0x00);
  code.push_back(0x0B);
  auto t = timed_load(one_function(code, {{1, kI32}}, {func_type(i32s(1000), {})}));
  ASSERT_TRUE(t.mod->ok()) << t.error();
  EXPECT_LT(t.seconds, kMaxLoadSeconds);
}

TEST(TranslatorHostile, ParameterAndResultCountsAreLimited) {
  auto with_type = [](const Bytes& params, const Bytes& results) {
    ModuleParts p;
    p.types.push_back(func_type(params, results));
    return Module::load(p.build());
  };
  EXPECT_TRUE(with_type(i32s(1000), i32s(1000)).ok());
  auto params = with_type(i32s(1001), {});
  ASSERT_FALSE(params.ok());
  EXPECT_NE(params.error().message.find("too many parameters"), std::string::npos) << params.error().message;
  auto results = with_type({}, i32s(1001));
  ASSERT_FALSE(results.ok());
  EXPECT_NE(results.error().message.find("too many results"), std::string::npos) << results.error().message;
}

}  // namespace
