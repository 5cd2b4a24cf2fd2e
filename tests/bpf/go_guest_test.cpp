// SPDX-License-Identifier: MIT
// Go / TinyGo guests: no function table; they poll through the `callback-wrapper` module's
// wasm_bpf_buffer_poll and export their callback (`go-callback`). Both names can be changed
// on the command line (--go-callback-module, --go-callback-export).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// The module's bytes contain the export name of a table only if it exports one.
bool exports_a_table(const std::string& wasm) {
  std::ifstream in(wasm, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes.find("__indirect_function_table") != std::string::npos;
}

class GoGuest : public ::testing::Test {
 protected:
  void SetUp() override { WBT_REQUIRE_ROOT(); }
};

TEST_F(GoGuest, DefaultNames) {
  ASSERT_FALSE(exports_a_table(guest("go_style")));
  auto r = start_guest(guest("go_style"), {"50"}, {"--dir", "/proc::/proc:ro"})->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("received=50 expected=50 in_order=1 ctx_ok=1\n"), std::string::npos) << diag(r);
}

TEST_F(GoGuest, NamesGivenOnTheCommandLine) {
  ASSERT_FALSE(exports_a_table(guest("go_style_custom")));
  auto r = start_guest(guest("go_style_custom"), {"50"},
                       {"--dir", "/proc::/proc:ro", "--go-callback-module", "my-callbacks", "--go-callback-export",
                        "on_sample"})
               ->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("received=50 expected=50 in_order=1 ctx_ok=1\n"), std::string::npos) << diag(r);
}

// Without the flag the import cannot be satisfied: a clear start-up error, not a crash.
TEST_F(GoGuest, CustomModuleNameNeedsItsFlag) {
  auto r = start_guest(guest("go_style_custom"), {"50"}, {"--dir", "/proc::/proc:ro"})->wait(10000);
  EXPECT_EQ(r.exit_code, 125) << diag(r);
  EXPECT_NE(r.err.find("my-callbacks"), std::string::npos) << diag(r);
}

// The module is right but the export is not there: the poll says -EINVAL.
TEST_F(GoGuest, MissingCallbackExportIsAnError) {
  auto r = start_guest(guest("go_style_custom"), {"50"}, {"--dir", "/proc::/proc:ro", "--go-callback-module", "my-callbacks"})
               ->wait(10000);
  EXPECT_EQ(r.exit_code, 3) << diag(r);
  EXPECT_NE(r.out.find("poll error -28\n"), std::string::npos) << diag(r);
}

}  // namespace
}  // namespace wb::bpftest
