// SPDX-License-Identifier: MIT
// The C API (wasm_bpf.h) used as an embedder uses it: only the header and libwasm-bpf.so,
// guests compiled from C for wasm32-wasi by the build.
#include "wasm_bpf.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

const std::string kGuest = std::string(WB_CAPI_GUEST_DIR) + "/capi_guest.wasm";
const std::string kHostGuest = std::string(WB_CAPI_GUEST_DIR) + "/capi_host_guest.wasm";

// Output collected from the guest's thread, waited for from the test's.
struct Sink {
  std::mutex m;
  std::string text;
  static void write(void* self, const char* data, size_t size) {
    auto* s = static_cast<Sink*>(self);
    std::lock_guard lock(s->m);
    s->text.append(data, size);
  }
  std::string str() {
    std::lock_guard lock(m);
    return text;
  }
  bool wait_for(const std::string& what, std::chrono::milliseconds limit = 10s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (str().find(what) != std::string::npos) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }
};

struct Guest {
  wasm_bpf_guest* g = nullptr;
  Sink out;
  Sink err;
  explicit Guest(const std::string& path, std::vector<const char*> args = {}) {
    EXPECT_EQ(wasm_bpf_guest_new_from_file(path.c_str(), &g), WASM_BPF_OK) << wasm_bpf_last_error();
    if (g == nullptr) return;
    EXPECT_EQ(wasm_bpf_guest_set_args(g, args.size(), args.data()), WASM_BPF_OK) << wasm_bpf_last_error();
    EXPECT_EQ(wasm_bpf_guest_set_output(g, 1, &Sink::write, &out), WASM_BPF_OK);
    EXPECT_EQ(wasm_bpf_guest_set_output(g, 2, &Sink::write, &err), WASM_BPF_OK);
    EXPECT_EQ(wasm_bpf_guest_set_stdin_bytes(g, "", 0), WASM_BPF_OK);
  }
  ~Guest() { wasm_bpf_guest_delete(g); }
  wasm_bpf_result run() {
    wasm_bpf_result r{};
    EXPECT_EQ(wasm_bpf_guest_run(g, &r), WASM_BPF_OK) << wasm_bpf_last_error();
    return r;
  }
};

bool have_guests() { return std::filesystem::exists(kGuest) && std::filesystem::exists(kHostGuest); }

#define NEED_GUESTS() \
  if (!have_guests()) GTEST_SKIP() << "the C API test guests were not built (no wasm32-wasi toolchain)"

TEST(CApi, VersionAndLastError) {
  EXPECT_EQ(wasm_bpf_api_version(), WASM_BPF_API_VERSION);
  EXPECT_STRNE(wasm_bpf_version(), "");
  wasm_bpf_guest* g = reinterpret_cast<wasm_bpf_guest*>(1);
  EXPECT_EQ(wasm_bpf_guest_new_from_file("/nonexistent/x.wasm", &g), WASM_BPF_ERROR_MODULE);
  EXPECT_EQ(g, nullptr);
  EXPECT_NE(std::string(wasm_bpf_last_error()).find("cannot read module '/nonexistent/x.wasm': No such file"), std::string::npos)
      << wasm_bpf_last_error();
  // The message is the calling thread's.
  std::string other;
  std::thread([&] { other = wasm_bpf_last_error(); }).join();
  EXPECT_EQ(other, "");
}

TEST(CApi, RunsAModuleWithArgumentsEnvironmentStdinAndCapturedOutput) {
  NEED_GUESTS();
  Guest guest(kGuest, {"echo", "one", "two words"});
  ASSERT_EQ(wasm_bpf_guest_add_env(guest.g, "GREETING=hello embedder"), WASM_BPF_OK);
  ASSERT_EQ(wasm_bpf_guest_set_stdin_bytes(guest.g, "from the host", 13), WASM_BPF_OK);
  wasm_bpf_result r = guest.run();
  EXPECT_EQ(r.outcome, WASM_BPF_EXITED);
  EXPECT_EQ(r.exit_code, 4);  // argc: the module, echo, one, two words
  EXPECT_EQ(r.exit_status, 4);
  EXPECT_EQ(guest.out.str(), "arg one\narg two words\nenv hello embedder\nstdin from the host\nstdin bytes 13\n");
  EXPECT_STREQ(wasm_bpf_guest_message(guest.g), "");
}

