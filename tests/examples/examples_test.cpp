// SPDX-License-Identifier: MIT
// Runs every example guest with `wasm-bpf run` on this machine's kernel, triggers what it
// traces (processes, file opens, packets on a veth pair made here, calls in uprobe-target)
// and checks what it prints. Loading BPF programs needs root: the tests skip otherwise.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../cli/process.h"
#include "tc_links.h"

extern char** environ;

namespace wb::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kWasmBpf = WB_CLI_BINARY;
const std::string kExamples = WB_EXAMPLES_DIR;
const std::string kSdkChecks = WB_SDK_CHECK_DIR;

// An example's module; "upstream_X" names the guest in the first SDK's style (sdk/c/tests/upstream).
std::string example_wasm(const std::string& name) {
  if (name.rfind("upstream_", 0) == 0) return kSdkChecks + "/" + name + ".wasm";
  return kExamples + "/" + name + "/" + name + ".wasm";
}

// `wasm-bpf run --timeout TIMEOUT [FLAGS...] MODULE ARGS...`, started.
std::unique_ptr<Process> start_example(const std::string& wasm, const std::vector<std::string>& args,
                                       const std::string& timeout = "20s", const std::vector<std::string>& flags = {}) {
  std::vector<std::string> argv = {"run", "--timeout", timeout};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(wasm);
  argv.insert(argv.end(), args.begin(), args.end());
  return Process::start(kWasmBpf, argv);
}

