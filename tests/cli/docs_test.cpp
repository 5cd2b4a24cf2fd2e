// SPDX-License-Identifier: MIT
// Manual pages and shell completions come from the same definitions as --help: every option
// --help shows is in the command's man page and its completion, the pages are clean roff,
// and the bash completion completes commands, options and option values when run by bash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "process.h"

namespace {

using ::testing::HasSubstr;
using wb::test::ProcessResult;

ProcessResult wasm_bpf(const std::vector<std::string>& args) { return wb::test::run_process(WB_CLI_BINARY, args); }

std::vector<std::string> command_names() {
  std::vector<std::string> out;
  for (const wb::cli::Command& c : wb::cli::command_table()) out.emplace_back(c.name);
  return out;
}

// The long options in the Options section of `wasm-bpf COMMAND --help`.
std::set<std::string> help_options(const std::string& command) {
  const std::string help = wasm_bpf({command, "--help"}).out;
  const size_t start = help.find("Options:");
  const size_t end = help.find("Example", start == std::string::npos ? 0 : start);
  std::set<std::string> out;
  if (start == std::string::npos) return out;
  const std::string section = help.substr(start, end == std::string::npos ? std::string::npos : end - start);
  std::regex opt("(^|[ ,])(--[a-z][a-z0-9-]*)");
  for (std::sregex_iterator it(section.begin(), section.end(), opt), e; it != e; ++it) out.insert((*it)[2]);
  return out;
}

std::string unroff(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '-') {
      out += '-';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool have(const char* program) {
  return wb::test::run_process("/bin/sh", {"-c", std::string("command -v ") + program}).exit_code == 0;
}

TEST(CliDocs, EveryCommandHasAManPageWithEveryOptionOfItsHelp) {
  const std::vector<std::string> names = command_names();
  const std::string main = unroff(wasm_bpf({"man"}).out);
  EXPECT_THAT(main, HasSubstr(".TH WASM-BPF 1"));
  for (const std::string& c : names) {
    EXPECT_THAT(main, HasSubstr("\\fB" + c + "\\fR")) << c;
    const ProcessResult page = wasm_bpf({"man", c});
    ASSERT_EQ(page.exit_code, 0) << c << page.err;
    const std::string text = unroff(page.out);
    EXPECT_THAT(text, HasSubstr(".TH WASM-BPF-" + [&] {
                  std::string u = c;
                  for (char& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                  return u;
                }() + " 1")) << c;
    const std::set<std::string> options = help_options(c);
    EXPECT_FALSE(options.empty()) << c << " --help shows no option";
    for (const std::string& o : options) EXPECT_THAT(text, HasSubstr("\\fB" + o + "\\fR")) << c << " man page lacks " << o;
  }
  EXPECT_EQ(wasm_bpf({"man", "nosuch"}).exit_code, 2);
}

TEST(CliDocs, ManPagesAreCleanRoffAndAllWrittenWithOutputDir) {
  char tmpl[] = "/tmp/wb-man-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_EQ(wasm_bpf({"man", "-o", dir}).exit_code, 0);
  std::vector<std::string> pages{"wasm-bpf.1"};
  for (const std::string& c : command_names()) pages.push_back("wasm-bpf-" + c + ".1");
  if (!have("groff")) GTEST_SKIP() << "groff is not installed: the pages are written but not checked";
  for (const std::string& p : pages) {
    const ProcessResult r = wb::test::run_process("/bin/sh", {"-c", "groff -man -Tutf8 -ww -z " + dir + "/" + p + " 2>&1"});
    EXPECT_EQ(r.exit_code, 0) << p;
    EXPECT_EQ(r.out, "") << p << ": groff warns";
  }
  const ProcessResult shown = wb::test::run_process("/bin/sh", {"-c", "groff -man -Tutf8 " + dir + "/wasm-bpf-run.1 | col -b"});
  EXPECT_THAT(shown.out, HasSubstr("--timeout")) << shown.out.substr(0, 500);
  EXPECT_THAT(shown.out, HasSubstr("wasm-bpf run [OPTIONS] MODULE|REF")) << shown.out.substr(0, 500);
  wb::test::run_process("/bin/rm", {"-rf", dir});
}

// What bash's completion function offers for the words typed so far.
std::string bash_complete(const std::string& line) {
  const std::string script =
      "source <(" WB_CLI_BINARY " completion bash) || exit 3\n"
      "read -ra COMP_WORDS <<< \"$1\"\n"
      "[[ $1 == *' ' ]] && COMP_WORDS+=('')\n"
      "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
      "cd /tmp && _wasm_bpf\n"
      "printf '%s\\n' \"${COMPREPLY[@]}\" | sort\n";
  return wb::test::run_process("/bin/bash", {"-c", script, "bash", line}).out;
}

TEST(CliDocs, BashCompletesCommandsOptionsAndValues) {
  EXPECT_EQ(bash_complete("wasm-bpf ima"), "images\n");
  EXPECT_EQ(bash_complete("wasm-bpf ta"), "tag\ntags\n");
  EXPECT_EQ(bash_complete("wasm-bpf run --time"), "--timeout\n");
  EXPECT_EQ(bash_complete("wasm-bpf inspect --format "), "json\ntext\n");
  EXPECT_EQ(bash_complete("wasm-bpf push --format i"), "image\n");
  EXPECT_EQ(bash_complete("wasm-bpf completion "), "bash\nfish\nzsh\n");
  EXPECT_EQ(bash_complete("wasm-bpf -"), "--help\n--version\n-V\n-h\n");
  // Every option of every command's help is offered after the command.
  for (const std::string& c : command_names()) {
    const std::string offered = bash_complete("wasm-bpf " + c + " --");
    for (const std::string& o : help_options(c)) EXPECT_THAT(offered, HasSubstr(o + "\n")) << c;
  }
}

TEST(CliDocs, ZshAndFishScriptsNameEveryCommandAndParse) {
  const std::string zsh = wasm_bpf({"completion", "zsh"}).out;
  const std::string fish = wasm_bpf({"completion", "fish"}).out;
  EXPECT_TRUE(zsh.starts_with("#compdef wasm-bpf\n"));
  for (const std::string& c : command_names()) {
    EXPECT_THAT(zsh, HasSubstr("\n    '" + c + ":")) << c;
    EXPECT_THAT(fish, HasSubstr("-a " + c + " -d ")) << c;
    for (const std::string& o : help_options(c)) {
      EXPECT_TRUE(zsh.find("'" + o + "[") != std::string::npos || zsh.find("'*" + o + "[") != std::string::npos)
          << c << ' ' << o;
      EXPECT_THAT(fish, HasSubstr("-l " + o.substr(2))) << c << ' ' << o;
    }
  }
  EXPECT_EQ(wasm_bpf({"completion", "tcsh"}).exit_code, 2);
  std::vector<std::string> missing;
  for (const auto& [shell, check] : {std::pair<std::string, std::string>{"zsh", "zsh -n"}, {"fish", "fish --no-execute"}}) {
    if (!have(shell.c_str())) {
      missing.push_back(shell);
      continue;
    }
    const ProcessResult r = wb::test::run_process(
        "/bin/sh", {"-c", WB_CLI_BINARY " completion " + shell + " > /tmp/wb-completion-check && " + check + " /tmp/wb-completion-check 2>&1"});
    EXPECT_EQ(r.exit_code, 0) << shell << ": " << r.out;
  }
  if (!missing.empty()) GTEST_SKIP() << "not installed, so their scripts were not parsed: " << missing.front();
}

TEST(CliDocs, VersionFlagsAgree) {
  const std::string v = wasm_bpf({"version"}).out;
  EXPECT_EQ(wasm_bpf({"-V"}).out, v);
  EXPECT_EQ(wasm_bpf({"--version"}).out, v);
  EXPECT_THAT(v, HasSubstr(WB_EXPECTED_VERSION));
}

}  // namespace
