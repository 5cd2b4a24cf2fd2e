// Runs a guest: engine + WASI (+ extra host modules) + limits, timeout, stop/pause/resume.
// This is what `wasm-bpf run` and embedders use.
#pragma once

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
  std::optional<std::chrono::milliseconds> timeout;
  uint64_t max_memory_bytes = 4ull << 30;  // cap on linear memory
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
  Interrupted,  // stop() or a signal
  TimedOut,     // RunConfig::timeout elapsed
  Failed,       // could not start: unreadable or invalid module, missing import, ...
};

struct RunResult {
  Outcome outcome = Outcome::Failed;
  int exit_code = 0;    // for Exited: the status as the guest gave it (proc_exit's u32 as int)
  std::string message;  // for the others: what happened (a trap names the function)
};

// Process exit status for a run, as `wasm-bpf run` reports it:
//   the guest's status (Exited) if it is 0-255, and 1 for any other (proc_exit(256) or
//   exit(-1)): truncating it to 8 bits could turn a failure into 0;
//   134 trap, 124 timeout, 130 interrupted, 125 could not start.
// (`wasm-bpf run` reports an interruption by SIGTERM as 143.)
int exit_status(const RunResult& r);

class Runner {
 public:
  explicit Runner(RunConfig config);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Loads, links and runs `_start` (or `_initialize` then nothing for reactors). Blocks.
  RunResult run();

  // From any thread: stop the guest (it ends as Interrupted), pause it at its next check
  // point, resume it.
  void stop();
  void pause();
  void resume();
  // Async-signal-safe stop (for SIGINT/SIGTERM handlers).
  wasm::InterruptHandle interrupt_handle() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wb::runtime
