// Bad guest input gives negative errors (or handle 0), never a crash of wasm-bpf; programs the
// kernel refuses give errors the guest can print.
#include <gtest/gtest.h>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

TEST(Errors, BadPointersHandlesNamesAndObjectsAreErrors) {
  WBT_REQUIRE_ROOT();
  auto r = start_guest(guest("errors"), {})->wait(10000);
  EXPECT_EQ(r.term_signal, 0) << diag(r);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << diag(r);
  EXPECT_NE(r.out.find("errors: checks="), std::string::npos) << diag(r);
  EXPECT_NE(r.out.find(" failed=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.out.find("ok load of garbage bytes = 0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.out.find("ok attach unknown program = -44\n"), std::string::npos) << diag(r);  // -ENOENT (WASI)
  EXPECT_NE(r.out.find("ok map_fd_by_name unknown map = -44\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.out.find("ok poll with a callback of the wrong type"), std::string::npos) << diag(r);
}

TEST(Errors, VerboseShowsLibbpfMessages) {
  WBT_REQUIRE_ROOT();
  auto r = start_guest(guest("errors"), {}, {"--verbose"})->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  // The garbage object makes libbpf complain; only --verbose shows it.
  EXPECT_NE(r.err.find("libbpf"), std::string::npos) << diag(r);
  auto quiet = start_guest(guest("errors"), {})->wait(10000);
  EXPECT_EQ(quiet.err.find("libbpf"), std::string::npos) << diag(quiet);
}

// fentry and lsm programs: this kernel refuses them (EPERM); whichever step fails, the guest
// sees an error and goes on.
TEST(Errors, RefusedProgramTypesGiveErrors) {
  WBT_REQUIRE_ROOT();
  auto r = start_guest(guest("unsupported"), {})->wait(10000);
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  ASSERT_NE(r.out.find("done\n"), std::string::npos) << diag(r);
  int refused = 0;
  for (const char* kind : {"fentry ", "lsm "}) {
    auto lines = lines_starting_with(r.out, kind);
    ASSERT_EQ(lines.size(), 1u) << kind << diag(r);
    const std::string& l = lines[0];
    if (l.find("load=0 attach=skipped") != std::string::npos) {
      ++refused;  // refused at load
    } else {
      auto at = l.find("attach=");
      ASSERT_NE(at, std::string::npos) << l;
      int result = std::stoi(l.substr(at + 7));
      if (result < 0) ++refused;  // refused at attach, as a negative errno
      else
        std::cout << "note: this kernel accepts " << kind << "programs: " << l << "\n";
    }
  }
  // A refused load gives the guest only handle 0; --verbose shows the kernel's reason.
  if (r.out.find("load=0") != std::string::npos) {
    auto v = start_guest(guest("unsupported"), {}, {"--verbose"})->wait(10000);
    EXPECT_EQ(v.exit_code, 0) << diag(v);
    EXPECT_NE(v.err.find("libbpf"), std::string::npos) << diag(v);
  }
  if (refused == 0) GTEST_SKIP() << "this kernel accepts both fentry and lsm programs:\n" << r.out;
}

}  // namespace
}  // namespace wb::bpftest
