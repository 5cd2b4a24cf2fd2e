// SPDX-License-Identifier: MIT
// Helpers shared by the black-box WASI tests: running wasm-bpf, reading what guests print,
// temporary directories, and watching a process block.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "process.h"

namespace wb::wasi_test {

namespace fs = std::filesystem;
using wb::test::Process;
using wb::test::ProcessResult;
using wb::test::SpawnOptions;
using Clock = std::chrono::steady_clock;

inline const std::string kCli = WB_CLI_BINARY;

inline std::string guest(const std::string& name) {
  return std::string(WB_WASI_GUEST_DIR) + "/" + name + ".wasm";
}

// `wasm-bpf ARGS...` to completion.
inline ProcessResult wasm_bpf(const std::vector<std::string>& args, const SpawnOptions& options = {},
                       int timeout_ms = 15000) {
  return wb::test::run_process(kCli, args, options, timeout_ms);
}

// `wasm-bpf run ARGS...`
inline ProcessResult run(std::vector<std::string> args, const SpawnOptions& options = {},
                  int timeout_ms = 15000) {
  args.insert(args.begin(), "run");
  return wasm_bpf(args, options, timeout_ms);
}

inline std::string describe(const ProcessResult& r) {
  std::ostringstream s;
  s << "exit " << r.exit_code << (r.timed_out ? " (timed out)" : "")
    << (r.term_signal ? " (killed by signal " + std::to_string(r.term_signal) + ")" : "")
    << "\n--- stdout ---\n" << r.out << "--- stderr ---\n" << r.err << "---";
  return s.str();
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The lines of `text` that start with `prefix`, with the prefix removed.
inline std::vector<std::string> lines_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& l : lines(text)) {
    if (l.rfind(prefix, 0) == 0) out.push_back(l.substr(prefix.size()));
  }
  return out;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::set<std::string> dir_listing(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// A fresh directory under /tmp (or `base`), removed with everything in it (symlinks are not
// followed).
class TempDir {
 public:
  explicit TempDir(const std::string& base = "/tmp") {
    std::string tmpl = base + "/wb-wasi-test-XXXXXX";
    const char* p = mkdtemp(tmpl.data());
    if (p == nullptr) throw std::runtime_error("mkdtemp in " + base + " failed");
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

// A TempDir holding a FIFO named "fifo", seen by the guest as /s (see mapping()).
struct FifoBox {
  TempDir dir;
  FifoBox() {
    const std::string fifo = (dir.path() / "fifo").string();
    if (::mkfifo(fifo.c_str(), 0644) != 0) throw std::runtime_error("mkfifo failed");
  }
  std::string fifo() const { return (dir.path() / "fifo").string(); }
  std::string mapping() const { return dir.str() + "::/s"; }
};

inline long long wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline long long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// The scheduler state ('R', 'S', ...) of every thread of `pid`, from /proc.
inline std::string thread_states(pid_t pid) {
  std::string states;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const std::string stat = read_file(task.path() / "stat");
    const std::size_t close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size()) states += stat[close + 2];
  }
  return states;
}

// Polls until every thread of `pid` sleeps (the guest is blocked in a host call), at most
// `timeout_ms`.
inline bool wait_until_blocked(pid_t pid, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    const std::string states = thread_states(pid);
    if (!states.empty() && states.find_first_not_of("S") == std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace wb::wasi_test