TEST(CApi, ModuleFromBytesAndStdioOnHostFds) {
  NEED_GUESTS();
  std::ifstream f(kGuest, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  wasm_bpf_guest* g = nullptr;
  ASSERT_EQ(wasm_bpf_guest_new_from_bytes(bytes.data(), bytes.size(), "echo.wasm", &g), WASM_BPF_OK) << wasm_bpf_last_error();
  const char* args[] = {"echo", "x"};
  ASSERT_EQ(wasm_bpf_guest_set_args(g, 2, args), WASM_BPF_OK);
  int in[2], out[2];
  ASSERT_EQ(pipe(in), 0);
  ASSERT_EQ(pipe(out), 0);
  ASSERT_EQ(write(in[1], "piped", 5), 5);
  close(in[1]);
  ASSERT_EQ(wasm_bpf_guest_set_stdio_fd(g, 0, in[0]), WASM_BPF_OK);
  ASSERT_EQ(wasm_bpf_guest_set_stdio_fd(g, 1, out[1]), WASM_BPF_OK);
  wasm_bpf_result r{};
  ASSERT_EQ(wasm_bpf_guest_run(g, &r), WASM_BPF_OK) << wasm_bpf_last_error();
  close(out[1]);
  close(in[0]);
  char buf[256];
  ssize_t n = read(out[0], buf, sizeof buf);
  close(out[0]);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "arg x\nenv (none)\nstdin piped\nstdin bytes 5\n");
  EXPECT_EQ(r.exit_code, 3);
  wasm_bpf_guest_delete(g);
}

TEST(CApi, ModulesThatAreNotWebAssemblyAreRefusedWithTheReason) {
  wasm_bpf_guest* g = nullptr;
  const uint8_t text[] = "#!/bin/sh\necho hi\n";
  EXPECT_EQ(wasm_bpf_guest_new_from_bytes(text, sizeof text, "script", &g), WASM_BPF_ERROR_MODULE);
  EXPECT_NE(std::string(wasm_bpf_last_error()).find("'script' is not a WebAssembly module"), std::string::npos);
  EXPECT_EQ(wasm_bpf_guest_new_from_bytes(nullptr, 4, "x", &g), WASM_BPF_ERROR_ARGUMENT);
  // A valid header with a broken body passes new and fails at run, saying why.
  const uint8_t broken[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x60};
  ASSERT_EQ(wasm_bpf_guest_new_from_bytes(broken, sizeof broken, "broken.wasm", &g), WASM_BPF_OK);
  wasm_bpf_result r{};
  EXPECT_EQ(wasm_bpf_guest_run(g, &r), WASM_BPF_ERROR_MODULE);
  EXPECT_NE(std::string(wasm_bpf_last_error()).find("'broken.wasm' is not a valid WebAssembly module"), std::string::npos)
      << wasm_bpf_last_error();
  wasm_bpf_guest_delete(g);
}

TEST(CApi, MisuseIsAnArgumentOrStateErrorWithAMessage) {
  NEED_GUESTS();
  EXPECT_EQ(wasm_bpf_guest_set_args(nullptr, 0, nullptr), WASM_BPF_ERROR_ARGUMENT);
  EXPECT_STREQ(wasm_bpf_last_error(), "guest is NULL");
  Guest guest(kGuest, {"echo"});
  EXPECT_EQ(wasm_bpf_guest_add_env(guest.g, "NOEQUALS"), WASM_BPF_ERROR_ARGUMENT);
  EXPECT_EQ(wasm_bpf_guest_set_limit(guest.g, WASM_BPF_LIMIT_MAX_MEMORY, 10), WASM_BPF_ERROR_ARGUMENT);
  EXPECT_NE(std::string(wasm_bpf_last_error()).find("64 KiB"), std::string::npos);
  EXPECT_EQ(wasm_bpf_guest_set_limit(guest.g, static_cast<wasm_bpf_limit>(99), 1), WASM_BPF_ERROR_ARGUMENT);
  EXPECT_EQ(wasm_bpf_guest_allow(guest.g, "send-signal,teleport"), WASM_BPF_ERROR_ARGUMENT);
  EXPECT_NE(std::string(wasm_bpf_last_error()).find("teleport"), std::string::npos) << wasm_bpf_last_error();
  EXPECT_EQ(wasm_bpf_guest_allow_program(guest.g, "xdp"), WASM_BPF_OK);
  EXPECT_EQ(wasm_bpf_guest_set_stdio_fd(guest.g, 5, 1), WASM_BPF_ERROR_ARGUMENT);
  EXPECT_EQ(wasm_bpf_guest_set_output(guest.g, 0, &Sink::write, nullptr), WASM_BPF_ERROR_ARGUMENT);
  const wasm_bpf_valkind bad[] = {static_cast<wasm_bpf_valkind>(7)};
  EXPECT_EQ(wasm_bpf_guest_add_host_function(guest.g, "host", "f", bad, 1, nullptr, 0,
                                             [](void*, wasm_bpf_caller*, const wasm_bpf_val*, wasm_bpf_val*) -> const char* { return nullptr; },
                                             nullptr),
            WASM_BPF_ERROR_ARGUMENT);
  EXPECT_EQ(wasm_bpf_guest_run(guest.g, nullptr), WASM_BPF_ERROR_ARGUMENT);
  guest.run();
  // A guest runs once, and is not changed after.
  wasm_bpf_result r{};
  EXPECT_EQ(wasm_bpf_guest_run(guest.g, &r), WASM_BPF_ERROR_STATE);
  EXPECT_NE(std::string(wasm_bpf_last_error()).find("already run"), std::string::npos);
  EXPECT_EQ(wasm_bpf_guest_add_env(guest.g, "A=B"), WASM_BPF_ERROR_STATE);
}

