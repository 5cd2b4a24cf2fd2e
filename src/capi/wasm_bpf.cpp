// SPDX-License-Identifier: MIT
// The C API (wasm_bpf.h) over runtime::Runner.
#include "wasm_bpf.h"

#include <csignal>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "common/files.h"
#include "runtime/runtime.h"
#include "wasm/engine.h"

namespace {

using namespace wb;

thread_local std::string t_last_error;

wasm_bpf_status fail(wasm_bpf_status status, std::string message) {
  t_last_error = std::move(message);
  return status;
}

// Runs fn, turning a C++ exception (there should be none but std::bad_alloc) into a status:
// none may cross into C.
template <class F>
wasm_bpf_status guarded(F&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return fail(WASM_BPF_ERROR_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(WASM_BPF_ERROR_ARGUMENT, e.what());
  } catch (...) {
    return fail(WASM_BPF_ERROR_ARGUMENT, "unexpected error");
  }
}

// Output to an embedder's function.
class FunctionOutput : public wasi::StdioStream {
 public:
  FunctionOutput(wasm_bpf_output_fn fn, void* user) : fn_(fn), user_(user) {}
  int64_t write(const uint8_t* buf, size_t len) override {
    fn_(user_, reinterpret_cast<const char*>(buf), len);
    return static_cast<int64_t>(len);
  }

 private:
  wasm_bpf_output_fn fn_;
  void* user_;
};

wasm::ValType val_type(wasm_bpf_valkind k) {
  switch (k) {
    case WASM_BPF_I32: return wasm::ValType::I32;
    case WASM_BPF_I64: return wasm::ValType::I64;
    case WASM_BPF_F32: return wasm::ValType::F32;
    case WASM_BPF_F64: return wasm::ValType::F64;
    default: return wasm::ValType::I32;  // (kinds are checked when a function is added)
  }
}

bool valid_kind(wasm_bpf_valkind k) { return k == WASM_BPF_I32 || k == WASM_BPF_I64 || k == WASM_BPF_F32 || k == WASM_BPF_F64; }

wasm_bpf_val from_slot(wasm_bpf_valkind k, uint64_t s) {
  wasm_bpf_val v{};
  v.kind = k;
  switch (k) {
    case WASM_BPF_I32: v.of.i32 = static_cast<int32_t>(static_cast<uint32_t>(s)); break;
    case WASM_BPF_I64: v.of.i64 = static_cast<int64_t>(s); break;
    case WASM_BPF_F32: {
      const uint32_t bits = static_cast<uint32_t>(s);
      std::memcpy(&v.of.f32, &bits, sizeof bits);
      break;
    }
    case WASM_BPF_F64: std::memcpy(&v.of.f64, &s, sizeof s); break;
    default: break;
  }
  return v;
}

uint64_t to_slot(const wasm_bpf_val& v, wasm_bpf_valkind k) {
  switch (k) {
    case WASM_BPF_I32: return static_cast<uint32_t>(v.of.i32);
    case WASM_BPF_I64: return static_cast<uint64_t>(v.of.i64);
    case WASM_BPF_F32: {
      uint32_t bits;
      std::memcpy(&bits, &v.of.f32, sizeof bits);
      return bits;
    }
    case WASM_BPF_F64: {
      uint64_t bits;
      std::memcpy(&bits, &v.of.f64, sizeof bits);
      return bits;
    }
    default: return 0;
  }
}

struct HostFunction {
  std::string module;
  std::string name;
  std::vector<wasm_bpf_valkind> params;
  std::vector<wasm_bpf_valkind> results;
  wasm_bpf_host_fn fn;
  void* user;
};

bool not_empty(const char* s) { return s != nullptr && *s != '\0'; }

}  // namespace

struct wasm_bpf_caller {
  wasm::HostContext* ctx;
  wasm_bpf_guest* guest;
};

struct wasm_bpf_guest {
  runtime::RunConfig cfg;
  std::vector<HostFunction> host_functions;
  std::string message;  // of the last run

  // The run, and what was asked of it before it began (stop/pause from other threads).
  std::mutex m;
  std::unique_ptr<runtime::Runner> runner;
  bool running = false;
  enum class Pending { None, Request, Stop } pending = Pending::None;
  bool paused = false;
};

