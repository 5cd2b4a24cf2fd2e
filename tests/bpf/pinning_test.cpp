// SPDX-License-Identifier: MIT
// Maps declared with LIBBPF_PIN_BY_NAME are not pinned: pinned under /sys/fs/bpf they would
// outlive the guest, and a map already pinned under that name (another tool's) would be
// handed to the guest instead of its own. The test runs in a mount namespace of its own with
// a fresh bpffs on /sys/fs/bpf, where it pins a decoy map by the guest map's name first: no
// other process sees it, and parallel runs cannot collide.
#include <gtest/gtest.h>

#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

TEST(PinnedMaps, AreNeitherPinnedNorTakenFromOtherTools) {
  WBT_REQUIRE_ROOT();
  const std::string unshare = find_tool("unshare"), bpftool = find_tool("bpftool");
  if (unshare.empty() || bpftool.empty()) GTEST_SKIP() << "needs unshare (util-linux) and bpftool";
  const std::string pin = "/sys/fs/bpf/wbt_pinned";
  const std::string script =
      "set -e\n"
      "mount -t bpf bpf /sys/fs/bpf\n"
      // the decoy: same name, type and sizes, key 1 -> 42
      "'" + bpftool + "' map create " + pin + " type hash key 4 value 8 entries 8 name wbt_pinned\n"
      "'" + bpftool + "' map update pinned " + pin + " key 1 0 0 0 value 42 0 0 0 0 0 0 0\n"
      "set +e\n"
      "'" + wasm_bpf_binary() + "' run '" + guest("pinned") + "'\n"
      "echo \"guest exit $?\"\n"
      // (a fresh bpffs may hold the kernel's own maps.debug and progs.debug)
      "echo pins: $(ls /sys/fs/bpf | grep -v '[.]debug$')\n"
      "'" + bpftool + "' map dump pinned " + pin + "\n";
  auto r = run(unshare, {"--mount", "--propagation", "private", "sh", "-c", script}, 20000);
  const std::string diag = "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
  ASSERT_EQ(r.exit_code, 0) << diag;
  EXPECT_NE(r.out.find("guest exit 0\n"), std::string::npos) << diag;
  // The guest got a fresh map of its own, not the decoy ...
  EXPECT_NE(r.out.find("lookup 1 = -44 "), std::string::npos) << diag;  // -ENOENT
  EXPECT_NE(r.out.find("update 2 = 0\n"), std::string::npos) << diag;
  // ... pinned nothing, and left the decoy as it was: key 1 only.
  EXPECT_NE(r.out.find("pins: wbt_pinned\n"), std::string::npos) << diag;
  EXPECT_NE(r.out.find("Found 1 element"), std::string::npos) << diag;
}

}  // namespace
}  // namespace wb::bpftest
