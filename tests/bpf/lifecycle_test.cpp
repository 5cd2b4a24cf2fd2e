// SPDX-License-Identifier: MIT
// However a guest ends, nothing it attached or created stays in the kernel: return from main,
// exit(3), a trap, SIGINT / SIGTERM while polling or sleeping, SIGKILL of wasm-bpf itself,
// --timeout, a trap, an error or a host error (the call depth limit) inside a poll callback.
// wasm_close_bpf_object detaches at once.
//
// The guest attaches a tracepoint program and a tc program on its own veth device and owns a
// ring buffer. The test records the program, link and map ids the wasm-bpf process holds
// while the guest runs, checks that `bpftool prog/link/map show` lists them, and afterwards
// that bpftool lists none of them (nor any link to those programs) and that nothing of the
// guest is attached to the veth. Only the test's own objects are counted: other tests load
// programs with the same names in parallel.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

using wb::test::Process;
using wb::test::SpawnOptions;

std::string diag(const Process& p) { return "stdout:\n" + p.out() + "\nstderr:\n" + p.err(); }

// Which of `ids` bpftool lists now.
std::string listed(const BpfIds& ids) {
  std::string error, out;
  auto progs = bpftool_show("prog", error);
  auto maps = bpftool_show("map", error);
  for (uint32_t id : ids.progs)
    for (const auto& e : progs)
      if (e.id == id) out += " prog " + e.name;
  for (uint32_t id : ids.maps)
    for (const auto& e : maps)
      if (e.id == id) out += " map " + e.name;
  return error.empty() ? out : "[" + error + "]";
}

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    WBT_REQUIRE_ROOT();
    if (find_tool("ip").empty()) GTEST_SKIP() << "iproute2 (ip) is not installed";
    if (find_tool("bpftool").empty()) GTEST_SKIP() << "bpftool is not installed";
    veth_ = std::make_unique<VethPair>("wlc");
    ASSERT_TRUE(veth_->ok()) << veth_->error();
    // The callbacks act only on the exec of this file (a /bin/true by a unique name).
    marker_ = "wblc" + std::to_string(getpid());
    marker_path_ = dir_.path() + "/" + marker_;
    ASSERT_EQ(symlink("/bin/true", marker_path_.c_str()), 0) << marker_path_;
  }

  // Starts the guest in `mode`, waits until it attached and records what it holds.
  void start(const std::string& mode, const std::vector<std::string>& flags = {}) {
    SpawnOptions opts;
    opts.stdin_mode = SpawnOptions::Stdin::pipe;
    std::vector<std::string> all = flags;
    all.insert(all.end(), {"--allow-program", "tc"});  // lifecycle.bpf.o attaches a tc program
    guest_ = start_guest(guest("lifecycle"), {mode, veth_->a(), marker_}, all, opts);
    ASSERT_TRUE(guest_->wait_for_output("attached\n", 5000)) << diag(*guest_);
    ids_ = bpf_ids_of_process(guest_->pid());
    // wbt_lc_tp and wbt_lc_tc at least; the ring buffer and libbpf's internal maps.
    ASSERT_GE(ids_.progs.size(), 2u) << "programs held by wasm-bpf after attach";
    ASSERT_GE(ids_.maps.size(), 1u) << "maps held by wasm-bpf after attach";
    // The check after the end must be able to see them: bpftool lists them now.
    const std::string now = listed(ids_);
    ASSERT_NE(now.find("prog wbt_lc_tp"), std::string::npos) << now;
    ASSERT_NE(now.find("prog wbt_lc_tc"), std::string::npos) << now;
    ASSERT_NE(now.find("map rb"), std::string::npos) << now;
    ASSERT_TRUE(tc_attached(veth_->a(), "ingress", "wbt_lc_tc")) << "wbt_lc_tc is not attached to " << veth_->a();
  }

  // Waits for the exit status, then for every program, link and map to be gone.
  void expect_exit_and_clean(int status) {
    auto r = guest_->wait(10000);
    EXPECT_FALSE(r.timed_out) << diag(*guest_);
    EXPECT_EQ(r.exit_code, status) << diag(*guest_);
    expect_clean();
  }

  void expect_clean() {
    std::string left;
    EXPECT_TRUE(eventually([&] { return (left = left_in_kernel(ids_)).empty(); }, 3000)) << "still present:" << left;
    EXPECT_FALSE(tc_attached(veth_->a(), "ingress", "wbt_lc_tc")) << "wbt_lc_tc is still attached to " << veth_->a();
  }

  // Execs the marker file: the record the callbacks act on.
  void exec_marker() { ASSERT_EQ(spawn_and_wait(marker_path_), 0) << marker_path_; }

  TempDir dir_;
  std::string marker_, marker_path_;
  std::unique_ptr<VethPair> veth_;
  std::unique_ptr<Process> guest_;
  BpfIds ids_;
};