// Runs a program (no shell) and waits for it; returns its pid.
pid_t run_and_wait(const std::vector<std::string>& argv) {
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

int shell(const std::string& command) { return std::system(command.c_str()); }

std::string my_comm() {
  std::ifstream in("/proc/self/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

// Stops a running example (SIGINT, as Ctrl-C would) and returns what it printed.
ProcessResult stop(Process& p) {
  p.send_signal(SIGINT);
  return p.wait(10000);
}

// A copy of a system program under a name of our own, so that its comm identifies it.
class NamedProgram {
 public:
  NamedProgram(const std::string& program, const std::string& name) {
    dir_ = fs::temp_directory_path() / ("wasm-bpf-examples-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    path_ = dir_ / name;
    fs::copy_file(program, path_, fs::copy_options::overwrite_existing);
    fs::permissions(path_, fs::perms::owner_all);
  }
  ~NamedProgram() {
    std::error_code ec;
    fs::remove(path_, ec);
    fs::remove(dir_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path dir_, path_;
};

class Examples : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
  }
};

// --- SDK checks: every libbpf-wasm.h call against a real object (C and C++ builds) -------

TEST_F(Examples, SdkCheckGuestsPass) {
  for (const char* name : {"sdk_check_c", "sdk_check_cxx"}) {
    const ProcessResult r = run_process(kWasmBpf, {"run", "--timeout", "20s", kSdkChecks + "/" + name + ".wasm"});
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("sdk check: ok")) << name;
  }
}

TEST_F(Examples, RecordsWaitingAtBufferOpenComeAtTheFirstPoll) {
  SpawnOptions o;
  o.stdin_mode = SpawnOptions::Stdin::pipe;
  auto p = Process::start(kWasmBpf, {"run", "--timeout", "20s", kSdkChecks + "/sdk_buffer_order.wasm", "3"}, o);
  ASSERT_TRUE(p->wait_for_output("attached\n", 15000)) << p->out() << p->err();
  for (int i = 0; i < 3; ++i) ::syscall(SYS_getppid);  // three records wait in the ring buffer
  p->write_stdin("go\n");
  const ProcessResult r = p->wait(15000);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const size_t header = r.out.find("HEADER\n"), first = r.out.find("EVENT ");
  ASSERT_NE(header, std::string::npos) << r.out;
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_LT(header, first) << "a record reached the callback before bpf_buffer__open returned:\n" << r.out;
  EXPECT_THAT(r.out, HasSubstr("EVENT 3 (40 bytes)\n"));
}

// --- bootstrap, in C and in Rust --------------------------------------------------------

class Bootstrap : public Examples, public ::testing::WithParamInterface<std::string> {};

TEST_P(Bootstrap, ReportsExecAndExitOfAProcess) {
  const std::string name = "wbx" + std::to_string(getpid() % 100000) + "sh";
  NamedProgram sh("/bin/sh", name);
  auto p = start_example(example_wasm(GetParam()), {});
  ASSERT_TRUE(p->wait_for_output("FILENAME/EXIT CODE", 15000)) << p->out() << p->err();
  EXPECT_THAT(p->out(), HasSubstr("TIME     EVENT COMM             PID     PPID    FILENAME/EXIT CODE"));

  const pid_t pid = run_and_wait({sh.path(), "-c", "exit 7"});
  ASSERT_GT(pid, 0);
  const std::regex exit_line(" EXIT  " + name + " +" + std::to_string(pid) + " +" + std::to_string(getpid()) +
                             " +\\[7\\]");
  ASSERT_TRUE(p->wait_for_output(" EXIT  " + name, 10000)) << p->out() << p->err();
  const ProcessResult r = stop(*p);
  EXPECT_THAT(r.out, HasSubstr(" EXEC  " + name));
  EXPECT_THAT(r.out, HasSubstr(sh.path()));
  EXPECT_TRUE(std::regex_search(r.out, exit_line)) << r.out;
  EXPECT_THAT(r.err, Not(HasSubstr("trap"))) << r.err;
}

TEST_P(Bootstrap, MinimumDurationFiltersInTheKernel) {
  const std::string tag = std::to_string(getpid() % 100000);
  NamedProgram quick("/bin/true", "wbq" + tag);
  NamedProgram slow("/bin/sleep", "wbs" + tag);
  // -d goes into the object's .rodata before load: only exits of processes that lived at
  // least 300 ms are reported, and no EXEC lines at all.
  auto p = start_example(example_wasm(GetParam()), {"-d", "300"});
  ASSERT_TRUE(p->wait_for_output("FILENAME/EXIT CODE", 15000)) << p->out() << p->err();
  run_and_wait({quick.path()});
  run_and_wait({slow.path(), "0.6"});
  ASSERT_TRUE(p->wait_for_output(" EXIT  wbs" + tag, 10000)) << p->out() << p->err();
  const ProcessResult r = stop(*p);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("EXIT  wbs" + tag + " .*\\[0\\] \\(([0-9]+)ms\\)"))) << r.out;
  EXPECT_GE(std::stol(m[1].str()), 600) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("wbq" + tag)));
  EXPECT_THAT(r.out, Not(HasSubstr(" EXEC ")));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Ctrl-C with stdout redirected to a file: every line the guest printed is in the file (it
// never flushes by itself; its stdout looks like a terminal, so its libc writes each line).
TEST_P(Bootstrap, EveryLineReachesAFileWhenStoppedByCtrlC) {
  const std::string name = "wbf" + std::to_string(getpid() % 100000) + "sh";
  NamedProgram sh("/bin/sh", name);
  const std::string out = fs::temp_directory_path() / ("wasm-bpf-bootstrap-out-" + std::to_string(getpid()));
  auto p = Process::start("/bin/sh", {"-c", "exec '" + kWasmBpf + "' run '" + example_wasm(GetParam()) + "' > '" +
                                                out + "'"});
  auto file_has = [&](const std::string& needle, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (read_text(out).find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  EXPECT_TRUE(file_has("FILENAME/EXIT CODE", 15000)) << read_text(out);
  const pid_t pid = run_and_wait({sh.path(), "-c", "exit 3"});
  EXPECT_TRUE(file_has(" EXIT  " + name, 5000)) << "lines must reach the file as they are printed\n" << read_text(out);
  const ProcessResult r = stop(*p);
  const std::string text = read_text(out);
  fs::remove(out);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_THAT(text, HasSubstr("TIME     EVENT COMM             PID     PPID    FILENAME/EXIT CODE"));
  EXPECT_THAT(text, HasSubstr(" EXEC  " + name));
  EXPECT_TRUE(std::regex_search(text, std::regex(" EXIT  " + name + " +" + std::to_string(pid) + " .*\\[3\\]")))
      << text;
}

std::vector<std::string> bootstrap_variants() {
  std::vector<std::string> v = {"bootstrap", "upstream_bootstrap"};
#ifdef WB_HAVE_RUST_EXAMPLE
  v.push_back("bootstrap-rs");
#endif
  return v;
}

INSTANTIATE_TEST_SUITE_P(Languages, Bootstrap, ::testing::ValuesIn(bootstrap_variants()), [](const auto& test) {
  return test.param == "bootstrap" ? std::string("C") : test.param == "bootstrap-rs" ? std::string("Rust")
                                                                                       : std::string("UpstreamStyleC");
});

// --- execve ------------------------------------------------------------------------------

TEST_F(Examples, ExecvePrintsCallerAndCommand) {
  auto p = start_example(example_wasm("execve"), {});
  ASSERT_TRUE(p->wait_for_output("Tracing execve()", 15000)) << p->out() << p->err();
  const std::string marker = "wasm-bpf-execve-" + std::to_string(getpid());
  const pid_t pid = run_and_wait({"/bin/echo", marker, "second-arg"});
  const std::string expected = "[" + std::to_string(pid) + "] " + my_comm() + " -> /bin/echo " + marker + " second-arg";
  ASSERT_TRUE(p->wait_for_output(expected, 10000)) << p->out() << p->err();
  stop(*p);
}

TEST_F(Examples, ExecveStopsAfterCount) {
  auto p = start_example(example_wasm("execve"), {"-c", "2"});
  ASSERT_TRUE(p->wait_for_output("Tracing execve()", 15000)) << p->out() << p->err();
  for (int i = 0; i < 3; ++i) run_and_wait({"/bin/true"});
  const ProcessResult r = p->wait(15000);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.timed_out);
}

// --- opensnoop (perf event array) --------------------------------------------------------

TEST_F(Examples, OpensnoopShowsOpensOfOneProcess) {
  const std::string missing = "/tmp/wasm-bpf-opensnoop-missing-" + std::to_string(getpid());
  const std::string present = "/tmp/wasm-bpf-opensnoop-present-" + std::to_string(getpid());
  std::ofstream(present) << "x";  // before tracing starts: its creation is not one of the opens
  auto p = start_example(example_wasm("opensnoop"), {"-p", std::to_string(getpid())});
  ASSERT_TRUE(p->wait_for_output("PATH", 15000)) << p->out() << p->err();
  EXPECT_THAT(p->out(), HasSubstr("PID     COMM              FD ERR PATH"));
  EXPECT_LT(::open(missing.c_str(), O_RDONLY), 0);
  const int fd = ::open(present.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  // Both lines before stopping: the records are per CPU, so they may be printed in either
  // order, and SIGINT ends the guest before it prints what it has not yet printed.
  ASSERT_TRUE(p->wait_for_output(missing, 10000)) << p->out() << p->err();
  ASSERT_TRUE(p->wait_for_output(present, 10000)) << p->out() << p->err();
  ::close(fd);
  fs::remove(present);
  const ProcessResult r = stop(*p);
  const std::string pid = std::to_string(getpid());
  EXPECT_TRUE(std::regex_search(r.out, std::regex(pid + " +\\S+ +-1 +2 " + missing))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(pid + " +\\S+ +" + std::to_string(fd) + " +0 " + present))) << r.out;
  // -p filters in the kernel: no other process shows up
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.rfind("PID", 0) == 0) continue;
    EXPECT_EQ(line.rfind(pid + " ", 0), 0u) << line;
  }
}

