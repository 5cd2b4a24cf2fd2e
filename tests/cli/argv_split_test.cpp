// SPDX-License-Identifier: MIT
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

class ImplicitRunTest : public ::testing::Test {
 protected:
  ImplicitRunTest() { handler_ = setup_run(run_); }
  ImplicitRun insert(Args& args) { return insert_implicit_run(args, run_); }

  CLI::App run_{"run", "run"};
  Handler handler_;
};

TEST_F(ImplicitRunTest, PrefixesModuleFiles) {
  for (const std::string module : {"tool.wasm", "./tool", "/abs/tool", "../up/tool"}) {
    Args args{module, "-x"};
    EXPECT_EQ(insert(args), ImplicitRun::inserted) << module;
    EXPECT_EQ(args, (Args{"run", module, "-x"}));
  }
}

TEST_F(ImplicitRunTest, AnExistingFileIsAModuleFile) {
  EXPECT_TRUE(is_module_file("/proc/self/status"));
  EXPECT_FALSE(is_module_file("no-such-file-here"));
  EXPECT_FALSE(is_module_file(""));
}

TEST_F(ImplicitRunTest, AWordThatIsNeitherACommandNorAFileIsUnknown) {
  for (const std::string word : {"imgaes", "ps", "commit", "localhost:5000/tool:v1", "alpine"}) {
    Args args{word, "b"};
    EXPECT_EQ(insert(args), ImplicitRun::unknown_command) << word;
    EXPECT_EQ(args, (Args{word, "b"})) << "left as it was";
  }
}

TEST_F(ImplicitRunTest, RunOptionsMayComeBeforeAModuleFile) {
  Args args{"--timeout", "1s", "-e", "K=V", "x.wasm", "-h"};
  EXPECT_EQ(insert(args), ImplicitRun::inserted);
  EXPECT_EQ(args, (Args{"run", "--timeout", "1s", "-e", "K=V", "x.wasm", "-h"}));
  Args dash{"--", "-dash.wasm"};
  EXPECT_EQ(insert(dash), ImplicitRun::inserted);
}

TEST_F(ImplicitRunTest, RunOptionsBeforeAReferenceOrNothingAreNotAModule) {
  Args ref{"--timeout", "1s", "localhost:5000/tool:v1"};
  EXPECT_EQ(insert(ref), ImplicitRun::not_a_module);
  Args none{"--timeout", "1s"};
  EXPECT_EQ(insert(none), ImplicitRun::not_a_module);
}

TEST_F(ImplicitRunTest, LeavesCommandsTopLevelOptionsAndEmptyAlone) {
  for (Args args : {Args{"images"}, Args{"run", "x.wasm"}, Args{"--help"}, Args{"-h"}, Args{"--version"},
                    Args{"--verbose", "images"}, Args{}}) {
    const Args before = args;
    EXPECT_EQ(insert(args), ImplicitRun::not_needed);
    EXPECT_EQ(args, before);
  }
}

TEST(NearestCommand, TyposAndPrefixes) {
  auto name = [](std::string_view w) {
    const Command* c = nearest_command(w);
    return c ? std::string(c->name) : std::string("-");
  };
  EXPECT_EQ(name("imgaes"), "images");
  EXPECT_EQ(name("imags"), "images");
  EXPECT_EQ(name("pul"), "pull");
  EXPECT_EQ(name("psuh"), "push");
  EXPECT_EQ(name("insp"), "inspect");
  EXPECT_EQ(name("verison"), "version");
  EXPECT_EQ(name("ps"), "-");
  EXPECT_EQ(name("tga"), "tag");
  EXPECT_EQ(name("commit"), "-");
  EXPECT_EQ(name("alpine"), "-");
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
