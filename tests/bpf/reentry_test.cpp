// SPDX-License-Identifier: MIT
// Poll callbacks that call back into the host (close the object being polled, poll again),
// records after a callback's negative return, and records emitted before the first poll.
// The guest is reentry.c over burst.bpf.o, whose records are triggered by the guest itself.
#include <gtest/gtest.h>

#include <string>

#include "bpf_process.h"

namespace wb::bpftest {
namespace {

using wb::test::Process;
using wb::test::SpawnOptions;

std::string diag(const Process& p) { return "stdout:\n" + p.out() + "\nstderr:\n" + p.err(); }
std::string diag(const wb::test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + " signal " + std::to_string(r.term_signal) + "\nstdout:\n" + r.out +
         "\nstderr:\n" + r.err;
}

const std::vector<std::string> kProcFlags = {"--dir", "/proc::/proc:ro"};

class Reentry : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { WBT_REQUIRE_ROOT(); }
};

// Closing the object from inside its own poll callback: the host must not free the buffer
// that is being consumed (it used to, and crashed). The links go at once, the rest when the
// poll returns; the poll stops after the record that closed it.
TEST_P(Reentry, CloseInsideTheObjectsOwnCallback) {
  SpawnOptions opts;
  opts.stdin_mode = SpawnOptions::Stdin::pipe;
  auto g = start_guest(guest("reentry"), {"close", GetParam(), "50"}, kProcFlags, opts);
  ASSERT_TRUE(g->wait_for_output("attached\n", 5000)) << diag(*g);
  const BpfIds held = bpf_ids_of_process(g->pid());
  ASSERT_FALSE(held.progs.empty()) << diag(*g);
  g->write_stdin("go\n");
  ASSERT_TRUE(g->wait_for_output("closed\n", 5000)) << diag(*g);
  EXPECT_NE(g->out().find("close=0 calls=1 poll=1\n"), std::string::npos) << diag(*g);
  EXPECT_NE(g->out().find("close again=-8\n"), std::string::npos) << diag(*g);  // -EBADF
  EXPECT_NE(g->out().find("poll after close=-8\n"), std::string::npos) << diag(*g);
  EXPECT_NE(g->out().find("map after close=-8\n"), std::string::npos) << diag(*g);
  // The poll has returned: the object (programs, links, maps) is gone while the guest runs.
  const BpfIds now = bpf_ids_of_process(g->pid());
  EXPECT_TRUE(now.progs.empty() && now.links.empty() && now.maps.empty())
      << now.progs.size() << " programs, " << now.links.size() << " links, " << now.maps.size() << " maps left";
  for (uint32_t id : held.progs) EXPECT_FALSE(prog_exists(id)) << "program " << id;
  g->write_stdin("done\n");
  auto r = g->wait(5000);
  EXPECT_EQ(r.term_signal, 0) << diag(r);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
}

// A callback polling the buffer it is being called from gets -EBUSY; another buffer of the
// same object may be polled.
TEST_P(Reentry, NestedPollOfTheSameBufferIsBusy) {
  auto r = start_guest(guest("reentry"), {"nested", GetParam(), "20"}, kProcFlags)->wait(10000);
  EXPECT_EQ(r.term_signal, 0) << diag(r);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("nested same=-10 other=0 calls="), std::string::npos) << diag(r);  // -EBUSY
}

// The contract chosen for a negative callback return (ring buffers and perf buffers alike):
// the poll stops and returns that value; the records after it stay queued and the next polls
// deliver them, in order, each once.
TEST_P(Reentry, RecordsAfterANegativeCallbackReturnAreKept) {
  auto r = start_guest(guest("reentry"), {"negative", GetParam(), "10"}, kProcFlags)->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("first=-5 calls=3\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.out.find("received=10 expected=10 in_order=1 extra=0\n"), std::string::npos) << diag(r);
}

// Records emitted after attach but before the first poll: a perf buffer must already be open
// (the host opens every buffer at load), a ring buffer keeps them anyway.
TEST_P(Reentry, RecordsEmittedBeforeTheFirstPollArrive) {
  auto r = start_guest(guest("reentry"), {"early", GetParam(), "200"}, kProcFlags)->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("received=200 expected=200 in_order=1\n"), std::string::npos) << diag(r);
}

INSTANTIATE_TEST_SUITE_P(Buffers, Reentry, ::testing::Values("ring", "perf"),
                         [](const auto& test) { return test.param == "ring" ? std::string("RingBuffer")
                                                                            : std::string("PerfBuffer"); });

}  // namespace
}  // namespace wb::bpftest