// --- runqlat (tp_btf, hash map walked with get-next-key) ---------------------------------

TEST_F(Examples, RunqlatPrintsHistogramsAndExits) {
  std::atomic<bool> busy{true};
  std::thread load([&] {
    while (busy) run_and_wait({"/bin/true"});  // wakeups and context switches
  });
  auto p = start_example(example_wasm("runqlat"), {"1", "2"});
  const ProcessResult r = p->wait(30000);
  busy = false;
  load.join();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Tracing run queue latency"));
  EXPECT_THAT(r.out, HasSubstr("usecs               : count    distribution"));
  EXPECT_TRUE(std::regex_search(r.out, std::regex("-> [0-9]+ +: [1-9][0-9]* +\\|\\*"))) << r.out;
}

TEST_F(Examples, UpstreamStyleRunqlatPrintsHistograms) {
  std::atomic<bool> busy{true};
  std::thread load([&] {
    while (busy) run_and_wait({"/bin/true"});
  });
  auto p = start_example(example_wasm("upstream_runqlat"), {"1", "2"});
  const ProcessResult r = p->wait(30000);
  busy = false;
  load.join();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Tracing run queue latency"));
  EXPECT_TRUE(std::regex_search(r.out, std::regex("-> [0-9]+ +: [1-9][0-9]* +\\|\\*"))) << r.out;
}

