// SPDX-License-Identifier: MIT
// eBPF event benchmarks: ring-buffer throughput and start-up time, native libbpf vs a wasm
// guest under `wasm-bpf run`.
//
//   wb-bpf-bench [--records N] [--batch B] [--runs R] [--startup-runs S] [--engine E] [--smoke]
//
// --engine E is passed to `wasm-bpf run` (compiled, the default, or interp).
// Throughput: the BPF program emits B 16-byte records per sched_yield() of the consumer
// (bpf_loop); the consumer triggers ceil(N/B) batches and drains each one, its callback only
// counting. Reported per consumer: records/s over the consume phase (the runtime's cost per
// record) and over the whole loop (production included). Best of R runs.
// Start-up: time from spawning until "programs attached" for the bootstrap example: the
// example itself (`wasm-bpf run bootstrap.wasm`, which prints its header line once its
// programs are attached and its ring buffer is set up) next to a native libbpf program doing
// the same on the example's own bootstrap.bpf.o; mean, min and max of S runs.
// Needs root; exits 77 (skipped) otherwise.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct Spawned {
  int exit_code = -1;
  std::string out, err;
  double first_line_ms = -1;  // spawn -> the line `marker`
};

// Runs argv, captures stdout/stderr; records when stdout first contains `marker`, and then
// sends SIGINT if `stop_at_marker` (for programs that run until interrupted).
Spawned spawn(const std::vector<std::string>& argv, const std::string& marker = "", bool stop_at_marker = false,
              int timeout_ms = 120000) {
  Spawned r;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return r;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const auto start = Clock::now();
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    r.err = std::string("spawn ") + argv[0] + ": " + std::strerror(rc);
    close(out[0]);
    close(err[0]);
    return r;
  }
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  while (open_fds > 0 && Clock::now() < deadline) {
    if (poll(fds, 2, 100) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
        if (i == 0 && r.first_line_ms < 0 && !marker.empty() && r.out.find(marker) != std::string::npos) {
          r.first_line_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
          if (stop_at_marker) kill(pid, SIGINT);
        }
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (open_fds > 0) kill(pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

struct Result {
  bool ok = false;
  unsigned long long records = 0, dropped = 0;
  double produce_s = 0, consume_s = 0, total_s = 0;
  bool in_order = false;
  double consume_rate() const { return consume_s > 0 ? records / consume_s : 0; }
  double total_rate() const { return total_s > 0 ? records / total_s : 0; }
};

Result parse(const Spawned& s) {
  Result r;
  auto at = s.out.find("RESULT ");
  if (at == std::string::npos) return r;
  std::istringstream in(s.out.substr(at + 7, s.out.find('\n', at) - at - 7));
  std::map<std::string, std::string> kv;
  std::string field;
  while (in >> field) {
    auto eq = field.find('=');
    if (eq != std::string::npos) kv[field.substr(0, eq)] = field.substr(eq + 1);
  }
  r.records = std::strtoull(kv["records"].c_str(), nullptr, 10);
  r.dropped = std::strtoull(kv["dropped"].c_str(), nullptr, 10);
  r.produce_s = std::strtod(kv["produce_ns"].c_str(), nullptr) / 1e9;
  r.consume_s = std::strtod(kv["consume_ns"].c_str(), nullptr) / 1e9;
  r.total_s = std::strtod(kv["total_ns"].c_str(), nullptr) / 1e9;
  r.in_order = kv["in_order"] == "1";
  r.ok = s.exit_code == 0;
  return r;
}

void print_result(const char* who, const Result& r) {
  std::printf("  %-6s %9llu records  dropped %llu  in order %s  produce %7.2f ms  consume %7.2f ms "
              "(%5.1f ns/record) -> consume %7.2f M rec/s, end-to-end %6.2f M rec/s\n",
              who, r.records, r.dropped, r.in_order ? "yes" : "NO", r.produce_s * 1e3, r.consume_s * 1e3,
              r.records ? r.consume_s * 1e9 / r.records : 0.0, r.consume_rate() / 1e6, r.total_rate() / 1e6);
}

double mean(const std::vector<double>& v) { return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }

}  // namespace

int main(int argc, char** argv) {
  unsigned long long records = 1000000;
  unsigned batch = 100000;
  int runs = 3, startup_runs = 10;
  std::string engine = "compiled";
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "wb-bpf-bench: %s needs a value\n", a.c_str());
        std::exit(64);
      }
      return argv[++i];
    };
    if (a == "--records") records = std::strtoull(next(), nullptr, 10);
    else if (a == "--batch") batch = static_cast<unsigned>(std::strtoul(next(), nullptr, 10));
    else if (a == "--runs") runs = std::atoi(next());
    else if (a == "--startup-runs") startup_runs = std::atoi(next());
    else if (a == "--engine") engine = next();
    else if (a == "--smoke") smoke = true;
    else {
      std::fprintf(stderr,
                   "usage: wb-bpf-bench [--records N] [--batch B] [--runs R] [--startup-runs S] [--engine E] [--smoke]\n");
      return 64;
    }
  }
  if (smoke) {
    records = 20000;
    batch = 10000;
    runs = 1;
    startup_runs = 1;
  }
  if (geteuid() != 0) {
    std::printf("wb-bpf-bench: needs root (loads and attaches BPF programs); skipped\n");
    return 77;
  }
  if (batch == 0 || records == 0 || runs <= 0) return 64;

  const std::string wasm_bpf = WB_CLI_BINARY;
  const std::string native = WB_BENCH_NATIVE_CONSUMER;
  const std::string dir = WB_BENCH_BPF_DIR;
  const std::string throughput_obj = dir + "/bpf/throughput.bpf.o";
  const std::string throughput_wasm = dir + "/guests/throughput_guest.wasm";
  const std::string recs = std::to_string(records), bat = std::to_string(batch);
  bool failed = false;

  std::printf("ring buffer throughput: %llu records of 16 bytes, batches of %u (bpf_loop), best of %d\n", records,
              batch, runs);
  Result best_native, best_wasm;           // by consume-phase rate
  double best_total_native = 0, best_total_wasm = 0;  // end-to-end rates
  for (int run = 0; run < runs; ++run) {
    Spawned n = spawn({native, "throughput", throughput_obj, recs, bat});
    Spawned w = spawn({wasm_bpf, "run", "--engine", engine, "--dir", "/proc::/proc", throughput_wasm, recs, bat});
    Result rn = parse(n), rw = parse(w);
    if (!rn.ok || !rn.in_order) {
      std::fprintf(stderr, "native consumer failed (exit %d):\n%s%s", n.exit_code, n.out.c_str(), n.err.c_str());
      failed = true;
    }
    if (!rw.ok || !rw.in_order) {
      std::fprintf(stderr, "wasm consumer failed (exit %d):\n%s%s", w.exit_code, w.out.c_str(), w.err.c_str());
      failed = true;
    }
    std::printf(" run %d\n", run + 1);
    print_result("native", rn);
    print_result("wasm", rw);
    if (rn.consume_rate() > best_native.consume_rate()) best_native = rn;
    if (rw.consume_rate() > best_wasm.consume_rate()) best_wasm = rw;
    best_total_native = std::max(best_total_native, rn.total_rate());
    best_total_wasm = std::max(best_total_wasm, rw.total_rate());
  }
  if (best_native.consume_rate() > 0 && best_wasm.consume_rate() > 0) {
    double ratio = best_wasm.consume_rate() / best_native.consume_rate();
    double ratio_total = best_total_wasm / best_total_native;
    std::printf("best: consume phase native %.2f M rec/s, wasm %.2f M rec/s; end-to-end native %.2f M rec/s, "
                "wasm %.2f M rec/s\n",
                best_native.consume_rate() / 1e6, best_wasm.consume_rate() / 1e6, best_total_native / 1e6,
                best_total_wasm / 1e6);
    std::printf("wasm/native: consume phase %.1f%%, end-to-end %.1f%% (goal wasm >= 50%% of native: consume phase "
                "%s, end-to-end %s)\n",
                ratio * 100, ratio_total * 100, ratio >= 0.5 ? "met" : "NOT met", ratio_total >= 0.5 ? "met" : "NOT met");
  }