namespace {

wasm_bpf_status check_guest(wasm_bpf_guest* g) {
  if (g == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "guest is NULL");
  std::lock_guard lock(g->m);
  if (g->running) return fail(WASM_BPF_ERROR_STATE, "the guest is running");
  if (g->runner) return fail(WASM_BPF_ERROR_STATE, "the guest has already run (a guest runs once)");
  return WASM_BPF_OK;
}

wasm_bpf_status new_guest(runtime::RunConfig cfg, wasm_bpf_guest** out) {
  auto g = std::make_unique<wasm_bpf_guest>();
  g->cfg = std::move(cfg);
  *out = g.release();
  return WASM_BPF_OK;
}

bool is_wasm(const std::vector<uint8_t>& b) {
  static constexpr uint8_t kHeader[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  return b.size() >= 8 && std::memcmp(b.data(), kHeader, 8) == 0;
}

}  // namespace

extern "C" {

const char* wasm_bpf_last_error(void) { return t_last_error.c_str(); }
const char* wasm_bpf_version(void) { return WB_VERSION; }
int wasm_bpf_api_version(void) { return WASM_BPF_API_VERSION; }

wasm_bpf_status wasm_bpf_guest_new_from_file(const char* path, wasm_bpf_guest** out) {
  return guarded([&] {
    if (out == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (!not_empty(path)) return fail(WASM_BPF_ERROR_ARGUMENT, "path is NULL or empty");
    auto bytes = read_file_bytes(path);
    if (!bytes) return fail(WASM_BPF_ERROR_MODULE, std::string("cannot read module '") + path + "': " + std::strerror(bytes.error().sys_errno));
    if (!is_wasm(bytes.value()))
      return fail(WASM_BPF_ERROR_MODULE, std::string("'") + path + "' is not a WebAssembly module (version 1 binary)");
    runtime::RunConfig cfg;
    cfg.module_path = path;
    cfg.module_bytes = std::move(bytes.value());
    return new_guest(std::move(cfg), out);
  });
}

wasm_bpf_status wasm_bpf_guest_new_from_bytes(const uint8_t* bytes, size_t size, const char* name, wasm_bpf_guest** out) {
  return guarded([&] {
    if (out == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (bytes == nullptr && size != 0) return fail(WASM_BPF_ERROR_ARGUMENT, "bytes is NULL");
    runtime::RunConfig cfg;
    cfg.module_path = not_empty(name) ? name : "module.wasm";
    cfg.module_bytes.assign(bytes, bytes + size);
    if (!is_wasm(cfg.module_bytes))
      return fail(WASM_BPF_ERROR_MODULE, "'" + cfg.module_path + "' is not a WebAssembly module (version 1 binary)");
    return new_guest(std::move(cfg), out);
  });
}

void wasm_bpf_guest_delete(wasm_bpf_guest* guest) { delete guest; }

wasm_bpf_status wasm_bpf_guest_set_args(wasm_bpf_guest* guest, size_t argc, const char* const* argv) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (argc != 0 && argv == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "argv is NULL");
    std::vector<std::string> args;
    for (size_t i = 0; i < argc; ++i) {
      if (argv[i] == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "argv[" + std::to_string(i) + "] is NULL");
      args.emplace_back(argv[i]);
    }
    guest->cfg.args = std::move(args);
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_add_env(wasm_bpf_guest* guest, const char* key_value) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (key_value == nullptr || std::strchr(key_value, '=') == nullptr || key_value[0] == '=')
      return fail(WASM_BPF_ERROR_ARGUMENT, "an environment variable is KEY=VALUE");
    guest->cfg.env.emplace_back(key_value);
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_add_dir(wasm_bpf_guest* guest, const char* host_path, const char* guest_path, int read_only) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (!not_empty(host_path) || !not_empty(guest_path))
      return fail(WASM_BPF_ERROR_ARGUMENT, "a directory needs a host path and a guest path");
    guest->cfg.dirs.push_back(wasi::Preopen{host_path, guest_path, read_only != 0});
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_set_stdio_fd(wasm_bpf_guest* guest, int guest_fd, int host_fd) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (host_fd < 0) return fail(WASM_BPF_ERROR_ARGUMENT, "host_fd is negative");
    runtime::RunConfig& c = guest->cfg;
    switch (guest_fd) {
      case 0: c.stdin_fd = host_fd; c.stdin_stream.reset(); break;
      case 1: c.stdout_fd = host_fd; c.stdout_stream.reset(); break;
      case 2: c.stderr_fd = host_fd; c.stderr_stream.reset(); break;
      default: return fail(WASM_BPF_ERROR_ARGUMENT, "guest_fd must be 0, 1 or 2");
    }
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_set_output(wasm_bpf_guest* guest, int guest_fd, wasm_bpf_output_fn fn, void* user_data) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (fn == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "fn is NULL");
    auto stream = std::make_shared<FunctionOutput>(fn, user_data);
    switch (guest_fd) {
      case 1: guest->cfg.stdout_stream = stream; break;
      case 2: guest->cfg.stderr_stream = stream; break;
      default: return fail(WASM_BPF_ERROR_ARGUMENT, "guest_fd must be 1 or 2 (outputs)");
    }
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_set_stdin_bytes(wasm_bpf_guest* guest, const void* data, size_t size) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (data == nullptr && size != 0) return fail(WASM_BPF_ERROR_ARGUMENT, "data is NULL");
    guest->cfg.stdin_stream = std::make_shared<wasi::StringInput>(std::string(static_cast<const char*>(data), size));
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_set_limit(wasm_bpf_guest* guest, wasm_bpf_limit limit, uint64_t value) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    runtime::RunConfig& c = guest->cfg;
    constexpr uint64_t kMaxMs = uint64_t{1} << 40;
    switch (limit) {
      case WASM_BPF_LIMIT_MAX_MEMORY:
        if (value < 65536 || value > (uint64_t{4} << 30))
          return fail(WASM_BPF_ERROR_ARGUMENT, "the memory limit is between 64 KiB (one page) and 4 GiB");
        c.max_memory_bytes = value;
        break;
      case WASM_BPF_LIMIT_MAX_OPEN_FILES:
        if (value < 3 || value > (1u << 20)) return fail(WASM_BPF_ERROR_ARGUMENT, "the open file limit is between 3 and 1048576");
        c.max_open_files = static_cast<size_t>(value);
        break;
      case WASM_BPF_LIMIT_MAX_WRITE: c.max_write_bytes = value; break;
      case WASM_BPF_LIMIT_MAX_MAP_MEMORY: c.bpf.max_map_bytes = value; break;
      case WASM_BPF_LIMIT_MAX_BPF_OBJECTS:
        if (value > (1u << 16)) return fail(WASM_BPF_ERROR_ARGUMENT, "the BPF object limit is at most 65536");
        c.bpf.max_objects = static_cast<uint32_t>(value);
        break;
      case WASM_BPF_LIMIT_TIMEOUT_MS:
        if (value > kMaxMs) return fail(WASM_BPF_ERROR_ARGUMENT, "timeout out of range");
        if (value == 0) c.timeout.reset();
        else c.timeout = std::chrono::milliseconds(value);
        break;
      case WASM_BPF_LIMIT_STOP_TIMEOUT_MS:
        if (value > kMaxMs) return fail(WASM_BPF_ERROR_ARGUMENT, "stop timeout out of range");
        c.stop_timeout = std::chrono::milliseconds(value);
        break;
      case WASM_BPF_LIMIT_KICK_SIGNAL:
        if (value != 0 && (value >= static_cast<uint64_t>(NSIG) || value == SIGKILL || value == SIGSTOP))
          return fail(WASM_BPF_ERROR_ARGUMENT, "not a signal that can be caught");
        c.kick_signal = static_cast<int>(value);
        break;
      default: return fail(WASM_BPF_ERROR_ARGUMENT, "unknown limit " + std::to_string(static_cast<int>(limit)));
    }
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_set_engine(wasm_bpf_guest* guest, wasm_bpf_engine engine) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    switch (engine) {
      case WASM_BPF_ENGINE_COMPILED: guest->cfg.engine = wasm::Tier::Compiler; break;
      case WASM_BPF_ENGINE_INTERPRETER: guest->cfg.engine = wasm::Tier::Interpreter; break;
      default: return fail(WASM_BPF_ERROR_ARGUMENT, "unknown engine " + std::to_string(static_cast<int>(engine)));
    }
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_allow(wasm_bpf_guest* guest, const char* helper_classes) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (helper_classes == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "helper_classes is NULL");
    if (auto r = guest->cfg.bpf.policy.allow_helpers(helper_classes); !r) return fail(WASM_BPF_ERROR_ARGUMENT, r.error().message);
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_allow_program(wasm_bpf_guest* guest, const char* program_classes) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (program_classes == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "program_classes is NULL");
    if (auto r = guest->cfg.bpf.policy.allow_programs(program_classes); !r)
      return fail(WASM_BPF_ERROR_ARGUMENT, r.error().message);
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_add_policy_file(wasm_bpf_guest* guest, const char* path) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (!not_empty(path)) return fail(WASM_BPF_ERROR_ARGUMENT, "path is NULL or empty");
    if (auto r = guest->cfg.bpf.policy.add_file(path); !r) return fail(WASM_BPF_ERROR_ARGUMENT, r.error().message);
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_enable_bpf(wasm_bpf_guest* guest, int enable) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    guest->cfg.enable_bpf = enable != 0;
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_set_diagnostics(wasm_bpf_guest* guest, wasm_bpf_output_fn fn, void* user_data) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (fn == nullptr) guest->cfg.bpf.diagnostic = nullptr;
    else guest->cfg.bpf.diagnostic = [fn, user_data](const std::string& line) { fn(user_data, line.data(), line.size()); };
    return WASM_BPF_OK;
  });
}

uint8_t* wasm_bpf_caller_memory(wasm_bpf_caller* caller, size_t* size) {
  wasm::Memory* m = caller != nullptr ? caller->ctx->memory() : nullptr;
  if (m == nullptr || m->size() == 0) {
    if (size != nullptr) *size = 0;
    return nullptr;
  }
  if (size != nullptr) *size = static_cast<size_t>(m->size());
  return m->span(0, m->size());
}

int wasm_bpf_caller_read(wasm_bpf_caller* caller, uint64_t offset, void* dst, size_t size) {
  wasm::Memory* m = caller != nullptr ? caller->ctx->memory() : nullptr;
  if (m == nullptr || (dst == nullptr && size != 0)) return -1;
  return m->read(offset, dst, size) ? 0 : -1;
}

int wasm_bpf_caller_write(wasm_bpf_caller* caller, uint64_t offset, const void* src, size_t size) {
  wasm::Memory* m = caller != nullptr ? caller->ctx->memory() : nullptr;
  if (m == nullptr || (src == nullptr && size != 0)) return -1;
  return m->write(offset, src, size) ? 0 : -1;
}

wasm_bpf_guest* wasm_bpf_caller_guest(wasm_bpf_caller* caller) { return caller != nullptr ? caller->guest : nullptr; }

wasm_bpf_status wasm_bpf_guest_add_host_function(wasm_bpf_guest* guest, const char* module_name, const char* name,
                                                 const wasm_bpf_valkind* params, size_t param_count,
                                                 const wasm_bpf_valkind* results, size_t result_count, wasm_bpf_host_fn fn,
                                                 void* user_data) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (!not_empty(module_name) || !not_empty(name)) return fail(WASM_BPF_ERROR_ARGUMENT, "a host function needs a module name and a name");
    if (fn == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "fn is NULL");
    if ((params == nullptr && param_count != 0) || (results == nullptr && result_count != 0))
      return fail(WASM_BPF_ERROR_ARGUMENT, "params or results is NULL");
    if (param_count > 1000 || result_count > 1000) return fail(WASM_BPF_ERROR_ARGUMENT, "too many parameters or results (at most 1000)");
    HostFunction h{module_name, name, {}, {}, fn, user_data};
    for (size_t i = 0; i < param_count; ++i) {
      if (!valid_kind(params[i])) return fail(WASM_BPF_ERROR_ARGUMENT, "parameter " + std::to_string(i) + " has an unknown kind");
      h.params.push_back(params[i]);
    }
    for (size_t i = 0; i < result_count; ++i) {
      if (!valid_kind(results[i])) return fail(WASM_BPF_ERROR_ARGUMENT, "result " + std::to_string(i) + " has an unknown kind");
      h.results.push_back(results[i]);
    }
    guest->host_functions.push_back(std::move(h));
    return WASM_BPF_OK;
  });
}