// A tool that sleeps between reports prints its last report on Ctrl-C, as libbpf's runqlat
// does: the sleep returns early, the guest prints the histogram and sleeps again, and is
// stopped there.
TEST_F(Examples, UpstreamStyleRunqlatPrintsTheLastHistogramWhenStopped) {
  std::atomic<bool> busy{true};
  std::thread load([&] {
    while (busy) run_and_wait({"/bin/true"});
  });
  auto p = start_example(example_wasm("upstream_runqlat"), {"60"});  // one report a minute
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto stop_at = std::chrono::steady_clock::now();
  const ProcessResult r = stop(*p);
  const auto took = std::chrono::steady_clock::now() - stop_at;
  busy = false;
  load.join();
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_THAT(r.out, HasSubstr("Tracing run queue latency"));
  EXPECT_TRUE(std::regex_search(r.out, std::regex("-> [0-9]+ +: [1-9][0-9]* +\\|\\*"))) << r.out;
}

TEST_F(Examples, RunqlatPerProcess) {
  auto p = start_example(example_wasm("runqlat"), {"-P", "1", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 5; ++i) run_and_wait({"/bin/true"});
  const ProcessResult r = p->wait(30000);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\npid = [0-9]+ \\S+\n"))) << r.out;
}

// --- network examples: a veth pair; frames sent into one end arrive at the other ---------

class VethExamples : public Examples {
 protected:
  void SetUp() override {
    Examples::SetUp();
    if (IsSkipped()) return;
    if (shell("command -v ip >/dev/null 2>&1") != 0) GTEST_SKIP() << "needs ip(8) to make a veth pair";
    const std::string tag = std::to_string(getpid() % 1000000);
    rx_ = "wbt" + tag + "a";
    tx_ = "wbt" + tag + "b";
    shell("ip link del " + rx_ + " 2>/dev/null");  // left over by a crashed run
    ASSERT_EQ(shell("ip link add " + rx_ + " type veth peer name " + tx_ + " && ip link set " + rx_ +
                    " up && ip link set " + tx_ + " up"),
              0);
    made_ = true;
  }
  void TearDown() override {
    if (made_) shell("ip link del " + rx_ + " 2>/dev/null");
  }

  // Sends `count` Ethernet/IPv4/UDP frames 10.11.12.1:4242 -> 10.11.12.2:5353 into tx_, so
  // that they arrive on rx_.
  void send_udp_frames(int count) {
    const int s = ::socket(AF_PACKET, SOCK_RAW, 0);
    ASSERT_GE(s, 0) << std::strerror(errno);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_IP);
    to.sll_ifindex = static_cast<int>(if_nametoindex(tx_.c_str()));
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);
    unsigned char frame[14 + 20 + 8 + 8] = {};
    std::memset(frame, 0xff, 6);                                        // broadcast
    const unsigned char src[6] = {0x02, 0, 0, 0, 0, 1};
    std::memcpy(frame + 6, src, 6);
    frame[12] = 0x08;                                                   // IPv4
    unsigned char* ip = frame + 14;
    ip[0] = 0x45;
    ip[3] = 20 + 8 + 8;                                                 // total length
    ip[8] = 64;                                                         // ttl
    ip[9] = 17;                                                         // UDP
    const unsigned char sa[4] = {10, 11, 12, 1}, da[4] = {10, 11, 12, 2};
    std::memcpy(ip + 12, sa, 4);
    std::memcpy(ip + 16, da, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = static_cast<unsigned char>(~sum >> 8);
    ip[11] = static_cast<unsigned char>(~sum);
    unsigned char* udp = ip + 20;
    udp[0] = 4242 >> 8, udp[1] = 4242 & 0xff, udp[2] = 5353 >> 8, udp[3] = 5353 & 0xff, udp[5] = 16;
    std::memcpy(udp + 8, "wasm-bpf", 8);
    for (int i = 0; i < count; ++i) {
      EXPECT_EQ(::sendto(s, frame, sizeof frame, 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
                static_cast<ssize_t>(sizeof frame))
          << std::strerror(errno);
    }
    ::close(s);
  }

  std::string link_state() {
    std::string out;
    FILE* f = ::popen(("ip link show " + rx_ + "; tc qdisc show dev " + rx_ + " 2>/dev/null").c_str(), "r");
    if (f == nullptr) return out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    ::pclose(f);
    return out;
  }

  std::string rx_, tx_;
  bool made_ = false;
};

TEST_F(VethExamples, SockfilterSeesUdpPackets) {
  auto p = start_example(example_wasm("sockfilter"), {rx_});
  ASSERT_TRUE(p->wait_for_output("Filtering packets on " + rx_, 15000)) << p->out() << p->err();
  send_udp_frames(2);
  const std::string line = "interface: " + rx_ + "\tprotocol: UDP\t10.11.12.1:4242(src) -> 10.11.12.2:5353(dst)";
  ASSERT_TRUE(p->wait_for_output(line, 10000)) << p->out() << p->err();
  stop(*p);
}

TEST_F(VethExamples, XdpPrintsPacketsAndCounts) {
  auto p = start_example(example_wasm("xdp"), {rx_, "-d", "3"}, "20s", {"--allow-program", "xdp"});
  ASSERT_TRUE(p->wait_for_output("XDP program attached to " + rx_, 15000)) << p->out() << p->err();
  EXPECT_THAT(link_state(), HasSubstr("xdp"));
  send_udp_frames(3);
  const ProcessResult r = p->wait(20000);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(rx_ + ": UDP 10.11.12.1:4242 -> 10.11.12.2:5353 ttl 64 length 50"));
  EXPECT_THAT(r.out, HasSubstr(rx_ + " total: UDP    (17) 3 packets, 150 bytes"));
  EXPECT_THAT(link_state(), Not(HasSubstr("xdp"))) << "the XDP program is still attached";
}

