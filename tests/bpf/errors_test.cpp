// SPDX-License-Identifier: MIT
// Bad guest input gives negative errors (or handle 0), never a crash of wasm-bpf; programs the
// kernel refuses give errors the guest can print.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

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
  // libbpf's own messages (loading the good objects) show only with --verbose.
  EXPECT_NE(r.err.find("libbpf"), std::string::npos) << diag(r);
  // Without it, wasm-bpf says why each bad object was refused (the guest only gets handle
  // 0; the garbage never reaches libbpf), but shows none of libbpf's output.
  auto quiet = start_guest(guest("errors"), {})->wait(10000);
  EXPECT_EQ(quiet.err.find("libbpf: "), std::string::npos) << diag(quiet);
  EXPECT_NE(quiet.err.find("wasm-bpf: the guest gave a malformed BPF object: not an ELF file"), std::string::npos)
      << diag(quiet);
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

// A uprobe section that names a FIFO: libbpf would open it and block for ever. The attach is
// refused (-EINVAL) at once instead, and a timeout is not needed to end the guest.
TEST(Errors, AUprobeOnAFifoIsRefusedNotAHang) {
  WBT_REQUIRE_ROOT();
  ::unlink(WB_UPROBE_FIFO);
  ASSERT_EQ(::mkfifo(WB_UPROBE_FIFO, 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  auto r = start_guest(guest("attach_one"), {"wbt_fifo_uprobe"}, {"--timeout", "20s"})->wait(30000);
  const auto took = std::chrono::steady_clock::now() - start;
  ::unlink(WB_UPROBE_FIFO);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("attach=-28\n"), std::string::npos) << diag(r);  // -EINVAL (WASI)
  EXPECT_LT(took, std::chrono::seconds(5)) << diag(r);
}

// An object the verifier needs about 12 s for: --timeout and a second Ctrl-C still end the
// guest promptly (the thread in the verifier is sent signals, which make it give up).
TEST(Errors, ALongVerifierRunDoesNotOutlastTheTimeout) {
  WBT_REQUIRE_ROOT();
  const auto start = std::chrono::steady_clock::now();
  auto r = start_guest(guest("load_heavy"), {}, {"--timeout", "1s", "--stop-timeout", "500ms"})->wait(30000);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 124) << diag(r);
  EXPECT_EQ(r.out.find("load=1"), std::string::npos) << "the load was not interrupted\n" << diag(r);
  EXPECT_LT(took, std::chrono::seconds(4)) << diag(r);
  EXPECT_NE(r.err.find("was cut short: the guest is being stopped"), std::string::npos) << diag(r);
}

TEST(Errors, ASecondSignalEndsALongVerifierRun) {
  WBT_REQUIRE_ROOT();
  auto p = start_guest(guest("load_heavy"), {});
  ASSERT_TRUE(p->wait_for_output("loading\n", 5000)) << p->out() << p->err();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  p->send_signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto second = p->send_signal(SIGINT);
  auto r = p->wait(30000);
  EXPECT_EQ(r.exit_code, 130) << diag(r);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(p->exit_time() - second).count(), 1500) << diag(r);
}

// Objects that crash libbpf 1.1 while it opens them (tests/bpf/malformed): refused with a
// message, and wasm-bpf goes on (the guest gets handle 0 and exits normally).
TEST(Errors, MalformedObjectsAreRefusedNotACrash) {
  WBT_REQUIRE_ROOT();
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(WB_MALFORMED_DIR)) {
    if (entry.path().extension() != ".o") continue;
    ++seen;
    const std::string name = entry.path().filename().string();
    auto r = start_guest(guest("load_file"), {"/m/" + name}, {"--dir", std::string(WB_MALFORMED_DIR) + "::/m:ro"})
                 ->wait(10000);
    EXPECT_EQ(r.term_signal, 0) << name << "\n" << diag(r);
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << diag(r);
    EXPECT_NE(r.out.find("load=0\n"), std::string::npos) << name << "\n" << diag(r);
    EXPECT_NE(r.err.find("the guest gave a malformed BPF object: "), std::string::npos) << name << "\n" << diag(r);
  }
  EXPECT_GE(seen, 8);
}

// ---- why a load failed, without -v (the guest itself gets only handle 0) ------------------