wasm_bpf_status wasm_bpf_guest_run(wasm_bpf_guest* guest, wasm_bpf_result* result) {
  return guarded([&] {
    if (auto s = check_guest(guest); s != WASM_BPF_OK) return s;
    if (result == nullptr) return fail(WASM_BPF_ERROR_ARGUMENT, "result is NULL");
    *result = wasm_bpf_result{};
    runtime::RunConfig cfg = guest->cfg;
    cfg.extra_imports = [guest](wasm::Store& store, wasm::Imports& imports) {
      for (const HostFunction& h : guest->host_functions) {
        wasm::FuncType type;
        for (wasm_bpf_valkind k : h.params) type.params.push_back(val_type(k));
        for (wasm_bpf_valkind k : h.results) type.results.push_back(val_type(k));
        const std::string debug_name = h.module + "." + h.name;
        wasm::Function* f = store.create_host_function(
            type,
            [&h, guest, debug_name](wasm::HostContext& ctx, const uint64_t* args, uint64_t* res) -> std::optional<wasm::Trap> {
              std::vector<wasm_bpf_val> in(h.params.size()), out(h.results.size());
              for (size_t i = 0; i < in.size(); ++i) in[i] = from_slot(h.params[i], args[i]);
              for (size_t i = 0; i < out.size(); ++i) out[i] = from_slot(h.results[i], 0);
              wasm_bpf_caller caller{&ctx, guest};
              if (const char* trap = h.fn(h.user, &caller, in.data(), out.data()); trap != nullptr) {
                wasm::Trap t;
                t.kind = wasm::TrapKind::Host;
                t.message = trap;
                t.function = debug_name;
                return t;
              }
              for (size_t i = 0; i < out.size(); ++i) res[i] = to_slot(out[i], h.results[i]);
              return std::nullopt;
            },
            debug_name);
        imports.add(h.module, h.name, f);
      }
    };
    runtime::Runner* runner;
    {
      std::lock_guard lock(guest->m);
      guest->runner = std::make_unique<runtime::Runner>(std::move(cfg));
      guest->running = true;
      runner = guest->runner.get();
      if (guest->paused) runner->pause();
      if (guest->pending == wasm_bpf_guest::Pending::Request) runner->request_stop();
      if (guest->pending == wasm_bpf_guest::Pending::Stop) runner->stop();
    }
    const runtime::RunResult r = runner->run();
    {
      std::lock_guard lock(guest->m);
      guest->running = false;
    }
    guest->message = r.outcome == runtime::Outcome::Exited ? std::string() : r.message;
    if (r.outcome == runtime::Outcome::Failed) {
      t_last_error = r.message;
      const bool module = r.message.find("not a valid WebAssembly module") != std::string::npos;
      return module ? WASM_BPF_ERROR_MODULE : WASM_BPF_ERROR_START;
    }
    switch (r.outcome) {
      case runtime::Outcome::Exited: result->outcome = WASM_BPF_EXITED; break;
      case runtime::Outcome::Trapped: result->outcome = WASM_BPF_TRAPPED; break;
      case runtime::Outcome::Interrupted: result->outcome = WASM_BPF_INTERRUPTED; break;
      case runtime::Outcome::TimedOut: result->outcome = WASM_BPF_TIMED_OUT; break;
      case runtime::Outcome::Failed: break;
    }
    result->exit_code = r.exit_code;
    result->exit_status = runtime::exit_status(r);
    result->forced = r.forced ? 1 : 0;
    result->memory_capped = r.memory_capped ? 1 : 0;
    return WASM_BPF_OK;
  });
}

const char* wasm_bpf_guest_message(const wasm_bpf_guest* guest) { return guest != nullptr ? guest->message.c_str() : ""; }

void wasm_bpf_guest_request_stop(wasm_bpf_guest* guest) {
  if (guest == nullptr) return;
  std::lock_guard lock(guest->m);
  if (guest->runner) guest->runner->request_stop();
  else if (guest->pending == wasm_bpf_guest::Pending::None) guest->pending = wasm_bpf_guest::Pending::Request;
}

void wasm_bpf_guest_stop(wasm_bpf_guest* guest) {
  if (guest == nullptr) return;
  std::lock_guard lock(guest->m);
  if (guest->runner) guest->runner->stop();
  else guest->pending = wasm_bpf_guest::Pending::Stop;
}

void wasm_bpf_guest_pause(wasm_bpf_guest* guest) {
  if (guest == nullptr) return;
  std::lock_guard lock(guest->m);
  guest->paused = true;
  if (guest->runner) guest->runner->pause();
}

void wasm_bpf_guest_resume(wasm_bpf_guest* guest) {
  if (guest == nullptr) return;
  std::lock_guard lock(guest->m);
  guest->paused = false;
  if (guest->runner) guest->runner->resume();
}

}  // extern "C"