#ifdef WB_BENCH_BOOTSTRAP_WASM
  // bootstrap prints this header once its programs are attached and its buffer is open.
  const std::string header = "FILENAME/EXIT CODE";
  std::printf("\nstart-up of the bootstrap example (spawn -> header line printed after its programs are attached), "
              "mean of %d\n",
              startup_runs);
  std::vector<double> tn, tw;
  for (int run = 0; run < startup_runs; ++run) {
    Spawned n = spawn({native, "bootstrap", WB_BENCH_BOOTSTRAP_OBJECT}, header);
    Spawned w = spawn({wasm_bpf, "run", "--engine", engine, WB_BENCH_BOOTSTRAP_WASM}, header, true);
    if (n.exit_code != 0 || n.first_line_ms < 0) {
      std::fprintf(stderr, "native start-up failed (exit %d): %s%s", n.exit_code, n.out.c_str(), n.err.c_str());
      failed = true;
    } else {
      tn.push_back(n.first_line_ms);
    }
    // Stopped by SIGINT once attached: 130, or 0 if the guest saw the interruption first.
    if ((w.exit_code != 130 && w.exit_code != 0) || w.first_line_ms < 0) {
      std::fprintf(stderr, "wasm start-up failed (exit %d): %s%s", w.exit_code, w.out.c_str(), w.err.c_str());
      failed = true;
    } else {
      tw.push_back(w.first_line_ms);
    }
  }
  auto show = [](const char* who, std::vector<double> v) {
    if (v.empty()) return;
    std::sort(v.begin(), v.end());
    std::printf("  %-6s mean %7.1f ms  min %7.1f ms  max %7.1f ms\n", who, mean(v), v.front(), v.back());
  };
  show("native", tn);
  show("wasm", tw);
  if (!tn.empty() && !tw.empty()) std::printf("  wasm - native: %+.1f ms\n", mean(tw) - mean(tn));
#else
  std::printf("\nstart-up: not measured (the bootstrap example is not built)\n");
#endif
  return failed ? 1 : 0;
}
