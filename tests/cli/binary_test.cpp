// SPDX-License-Identifier: MIT
// End-to-end tests of the built wasm-bpf executable: what a user sees on stdout and stderr and
// the exit status, for help, version, errors, not-yet-available commands and argument routing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "process.h"

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using wb::test::ProcessResult;

const std::vector<std::string> kAllCommands = {"run",     "push", "pull", "images", "rm",     "tag",
                                               "prune",   "tags", "inspect", "save", "load", "login",
                                               "logout",  "gen",  "build", "version", "completion", "man"};

ProcessResult wasm_bpf(const std::vector<std::string>& args) {
  ProcessResult r = wb::test::run_process(WB_CLI_BINARY, args);
  EXPECT_FALSE(r.timed_out);
  return r;
}

// --- help ---------------------------------------------------------------------------------

TEST(CliHelp, TopLevelHelpListsEveryCommandWithASummary) {
  const ProcessResult r = wasm_bpf({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.err, IsEmpty());
  EXPECT_THAT(r.out, HasSubstr("Usage: wasm-bpf [OPTIONS] COMMAND [ARGS...]"));
  for (const std::string& command : kAllCommands) {
    // A listing line is "  <name>   <summary>".
    EXPECT_THAT(r.out, HasSubstr("\n  " + command + "  ")) << command;
  }
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("wasm-bpf run ./bootstrap.wasm -d 10"));
  EXPECT_THAT(r.out, HasSubstr("wasm-bpf push ./bootstrap.wasm localhost:5000/bootstrap:v1"));
}

