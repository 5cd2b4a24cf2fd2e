// SPDX-License-Identifier: MIT
// Map operations from the guest: lookup / update / delete / get-next-key on hash and array
// maps and on maps without keys (queue, stack, bloom filter), update flags, and the errors
// the kernel reports, in the guest's errno numbering.
#include <gtest/gtest.h>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

TEST(Maps, RoundTripsFlagsAndIteration) {
  WBT_REQUIRE_ROOT();
  auto g = start_guest(guest("maps"), {});
  auto r = g->wait(10000);
  const std::string diag = "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
  EXPECT_EQ(r.exit_code, 0) << diag;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << diag;
  EXPECT_NE(r.out.find(" failed=0\n"), std::string::npos) << diag;
  // A few checks by name, so a guest that stops early cannot pass.
  for (const char* check : {"ok hash update noexist on existing key\n", "ok hash update exist on missing key\n",
                            "ok hash lookup missing key\n", "ok hash iteration keys\n",
                            "ok hash iteration ends with -ENOENT\n", "ok array value a (64-bit)\n",
                            "ok array iteration count\n", "ok map fd unusable after close\n",
                            "ok queue peek gives the oldest\n", "ok queue push BPF_EXIST replaced the oldest\n",
                            "ok stack peek gives the newest\n", "ok bloom filter lookup of a non-member\n"}) {
    EXPECT_NE(r.out.find(check), std::string::npos) << check << diag;
  }
}

}  // namespace
}  // namespace wb::bpftest