TEST(LoadDiagnosis, AVerifierRejectionShowsTheEndOfTheVerifiersLog) {
  WBT_REQUIRE_ROOT();
  auto r = start_guest(guest("load_rejected"), {})->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.out.find("load=0\n"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("wasm-bpf: cannot load BPF object 'load_rejected': the kernel's verifier rejected program "
                       "'wbt_rejected' (SEC(\"tp/sched/sched_process_exec\")) (EACCES: Permission denied)"),
            std::string::npos)
      << diag(r);
  EXPECT_NE(r.err.find("the end of the verifier's log:"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("invalid mem access 'scalar'"), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("processed "), std::string::npos) << diag(r);
  EXPECT_NE(r.err.find("-v prints the whole log"), std::string::npos) << diag(r);
}

TEST(LoadDiagnosis, WithoutPrivilegesItSaysWhatIsNeeded) {
  WBT_REQUIRE_ROOT();  // to become nobody
  const std::string setpriv = find_tool("setpriv");
  if (setpriv.empty()) GTEST_SKIP() << "setpriv is not installed";
  auto r = run(setpriv, {"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                         wasm_bpf_binary(), "run", guest("exec_rb"), "x", "1", "100"});
  if (r.err.find("Permission denied") != std::string::npos && r.err.find("wasm-bpf:") == std::string::npos)
    GTEST_SKIP() << "nobody cannot run wasm-bpf here: " << r.err;
  EXPECT_EQ(r.exit_code, 10) << diag(r);  // the guest's "load failed" status
  EXPECT_NE(r.err.find("cannot load BPF object 'exec_rb': loading BPF programs needs root, or the capabilities "
                       "CAP_BPF and CAP_PERFMON"),
            std::string::npos)
      << diag(r);
  EXPECT_NE(r.err.find("(EPERM: Operation not permitted)"), std::string::npos) << diag(r);
  EXPECT_EQ(r.err.find("Invalid argument"), std::string::npos) << diag(r);
  // tracefs is mounted, only not readable by nobody: -v must not say it is missing.
  auto v = run(setpriv, {"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                         wasm_bpf_binary(), "run", "-v", guest("exec_rb"), "x", "1", "100"});
  EXPECT_EQ(v.err.find("tracefs is not mounted"), std::string::npos) << diag(v);
}

// This kernel refuses fentry and LSM programs with EPERM even to root: that is not a
// question of privileges, and the message must not say it is.
TEST(LoadDiagnosis, AProgramTypeTheKernelRefusesIsNamed) {
  WBT_REQUIRE_ROOT();
  auto r = start_guest(guest("unsupported"), {})->wait(10000);
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  if (r.out.find("fentry load=0") == std::string::npos) GTEST_SKIP() << "this kernel loads fentry programs";
  EXPECT_NE(r.err.find("cannot load BPF object 'unsupported': the kernel refused program 'wbt_fentry' "
                       "(SEC(\"fentry/do_unlinkat\")) although wasm-bpf has CAP_BPF and CAP_PERFMON"),
            std::string::npos)
      << diag(r);
  EXPECT_EQ(r.err.find("needs root"), std::string::npos) << diag(r);
  EXPECT_EQ(r.err.find("ulimit"), std::string::npos) << "libbpf's guess about RLIMIT_MEMLOCK is wrong here\n"
                                                      << diag(r);
}

// The guest's maps are named after the module (libbpf would use the buffer's address).
TEST(LoadDiagnosis, ObjectsAreNamedAfterTheModule) {
  WBT_REQUIRE_ROOT();
  if (find_tool("bpftool").empty()) GTEST_SKIP() << "bpftool is not installed";
  auto p = start_guest(guest("stop_poll"), {"100"});
  ASSERT_TRUE(p->wait_for_output("attached\n", 5000)) << p->out() << p->err();
  const BpfIds ids = bpf_ids_of_process(p->pid());
  std::string error, names;
  for (const BpftoolEntry& e : bpftool_show("map", error))
    if (ids.maps.count(e.id)) names += e.name + " ";
  p->send_signal(SIGINT);
  p->wait(10000);
  ASSERT_EQ(error, "");
  // exec_rb.bpf.o has a ring buffer "rb" and a .rodata map, which libbpf names
  // PREFIX.rodata with the first 8 characters of the object's name.
  EXPECT_NE(names.find("rb "), std::string::npos) << names;
  EXPECT_NE(names.find("stop_pol.rodata "), std::string::npos) << names;
}

}  // namespace
}  // namespace wb::bpftest
