// SPDX-License-Identifier: MIT
#include "runtime/runtime.h"

#include "common/files.h"
#include "runtime/stop_control.h"

#include <fcntl.h>

#include <csignal>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

namespace wb::runtime {

int exit_status(const RunResult& r) {
  switch (r.outcome) {
    case Outcome::Exited: return r.exit_code >= 0 && r.exit_code <= 255 ? r.exit_code : 1;
    case Outcome::Trapped: return 134;
    case Outcome::TimedOut: return 124;
    case Outcome::Interrupted:  // 128 + the signal, as a shell reports it (130 by default)
      return r.stop_reason > 0 && r.stop_reason < 65 ? 128 + r.stop_reason : 130;
    case Outcome::Failed: return 125;
  }
  return 125;
}

struct Runner::State {
  RunConfig cfg;
  std::unique_ptr<wasm::Store> store;
  std::unique_ptr<StopControl> stop;
};

namespace {

wasm::StoreLimits limits_for(const RunConfig& cfg) {
  wasm::StoreLimits l;
  l.tier = cfg.engine;
  uint64_t pages = cfg.max_memory_bytes / 65536;
  l.max_memory_pages = static_cast<uint32_t>(std::min<uint64_t>(pages, 65536));
  return l;
}

RunResult failed(std::string message) { return RunResult{Outcome::Failed, 0, std::move(message)}; }

// The name of a module's BPF objects: its file name without ".wasm", or the repository of
// a reference (registry/path/name:tag@digest gives "name").
std::string object_name_for(const std::string& module_path) {
  std::string name = module_path.substr(module_path.find_last_of('/') + 1);
  name = name.substr(0, name.find('@'));
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".wasm") == 0) name.resize(name.size() - 5);
  else name = name.substr(0, name.find(':'));
  return name;
}

}  // namespace

Runner::Runner(RunConfig config) : state_(std::make_unique<State>()) {
  state_->cfg = std::move(config);
  state_->store = std::make_unique<wasm::Store>(limits_for(state_->cfg));
  state_->stop = std::make_unique<StopControl>(state_->store->interrupt_handle(), state_->cfg.stop_timeout);
}

Runner::~Runner() = default;

void Runner::request_stop() { state_->stop->request(StopRequest::kByCaller); }
void Runner::stop() { state_->stop->force(StopRequest::kByCaller); }
void Runner::signal_stop(int sig) noexcept { state_->stop->request(sig); }
void Runner::pause() { state_->store->interrupt_handle().pause(); }
void Runner::resume() { state_->store->interrupt_handle().resume(); }
wasm::InterruptHandle Runner::interrupt_handle() const { return state_->store->interrupt_handle(); }

RunResult Runner::run() {
  RunResult r = load_and_run();
  r.memory_capped = state_->store->memory_refused_by_limit();
  return r;
}

