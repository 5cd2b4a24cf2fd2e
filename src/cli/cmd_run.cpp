// SPDX-License-Identifier: MIT
// `wasm-bpf run`: parse the options into RunOptions and (once the runtime lands) run the module.
#include <signal.h>

#include <atomic>
#include <memory>
#include <ostream>

#include "oci/client_options.h"
#include "oci/files.h"
#include "oci/interrupt.h"
#include "oci/reference.h"
#include "oci/resolve.h"
#include "bpf/policy.h"
#include "runtime/runtime.h"

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help_format.h"
#include "cli/registry_options.h"
#include "cli/run_options.h"
#include "cli/units.h"
#include "cli/validators.h"

namespace wb::cli {
namespace {

// The command line as CLI11 binds it; converted to RunOptions after parsing.
// The command line as typed: option values that need parsing as strings, the rest bound
// directly to the run configuration, whose defaults are the runtime's.
struct RunArgs {
  std::string module;
  std::vector<std::string> guest_args_help_only;  // never filled: the dispatcher splits them off
  std::vector<std::string> dirs;
  std::vector<std::string> env;
  std::string timeout;
  std::string stop_timeout;
  std::string max_memory;
  std::string max_map_memory;
  std::string max_write;
  std::vector<std::string> allow;
  std::vector<std::string> allow_program;
  std::string policy_file;
  std::string pull = "missing";
  std::string engine = "compiled";
  runtime::RunConfig cfg;  // max_open_files, bpf.max_objects, bpf.verbose, bpf.go_callback_*
  RegistryArgs registry;
};

// The run configuration of a parsed command line (the validators accepted every value).
Result<runtime::RunConfig> run_config_of(const RunArgs& a, std::vector<std::string> guest_args) {
  runtime::RunConfig cfg = a.cfg;
  cfg.module_path = a.module;
  cfg.args = std::move(guest_args);
  cfg.engine = a.engine == "interp" ? wasm::Tier::Interpreter : wasm::Tier::Compiler;
  for (const std::string& d : a.dirs) {
    const DirMapping m = *parse_dir_mapping(d);
    cfg.dirs.push_back({m.host, m.guest, m.read_only});
  }
  for (const std::string& e : a.env) {
    if (auto var = parse_env_var(e)) cfg.env.push_back(var->name + "=" + var->value);  // K unset here: not passed
  }
  auto ms = [](std::chrono::nanoseconds d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); };
  if (!a.timeout.empty()) cfg.timeout = ms(*parse_duration(a.timeout));
  if (!a.stop_timeout.empty()) cfg.stop_timeout = ms(*parse_duration(a.stop_timeout));
  if (!a.max_memory.empty()) cfg.max_memory_bytes = *parse_size(a.max_memory);
  if (!a.max_map_memory.empty()) cfg.bpf.max_map_bytes = *parse_size(a.max_map_memory);
  if (!a.max_write.empty()) cfg.max_write_bytes = *parse_size(a.max_write);
  Result<void> ok;
  if (!a.policy_file.empty()) ok = cfg.bpf.policy.add_file(a.policy_file);
  for (const std::string& x : a.allow)
    if (ok) ok = cfg.bpf.policy.allow_helpers(x);
  for (const std::string& x : a.allow_program)
    if (ok) ok = cfg.bpf.policy.allow_programs(x);
  if (!ok) return ok.error();
  return cfg;
}

// The runner of the current `run`, for the signal handlers (set while the guest runs).
std::atomic<runtime::Runner*> g_runner{nullptr};

// The first SIGINT/SIGTERM asks the guest to finish, a second one stops it at once.
extern "C" void on_stop_signal(int sig) {
  if (runtime::Runner* r = g_runner.load()) r->signal_stop(sig);
}

std::string signal_name(int sig) {
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  if (sig == SIGPIPE) return "a closed stdout (SIGPIPE)";
  return "signal " + std::to_string(sig);
}

int run_module(Context& ctx, runtime::RunConfig cfg, PullPolicy pull_policy, const RegistryArgs& registry) {
  // MODULE|REF: a file, or an OCI reference whose module comes from the local store (pulled
  // as --pull says). The guest's argv[0] stays what the user typed.
  const std::string module_text = cfg.module_path;
  const oci::PullPolicy pull = pull_policy == PullPolicy::always  ? oci::PullPolicy::always
                               : pull_policy == PullPolicy::never ? oci::PullPolicy::never
                                                                  : oci::PullPolicy::missing;
  Result<oci::ResolvedModule> module = oci::ResolvedModule{};
  {
    const oci::InterruptScope interrupts;  // a pull stopped by a signal cleans up after itself
    // Command-line credentials are for the registry of REF (when it is one).
    auto ref = oci::parse_reference(module_text);
    module = oci::resolve_module_for_run(
        module_text, pull, client_options(ctx, registry, ref ? ref->registry : std::string()));
    if (!module) {
      if (const int status = interrupted_status(); status != 0) {
        ctx.err << "wasm-bpf: " << oci::interrupt_message() << '\n';
        return status;
      }
      ctx.err << "wasm-bpf: " << module.error().message << '\n';
      return 125;
    }
  }
  if (module->path != module_text) {
    auto bytes = oci::read_module(*module);  // a stored module: its digest is checked
    if (!bytes) {
      ctx.err << "wasm-bpf: " << bytes.error().message << '\n';
      return 125;
    }
    cfg.module_bytes.assign(bytes->begin(), bytes->end());
  }
  const uint64_t max_memory = cfg.max_memory_bytes;
  const auto stop_timeout = cfg.stop_timeout;
  const bool verbose = cfg.bpf.verbose;
  const std::string& module_name = module_text;

  runtime::Runner runner(std::move(cfg));
  g_runner.store(&runner);
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int{}, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  runtime::RunResult r = runner.run();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  g_runner.store(nullptr);

  ctx.out.flush();
  if (r.memory_capped)
    ctx.err << "wasm-bpf: note: " << module_name << " asked for more linear memory than --max-memory allows ("
            << format_size(max_memory)
            << ") and was refused; raise it with --max-memory (at most 4G)\n";
  // A guest that did not finish within the grace period may have lost output: say why.
  const std::string grace = format_duration(stop_timeout);
  switch (r.outcome) {
    case runtime::Outcome::Exited:
      return runtime::exit_status(r);
    case runtime::Outcome::Interrupted:
      if (r.grace_expired)
        ctx.err << "wasm-bpf: " << module_name << " did not finish within " << grace << " of "
                << signal_name(r.stop_reason) << "; stopped it (--stop-timeout sets how long to wait)\n";
      else if (verbose)
        ctx.err << "wasm-bpf: " << (r.forced ? "stopped" : "finished") << " after " << signal_name(r.stop_reason)
                << '\n';
      return runtime::exit_status(r);
    case runtime::Outcome::TimedOut:
      ctx.err << "wasm-bpf: " << module_name << ": " << r.message;
      if (r.grace_expired) ctx.err << " (it did not finish within " << grace << "; --stop-timeout sets how long to wait)";
      ctx.err << '\n';
      return runtime::exit_status(r);
    case runtime::Outcome::Trapped:
      ctx.err << "wasm-bpf: " << module_name << ": trap: " << r.message << '\n';
      return runtime::exit_status(r);
    case runtime::Outcome::Failed:
      ctx.err << "wasm-bpf: " << r.message << '\n';
      return runtime::exit_status(r);
  }
  return 125;
}

void print_plan(std::ostream& err, const runtime::RunConfig& c, PullPolicy pull) {
  err << "wasm-bpf run: module: " << c.module_path << '\n';
  err << "wasm-bpf run: guest args (" << c.args.size() << "):";
  for (const std::string& a : c.args) err << " '" << a << "'";
  err << '\n';
  err << "wasm-bpf run: pull policy: " << to_string(pull) << '\n';
  for (const wasi::Preopen& d : c.dirs) {
    err << "wasm-bpf run: dir: " << d.host_path << " -> " << d.guest_path << (d.read_only ? " (read-only)" : "") << '\n';
  }
  for (const std::string& e : c.env) err << "wasm-bpf run: env: " << e.substr(0, e.find('=')) << '\n';
  if (c.timeout) err << "wasm-bpf run: timeout: " << format_duration(*c.timeout) << '\n';
  err << "wasm-bpf run: stop timeout: " << format_duration(c.stop_timeout) << '\n';
  err << "wasm-bpf run: max memory: " << format_size(c.max_memory_bytes) << '\n';
  err << "wasm-bpf run: limits: map memory " << (c.bpf.max_map_bytes ? format_size(c.bpf.max_map_bytes) : "none")
      << ", BPF objects " << c.bpf.max_objects << ", open files " << c.max_open_files << ", writes "
      << (c.max_write_bytes ? format_size(c.max_write_bytes) : "none") << '\n';
}

}  // namespace

