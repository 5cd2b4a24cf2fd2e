// SPDX-License-Identifier: MIT
#include "cli/units.h"

#include <gtest/gtest.h>

namespace wb::cli {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(ParseDuration, AcceptsEveryUnitAndFractions) {
  EXPECT_EQ(parse_duration("100ns"), nanoseconds{100});
  EXPECT_EQ(parse_duration("250us"), nanoseconds{250us});
  EXPECT_EQ(parse_duration("1500ms"), nanoseconds{1500ms});
  EXPECT_EQ(parse_duration("10s"), nanoseconds{10s});
  EXPECT_EQ(parse_duration("2m"), nanoseconds{2min});
  EXPECT_EQ(parse_duration("1h"), nanoseconds{1h});
  EXPECT_EQ(parse_duration("1.5s"), nanoseconds{1500ms});
  EXPECT_EQ(parse_duration("0.25m"), nanoseconds{15s});
}

TEST(ParseDuration, BareNumberMeansSeconds) { EXPECT_EQ(parse_duration("30"), nanoseconds{30s}); }

TEST(ParseDuration, RejectsMalformedValues) {
  for (const char* bad : {"", "s", "-1s", "1x", "1 s", "1.2.3s", ".5s", "1sec", "ms10", "1S"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
  }
}

TEST(ParseDuration, RejectsValuesBeyondAHundredYears) {
  EXPECT_EQ(parse_duration("1000000h"), std::nullopt);
  EXPECT_NE(parse_duration("100000h"), std::nullopt);
}

TEST(ParseSize, AcceptsBinaryMultipliersInAnyCase) {
  EXPECT_EQ(parse_size("65536"), 65536u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("64K"), 64u * 1024);
  EXPECT_EQ(parse_size("64kb"), 64u * 1024);
  EXPECT_EQ(parse_size("64KiB"), 64u * 1024);
  EXPECT_EQ(parse_size("16M"), 16u << 20);
  EXPECT_EQ(parse_size("16MiB"), 16u << 20);
  EXPECT_EQ(parse_size("4G"), std::uint64_t{4} << 30);
  EXPECT_EQ(parse_size("2t"), std::uint64_t{2} << 40);
}

TEST(ParseSize, RejectsMalformedValuesAndOverflow) {
  for (const char* bad : {"", "K", "-1", "1.5M", "12Q", "1KiBB", "1 K", "1Ki"}) {
    EXPECT_EQ(parse_size(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(parse_size("18446744073709551615"), 18446744073709551615u);
  EXPECT_EQ(parse_size("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_size("17179869184G"), std::nullopt);
}

TEST(FormatUnits, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(2min), "2m");
  EXPECT_EQ(format_duration(nanoseconds{7}), "7ns");
  EXPECT_EQ(format_duration(nanoseconds{0}), "0ns");
  EXPECT_EQ(format_size(64u << 20), "64MiB");
  EXPECT_EQ(format_size(1536), "1536B");
  EXPECT_EQ(format_size(2048), "2KiB");
}

}  // namespace
}  // namespace wb::cli
