// SPDX-License-Identifier: MIT
// WASI calls exercised directly (the wasi_raw guest: poll_oneoff, iovecs, EFAULT, ELOOP, fd_*
// calls, rights, sockets, path edge cases, wasi_unstable layouts, EXDEV) and FIFOs opened
// the way ordinary programs do (the fifo guest), run by the real wasm-bpf binary.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "wasi_test_util.h"

namespace {

using namespace wb::wasi_test;

// The checks a wasi_raw run printed: it must have reached DONE without a FAIL.
void expect_all_ok(const ProcessResult& r, size_t min_checks) {
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(lines_with(r.out, "FAIL "), std::vector<std::string>{}) << describe(r);
  EXPECT_TRUE(contains(r.out, "\nDONE\n")) << describe(r);
  EXPECT_GE(lines_with(r.out, "OK ").size(), min_checks) << describe(r);
}

// ---- wasi_raw ------------------------------------------------------------------------------

TEST(WasiRaw, Preview1Calls) {
  FifoBox box;  // the FIFO is for the non-blocking read checks
  // A guest stuck in a blocking read ends at the timeout instead of hanging the test.
  const ProcessResult r = run({"--timeout", "8s", "--dir", box.mapping(), guest("wasi_raw"), "preview1", "/s"});
  expect_all_ok(r, 80);
}

// The same as an unprivileged user without capabilities: nothing may rely on root (e.g.
// linkat with AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH before Linux 6.10).
TEST(WasiRaw, Preview1CallsWithoutPrivileges) {
  const std::string setpriv = "/usr/bin/setpriv";
  if (::access(setpriv.c_str(), X_OK) != 0) GTEST_SKIP() << "no " << setpriv;
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to nobody";
  FifoBox box;
  const uid_t nobody = 65534;
  ASSERT_EQ(::chown(box.dir.str().c_str(), nobody, nobody), 0);
  ASSERT_EQ(::chown(box.fifo().c_str(), nobody, nobody), 0);
  const ProcessResult r = wb::test::run_process(
      setpriv, {"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", kCli,
                "run", "--timeout", "8s", "--dir", box.mapping(), guest("wasi_raw"), "preview1", "/s"},
      15000);
  if (contains(r.err, "Permission denied") && r.out.empty()) GTEST_SKIP() << "nobody cannot run wasm-bpf here";
  expect_all_ok(r, 80);
}

// Open files are capped (1024 guest fds, stdio and preopens included: EMFILE after), and
// numbers are found in constant time (20,000 opens once took 14 s); a closed number is the
// next one given out, as POSIX has it.
TEST(WasiRaw, OpenFilesAreCappedAndNumbersReused) {
  TempDir dir;
  const auto start = Clock::now();
  const ProcessResult r = run({"--dir", dir.str() + "::/d", guest("wasi_raw"), "open_many", "/d"});
  EXPECT_LT(ms_between(start, Clock::now()), 3000) << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "opened 1020 then errno 33\n")) << describe(r);  // EMFILE
  EXPECT_TRUE(contains(r.out, "reused=1\n")) << describe(r);
}

// Bytes written into files beneath --dir are capped over the run (--max-write): a write
// reaching the limit is short, then ENOSPC, and so are fd_allocate and growing a file.
TEST(WasiRaw, WritesIntoFilesAreCapped) {
  TempDir dir;
  const ProcessResult r = run({"--max-write", "1M", "--dir", dir.str() + "::/d", guest("wasi_raw"), "write_much", "/d"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "wrote 1048576 then errno 51\n")) << describe(r);  // ENOSPC
  EXPECT_TRUE(contains(r.out, "allocate errno 51\n")) << describe(r);
  EXPECT_TRUE(contains(r.out, "grow errno 51\n")) << describe(r);
  EXPECT_EQ(fs::file_size(dir.path() / "big"), 1048576u);
  EXPECT_TRUE(contains(r.err, "reached its write limit of 1048576 bytes (--max-write)")) << describe(r);
  // Without a limit the 8 MiB go through.
  const ProcessResult free = run({"--max-write", "0", "--dir", dir.str() + "::/d", guest("wasi_raw"), "write_much", "/d"});
  EXPECT_TRUE(contains(free.out, "wrote 8388608 then errno 0\n")) << describe(free);
}

TEST(WasiRaw, UnstableLayouts) {
  TempDir dir;
  const ProcessResult r = run({"--timeout", "20s", "--dir", dir.str() + "::/u", guest("wasi_raw"), "unstable", "/u"});
  expect_all_ok(r, 8);
}

