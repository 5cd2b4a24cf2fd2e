// SPDX-License-Identifier: MIT
// Limits of what a module may take in the kernel: the memory of its BPF maps (checked before
// the kernel allocates anything) and how many objects it may have loaded.
#include <gtest/gtest.h>

#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class Limits : public ::testing::Test {
 protected:
  void SetUp() override { WBT_REQUIRE_ROOT(); }
};

// A 1 GiB ring buffer in a 4 KB object: over the default 256 MiB, refused with a message
// that names the map and the option.
TEST_F(Limits, AHugeRingBufferIsRefusedByDefault) {
  auto r = start_guest(guest("load_rings"), {"huge"})->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("load 1=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("BPF object 'load_rings' refused: its maps would take 1.0 GiB of kernel memory "
                       "(the largest: 'huge_rb', 1.0 GiB)"),
            std::string::npos)
      << diag(r);
  EXPECT_NE(r.err.find("over its limit of 256.0 MiB (--max-map-memory)"), std::string::npos) << diag(r);
}

// The limit is for all the module's objects together: three of 64 MiB fit in 200 MiB, the
// fourth does not; without a limit all four load.
TEST_F(Limits, MapMemoryCountsEveryObject) {
  auto r = start_guest(guest("load_rings"), {"4"}, {"--max-map-memory", "200M"})->wait(20000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(r.out.find("load " + std::to_string(i) + "=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.out.find("load 4=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("the guest's objects 192.0 MiB already"), std::string::npos) << diag(r);
  auto unlimited = start_guest(guest("load_rings"), {"4"}, {"--max-map-memory", "0"})->wait(20000);
  EXPECT_EQ(unlimited.out.find("=0\n"), std::string::npos) << diag(unlimited);
}

TEST_F(Limits, ObjectsAtOnceAreCapped) {
  auto r = start_guest(guest("load_rings"), {"3"}, {"--max-bpf-objects", "2", "--max-map-memory", "0"})->wait(20000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(r.out.find("load 2=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.out.find("load 3=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("the guest has 2 objects open, the most it may (--max-bpf-objects)"), std::string::npos)
      << diag(r);
}

}  // namespace
}  // namespace wb::bpftest
