// SPDX-License-Identifier: MIT
// wb-engine-bench: CPU kernels run natively and in the engine, side by side.
//
//   wb-engine-bench [--filter NAME] [--quick] [--runs N] [--native-only]
//                   [--kernels DIR] [--module FILE]...
//
// Each kernel (bench/kernels/*.c) is linked into this program as bench_run_<name> and built
// to DIR/<name>.wasm. For each one: native time (best of N after a warm-up run), wasm time
// (best of N calls on one instance; loading and instantiating are not timed), the ratio, and
// a check that both return the same checksum. Then the geometric mean of the ratios, and the
// load + validate + translate time (Module::load, best of 10) of the largest kernel module,
// of libc_mix.wasm (about 100 KB) and of every --module FILE.
//
// Exit status: 0 if every checksum matched, 1 otherwise (or on any error), 2 on bad usage.

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wasm/engine.h"

extern "C" {
uint32_t bench_run_crc32(uint32_t n);
uint32_t bench_run_sha256(uint32_t n);
uint32_t bench_run_sieve(uint32_t n);
uint32_t bench_run_matmul(uint32_t n);
uint32_t bench_run_quicksort(uint32_t n);
uint32_t bench_run_printf_loop(uint32_t n);
uint32_t bench_run_mixed(uint32_t n);
}

#ifndef WB_BENCH_KERNEL_DIR
#define WB_BENCH_KERNEL_DIR "bench/kernels"
#endif

namespace {

namespace fs = std::filesystem;
namespace wasm = wb::wasm;
using Clock = std::chrono::steady_clock;

struct Kernel {
  const char* name;
  uint32_t (*native)(uint32_t);
  uint32_t default_n;  // about 0.3 s natively (gcc -O2, x86-64)
  uint32_t quick_n;    // a few ms natively: for the smoke test
};

constexpr Kernel kKernels[] = {
    {"crc32", bench_run_crc32, 2000, 20},                // 64 KiB CRC passes
    {"sha256", bench_run_sha256, 20000, 200},            // 4 KiB messages
    {"sieve", bench_run_sieve, 80, 1},                   // sieves up to 2,000,000
    {"matmul", bench_run_matmul, 2000, 20},              // 96x96 double products
    {"quicksort", bench_run_quicksort, 60, 1},           // sorts of 100,000 keys
    {"printf_loop", bench_run_printf_loop, 300000, 3000},  // formatted lines
    {"mixed", bench_run_mixed, 3500, 35},                // list + matrix + tokenizer rounds
};

// The module timed for load speed besides the kernels (about 100 KB, mostly wasi-libc).
constexpr const char* kLoadModule = "libc_mix";

struct Options {
  std::string filter;
  bool quick = false;
  bool native_only = false;
  bool interp = true;
  bool compiled = true;
  int runs = 3;
  fs::path kernel_dir = WB_BENCH_KERNEL_DIR;
  std::vector<fs::path> extra_modules;
};

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::optional<std::vector<uint8_t>> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Minimal WASI for reactor kernels: every wasi_snapshot_preview1 (or wasi_unstable) function
// the module imports fails with ENOSYS, except proc_exit, which ends the guest. Kernels
// only import WASI through stdio's flush/close paths, which tolerate the errors.
wasm::Imports wasi_stubs(wasm::Store& store, const wasm::Module& module) {
  constexpr uint64_t kErrnoNosys = 52;
  wasm::Imports imports;
  for (const wasm::Import& imp : module.imports) {
    if (imp.kind != wasm::ExternKind::Func) continue;
    if (imp.module != "wasi_snapshot_preview1" && imp.module != "wasi_unstable") continue;
    const wasm::FuncType& type = module.types.at(imp.type_index);
    wasm::HostFunc fn;
    if (imp.name == "proc_exit") {
      fn = [](wasm::HostContext&, const uint64_t* args, uint64_t*) -> std::optional<wasm::Trap> {
        wasm::Trap t;
        t.kind = wasm::TrapKind::Exit;
        t.message = "proc_exit";
        t.exit_code = static_cast<int32_t>(args[0]);
        return t;
      };
    } else {
      const size_t num_results = type.results.size();
      fn = [num_results](wasm::HostContext&, const uint64_t*,
                         uint64_t* results) -> std::optional<wasm::Trap> {
        if (num_results > 0) results[0] = kErrnoNosys;
        return std::nullopt;
      };
    }
    imports.add(imp.module, imp.name,
                store.create_host_function(type, std::move(fn), imp.module + "." + imp.name));
  }
  return imports;
}

// A kernel module instantiated in its own store, ready to call bench_run.
struct WasmKernel {
  std::unique_ptr<wasm::Store> store;
  wasm::Function* bench_run = nullptr;
};

std::optional<WasmKernel> instantiate_kernel(const fs::path& path, wasm::Tier tier, std::string& error) {
  auto bytes = read_file(path);
  if (!bytes) {
    error = "cannot read " + path.string();
    return std::nullopt;
  }
  auto mod = wasm::Module::load(*bytes);
  if (!mod) {
    error = "cannot load " + path.string() + ": " + mod.error().message;
    return std::nullopt;
  }
  WasmKernel k;
  wasm::StoreLimits limits;
  limits.tier = tier;
  k.store = std::make_unique<wasm::Store>(limits);
  auto inst = k.store->instantiate(mod.value(), wasi_stubs(*k.store, *mod.value()));
  if (!inst) {
    error = "cannot instantiate " + path.string() + ": " + inst.error().message;
    return std::nullopt;
  }
  // Reactors export _initialize (static constructors, libc set-up); call it once first.
  if (wasm::Function* init = inst.value()->function("_initialize")) {
    auto r = k.store->call(init, {});
    if (!r) {
      error = "_initialize trapped: " + r.error().to_string();
      return std::nullopt;
    }
  }
  k.bench_run = inst.value()->function("bench_run");
  if (k.bench_run == nullptr) {
    error = path.string() + " does not export bench_run";
    return std::nullopt;
  }
  return k;
}

struct Timing {
  double best_ms = 0;
  uint32_t checksum = 0;
  bool deterministic = true;  // every run returned the same checksum
};

Timing time_native(const Kernel& k, uint32_t n, int runs) {
  Timing t;
  t.checksum = k.native(n);  // warm-up: page in code and data, settle the clock
  t.best_ms = INFINITY;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    uint32_t c = k.native(n);
    t.best_ms = std::min(t.best_ms, ms_since(start));
    if (c != t.checksum) t.deterministic = false;
  }
  return t;
}