Handler setup_run(CLI::App& sub) {
  auto args = std::make_shared<RunArgs>();
  const runtime::RunConfig defaults;  // the help says the runtime's defaults
  sub.description(
      "Run an eBPF program whose user-space half is a wasm32-wasi module. The module loads and\n"
      "attaches its BPF objects through the wasm-bpf host API and reads maps and ring buffers\n"
      "from inside the sandbox. MODULE|REF is a .wasm file if such a file exists, otherwise an\n"
      "OCI reference (registry/repository[:tag|@digest]) looked up in the local store and\n"
      "pulled as --pull says. Everything after MODULE|REF is passed to the guest untouched,\n"
      "even arguments that begin with '-'; a '--' right after MODULE|REF is dropped.\n"
      "Loading BPF programs needs root (or CAP_BPF and CAP_PERFMON). The exit status is the\n"
      "guest's, or one of those listed below.");

  sub.add_option("MODULE|REF", args->module, "A .wasm file or an OCI reference")
      ->required()
      ->type_name("");
  sub.add_option("ARGS", args->guest_args_help_only, "Arguments for the guest (its argv[1..])")
      ->type_name("");

  sub.add_option("--dir", args->dirs,
                 "Let the guest open host directory HOST, seen by it as GUEST\n"
                 "(default: the same path); with :ro it can write, create and\n"
                 "remove nothing there (EROFS); repeatable")
      ->type_name("HOST[::GUEST][:ro]")
      ->allow_extra_args(false)
      ->check(dir_mapping_validator());
  sub.add_option("-e,--env", args->env,
                 "Set the guest's environment variable K to V; without =V, pass\n"
                 "on wasm-bpf's own value of K; repeatable")
      ->type_name("K[=V]")
      ->allow_extra_args(false)
      ->check(env_var_validator());
  sub.add_option("--timeout", args->timeout,
                 "Stop the program after DURATION (e.g. 500ms, 30s, 5m, 1h), as\n"
                 "SIGINT would; default: run until it exits or is interrupted")
      ->type_name("DURATION")
      ->check(duration_validator());
  sub.add_option("--stop-timeout", args->stop_timeout,
                 "How long the program may take to finish after SIGINT, SIGTERM or\n"
                 "--timeout before it is stopped outright (default " + format_duration(defaults.stop_timeout) + "; 0: at once).\n"
                 "Meanwhile its buffer polls return -EINTR and a sleep or read\n"
                 "returns early; a second signal stops it at once")
      ->type_name("DURATION")
      ->check(duration_validator(true));
  sub.add_option("--max-memory", args->max_memory,
                 "Cap the guest's linear memory at SIZE (e.g. 16M, 256MiB;\n"
                 "at most 4G); default: " + format_size(defaults.max_memory_bytes) + ", or less if the module declares a\n"
                 "smaller maximum")
      ->type_name("SIZE")
      ->check(size_validator());
  sub.add_option("--allow", args->allow,
                 "Let the module's BPF programs call helpers that are refused by\n"
                 "default: send-signal, probe-write-user, override-return,\n"
                 "sys-bpf, or all (comma-separated; repeatable)")
      ->type_name("NAME,...")
      ->allow_extra_args(false);
  sub.add_option("--allow-program", args->allow_program,
                 "Let it load programs that change what the kernel does: xdp, tc,\n"
                 "cgroup, sockops, sk, lsm, fmod-ret, raw-tp-writable, lwt,\n"
                 "flow-dissector, struct-ops, ext, syscall, lirc, unknown, or all\n"
                 "(comma-separated; repeatable). Tracing is always allowed")
      ->type_name("TYPE,...")
      ->allow_extra_args(false);
  sub.add_option("--policy", args->policy_file,
                 "Read what to allow from FILE: lines 'allow NAME,...' and\n"
                 "'allow-program TYPE,...' ('#' starts a comment)")
      ->type_name("FILE")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("--max-map-memory", args->max_map_memory,
                 "Kernel memory the module's BPF maps may take together (its ring\n"
                 "buffers, hash tables, ...; default " + format_size(defaults.bpf.max_map_bytes) + ", 0: no limit)")
      ->type_name("SIZE")
      ->check(limit_size_validator());
  sub.add_option("--max-bpf-objects", args->cfg.bpf.max_objects,
                 "BPF objects the module may have loaded at once (default " + std::to_string(defaults.bpf.max_objects) + ")")
      ->type_name("N")
      ->check(CLI::Range(1u, 100000u));
  sub.add_option("--max-open-files", args->cfg.max_open_files,
                 "Files the module may have open at once, stdio and --dir\n"
                 "directories included (default " + std::to_string(defaults.max_open_files) + "; then EMFILE)")
      ->type_name("N")
      ->check(CLI::Range(4u, 1000000u));
  sub.add_option("--max-write", args->max_write,
                 "Bytes the module may write into files beneath its --dir\n"
                 "directories, over the run (default " + format_size(defaults.max_write_bytes) + ", 0: no limit; then ENOSPC)")
      ->type_name("SIZE")
      ->check(limit_size_validator());
  sub.add_option("--engine", args->engine,
                 "How to run the module's code: compiled to machine code as it is\n"
                 "first called (default; on x86-64, elsewhere interpreted), or\n"
                 "interp, always interpreted (slower; to compare or debug)")
      ->type_name("compiled|interp")
      ->check(quiet(CLI::IsMember({"compiled", "interp"})));
  sub.add_option("--pull", args->pull,
                 "When to pull REF from its registry: if it is not in the local\n"
                 "store (default), every time, or never")
      ->type_name("missing|always|never")
      ->check(quiet(CLI::IsMember({"missing", "always", "never"})));
  sub.add_flag("-v,--verbose", args->cfg.bpf.verbose,
               "Log what wasm-bpf does (resolving the module, loading BPF objects)\n"
               "to stderr");
  add_registry_options(sub, args->registry, true);

  sub.add_option("--go-callback-module", args->cfg.bpf.go_callback_module,
                 "Import module of the poll function that Go/TinyGo guests use\n"
                 "(default: " + defaults.bpf.go_callback_module + ")")
      ->type_name("NAME");
  sub.add_option("--go-callback-export", args->cfg.bpf.go_callback_export,
                 "Export that Go/TinyGo guests provide as their buffer callback\n"
                 "(default: " + defaults.bpf.go_callback_export + ")")
      ->type_name("NAME");

  sub.footer(
      "Exit status:\n"
      "  N    the guest's: main's return value or the status it gave exit()/proc_exit\n"
      "       (a status outside 0-255 gives 1, so that a failure never reads as 0)\n"
      "  2    the command line is wrong\n"
      "  124  --timeout elapsed (the program was asked to finish, see --stop-timeout)\n"
      "  125  the module could not start (unreadable or invalid module, missing\n"
      "       import, --dir that cannot be opened, REF not found)\n"
      "  130  stopped by SIGINT (asked to finish first, as for --timeout)\n"
      "  134  the guest trapped (the trap and the function it happened in go to stderr)\n"
      "  141  its stdout was closed (as '| head' does): asked to finish, as for SIGINT\n"
      "  143  stopped by SIGTERM\n"
      "\n"
      "Examples:\n"
      "  wasm-bpf run ./bootstrap.wasm -d 10      run a local module; '-d 10' goes to the guest\n"
      "  wasm-bpf ./bootstrap.wasm -d 10          the same ('run' may be left out)\n"
      "  wasm-bpf run localhost:5000/bootstrap:v1 run a module from a registry\n"
      "  wasm-bpf run --dir /var/log::/logs:ro --timeout 30s ./tool.wasm");

  return [args](Context& ctx) {
    auto cfg = run_config_of(*args, std::move(ctx.passthrough));
    if (!cfg) {
      ctx.err << "wasm-bpf run: " << cfg.error().message << "\nRun 'wasm-bpf run --help' for usage.\n";
      return kExitUsage;
    }
    const PullPolicy pull = parse_pull_policy(args->pull).value_or(PullPolicy::missing);
    if (cfg->bpf.verbose) print_plan(ctx.err, *cfg, pull);
    return run_module(ctx, std::move(*cfg), pull, args->registry);
  };
}

}  // namespace wb::cli