// Ctrl-C ends the poll loop (-EINTR) and the example prints its totals, as its README says.
TEST_F(VethExamples, XdpPrintsItsTotalsWhenStopped) {
  auto p = start_example(example_wasm("xdp"), {rx_}, "20s", {"--allow-program", "xdp"});
  ASSERT_TRUE(p->wait_for_output("XDP program attached to " + rx_, 15000)) << p->out() << p->err();
  send_udp_frames(2);
  ASSERT_TRUE(p->wait_for_output(rx_ + ": UDP 10.11.12.1:4242", 10000)) << p->out() << p->err();
  const ProcessResult r = stop(*p);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_THAT(r.out, HasSubstr(rx_ + " total: UDP    (17) 2 packets, 100 bytes"));
  EXPECT_THAT(link_state(), Not(HasSubstr("xdp"))) << "the XDP program is still attached";
}

// The first SDK's way: bpf_set_prog_attach_target(prog, argv[1]) after open_and_load.
TEST_F(VethExamples, UpstreamStyleXdpAttachesToTheTargetGiven) {
  auto p = start_example(example_wasm("upstream_xdp"), {rx_}, "20s", {"--allow-program", "xdp"});
  ASSERT_TRUE(p->wait_for_output("Load and attach BPF xdp successfully", 15000)) << p->out() << p->err();
  EXPECT_THAT(link_state(), HasSubstr("xdp"));
  const ProcessResult r = stop(*p);
  EXPECT_THAT(r.err, Not(HasSubstr("trap"))) << r.err;
  EXPECT_THAT(link_state(), Not(HasSubstr("xdp"))) << "the XDP program is still attached";
}

