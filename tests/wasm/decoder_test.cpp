// SPDX-License-Identifier: MIT
// Malformed and hostile inputs: clear errors, never a crash.
#include <gtest/gtest.h>

#include <random>

#include "test_util.h"
#include "wasm/engine.h"

using namespace wb::wasm;

namespace {

std::string load_error(std::vector<uint8_t> bytes) {
  auto r = Module::load(bytes);
  return r.ok() ? std::string("<loaded>") : r.error().message;
}

TEST(Decoder, RejectsNonWasmInput) {
  EXPECT_NE(load_error({'h', 'e', 'l', 'l', 'o', '!', '!', '!'}).find("magic header not detected"), std::string::npos);
  EXPECT_NE(load_error({}).find("magic header"), std::string::npos);
  EXPECT_NE(load_error({0, 'a', 's', 'm', 2, 0, 0, 0}).find("unknown binary version"), std::string::npos);
}

TEST(Decoder, EmptyModuleLoads) { EXPECT_EQ(load_error({0, 'a', 's', 'm', 1, 0, 0, 0}), "<loaded>"); }

TEST(Decoder, ErrorsGiveTheByteOffset) {
  // A type section that claims 10 bytes but has 1.
  std::string e = load_error({0, 'a', 's', 'm', 1, 0, 0, 0, 1, 10, 0});
  EXPECT_NE(e.find("section size mismatch"), std::string::npos) << e;
  EXPECT_NE(e.find("offset"), std::string::npos) << e;
}

TEST(Decoder, OverlongLeb128IsMalformed) {
  // Type section with a count encoded in 6 bytes.
  std::string e = load_error({0, 'a', 's', 'm', 1, 0, 0, 0, 1, 6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  EXPECT_NE(e.find("integer representation too long"), std::string::npos) << e;
}

TEST(Decoder, EveryTruncationOfARealModuleFailsCleanly) {
  auto bytes = read_test_module("api.wasm");
  ASSERT_GT(bytes.size(), 100u);
  size_t loaded = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = Module::load(cut);
    if (r.ok()) {
      ++loaded;
    } else {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  // Only cuts at section boundaries can form a module, and api.wasm has fewer than 16.
  EXPECT_LE(loaded, 16u);
  EXPECT_TRUE(Module::load(bytes).ok());
}

TEST(Decoder, RandomByteFlipsNeverCrash) {
  auto bytes = read_test_module("api.wasm");
  std::mt19937 rng(12345);
  int loaded = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    auto copy = bytes;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) copy[8 + rng() % (copy.size() - 8)] = static_cast<uint8_t>(rng());
    auto r = Module::load(copy);
    if (!r.ok()) {
      EXPECT_FALSE(r.error().message.empty());
      continue;
    }
    ++loaded;
    // Whatever loads must also instantiate or fail cleanly, and run its exports safely.
    Store store;
    Imports none;
    (void)store.instantiate(r.value(), none);
  }
  EXPECT_LT(loaded, 3000);
}

}  // namespace