// ---- host functions --------------------------------------------------------------------

struct HostState {
  std::string recorded;
  int calls = 0;
};

const char* host_add(void* user, wasm_bpf_caller*, const wasm_bpf_val* args, wasm_bpf_val* results) {
  ++static_cast<HostState*>(user)->calls;
  results[0].of.i32 = args[0].of.i32 + args[1].of.i32;
  return nullptr;
}
const char* host_scale(void* user, wasm_bpf_caller*, const wasm_bpf_val* args, wasm_bpf_val* results) {
  ++static_cast<HostState*>(user)->calls;
  results[0].of.f64 = args[0].of.f64 * static_cast<double>(args[1].of.i64);
  return nullptr;
}
const char* host_record(void* user, wasm_bpf_caller* caller, const wasm_bpf_val* args, wasm_bpf_val*) {
  auto* s = static_cast<HostState*>(user);
  ++s->calls;
  std::string buf(static_cast<size_t>(args[1].of.i32), '\0');
  if (args[1].of.i32 < 0 || wasm_bpf_caller_read(caller, static_cast<uint32_t>(args[0].of.i32), buf.data(), buf.size()) != 0)
    return "record: the string is not inside the guest's memory";
  s->recorded += buf;
  return nullptr;
}
const char* host_fill(void* user, wasm_bpf_caller* caller, const wasm_bpf_val* args, wasm_bpf_val* results) {
  ++static_cast<HostState*>(user)->calls;
  const std::string text = "filled by host";
  const size_t n = std::min(text.size(), static_cast<size_t>(args[1].of.i32));
  size_t size = 0;
  uint8_t* mem = wasm_bpf_caller_memory(caller, &size);
  if (mem == nullptr || size < 65536) return "no memory";
  if (wasm_bpf_caller_write(caller, static_cast<uint32_t>(args[0].of.i32), text.data(), n) != 0) return "fill: bad pointer";
  results[0].of.i32 = static_cast<int32_t>(n);
  return nullptr;
}

void add_host_functions(wasm_bpf_guest* g, HostState* s) {
  const wasm_bpf_valkind ii[] = {WASM_BPF_I32, WASM_BPF_I32}, i[] = {WASM_BPF_I32}, fi[] = {WASM_BPF_F64, WASM_BPF_I64},
                         f[] = {WASM_BPF_F64};
  ASSERT_EQ(wasm_bpf_guest_add_host_function(g, "host", "add", ii, 2, i, 1, host_add, s), WASM_BPF_OK);
  ASSERT_EQ(wasm_bpf_guest_add_host_function(g, "host", "scale", fi, 2, f, 1, host_scale, s), WASM_BPF_OK);
  ASSERT_EQ(wasm_bpf_guest_add_host_function(g, "host", "record", ii, 2, nullptr, 0, host_record, s), WASM_BPF_OK);
  ASSERT_EQ(wasm_bpf_guest_add_host_function(g, "host", "fill", ii, 2, i, 1, host_fill, s), WASM_BPF_OK);
}