std::optional<Timing> time_wasm(WasmKernel& k, uint32_t n, int runs, std::string& error) {
  Timing t;
  t.best_ms = INFINITY;
  const wasm::Value arg = wasm::Value::i32(static_cast<int32_t>(n));
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    auto r = k.store->call(k.bench_run, std::span<const wasm::Value>(&arg, 1));
    double ms = ms_since(start);
    if (!r) {
      error = "bench_run trapped: " + r.error().to_string();
      return std::nullopt;
    }
    if (r.value().size() != 1 || r.value()[0].type != wasm::ValType::I32) {
      error = "bench_run returned an unexpected result";
      return std::nullopt;
    }
    uint32_t c = r.value()[0].as_u32();
    if (i > 0 && c != t.checksum) {
      error = "bench_run is not deterministic in wasm";
      return std::nullopt;
    }
    t.checksum = c;
    t.best_ms = std::min(t.best_ms, ms);
  }
  return t;
}

// Best of 10 Module::load calls on the file's bytes; prints one line. False on failure.
bool report_load_time(const fs::path& path) {
  auto bytes = read_file(path);
  if (!bytes) {
    std::printf("load %-28s cannot read\n", path.filename().string().c_str());
    return false;
  }
  double best = INFINITY;
  for (int i = 0; i < 10; ++i) {
    auto start = Clock::now();
    auto mod = wasm::Module::load(*bytes);
    double ms = ms_since(start);
    if (!mod) {
      std::printf("load %-28s failed: %s\n", path.filename().string().c_str(),
                  mod.error().message.c_str());
      return false;
    }
    best = std::min(best, ms);
  }
  std::printf("load %-28s %8.1f KB %9.3f ms  (load + validate + translate, best of 10)\n",
              path.filename().string().c_str(), static_cast<double>(bytes->size()) / 1024.0, best);
  // The compiling tier compiles a function when it is first called; this is the cost of
  // compiling all of them (the upper bound of what a run can spend compiling).
  double best_all = INFINITY;
  for (int i = 0; i < 10; ++i) {
    auto start = Clock::now();
    auto mod = wasm::Module::load(*bytes);
    if (!mod) return false;
    wasm::Store store;
    auto inst = store.instantiate(mod.value(), wasi_stubs(store, *mod.value()));
    if (!inst) {
      std::printf("load %-28s cannot instantiate: %s\n", path.filename().string().c_str(), inst.error().message.c_str());
      return false;
    }
    const size_t compiled = store.compile_all(inst.value());
    best_all = std::min(best_all, ms_since(start));
    if (i == 0 && compiled == 0) {
      std::printf("load %-28s (no compiling tier on this machine)\n", path.filename().string().c_str());
      return true;
    }
  }
  std::printf("load %-28s %8.1f KB %9.3f ms  (load + instantiate + compile every function, best of 10)\n",
              path.filename().string().c_str(), static_cast<double>(bytes->size()) / 1024.0, best_all);
  // What a run pays before its entry point starts: load, instantiate, and compile the entry
  // point's batch (itself and its direct callees) as its first call does.
  double best_first = INFINITY;
  std::string entry;
  for (int i = 0; i < 10; ++i) {
    auto start = Clock::now();
    auto mod = wasm::Module::load(*bytes);
    if (!mod) return false;
    wasm::Store store;
    auto inst = store.instantiate(mod.value(), wasi_stubs(store, *mod.value()));
    if (!inst) return false;
    wasm::Function* f = nullptr;
    for (const char* name : {"_start", "bench_run", "main"})
      if ((f = inst.value()->function(name)) != nullptr) {
        entry = name;
        break;
      }
    if (f == nullptr || !store.compile_first_call(f)) return true;
    best_first = std::min(best_first, ms_since(start));
  }
  std::printf("load %-28s %8.1f KB %9.3f ms  (load + instantiate + compile the first call of %s, best of 10)\n",
              path.filename().string().c_str(), static_cast<double>(bytes->size()) / 1024.0, best_first,
              entry.c_str());
  return true;
}

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: wb-engine-bench [--filter NAME] [--quick] [--runs N] [--native-only]\n"
               "                       [--engine compiled|interp|both] [--kernels DIR] [--module FILE]...\n"
               "  --filter NAME   only kernels whose name contains NAME\n"
               "  --quick         small inputs (a smoke run that still checks the checksums)\n"
               "  --runs N        timed runs per kernel, best counts (default 3)\n"
               "  --native-only   time the native kernels only\n"
               "  --engine E      the engine tiers to time (default both)\n"
               "  --kernels DIR   where the kernel .wasm files are (default %s)\n"
               "  --module FILE   also time loading FILE (repeatable)\n",
               WB_BENCH_KERNEL_DIR);
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "wb-engine-bench: %s needs a value\n", a.c_str());
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--native-only") {
      o.native_only = true;
    } else if (a == "--filter") {
      const char* v = value();
      if (v == nullptr) return false;
      o.filter = v;
    } else if (a == "--runs") {
      const char* v = value();
      if (v == nullptr) return false;
      o.runs = std::atoi(v);
      if (o.runs < 1 || o.runs > 1000) {
        std::fprintf(stderr, "wb-engine-bench: bad --runs '%s'\n", v);
        return false;
      }
    } else if (a == "--engine") {
      const char* v = value();
      if (v == nullptr) return false;
      const std::string e = v;
      if (e != "compiled" && e != "interp" && e != "both") {
        std::fprintf(stderr, "wb-engine-bench: bad --engine '%s' (compiled, interp or both)\n", v);
        return false;
      }
      o.compiled = e != "interp";
      o.interp = e != "compiled";
    } else if (a == "--kernels") {
      const char* v = value();
      if (v == nullptr) return false;
      o.kernel_dir = v;
    } else if (a == "--module") {
      const char* v = value();
      if (v == nullptr) return false;
      o.extra_modules.emplace_back(v);
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "wb-engine-bench: unknown argument '%s'\n", a.c_str());
      usage(stderr);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) return 2;

  bool ok = true;
  int selected = 0;
  struct Tier {
    const char* name;
    wasm::Tier tier;
    bool on;
    double log_ratio_sum = 0;
    int ratios = 0;
  };
  Tier tiers[] = {{"interp", wasm::Tier::Interpreter, o.interp}, {"compiled", wasm::Tier::Compiler, o.compiled}};

  std::printf("%-12s %8s %10s", "kernel", "n", "native ms");
  for (const Tier& t : tiers)
    if (t.on && !o.native_only) std::printf(" %11s %8s", (std::string(t.name) + " ms").c_str(), "ratio");
  std::printf("  %s\n", "checksum");
  for (const Kernel& k : kKernels) {
    if (!o.filter.empty() && std::string(k.name).find(o.filter) == std::string::npos) continue;
    ++selected;
    const uint32_t n = o.quick ? k.quick_n : k.default_n;
    Timing native = time_native(k, n, o.runs);
    if (!native.deterministic) {
      std::printf("%-12s error: the native bench_run returned different checksums\n", k.name);
      ok = false;
      continue;
    }
    std::printf("%-12s %8" PRIu32 " %10.2f", k.name, n, native.best_ms);
    std::string problems;
    for (Tier& t : tiers) {
      if (!t.on || o.native_only) continue;
      std::string error;
      auto wk = instantiate_kernel(o.kernel_dir / (std::string(k.name) + ".wasm"), t.tier, error);
      std::optional<Timing> w;
      if (wk) w = time_wasm(*wk, n, o.runs, error);
      if (!w) {
        std::printf(" %11s %8s", "-", "-");
        problems += std::string("  ") + t.name + " error: " + error;
        ok = false;
        continue;
      }
      const double ratio = w->best_ms / std::max(native.best_ms, 1e-6);
      t.log_ratio_sum += std::log(ratio);
      ++t.ratios;
      std::printf(" %11.2f %7.2fx", w->best_ms, ratio);
      if (w->checksum != native.checksum) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "  MISMATCH: %s returned %08" PRIx32, t.name, w->checksum);
        problems += buf;
        ok = false;
      }
    }
    std::printf("  %08" PRIx32 "%s\n", native.checksum, problems.c_str());
  }
  for (const Tier& t : tiers)
    if (t.ratios > 0)
      std::printf("geometric mean of %s/native ratios: %.2fx (%d kernels)\n", t.name,
                  std::exp(t.log_ratio_sum / t.ratios), t.ratios);
  if (selected == 0) {
    std::fprintf(stderr, "wb-engine-bench: no kernel matches '%s'\n", o.filter.c_str());
    return 1;
  }
  if (!o.native_only) {
    // Load times: the largest kernel module, the ~100 KB libc module, and any extra modules.
    std::vector<fs::path> load_modules;
    fs::path largest;
    uintmax_t largest_size = 0;
    for (const Kernel& k : kKernels) {
      fs::path p = o.kernel_dir / (std::string(k.name) + ".wasm");
      std::error_code ec;
      uintmax_t size = fs::file_size(p, ec);
      if (!ec && size > largest_size) {
        largest_size = size;
        largest = p;
      }
    }
    if (!largest.empty()) load_modules.push_back(largest);
    fs::path big = o.kernel_dir / (std::string(kLoadModule) + ".wasm");
    if (fs::exists(big)) load_modules.push_back(big);
    load_modules.insert(load_modules.end(), o.extra_modules.begin(), o.extra_modules.end());
    for (const fs::path& p : load_modules) ok = report_load_time(p) && ok;
  }

  if (!ok) std::fprintf(stderr, "wb-engine-bench: FAILED (see above)\n");
  return ok ? 0 : 1;
}
