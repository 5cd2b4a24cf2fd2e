// SPDX-License-Identifier: MIT
// wasm-bpf mounts tracefs when a guest loads BPF programs on a system where it is not mounted
// (libbpf needs it to attach tracepoints). Checked in a private mount namespace, so that the
// machine's own mounts (and tests running beside this one) are not touched.
#include <gtest/gtest.h>

#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

TEST(Tracefs, MountedOnFirstUseWhenMissing) {
  WBT_REQUIRE_ROOT();
  const std::string unshare = find_tool("unshare");
  if (unshare.empty()) GTEST_SKIP() << "unshare (util-linux) is not installed";
  // exec_rb prints "attached" once its tracepoint program is attached, then exits 2 at its
  // 300 ms deadline (the marker matches no exec).
  const std::string script =
      "umount /sys/kernel/debug/tracing 2>/dev/null; umount /sys/kernel/tracing 2>/dev/null;"
      "if [ -e /sys/kernel/tracing/events ] || [ -e /sys/kernel/debug/tracing/events ]; then exit 99; fi;"
      "exec \"$0\" run \"$1\" no-such-marker-wbt 1 300";
  auto r = run(unshare, {"--mount", "--propagation", "private", "sh", "-c", script, wasm_bpf_binary(), guest("exec_rb")});
  ASSERT_NE(r.exit_code, 99) << "could not unmount tracefs in the new mount namespace";
  EXPECT_EQ(r.exit_code, 2) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  EXPECT_NE(r.out.find("attached"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace wb::bpftest