TEST(CApi, CustomHostFunctionsReceiveArgumentsAndReachGuestMemory) {
  NEED_GUESTS();
  Guest guest(kHostGuest, {"ok"});
  HostState state;
  add_host_functions(guest.g, &state);
  wasm_bpf_result r = guest.run();
  EXPECT_EQ(r.outcome, WASM_BPF_EXITED);
  EXPECT_EQ(r.exit_code, 42);
  EXPECT_EQ(state.calls, 4);
  EXPECT_EQ(state.recorded, "hello host");
  EXPECT_EQ(guest.out.str(), "add 42 scale 4.50 fill 14 'filled by host'\n");
}

TEST(CApi, AHostFunctionRefusingABadPointerTrapsTheGuestWithItsMessage) {
  NEED_GUESTS();
  Guest guest(kHostGuest, {"bad"});
  HostState state;
  add_host_functions(guest.g, &state);
  wasm_bpf_result r = guest.run();
  EXPECT_EQ(r.outcome, WASM_BPF_TRAPPED);
  EXPECT_EQ(r.exit_status, 134);
  EXPECT_EQ(guest.out.str(), "");  // the guest did not go on
  const std::string msg = wasm_bpf_guest_message(guest.g);
  EXPECT_NE(msg.find("record: the string is not inside the guest's memory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("host.record"), std::string::npos) << msg;
}

TEST(CApi, AMissingHostFunctionIsAStartErrorNamingIt) {
  NEED_GUESTS();
  Guest guest(kHostGuest, {"ok"});
  wasm_bpf_result r{};
  EXPECT_EQ(wasm_bpf_guest_run(guest.g, &r), WASM_BPF_ERROR_START);
  EXPECT_NE(std::string(wasm_bpf_last_error()).find("unknown import \"host\" \""), std::string::npos)
      << wasm_bpf_last_error();
}

// ---- directories, limits, traps ---------------------------------------------------------

TEST(CApi, DirectoriesAreGivenReadOnlyOrWritable) {
  NEED_GUESTS();
  char tmpl[] = "/tmp/wb-capi-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::ofstream(dir + "/in.txt") << "content\n";
  {
    Guest guest(kGuest, {"files", "/data"});
    ASSERT_EQ(wasm_bpf_guest_add_dir(guest.g, dir.c_str(), "/data", 1), WASM_BPF_OK);
    guest.run();
    EXPECT_EQ(guest.out.str(), "read content\nwrite Read-only file system\n");
    EXPECT_FALSE(std::filesystem::exists(dir + "/out.txt"));
  }
  {
    Guest guest(kGuest, {"files", "/data"});
    ASSERT_EQ(wasm_bpf_guest_add_dir(guest.g, dir.c_str(), "/data", 0), WASM_BPF_OK);
    guest.run();
    EXPECT_EQ(guest.out.str(), "read content\nwrite ok\n");
    EXPECT_TRUE(std::filesystem::exists(dir + "/out.txt"));
  }
  {
    Guest guest(kGuest, {"files", "/data"});  // nothing given: nothing reachable
    guest.run();
    EXPECT_NE(guest.out.str().find("open /data/in.txt: "), std::string::npos) << guest.out.str();
  }
  {
    Guest guest(kGuest, {"files", "/data"});
    ASSERT_EQ(wasm_bpf_guest_add_dir(guest.g, (dir + "/missing").c_str(), "/data", 0), WASM_BPF_OK);
    wasm_bpf_result r{};
    EXPECT_EQ(wasm_bpf_guest_run(guest.g, &r), WASM_BPF_ERROR_START);
    EXPECT_NE(std::string(wasm_bpf_last_error()).find("missing"), std::string::npos) << wasm_bpf_last_error();
  }
  std::filesystem::remove_all(dir);
}

TEST(CApi, TrapsTimeoutsAndTheMemoryLimitAreReported) {
  NEED_GUESTS();
  {
    Guest guest(kGuest, {"trap"});
    wasm_bpf_result r = guest.run();
    EXPECT_EQ(r.outcome, WASM_BPF_TRAPPED);
    EXPECT_EQ(r.exit_status, 134);
    EXPECT_NE(std::string(wasm_bpf_guest_message(guest.g)).find("unreachable"), std::string::npos);
  }
  {
    Guest guest(kGuest, {"spin"});
    ASSERT_EQ(wasm_bpf_guest_set_limit(guest.g, WASM_BPF_LIMIT_TIMEOUT_MS, 200), WASM_BPF_OK);
    ASSERT_EQ(wasm_bpf_guest_set_limit(guest.g, WASM_BPF_LIMIT_STOP_TIMEOUT_MS, 0), WASM_BPF_OK);
    const auto start = std::chrono::steady_clock::now();
    wasm_bpf_result r = guest.run();
    EXPECT_EQ(r.outcome, WASM_BPF_TIMED_OUT);
    EXPECT_EQ(r.exit_status, 124);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  }
  {
    Guest guest(kGuest, {"grow", "64"});
    ASSERT_EQ(wasm_bpf_guest_set_limit(guest.g, WASM_BPF_LIMIT_MAX_MEMORY, 8 << 20), WASM_BPF_OK);
    wasm_bpf_result r = guest.run();
    EXPECT_EQ(guest.out.str(), "grow refused\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.memory_capped, 1);
  }
}

// ---- stop from another thread, several guests -------------------------------------------

TEST(CApi, AGuestAskedToStopFromAnotherThreadFinishesByItself) {
  NEED_GUESTS();
  Guest guest(kGuest, {"sleep"});
  wasm_bpf_result r{};
  std::thread runner([&] { r = guest.run(); });
  ASSERT_TRUE(guest.out.wait_for("sleeping\n"));
  const auto asked = std::chrono::steady_clock::now();
  wasm_bpf_guest_request_stop(guest.g);
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 3s);
  EXPECT_EQ(r.outcome, WASM_BPF_INTERRUPTED);
  EXPECT_EQ(r.exit_code, 3);  // it returned from main by itself
  EXPECT_EQ(r.forced, 0);
  EXPECT_EQ(r.exit_status, 130);
  EXPECT_EQ(guest.out.str(), "sleeping\nwoke\n");
}

TEST(CApi, AGuestStoppedOutrightEndsAtOnceAndAStopBeforeTheRunEndsItAtStart) {
  NEED_GUESTS();
  {
    Guest guest(kGuest, {"spin"});
    wasm_bpf_result r{};
    std::thread runner([&] { r = guest.run(); });
    std::this_thread::sleep_for(100ms);
    wasm_bpf_guest_stop(guest.g);
    runner.join();
    EXPECT_EQ(r.outcome, WASM_BPF_INTERRUPTED);
    EXPECT_EQ(r.forced, 1);
  }
  {
    Guest guest(kGuest, {"spin"});
    wasm_bpf_guest_stop(guest.g);
    wasm_bpf_result r = guest.run();
    EXPECT_EQ(r.outcome, WASM_BPF_INTERRUPTED);
  }
}

TEST(CApi, TwoGuestsRunAtOnceAndStoppingOneLeavesTheOther) {
  NEED_GUESTS();
  Guest a(kGuest, {"sleep"}), b(kGuest, {"sleep"});
  wasm_bpf_result ra{}, rb{};
  std::atomic<bool> b_done{false};
  std::thread ta([&] { ra = a.run(); });
  std::thread tb([&] {
    rb = b.run();
    b_done = true;
  });
  ASSERT_TRUE(a.out.wait_for("sleeping\n"));
  ASSERT_TRUE(b.out.wait_for("sleeping\n"));
  // A third guest runs to its end meanwhile, with its own arguments and output.
  {
    Guest c(kGuest, {"echo", "third"});
    wasm_bpf_result rc = c.run();
    EXPECT_EQ(rc.exit_code, 3);
    EXPECT_EQ(c.out.str(), "arg third\nenv (none)\nstdin \nstdin bytes 0\n");
  }
  wasm_bpf_guest_request_stop(a.g);
  ta.join();
  EXPECT_EQ(ra.outcome, WASM_BPF_INTERRUPTED);
  EXPECT_EQ(a.out.str(), "sleeping\nwoke\n");
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(b_done.load()) << "stopping one guest stopped the other";
  EXPECT_EQ(b.out.str(), "sleeping\n");
  wasm_bpf_guest_stop(b.g);
  tb.join();
  EXPECT_EQ(rb.outcome, WASM_BPF_INTERRUPTED);
  EXPECT_EQ(rb.forced, 1);
}

// ---- a guest with a BPF side -------------------------------------------------------------

std::string command_output(const char* cmd) {
  std::string out;
  if (FILE* p = popen(cmd, "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

// The ids of `bpftool map show` entries named NAME.*, and of `bpftool prog show` entries that
// use one of them (other tests load the same programs at the same time, under other names).
std::vector<std::string> maps_named(const std::string& name) {
  std::vector<std::string> ids;
  std::istringstream in(command_output("bpftool map show 2>/dev/null"));
  for (std::string line; std::getline(in, line);)
    if (line.find("name " + name + ".") != std::string::npos) ids.push_back(line.substr(0, line.find(':')));
  return ids;
}
std::vector<std::string> progs_using(const std::vector<std::string>& map_ids) {
  std::vector<std::string> ids;
  std::istringstream in(command_output("bpftool prog show 2>/dev/null"));
  std::string current;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) current = line.substr(0, line.find(':'));
    const size_t at = line.find("map_ids ");
    if (at == std::string::npos) continue;
    std::istringstream list(line.substr(at + 8));
    for (std::string id; std::getline(list, id, ',');)
      for (const std::string& m : map_ids)
        if (id == m) ids.push_back(current);
  }
  return ids;
}
std::string prog_ids() { return "\n" + command_output("bpftool prog show 2>/dev/null | grep -o '^[0-9]*:'"); }

TEST(CApi, AnEbpfGuestStoppedFromAnotherThreadPrintsItsSummaryAndLeavesNothingAttached) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (loads BPF programs)";
  const std::string module = WB_CAPI_STOP_POLL_GUEST;
  if (!std::filesystem::exists(module)) GTEST_SKIP() << module << " was not built";
  // From bytes, under a name of its own: its objects are named wbcapi1 (maps wbcapi1.rodata,
  // as libbpf keeps 7 characters of an object's name for its internal maps).
  std::ifstream f(module, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(maps_named("wbcapi1").empty()) << "a wbcapi1 object is loaded already";
  wasm_bpf_guest* g = nullptr;
  ASSERT_EQ(wasm_bpf_guest_new_from_bytes(bytes.data(), bytes.size(), "wbcapi1.wasm", &g), WASM_BPF_OK);
  Sink out, err;
  const char* args[] = {"100"};
  ASSERT_EQ(wasm_bpf_guest_set_args(g, 1, args), WASM_BPF_OK);
  ASSERT_EQ(wasm_bpf_guest_set_output(g, 1, &Sink::write, &out), WASM_BPF_OK);
  ASSERT_EQ(wasm_bpf_guest_set_output(g, 2, &Sink::write, &err), WASM_BPF_OK);
  wasm_bpf_result r{};
  std::thread runner([&] { EXPECT_EQ(wasm_bpf_guest_run(g, &r), WASM_BPF_OK) << wasm_bpf_last_error(); });
  ASSERT_TRUE(out.wait_for("attached\n")) << err.str();
  const std::vector<std::string> maps = maps_named("wbcapi1");
  const std::vector<std::string> progs = progs_using(maps);
  EXPECT_FALSE(maps.empty());
  EXPECT_FALSE(progs.empty());
  EXPECT_EQ(std::system("/bin/true"), 0);  // an exec for it to see
  EXPECT_TRUE(out.wait_for("exec 1\n"));
  wasm_bpf_guest_request_stop(g);
  runner.join();
  EXPECT_EQ(r.outcome, WASM_BPF_INTERRUPTED);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(out.str().find("(EINTR: yes)\nsummary: "), std::string::npos) << out.str();
  // The kernel frees closed objects a little later (RCU).
  auto gone = [&] {
    const std::string left = prog_ids();
    for (const std::string& id : progs)
      if (left.find("\n" + id + ":") != std::string::npos) return false;
    return maps_named("wbcapi1").empty();
  };
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (!gone() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(gone()) << "the guest's programs or maps are still in the kernel";
  wasm_bpf_guest_delete(g);
}

TEST(CApi, ThePolicyRefusesWhatWasNotAllowedAndSaysSoThroughTheDiagnostics) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (loads BPF programs)";
  const std::string module = WB_CAPI_DANGEROUS_GUEST;
  if (!std::filesystem::exists(module)) GTEST_SKIP() << module << " was not built";
  Sink diagnostics;
  {
    Guest guest(module);
    ASSERT_EQ(wasm_bpf_guest_set_diagnostics(guest.g, &Sink::write, &diagnostics), WASM_BPF_OK);
    guest.run();
    EXPECT_EQ(guest.out.str(), "load=0\n");
    EXPECT_NE(diagnostics.str().find("refused by the policy"), std::string::npos) << diagnostics.str();
    EXPECT_NE(diagnostics.str().find("--allow send-signal"), std::string::npos) << diagnostics.str();
    EXPECT_EQ(guest.err.str().find("send-signal"), std::string::npos) << "diagnostics went to stderr too";
  }
}

}  // namespace