RunResult Runner::load_and_run() {
  State& st = *state_;
  RunConfig& cfg = st.cfg;
  struct OnExit {
    RunConfig& cfg;
    ~OnExit() {
      if (cfg.on_exit) cfg.on_exit();
    }
  } on_exit{cfg};

  // The timeout clock starts before loading (a large module takes a while, and a start
  // function counts).
  std::optional<StopControl::Clock::time_point> deadline;
  if (cfg.timeout) deadline = StopControl::Clock::now() + *cfg.timeout;
  // The kick signal needs a handler (an ignored signal is never pending) that does nothing,
  // and no SA_RESTART: interrupted system calls return. Installed once for all the guests
  // running in the process at a time (an embedder may run several), the previous one put
  // back when the last ends.
  struct KickHandler {
    int sig;
    explicit KickHandler(int s) : sig(s) {
      if (sig != 0) install(sig, true);
    }
    ~KickHandler() {
      if (sig != 0) install(sig, false);
    }
    static void install(int sig, bool on) {
      static std::mutex m;
      static std::map<int, std::pair<int, struct sigaction>> users;  // signal: count, old action
      std::lock_guard lock(m);
      auto& [count, old] = users[sig];
      if (on && count++ == 0) {
        struct sigaction kick{};
        kick.sa_handler = [](int) {};
        sigemptyset(&kick.sa_mask);
        sigaction(sig, &kick, &old);
      } else if (!on && --count == 0) {
        sigaction(sig, &old, nullptr);
      }
    }
  } kick_handler{cfg.kick_signal};
  st.stop->start(deadline, pthread_self(), cfg.kick_signal);
  struct FinishWatch {
    StopControl& stop;
    ~FinishWatch() { stop.finish(); }
  } finish_watch{*st.stop};

  // However the guest ended, a stop request decides the outcome (see exit_status).
  // `interrupted`: the runtime ended the guest, which did not finish by itself.
  auto stopped = [&](int exit_code, bool interrupted) -> RunResult {
    const int reason = st.stop->reason();
    if (reason == 0 && !interrupted) return {Outcome::Exited, exit_code, ""};
    RunResult r;
    r.outcome = reason == StopRequest::kByTimeout ? Outcome::TimedOut : Outcome::Interrupted;
    r.exit_code = interrupted ? 0 : exit_code;
    r.message = reason == StopRequest::kByTimeout ? "stopped after the timeout" : "interrupted";
    r.stop_reason = reason;
    r.forced = interrupted;
    r.grace_expired = interrupted && st.stop->grace_expired();
    return r;
  };
  auto classify = [&](const wasm::Trap& t) -> RunResult {
    switch (t.kind) {
      case wasm::TrapKind::Exit: return stopped(t.exit_code, false);
      case wasm::TrapKind::Interrupted: return stopped(0, true);
      default: return {Outcome::Trapped, 0, t.to_string()};
    }
  };

  std::vector<uint8_t> bytes = std::move(cfg.module_bytes);
  if (bytes.empty()) {
    auto read = read_file_bytes(cfg.module_path);
    if (!read) return failed("cannot read module '" + cfg.module_path + "': " + std::strerror(read.error().sys_errno));
    bytes = std::move(read.value());
  }
  wasm::ModuleOptions load_options;
  load_options.interrupted = [&st] { return st.stop->reason() != 0; };
  auto mod = wasm::Module::load(bytes, load_options);
  if (!mod && st.stop->reason() != 0) return stopped(0, true);  // asked to stop while loading
  if (!mod) return failed("'" + cfg.module_path + "' is not a valid WebAssembly module: " + mod.error().message);

  wasi::WasiConfig wc;
  wc.args.push_back(cfg.module_path);
  wc.args.insert(wc.args.end(), cfg.args.begin(), cfg.args.end());
  wc.env = cfg.env;
  wc.preopens = cfg.dirs;
  wc.stdin_fd = cfg.stdin_fd;
  wc.stdout_fd = cfg.stdout_fd;
  wc.stderr_fd = cfg.stderr_fd;
  wc.stdin_stream = cfg.stdin_stream;
  wc.stdout_stream = cfg.stdout_stream;
  wc.stderr_stream = cfg.stderr_stream;
  wc.interrupt = st.store->interrupt_handle();
  wc.stop_request = st.stop->stop_request();
  wc.max_open_files = cfg.max_open_files;
  wc.max_write_bytes = cfg.max_write_bytes;
  wc.on_broken_pipe = [&st] { st.stop->request_once(SIGPIPE); };
  auto wasi = wasi::WasiContext::create(std::move(wc));
  if (!wasi) return failed(wasi.error().message);

  wasm::Imports imports;
  wasi.value()->define(*st.store, imports);
  // Declared after the WASI context and before the guest runs: destroyed (every BPF link
  // detached, every object closed) when run() returns, however the guest ended.
  std::unique_ptr<bpf::BpfHost> bpf_host;
  if (cfg.enable_bpf) {
    bpf::BpfHostOptions bo = cfg.bpf;
    if (bo.object_name.empty()) bo.object_name = object_name_for(cfg.module_path);
    bo.interrupt = st.store->interrupt_handle();
    bo.stop_request = st.stop->stop_request();
    wasi::WasiContext* w = wasi.value().get();
    bo.host_fd_of_guest_fd = [w](int fd) -> std::optional<int> {
      if (fd < 0) return std::nullopt;
      return w->host_fd(static_cast<uint32_t>(fd));
    };
    bo.open_guest_dir = [w](std::string_view path) { return w->open_guest_path(path, O_RDONLY | O_DIRECTORY); };
    bpf_host = std::make_unique<bpf::BpfHost>(std::move(bo));
    bpf_host->define(*st.store, imports);
  }
  if (cfg.extra_imports) cfg.extra_imports(*st.store, imports);

  // A start function is the guest's code too: its exit, trap or interruption ends the run as
  // one in _start would.
  std::optional<wasm::Trap> start_trap;
  const uint64_t cap_pages = limits_for(cfg).max_memory_pages;
  for (const wasm::MemoryType& m : mod.value()->memories)
    if (m.limits.min > cap_pages)
      return failed("'" + cfg.module_path + "' needs " + std::to_string((m.limits.min * 65536) >> 20) +
                    " MiB of linear memory at start, more than the limit of " + std::to_string((cap_pages * 65536) >> 20) +
                    " MiB: raise it with --max-memory (at most 4G)");
  auto inst = st.store->instantiate(mod.value(), imports, &start_trap);
  if (!inst) {
    if (start_trap) return classify(*start_trap);
    return failed("cannot instantiate '" + cfg.module_path + "': " + inst.error().message);
  }
  wasm::Function* entry = inst.value()->function("_start");
  bool reactor = false;
  if (entry == nullptr) {
    entry = inst.value()->function("_initialize");
    reactor = true;
  }
  if (entry == nullptr) return failed("'" + cfg.module_path + "' exports neither _start nor _initialize");
  if (!entry->type().params.empty() || !entry->type().results.empty())
    return failed("'" + cfg.module_path + "': _start must take no parameters and return nothing");
  auto r = st.store->call(entry, {});
  if (!r) return classify(r.error());
  (void)reactor;
  return stopped(0, false);
}

}  // namespace wb::runtime