TEST_F(VethExamples, TcClassifierSeesPacketsAndIsRemoved) {
  auto p = start_example(example_wasm("tc"), {rx_, "-d", "3"}, "20s", {"--allow-program", "tc"});
  ASSERT_TRUE(p->wait_for_output("tc classifier attached to " + rx_, 15000)) << p->out() << p->err();
  // a tcx link (or, on kernels without tcx, a netlink filter)
  EXPECT_TRUE(wb::bpftest::tc_attached(rx_, "ingress", "tc_ingress")) << link_state();
  send_udp_frames(2);
  const ProcessResult r = p->wait(20000);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(rx_ + " ingress: UDP 10.11.12.1 -> 10.11.12.2 ttl 64 tot_len 36"));
  EXPECT_FALSE(wb::bpftest::tc_attached(rx_, "ingress", "tc_ingress")) << "the tc program is still attached";
  EXPECT_THAT(link_state(), Not(HasSubstr("clsact"))) << "a tc hook is left";
}

// --- uprobe ------------------------------------------------------------------------------

void expect_traced(const ProcessResult& r, pid_t pid) {
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string who = "[" + std::to_string(pid) + "] ";
  EXPECT_THAT(r.out, HasSubstr(who + "uprobed_add(5, 3) called"));
  EXPECT_THAT(r.out, HasSubstr(who + "uprobed_add returned 8"));
  EXPECT_THAT(r.out, HasSubstr(who + "uprobed_sub(5, 3) called"));
  EXPECT_THAT(r.out, HasSubstr(who + "uprobed_sub returned 2"));
}

