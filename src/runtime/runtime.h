// SPDX-License-Identifier: MIT
// Runs a guest: engine + WASI (+ extra host modules) + limits, timeout, stop/pause/resume.
// This is what `wasm-bpf run` and embedders use.
#pragma once

#include <csignal>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bpf/bpf_host.h"
#include "wasi/wasi.h"
#include "wasm/engine.h"

namespace wb::runtime {

inline constexpr uint64_t kDefaultMaxMemory = uint64_t{1} << 30;

struct RunConfig {
  std::string module_path;            // read unless module_bytes is given; the guest's argv[0]
  std::vector<uint8_t> module_bytes;  // optional: the module itself
  std::vector<std::string> args;      // guest arguments after argv[0]
  std::vector<std::string> env;       // "KEY=VALUE"
  std::vector<wasi::Preopen> dirs;
  // The guest's stdio: host fds (left open), or streams of the embedder's, which take
  // precedence when set (e.g. wasi::StringInput, wasi::StringOutput, wasi::CallbackOutput).
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
  std::shared_ptr<wasi::StdioStream> stdin_stream;
  std::shared_ptr<wasi::StdioStream> stdout_stream;
  std::shared_ptr<wasi::StdioStream> stderr_stream;
  // When it elapses the guest is asked to finish, as by request_stop().
  std::optional<std::chrono::milliseconds> timeout;
  // How long a guest asked to finish (request_stop(), signal_stop(), the timeout) may take
  // before it is stopped outright; 0 stops it at once.
  std::chrono::milliseconds stop_timeout{5000};
  // Sent to the thread running the guest, again and again, once it is stopped outright, so
  // that a host call blocked in the kernel returns (a BPF verifier run of many seconds).
  // run() installs an empty handler for it while the guest runs. 0: none.
  int kick_signal = SIGURG;
  // Cap on linear memory. 1 GiB by default (eBPF tools use a few MiB; a module may not take
  // the machine's memory unasked); up to 4 GiB.
  uint64_t max_memory_bytes = kDefaultMaxMemory;
  // How the guest's code runs: compiled to machine code on its first call (x86-64; the
  // interpreter elsewhere), or always interpreted.
  wasm::Tier engine = wasm::Tier::Compiler;
  size_t max_open_files = 1024;            // guest fds (wasi::WasiConfig::max_open_files)
  uint64_t max_write_bytes = 1ull << 30;   // written into files (wasi::WasiConfig); 0: no limit
  // The wasm_bpf host module (its interrupt handle and fd mapping are filled in by run()).
  bool enable_bpf = true;
  bpf::BpfHostOptions bpf;
  // Embedders: define more host functions (called before instantiation).
  std::function<void(wasm::Store&, wasm::Imports&)> extra_imports;
  // Called after the guest ends, however it ends (cleanup of host resources).
  std::function<void()> on_exit;
};

enum class Outcome {
  Exited,       // the guest returned from _start or called proc_exit; exit_code is its status
  Trapped,      // a WebAssembly trap
  Interrupted,  // asked or made to stop (stop(), request_stop(), a signal), however it ended
  TimedOut,     // RunConfig::timeout elapsed, however the guest ended then
  Failed,       // could not start: unreadable or invalid module, missing import, ...
};

struct RunResult {
  Outcome outcome = Outcome::Failed;
  // For Exited, and for Interrupted/TimedOut when the guest finished by itself: the status
  // as the guest gave it (proc_exit's u32 as int).
  int exit_code = 0;
  std::string message;  // for the others: what happened (a trap names the function)
  // What asked the guest to stop: a signal number (signal_stop), StopRequest::kByTimeout or
  // StopRequest::kByCaller; 0 if nothing did.
  int stop_reason = 0;
  // The guest was stopped outright rather than finishing by itself (then exit_code is 0):
  // by stop(), a second request, or because it did not end within stop_timeout
  // (grace_expired).
  bool forced = false;
  bool grace_expired = false;
  // The guest asked for more linear memory than max_memory_bytes allows (and was refused):
  // worth a note whatever the outcome, since the guest may have failed because of it.
  bool memory_capped = false;
};

// Process exit status for a run, as `wasm-bpf run` reports it:
//   the guest's status (Exited) if it is 0-255, and 1 for any other (proc_exit(256) or
//   exit(-1)): truncating it to 8 bits could turn a failure into 0;
//   134 trap, 124 timeout, 130 interrupted (143 when by SIGTERM), 125 could not start.
// A guest asked to stop keeps the status of what asked (124, 130, 143) even when it
// finishes by itself, as `timeout` and shells report it.
int exit_status(const RunResult& r);

class Runner {
 public:
  explicit Runner(RunConfig config);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Loads, links and runs `_start` (or `_initialize` then nothing for reactors). Blocks.
  RunResult run();

  // From any thread: ask the guest to finish (its buffer polls return -EINTR, its sleep or
  // read returns early; stopped outright after stop_timeout), stop it at once, pause it at
  // its next check point, resume it. It ends as Interrupted.
  void request_stop();
  void stop();
  void pause();
  void resume();
  // For SIGINT/SIGTERM handlers (async-signal-safe): the first signal asks the guest to
  // finish, a second one stops it at once. Valid while the Runner lives.
  void signal_stop(int sig) noexcept;
  wasm::InterruptHandle interrupt_handle() const;

 private:
  struct State;
  RunResult load_and_run();
  std::unique_ptr<State> state_;
};

}  // namespace wb::runtime