TEST(CliHelp, ShortFlagAndHelpCommandPrintTheSameHelp) {
  const std::string help = wasm_bpf({"--help"}).out;
  EXPECT_EQ(wasm_bpf({"-h"}).out, help);
  const ProcessResult r = wasm_bpf({"help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, help);
}

TEST(CliHelp, HelpForAnUnknownCommandIsAnError) {
  const ProcessResult r = wasm_bpf({"help", "nosuch"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("wasm-bpf help [COMMAND]"));
}

TEST(CliHelp, NoArgumentsPrintsHelpToStderrAndFails) {
  const ProcessResult r = wasm_bpf({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("Usage: wasm-bpf"));
}

struct CommandHelpCase {
  std::string command;
  std::string usage;                  // the synopsis after "Usage: "
  std::vector<std::string> mentions;  // options and words its help must contain
};

class CommandHelp : public ::testing::TestWithParam<CommandHelpCase> {};

TEST_P(CommandHelp, ExitsZeroAndShowsUsageAndOptions) {
  const CommandHelpCase& c = GetParam();
  const ProcessResult r = wasm_bpf({c.command, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.err, IsEmpty());
  EXPECT_THAT(r.out, HasSubstr("Usage: " + c.usage + "\n"));
  for (const std::string& word : c.mentions) EXPECT_THAT(r.out, HasSubstr(word)) << word;
  EXPECT_EQ(wasm_bpf({"help", c.command}).out, r.out) << "'help CMD' differs from 'CMD --help'";
}

INSTANTIATE_TEST_SUITE_P(
    AllCommands, CommandHelp,
    ::testing::Values(
        CommandHelpCase{"run",
                        "wasm-bpf run [OPTIONS] MODULE|REF [--] [ARGS...]",
                        {"--dir", "HOST[::GUEST]", "--env", "K[=V]", "--timeout", "DURATION",
                         "--max-memory", "SIZE", "--verbose", "--pull", "missing", "always",
                         "never", "Examples:"}},
        CommandHelpCase{"push",
                        "wasm-bpf push [OPTIONS] [MODULE] REF",
                        {"--annotation", "KEY=VALUE", "--format", "cncf", "wasm-to-oci"}},
        CommandHelpCase{"pull", "wasm-bpf pull [OPTIONS] REF", {"-o", "--output", "FILE"}},
        CommandHelpCase{"images", "wasm-bpf images [OPTIONS] [REPOSITORY[:TAG]]", {"local store", "--quiet", "--format"}},
        CommandHelpCase{"rm", "wasm-bpf rm [OPTIONS] REF|ID...", {"REF", "--force", "image ID"}},
        CommandHelpCase{"tag", "wasm-bpf tag SOURCE TARGET", {"TARGET"}},
        CommandHelpCase{"prune", "wasm-bpf prune [OPTIONS]", {"--all", "--force"}},
        CommandHelpCase{"tags", "wasm-bpf tags [OPTIONS] REPOSITORY", {"REPOSITORY"}},
        CommandHelpCase{"inspect", "wasm-bpf inspect [OPTIONS] MODULE|REF", {"manifest", "--format"}},
        CommandHelpCase{"save", "wasm-bpf save [OPTIONS] REF -o FILE.tar|-", {"--output", "FILE.tar"}},
        CommandHelpCase{"load", "wasm-bpf load [OPTIONS] FILE.tar|-i FILE.tar|-", {"--name", "REF", "--input"}},
        CommandHelpCase{"login",
                        "wasm-bpf login [OPTIONS] REGISTRY [-u USER] [--password-stdin]",
                        {"--username", "--password-stdin"}},
        CommandHelpCase{"logout", "wasm-bpf logout [OPTIONS] REGISTRY", {"REGISTRY"}},
        CommandHelpCase{"gen",
                        "wasm-bpf gen [OPTIONS] skeleton|header|wit|vmlinux FILE",
                        {"skeleton", "header", "wit", "vmlinux", "--output", "--type"}},
        CommandHelpCase{"build",
                        "wasm-bpf build [OPTIONS] BPF_SOURCE SOURCES...",
                        {"--headers-from-btf", "--output", "--vmlinux", "wasm32-wasi"}},
        CommandHelpCase{"version", "wasm-bpf version", {"version"}}),
    [](const auto& test) { return test.param.command; });

TEST(CliHelp, ListsExactlyTheCommandsThisFileTests) {
  // Guards kAllCommands (and so the per-command cases) against a command added to the table
  // without tests: the "Commands:" section must name exactly these, in this order.
  const std::string help = wasm_bpf({"--help"}).out;
  const std::size_t begin = help.find("\nCommands:\n");
  ASSERT_NE(begin, std::string::npos) << help;
  const std::size_t end = help.find("\n\n", begin + 1);
  std::istringstream section(help.substr(begin + 11, end - begin - 11));
  std::vector<std::string> listed;
  for (std::string line; std::getline(section, line);) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    listed.push_back(first);
  }
  EXPECT_EQ(listed, kAllCommands);
}

// --- version ------------------------------------------------------------------------------

TEST(CliVersion, VersionCommandAndFlagPrintTheProjectVersion) {
  for (const char* spelling : {"version", "--version"}) {
    const ProcessResult r = wasm_bpf({spelling});
    EXPECT_EQ(r.exit_code, 0) << spelling;
    EXPECT_EQ(r.out, "wasm-bpf " WB_EXPECTED_VERSION "\n") << spelling;
    EXPECT_THAT(r.err, IsEmpty()) << spelling;
  }
}

// --- command-line errors ------------------------------------------------------------------

TEST(CliErrors, UnknownTopLevelOptionIsAClearUsageError) {
  const ProcessResult r = wasm_bpf({"--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, StartsWith("wasm-bpf: "));
  EXPECT_THAT(r.err, HasSubstr("--bogus"));
  EXPECT_THAT(r.err, HasSubstr("Run 'wasm-bpf --help'"));
}

TEST(CliErrors, UnknownCommandOptionNamesTheCommandsHelp) {
  const ProcessResult r = wasm_bpf({"images", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--bogus"));
  EXPECT_THAT(r.err, HasSubstr("Run 'wasm-bpf images --help'"));
  EXPECT_THAT(r.err, Not(HasSubstr("not available")));
}

TEST(CliErrors, UnknownRunOptionBeforeTheModuleIsAnError) {
  const ProcessResult r = wasm_bpf({"run", "--bogus", "tool.wasm"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--bogus"));
  EXPECT_THAT(r.err, HasSubstr("Run 'wasm-bpf run --help'"));
}

TEST(CliErrors, MissingPositionalIsNamed) {
  const ProcessResult r = wasm_bpf({"pull"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("REF is required"));
  const ProcessResult run = wasm_bpf({"run", "--verbose"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("MODULE|REF is required"));
}

TEST(CliErrors, ExtraPositionalIsRejected) {
  const ProcessResult r = wasm_bpf({"inspect", "a:1", "b:2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("b:2"));
}

struct BadValueCase {
  std::vector<std::string> args;
  std::string message;
};

class CliBadValue : public ::testing::TestWithParam<BadValueCase> {};

TEST_P(CliBadValue, IsRejectedWithAnExplanation) {
  const ProcessResult r = wasm_bpf(GetParam().args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(GetParam().message));
  EXPECT_THAT(r.err, Not(HasSubstr("not available")));
}

INSTANTIATE_TEST_SUITE_P(
    Values, CliBadValue,
    ::testing::Values(
        BadValueCase{{"run", "--pull", "sometimes", "t.wasm"}, "--pull"},
        BadValueCase{{"run", "--timeout", "soon", "t.wasm"}, "'soon' is not a duration"},
        BadValueCase{{"run", "--timeout", "0s", "t.wasm"}, "greater than zero"},
        BadValueCase{{"run", "--max-memory", "lots", "t.wasm"}, "'lots' is not a size"},
        BadValueCase{{"run", "--max-memory", "5G", "t.wasm"}, "at most 4GiB"},
        BadValueCase{{"run", "--dir", "/a::", "t.wasm"}, "HOST::GUEST"},
        BadValueCase{{"run", "--env", "=x", "t.wasm"}, "K=V"},
        BadValueCase{{"push", "--format", "zip", WB_CLI_BINARY, "r/x:1"}, "--format"},
        BadValueCase{{"push", "-a", "novalue", WB_CLI_BINARY, "r/x:1"},
                     "'novalue' is not KEY=VALUE"},
        BadValueCase{{"push", "/no/such/file.wasm", "r/x:1"}, "/no/such/file.wasm"},
        BadValueCase{{"gen", "bindings", "/dev/null"}, "bindings"},
        BadValueCase{{"login", "ghcr.io", "-u", "me"}, "--password-stdin"}));

// --- gen and build on bad input (tests/gen covers real objects) ---------------------------

TEST(CliGen, ReportsAnObjectItCannotRead) {
  const ProcessResult r = wasm_bpf({"gen", "skeleton", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_EQ(r.err, "wasm-bpf gen: not an ELF file\n");
}

TEST(CliBuild, ReportsAMissingSource) {
  const ProcessResult r = wasm_bpf({"build", "/no/such/tool.bpf.c", "/no/such/tool.c"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("wasm-bpf build: no such file: /no/such/tool.c"));
}

// --- routing to run and guest arguments ----------------------------------------------------
// The modules named here do not exist: `run` gets as far as reading them and exits 125.

std::string cannot_read(const std::string& module) {
  return "wasm-bpf: cannot read module '" + module + "': No such file or directory\n";
}

// A word that is neither a command nor a module file is a typo: never pulled from a registry.
TEST(CliErrors, UnknownCommandSuggestsTheNearestOne) {
  const ProcessResult r = wasm_bpf({"imgaes"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("wasm-bpf: 'imgaes' is not a wasm-bpf command. Did you mean 'wasm-bpf images'?"));
  EXPECT_THAT(r.err, HasSubstr("wasm-bpf run REF"));
}

TEST(CliErrors, DockerVerbsWeDoNotHaveAreUnknownCommands) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"ps"}, {"commit", "a", "b"}, {"alpine"}}) {
    const ProcessResult r = wasm_bpf(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_THAT(r.err, HasSubstr("'" + args[0] + "' is not a wasm-bpf command.")) << r.err;
  }
}

TEST(CliErrors, AReferenceWithoutRunIsNotRun) {
  const ProcessResult r = wasm_bpf({"localhost:1/nothing:v1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is not a wasm-bpf command"));
  EXPECT_THAT(r.err, HasSubstr("'wasm-bpf run REF'"));
}

TEST(CliErrors, HelpForAMistypedCommandSuggestsOne) {
  const ProcessResult r = wasm_bpf({"help", "pusj"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("Did you mean 'wasm-bpf help push'?"));
}

TEST(CliRun, RunOptionsMayComeBeforeAModuleFile) {
  // The module does not exist: `run` reports that (125), which shows the options were
  // taken as run's (--timeout parsed, not an unknown top-level option).
  const ProcessResult r = wasm_bpf({"--timeout", "1s", "-v", "/no/such/module.wasm"});
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr("wasm-bpf run: timeout: 1s"));
  EXPECT_THAT(r.err, HasSubstr("/no/such/module.wasm"));
}

TEST(CliRun, HelpAfterAModuleWithOptionsBeforeItIsTheGuests) {
  const ProcessResult r = wasm_bpf({"--dir", "/tmp", "-v", "/no/such/module.wasm", "-h"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out, Not(HasSubstr("Usage: wasm-bpf")));
  EXPECT_THAT(r.err, HasSubstr("guest args (1): '-h'"));
}

TEST(CliRun, RunOptionsBeforeAReferenceAskForRun) {
  const ProcessResult r = wasm_bpf({"--timeout", "1s", "localhost:1/x:v1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("wasm-bpf run [OPTIONS] REF"));
}

// Options that need each other are described in words, not with CLI11's "Needs:" glued to
// the option's name; push's REF offers no @digest (push refuses one).
TEST(CliHelp, HelpTextIsClean) {
  for (const char* command : {"push", "pull", "run", "login"}) {
    const ProcessResult r = wasm_bpf({command, "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, Not(HasSubstr("Needs:"))) << command;
    EXPECT_THAT(r.out, Not(HasSubstr("Excludes:"))) << command;
  }
  const ProcessResult push = wasm_bpf({"push", "--help"});
  EXPECT_THAT(push.out, Not(HasSubstr("@digest")));
  EXPECT_THAT(push.out, HasSubstr("registry/repository[:tag]"));
}

TEST(CliRun, FileAsFirstArgumentIsRoutedToRun) {
  const ProcessResult r = wasm_bpf({"foo.wasm", "-x"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.err, cannot_read("foo.wasm"));
}

TEST(CliRun, HelpAfterTheModuleBelongsToTheGuest) {
  for (const auto& args : {std::vector<std::string>{"foo.wasm", "--help"},
                           std::vector<std::string>{"run", "foo.wasm", "--help"}}) {
    const ProcessResult r = wasm_bpf(args);
    EXPECT_EQ(r.exit_code, 125);
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_EQ(r.err, cannot_read("foo.wasm"));
  }
}

TEST(CliRun, GuestArgumentsArePassedUntouched) {
  const ProcessResult r =
      wasm_bpf({"run", "--verbose", "foo.wasm", "--help", "-x", "--", "--dir", "y", "-v"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_THAT(r.err, HasSubstr("wasm-bpf run: module: foo.wasm\n"));
  EXPECT_THAT(r.err,
              HasSubstr("wasm-bpf run: guest args (6): '--help' '-x' '--' '--dir' 'y' '-v'\n"));
  EXPECT_THAT(r.err, Not(HasSubstr("wasm-bpf run: dir:")));
  EXPECT_THAT(r.err, HasSubstr(cannot_read("foo.wasm")));
}

TEST(CliRun, OptionsAfterTheModuleAreNotWasmBpfOptions) {
  // --verbose after the module is the guest's, so wasm-bpf prints no plan.
  const ProcessResult r = wasm_bpf({"foo.wasm", "--verbose"});
  EXPECT_EQ(r.err, cannot_read("foo.wasm"));
}

TEST(CliRun, SeparatorRightAfterTheModuleIsDropped) {
  const ProcessResult r = wasm_bpf({"run", "-v", "foo.wasm", "--", "--help"});
  EXPECT_THAT(r.err, HasSubstr("guest args (1): '--help'\n"));
}

TEST(CliRun, SeparatorBeforeTheModuleAllowsADashName) {
  const ProcessResult r = wasm_bpf({"run", "-v", "--", "-odd.wasm", "a"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_THAT(r.err, HasSubstr("module: -odd.wasm\n"));
  EXPECT_THAT(r.err, HasSubstr("guest args (1): 'a'\n"));
  EXPECT_THAT(r.err, HasSubstr(cannot_read("-odd.wasm")));
}

TEST(CliRun, RunOptionsAreParsed) {
  const ProcessResult r = wasm_bpf({"run", "--dir", "/a::/b", "--dir=/c", "-e", "K=V",
                                    "--timeout", "1500ms", "--max-memory", "64M", "--pull",
                                    "never", "-v", "localhost:5000/bootstrap:v1", "-d", "10"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_THAT(r.err, HasSubstr("module: localhost:5000/bootstrap:v1\n"));
  EXPECT_THAT(r.err, HasSubstr("guest args (2): '-d' '10'\n"));
  EXPECT_THAT(r.err, HasSubstr("dir: /a -> /b\n"));
  EXPECT_THAT(r.err, HasSubstr("dir: /c -> /c\n"));
  EXPECT_THAT(r.err, HasSubstr("env: K\n"));
  EXPECT_THAT(r.err, HasSubstr("timeout: 1500ms\n"));
  EXPECT_THAT(r.err, HasSubstr("max memory: 64MiB\n"));
  EXPECT_THAT(r.err, HasSubstr("pull policy: never\n"));
  // A reference, not a file: with --pull never it must already be in the local store.
  EXPECT_THAT(r.err, HasSubstr("wasm-bpf: localhost:5000/bootstrap:v1 is not in the local store"));
}

}  // namespace