// The module and uprobe-target copied elsewhere: it traces the uprobe-target beside it.
TEST_F(Examples, UprobeTracesTheTargetNextToTheModule) {
  const fs::path dir = fs::temp_directory_path() / ("wasm-bpf-uprobe-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::copy_file(example_wasm("uprobe"), dir / "uprobe.wasm", fs::copy_options::overwrite_existing);
  fs::copy_file(WB_UPROBE_TARGET, dir / "uprobe-target", fs::copy_options::overwrite_existing);
  auto p = start_example((dir / "uprobe.wasm").string(), {"-c", "4"});
  ASSERT_TRUE(p->wait_for_output("Tracing uprobed_add()", 15000)) << p->out() << p->err();
  EXPECT_THAT(p->out(), HasSubstr(" in " + (dir / "uprobe-target").string() + "..."));
  const pid_t pid = run_and_wait({(dir / "uprobe-target").string(), "5", "3"});
  expect_traced(p->wait(15000), pid);
  fs::remove_all(dir);
}

TEST_F(Examples, UprobeTracesTheBinaryGiven) {
  auto p = start_example(example_wasm("uprobe"), {"-c", "4", WB_UPROBE_TARGET});
  ASSERT_TRUE(p->wait_for_output("Tracing uprobed_add()", 15000)) << p->out() << p->err();
  const pid_t pid = run_and_wait({WB_UPROBE_TARGET, "5", "3"});
  expect_traced(p->wait(15000), pid);
}

TEST_F(Examples, UprobeReportsABinaryItCannotTrace) {
  const ProcessResult r = run_process(kWasmBpf, {"run", "--timeout", "20s", example_wasm("uprobe"), "/nonexistent/uprobe-target"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("uprobe: cannot attach to /nonexistent/uprobe-target: No such file or directory"));
}

// No path of the build tree is compiled into the module: it names its binary at run time.
TEST(UprobeModule, HoldsNoBuildTreePath) {
  std::ifstream in(example_wasm("uprobe"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.find(fs::path(WB_UPROBE_TARGET).parent_path().string()), std::string::npos);
}

// --- module sizes ----------------------------------------------------------------------------

TEST(ModuleSize, BootstrapStaysSmall) {
  EXPECT_LE(fs::file_size(example_wasm("bootstrap")), 80u * 1024u) << "C bootstrap.wasm over 80 KiB";
#ifdef WB_HAVE_RUST_EXAMPLE
  EXPECT_LE(fs::file_size(example_wasm("bootstrap-rs")), 200u * 1024u) << "Rust bootstrap-rs.wasm over 200 KiB";
#endif
}

// --- wasm-bpf build: the same module from the command line --------------------------------

// Without --vmlinux: vmlinux.h comes from the running kernel's BTF (a few seconds, done once
// here; the other builds reuse the build tree's).
TEST(BuildCommand, BuildsAGuestFromItsSources) {
  const fs::path out = fs::temp_directory_path() / ("wasm-bpf-build-test-" + std::to_string(getpid()));
  fs::remove_all(out);
  fs::create_directories(out);
  const std::string src = WB_SOURCE_DIR "/examples/bootstrap/";
  const ProcessResult r = run_process(
      kWasmBpf, {"build", src + "bootstrap.bpf.c", src + "bootstrap.c", "--headers-from-btf", src + "bootstrap.h",
                 "-o", (out / "bootstrap.wasm").string()},
      120000);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, (out / "bootstrap.wasm").string() + "\n");
  for (const char* f : {"bootstrap.wasm.d/bootstrap.bpf.o", "bootstrap.wasm.d/bootstrap.skel.h",
                        "bootstrap.wasm.d/bootstrap.wasm.h", "bootstrap.wasm.d/include/libbpf-wasm.h",
                        "bootstrap.wasm.d/include/libbpf-wasm-uapi.h"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  // the kernel's types, as `wasm-bpf gen vmlinux` prints them
  const ProcessResult gen = run_process(kWasmBpf, {"gen", "vmlinux", "/sys/kernel/btf/vmlinux"}, 60000);
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  std::ifstream made(out / "bootstrap.wasm.d/vmlinux.h", std::ios::binary);
  const std::string vmlinux((std::istreambuf_iterator<char>(made)), std::istreambuf_iterator<char>());
  EXPECT_GT(vmlinux.size(), 100000u);
  EXPECT_TRUE(vmlinux == gen.out) << "vmlinux.h differs from `wasm-bpf gen vmlinux` output";
  const auto size = fs::file_size(out / "bootstrap.wasm");
  EXPECT_GT(size, 30000u);
  EXPECT_LE(size, 80u * 1024u) << "the C bootstrap module should stay under 80 KiB";
  if (geteuid() == 0) {
    const ProcessResult run = run_process(kWasmBpf, {"run", "--timeout", "1s", (out / "bootstrap.wasm").string()});
    EXPECT_THAT(run.out, HasSubstr("FILENAME/EXIT CODE")) << run.err;
  }
  fs::remove_all(out);
}

// A BPF program and a Rust crate to a module in one command (cargo, with WASM_BPF_OBJECT
// naming the object the crate embeds).
TEST(BuildCommand, BuildsARustGuestFromItsCrate) {
  if (::access("/usr/bin/cargo", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/cargo";
  const fs::path out = fs::temp_directory_path() / ("wasm-bpf-build-rs-test-" + std::to_string(getpid()));
  fs::remove_all(out);
  fs::create_directories(out);
  const ProcessResult r = run_process(
      kWasmBpf, {"build", WB_SOURCE_DIR "/examples/bootstrap/bootstrap.bpf.c", "--cargo", WB_SOURCE_DIR "/examples/bootstrap-rs",
                 "--vmlinux", WB_VMLINUX_H, "-o", (out / "bootstrap-rs.wasm").string()},
      180000);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, (out / "bootstrap-rs.wasm").string() + "\n");
  EXPECT_TRUE(fs::exists(out / "bootstrap-rs.wasm.d/bootstrap.bpf.o"));
  EXPECT_FALSE(fs::exists(out / "bootstrap-rs.wasm.d/bootstrap.skel.h")) << "a Rust guest needs no skeleton";
  const auto size = fs::file_size(out / "bootstrap-rs.wasm");
  EXPECT_GT(size, 30000u);
  EXPECT_LE(size, 200u * 1024u) << "the Rust bootstrap module should stay under 200 KiB";
  if (geteuid() == 0) {
    const std::string name = "wbr" + std::to_string(getpid() % 100000) + "sh";
    NamedProgram sh("/bin/sh", name);
    auto p = start_example((out / "bootstrap-rs.wasm").string(), {});
    ASSERT_TRUE(p->wait_for_output("FILENAME/EXIT CODE", 15000)) << p->out() << p->err();
    run_and_wait({sh.path(), "-c", "exit 3"});
    EXPECT_TRUE(p->wait_for_output(" EXIT  " + name, 10000)) << p->out() << p->err();
    stop(*p);
  }
  fs::remove_all(out);
}

TEST(BuildCommand, NeedsGuestSourcesOrACrate) {
  const std::string bpf = WB_SOURCE_DIR "/examples/bootstrap/bootstrap.bpf.c";
  ProcessResult r = run_process(kWasmBpf, {"build", bpf});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("give the guest's SOURCES or --cargo DIR"));
  r = run_process(kWasmBpf, {"build", bpf, WB_SOURCE_DIR "/examples/bootstrap/bootstrap.c", "--cargo",
                             WB_SOURCE_DIR "/examples/bootstrap-rs"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("SOURCES and --cargo exclude each other"));
  r = run_process(kWasmBpf, {"build", bpf, "--cargo", "/nonexistent-crate-dir", "-o", "/tmp/wasm-bpf-never.wasm"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no Cargo.toml in /nonexistent-crate-dir"));
  // The output's directory must exist, as for compilers: a typo must not make a tree.
  r = run_process(kWasmBpf, {"build", bpf, WB_SOURCE_DIR "/examples/bootstrap/bootstrap.c", "-o",
                             "/nonexistent-wasm-bpf-dir/sub/x.wasm"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no directory /nonexistent-wasm-bpf-dir/sub"));
  EXPECT_FALSE(fs::exists("/nonexistent-wasm-bpf-dir"));
}

// --- lsm: this kernel refuses BPF LSM programs; the guest must say so -------------------

TEST_F(Examples, LsmReportsWhetherTheKernelAcceptsIt) {
  const ProcessResult r =
      run_process(kWasmBpf, {"run", "--timeout", "20s", "--allow-program", "lsm", example_wasm("lsm"), "-d", "2"});
  if (r.out.find("is denied") != std::string::npos) {
    // A kernel with BPF LSM: the program ran for 2 s and exited cleanly.
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return;
  }
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("this kernel refused to load the BPF LSM program"));
  EXPECT_THAT(r.err, HasSubstr("CONFIG_BPF_LSM"));
  EXPECT_THAT(r.err, Not(HasSubstr("refused by the policy")));
  // Without the flag the policy refuses it before the kernel sees it.
  const ProcessResult refused = run_process(kWasmBpf, {"run", "--timeout", "20s", example_wasm("lsm"), "-d", "2"});
  EXPECT_THAT(refused.err, HasSubstr("(allow with --allow-program lsm)"));
}

}  // namespace
}  // namespace wb::test