// Renaming or linking between preopens on different file systems is EXDEV (75), which the
// guest must be able to tell from an escape (ENOTCAPABLE, 76).
TEST(WasiRaw, CrossDeviceRenameAndLinkAreExdev) {
  struct stat shm, tmp;
  if (::stat("/dev/shm", &shm) != 0 || ::stat("/tmp", &tmp) != 0) GTEST_SKIP() << "no /dev/shm";
  if (shm.st_dev == tmp.st_dev) GTEST_SKIP() << "/tmp and /dev/shm are the same file system";
  TempDir a("/tmp"), b("/dev/shm");
  const ProcessResult r =
      run({"--dir", a.str() + "::/a", "--dir", b.str() + "::/b", guest("wasi_raw"), "cross", "/a", "/b"});
  expect_all_ok(r, 6);
  EXPECT_EQ(dir_listing(a.path()), std::set<std::string>{"g.txt"});
  EXPECT_EQ(dir_listing(b.path()), std::set<std::string>{});
}

// poll_oneoff on stdin sleeps (without spinning) until data comes, then reports it.
TEST(WasiRaw, PollOnStdinWaitsForData) {
  SpawnOptions o;
  o.stdin_mode = SpawnOptions::Stdin::pipe;
  auto p = Process::start(kCli, {"run", "--timeout", "20s", guest("wasi_raw"), "poll_stdin"}, o);
  ASSERT_TRUE(p->wait_for_output("polling\n", 5000)) << p->out() << p->err();
  EXPECT_TRUE(wait_until_blocked(p->pid(), 2000)) << "wasm-bpf never slept; thread states: "
                                                  << thread_states(p->pid());
  EXPECT_FALSE(p->wait_for_output("event", 100)) << "poll_oneoff returned before there was data";
  p->write_stdin("ping");
  const ProcessResult r = p->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "event errno 0 count 1 userdata 7 type 1 error 0 nbytes 4\n")) << describe(r);
  EXPECT_TRUE(contains(r.out, "read errno 0: ping\n")) << describe(r);
}

// A guest that makes stdin non-blocking gets EAGAIN when there is nothing to read.
TEST(WasiRaw, NonblockingStdinGivesEagain) {
  SpawnOptions o;
  o.stdin_mode = SpawnOptions::Stdin::pipe;  // open and empty
  const ProcessResult r = run({"--timeout", "5s", guest("wasi_raw"), "nonblock_stdin"}, o);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "set_flags errno 0, nonblock on\nappend: ENOTSUP\nread: EAGAIN\n") << describe(r);
}

// ---- FIFOs ---------------------------------------------------------------------------------

// Opens `path` with `flags | O_NONBLOCK` until it works (the other end may not be open yet).
int open_when_possible(const std::string& path, int flags, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    const int fd = ::open(path.c_str(), flags | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) return fd;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return -1;
}

// The guest opens the FIFO before anyone writes; it must wait for the writer and its data
// rather than see end of file.
TEST(Fifo, ReadWaitsForAWriterThatComesLater) {
  FifoBox box;
  auto p = Process::start(kCli, {"run", "--timeout", "20s", "--dir", box.mapping(), guest("fifo"), "read", "/s/fifo"});
  ASSERT_TRUE(p->wait_for_output("opening\n", 5000)) << p->out() << p->err();
  EXPECT_FALSE(p->wait_for_output("done", 300)) << "the guest did not wait for a writer: " << p->out();
  const int w = open_when_possible(box.fifo(), O_WRONLY, 5000);
  ASSERT_GE(w, 0) << "the guest never opened the FIFO for reading";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(::write(w, "late data\n", 10), 10);
  ::close(w);
  const ProcessResult r = p->wait(10000);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "opening\nlate data\ndone\n") << describe(r);
}

TEST(Fifo, WriteWaitsForAReaderThatComesLater) {
  FifoBox box;
  auto p = Process::start(kCli, {"run", "--timeout", "20s", "--dir", box.mapping(), guest("fifo"), "write", "/s/fifo"});
  ASSERT_TRUE(p->wait_for_output("opening\n", 5000)) << p->out() << p->err();
  EXPECT_FALSE(p->wait_for_output("done", 300)) << "the guest did not wait for a reader: " << p->out();
  const int rd = ::open(box.fifo().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(rd, 0);
  std::string got;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    struct pollfd pfd{rd, POLLIN, 0};
    ::poll(&pfd, 1, 50);
    char buf[64];
    const ssize_t n = ::read(rd, buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    if (n == 0 && !got.empty()) break;  // the guest wrote and closed
  }
  ::close(rd);
  const ProcessResult r = p->wait(10000);
  EXPECT_EQ(got, "from the guest\n");
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "opening\ndone\n") << describe(r);
}

// Setting a FIFO's times must not open it (which would wait for a writer).
TEST(Fifo, SettingTimesDoesNotWaitForTheOtherEnd) {
  FifoBox box;
  const ProcessResult r = run({"--timeout", "5s", "--dir", box.mapping(), guest("fifo"), "touch", "/s/fifo"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "opening\ndone\n") << describe(r);
  struct stat st;
  ASSERT_EQ(::stat(box.fifo().c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);
}

}  // namespace
