#include "cli/argv_split.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace wb::cli {
namespace {

using Args = std::vector<std::string>;

TEST(IsOptionLike, DashPrefixedWordsButNotALoneDash) {
  EXPECT_TRUE(is_option_like("-x"));
  EXPECT_TRUE(is_option_like("--dir"));
  EXPECT_TRUE(is_option_like("--"));
  EXPECT_FALSE(is_option_like("-"));
  EXPECT_FALSE(is_option_like(""));
  EXPECT_FALSE(is_option_like("tool.wasm"));
}

TEST(InsertImplicitRun, PrefixesAnythingThatIsNotACommandOrOption) {
  Args args{"tool.wasm", "-x"};
  EXPECT_TRUE(insert_implicit_run(args));
  EXPECT_EQ(args, (Args{"run", "tool.wasm", "-x"}));

  Args ref{"localhost:5000/tool:v1"};
  EXPECT_TRUE(insert_implicit_run(ref));
  EXPECT_EQ(ref.front(), "run");
}

TEST(InsertImplicitRun, LeavesCommandsOptionsAndEmptyAlone) {
  for (Args args : {Args{"images"}, Args{"run", "x.wasm"}, Args{"--help"}, Args{"-h"}, Args{}}) {
    const Args before = args;
    EXPECT_FALSE(insert_implicit_run(args));
    EXPECT_EQ(args, before);
  }
}

class SplitRun : public ::testing::Test {
 protected:
  SplitRun() { handler_ = setup_run(app_); }
  Passthrough split(const Args& args) { return split_at_first_positional(app_, args); }

  CLI::App app_{"run", "run"};
  Handler handler_;
};

TEST_F(SplitRun, OptionValuesAreNotMistakenForTheModule) {
  const Passthrough p =
      split({"run", "--dir", "/a", "-e", "K=V", "--timeout", "5s", "m.wasm", "-x"});
  EXPECT_EQ(p.own, (Args{"run", "--dir", "/a", "-e", "K=V", "--timeout", "5s", "m.wasm"}));
  EXPECT_EQ(p.guest, (Args{"-x"}));
}

TEST_F(SplitRun, AttachedValuesDoNotConsumeTheNextArgument) {
  const Passthrough p = split({"run", "--dir=/a", "-eK=V", "m.wasm", "b"});
  EXPECT_EQ(p.own, (Args{"run", "--dir=/a", "-eK=V", "m.wasm"}));
  EXPECT_EQ(p.guest, (Args{"b"}));
}

TEST_F(SplitRun, FlagsDoNotConsumeTheModule) {
  const Passthrough p = split({"run", "-v", "m.wasm", "--verbose"});
  EXPECT_EQ(p.own, (Args{"run", "-v", "m.wasm"}));
  EXPECT_EQ(p.guest, (Args{"--verbose"}));
}

TEST_F(SplitRun, ShortClusterEndingInAValueOption) {
  const Passthrough p = split({"run", "-ve", "K", "m.wasm", "a"});
  EXPECT_EQ(p.own, (Args{"run", "-ve", "K", "m.wasm"}));
  EXPECT_EQ(p.guest, (Args{"a"}));
}

TEST_F(SplitRun, EverythingAfterTheModuleIsTheGuests) {
  const Passthrough p = split({"run", "m.wasm", "--help", "--dir", "x", "-", "--"});
  EXPECT_EQ(p.own, (Args{"run", "m.wasm"}));
  EXPECT_EQ(p.guest, (Args{"--help", "--dir", "x", "-", "--"}));
}

TEST_F(SplitRun, OneSeparatorAfterTheModuleIsDropped) {
  EXPECT_EQ(split({"run", "m.wasm", "--", "--", "x"}).guest, (Args{"--", "x"}));
  EXPECT_EQ(split({"run", "m.wasm", "--"}).guest, Args{});
}

TEST_F(SplitRun, SeparatorBeforeTheModuleMarksIt) {
  const Passthrough p = split({"run", "--", "-m.wasm", "x"});
  EXPECT_EQ(p.own, (Args{"run", "--", "-m.wasm"}));
  EXPECT_EQ(p.guest, (Args{"x"}));
}

TEST_F(SplitRun, WithoutAModuleEverythingStaysForTheParser) {
  EXPECT_EQ(split({"run", "--verbose"}).own, (Args{"run", "--verbose"}));
  EXPECT_EQ(split({"run", "--timeout"}).own, (Args{"run", "--timeout"}));
  EXPECT_EQ(split({"run", "--"}).own, (Args{"run", "--"}));
  EXPECT_TRUE(split({"run", "--"}).guest.empty());
}

TEST_F(SplitRun, UnknownOptionsAreLeftForTheParserToReport) {
  const Passthrough p = split({"run", "--bogus", "m.wasm", "x"});
  EXPECT_EQ(p.own, (Args{"run", "--bogus", "m.wasm"}));
  EXPECT_EQ(p.guest, (Args{"x"}));
}

}  // namespace
}  // namespace wb::cli
