// SPDX-License-Identifier: MIT
// Helpers of the eBPF host tests: the paths of the guests, root checks, kernel object
// bookkeeping (program and link ids), and the scratch network devices and cgroups the tests
// create and always remove.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "process.h"
#include "tc_links.h"

namespace wb::bpftest {

// The wasm-bpf binary under test and the guest modules built next to the tests.
std::string wasm_bpf_binary();
std::string guest(const std::string& name);  // <build>/tests/bpf/guests/<name>.wasm
std::string uprobe_target_binary();

// Non-empty when this process cannot run the eBPF tests: the reason (not root, ...).
// Mounts tracefs at /sys/kernel/tracing when it is missing.
std::string missing_privileges();

#define WBT_REQUIRE_ROOT()                                                               \
  do {                                                                                   \
    const std::string wbt_reason = ::wb::bpftest::missing_privileges();                  \
    if (!wbt_reason.empty()) GTEST_SKIP() << "eBPF tests need root: " << wbt_reason;      \
  } while (0)

// Starts `wasm-bpf run [flags...] MODULE args...`.
std::unique_ptr<wb::test::Process> start_guest(const std::string& module, const std::vector<std::string>& args,
                                               const std::vector<std::string>& run_flags = {},
                                               const wb::test::SpawnOptions& options = {});

// The full path of a system tool (ip, tc) or "" when it is not installed.
std::string find_tool(const std::string& name);
// Runs a command to completion; the result's out holds stdout.
wb::test::ProcessResult run(const std::string& tool, const std::vector<std::string>& args, int timeout_ms = 10000);

// Polls `pred` every 10 ms until it holds or `timeout_ms` passes; returns its last value.
bool eventually(const std::function<bool()>& pred, int timeout_ms);

// Lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix);

// ---- BPF objects of a process --------------------------------------------------------------

struct BpfIds {
  std::set<uint32_t> progs;
  std::set<uint32_t> links;
  std::set<uint32_t> maps;
};
// The BPF programs, links and maps `pid` holds open, from /proc/PID/fdinfo.
BpfIds bpf_ids_of_process(pid_t pid);
// Whether the kernel still has a program / link with this id.
bool prog_exists(uint32_t id);
bool link_exists(uint32_t id);
// Ids of the loaded programs whose name starts with `prefix`.
std::set<uint32_t> progs_named(const std::string& prefix);

// One entry of `bpftool -j {prog|link|map} show`.
struct BpftoolEntry {
  uint32_t id = 0;
  std::string name;      // programs and maps
  uint32_t prog_id = 0;  // links
};
// What bpftool lists for `kind` ("prog", "link" or "map"); sets `error` if it fails.
std::vector<BpftoolEntry> bpftool_show(const std::string& kind, std::string& error);
// Which of `ids` (programs, links, maps of one test's guest) `bpftool prog/link/map show`
// still lists, plus links of any process that hold one of those programs; "" when none.
// Only the test's own objects are looked at: other tests may load programs meanwhile.
std::string left_in_kernel(const BpfIds& ids);

// ---- network and cgroups -------------------------------------------------------------------

// A veth pair named <base>a / <base>b (both up), deleted by the destructor. The base is made
// unique per test process, so parallel test runs do not collide.
class VethPair {
 public:
  explicit VethPair(const std::string& tag);
  ~VethPair();
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }

 private:
  std::string a_, b_, error_;
  bool ok_ = false;
};

// Sends `count` Ethernet broadcast frames of EtherType 0x88b5 out of `ifname` (AF_PACKET).
// Returns "" or the error.
std::string send_test_frames(const std::string& ifname, int count);

// A fresh cgroup v2 directory under the unified hierarchy, removed by the destructor.
class Cgroup {
 public:
  Cgroup();
  ~Cgroup();
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  // Forks a child that joins the cgroup, sends `count` UDP datagrams to 127.0.0.1 and exits.
  // Returns "" or the error.
  std::string send_udp_from_inside(int count) const;

 private:
  std::string path_, error_;
  bool ok_ = false;
};

// A temporary directory, removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `path` (no arguments) and waits for it; returns its exit status.
int spawn_and_wait(const std::string& path, const std::vector<std::string>& args = {});

}  // namespace wb::bpftest