TEST_F(Lifecycle, ReturnFromMain) {
  ASSERT_NO_FATAL_FAILURE(start("return"));
  guest_->write_stdin("go\n");
  expect_exit_and_clean(0);
}

TEST_F(Lifecycle, ProcExit) {
  ASSERT_NO_FATAL_FAILURE(start("exit3"));
  guest_->write_stdin("go\n");
  expect_exit_and_clean(3);
}

TEST_F(Lifecycle, Trap) {
  ASSERT_NO_FATAL_FAILURE(start("trap"));
  guest_->write_stdin("go\n");
  expect_exit_and_clean(134);
}

TEST_F(Lifecycle, SigintWhilePolling) {
  ASSERT_NO_FATAL_FAILURE(start("poll"));
  ASSERT_TRUE(guest_->wait_for_output("polling\n", 2000));
  guest_->send_signal(SIGINT);
  expect_exit_and_clean(130);
}

TEST_F(Lifecycle, SigtermWhilePolling) {
  ASSERT_NO_FATAL_FAILURE(start("poll"));
  ASSERT_TRUE(guest_->wait_for_output("polling\n", 2000));
  guest_->send_signal(SIGTERM);
  expect_exit_and_clean(143);
}

TEST_F(Lifecycle, SigintWhileSleeping) {
  ASSERT_NO_FATAL_FAILURE(start("sleep"));
  ASSERT_TRUE(guest_->wait_for_output("sleeping\n", 2000));
  guest_->send_signal(SIGINT);
  expect_exit_and_clean(130);
}

// No cleanup code runs at all: only what the kernel drops with the process's fds goes. The
// tc program is a tcx link for that reason (a netlink tc filter would stay, holding it).
TEST_F(Lifecycle, SigkillOfWasmBpfLeavesNothingAttached) {
  ASSERT_NO_FATAL_FAILURE(start("poll"));
  ASSERT_TRUE(guest_->wait_for_output("polling\n", 2000));
  guest_->send_signal(SIGKILL);
  expect_exit_and_clean(128 + SIGKILL);
}

TEST_F(Lifecycle, Timeout) {
  // The clock runs from before instantiation: loading, attaching and the test's checks in
  // start() must fit in it, also on a busy machine.
  ASSERT_NO_FATAL_FAILURE(start("poll", {"--timeout", "5s"}));
  expect_exit_and_clean(124);
}

TEST_F(Lifecycle, TrapInsideCallback) {
  ASSERT_NO_FATAL_FAILURE(start("cbtrap"));
  guest_->write_stdin("go\n");
  ASSERT_TRUE(guest_->wait_for_output("polling\n", 2000)) << diag(*guest_);
  exec_marker();
  expect_exit_and_clean(134);
  EXPECT_NE(guest_->err().find("trap"), std::string::npos) << diag(*guest_);
}

TEST_F(Lifecycle, ErrorReturnedByCallback) {
  ASSERT_NO_FATAL_FAILURE(start("cberr"));
  guest_->write_stdin("go\n");
  ASSERT_TRUE(guest_->wait_for_output("polling\n", 2000)) << diag(*guest_);
  exec_marker();
  expect_exit_and_clean(7);
  // The callback's negative status comes back from the poll.
  EXPECT_NE(guest_->out().find("poll=-5\n"), std::string::npos) << diag(*guest_);
}

// A host error ends the guest inside a callback: the engine refuses to go deeper than its
// call depth limit.
TEST_F(Lifecycle, HostErrorInsideCallback) {
  ASSERT_NO_FATAL_FAILURE(start("hosterr"));
  guest_->write_stdin("go\n");
  ASSERT_TRUE(guest_->wait_for_output("polling\n", 2000)) << diag(*guest_);
  exec_marker();
  expect_exit_and_clean(134);
  EXPECT_NE(guest_->err().find("exhausted"), std::string::npos) << diag(*guest_);
}

TEST_F(Lifecycle, CloseDetachesImmediately) {
  ASSERT_NO_FATAL_FAILURE(start("close"));
  guest_->write_stdin("go\n");
  ASSERT_TRUE(guest_->wait_for_output("closed 0\n", 2000)) << diag(*guest_);
  // The guest now waits for a line: everything must already be gone.
  expect_clean();
  const BpfIds held = bpf_ids_of_process(guest_->pid());
  EXPECT_TRUE(held.progs.empty() && held.links.empty() && held.maps.empty()) << "wasm-bpf still holds BPF fds";
  guest_->write_stdin("go\n");
  expect_exit_and_clean(0);
}

}  // namespace
}  // namespace wb::bpftest
