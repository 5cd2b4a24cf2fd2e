// SPDX-License-Identifier: MIT
// wb-spectest: runs the WebAssembly spec test suite (.wast scripts) against the engine.
//
//   wb-spectest [-v | -vv] [--no-fork] [--timeout SEC] [--wast2json PROGRAM] [--keep-temp]
//               PATH...
//
// Each PATH is a .wast file or a directory whose *.wast files are run in name order. Every
// script is converted with wast2json into a temporary directory and its commands executed in
// a child process (unless --no-fork), so a crash or a hang of the engine costs one script, not
// the run. SIMD scripts (simd_*) are converted only to count their tests as skipped.
//
// Output: one line per script, then `spectest: N passed, N failed, N skipped`. Exit status 0
// when nothing failed, 1 otherwise, 2 on bad usage, 77 (the ctest SKIP_RETURN_CODE) when the
// suite or wast2json is not available.

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "wast2json.h"
#include "wast_runner.h"

namespace fs = std::filesystem;
using wb::spectest::FileStats;
using wb::spectest::RunOptions;

namespace {

constexpr int kExitSkipped = 77;

struct Options {
  RunOptions run;
  bool fork = true;
  unsigned timeout_seconds = 300;  // per script, in the child; 0 = none
  std::string wast2json = "wast2json";
  bool keep_temp = false;
  std::vector<std::string> paths;
};

void usage(std::ostream& out) {
  out << "usage: wb-spectest [-v | -vv] [--no-fork] [--timeout SEC] [--wast2json PROGRAM]\n"
         "                   [--keep-temp] [--engine compiled|interp] PATH...\n"
         "  PATH          a .wast file or a directory of them\n"
         "  -v            print every failure with its line, command and reason\n"
         "  -vv           also print skipped commands, differing error messages and spectest.print*\n"
         "  --no-fork     run scripts in this process (for debuggers)\n"
         "  --timeout S   kill a script's run after S seconds (default 300, 0 = never)\n"
         "  --wast2json P the wast2json program (default: wast2json from PATH)\n"
         "  --keep-temp   keep the converted JSON and .wasm files\n"
         "  --engine E    the engine tier: compiled (default) or interp\n";
}

// Returns false (after printing why) on a bad command line.
bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](const char* what) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "wb-spectest: " << a << " needs " << what << "\n";
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "-v" || a == "--verbose") {
      o.run.verbosity = std::max(o.run.verbosity, 1);
    } else if (a == "-vv") {
      o.run.verbosity = 2;
    } else if (a == "--no-fork") {
      o.fork = false;
    } else if (a == "--keep-temp") {
      o.keep_temp = true;
    } else if (a == "--timeout") {
      const char* v = next("a number of seconds");
      if (v == nullptr) return false;
      char* end = nullptr;
      unsigned long s = std::strtoul(v, &end, 10);
      if (*v == '\0' || *end != '\0' || s > 86400) {
        std::cerr << "wb-spectest: bad --timeout '" << v << "'\n";
        return false;
      }
      o.timeout_seconds = static_cast<unsigned>(s);
    } else if (a == "--engine") {
      const char* v = next("compiled or interp");
      if (v == nullptr) return false;
      if (std::string(v) == "interp") o.run.tier = wb::wasm::Tier::Interpreter;
      else if (std::string(v) == "compiled") o.run.tier = wb::wasm::Tier::Compiler;
      else {
        std::cerr << "wb-spectest: bad --engine '" << v << "' (compiled or interp)\n";
        return false;
      }
    } else if (a == "--wast2json") {
      const char* v = next("a program");
      if (v == nullptr) return false;
      o.wast2json = v;
    } else if (a == "-h" || a == "--help") {
      usage(std::cout);
      std::exit(0);
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "wb-spectest: unknown option " << a << "\n";
      return false;
    } else {
      o.paths.push_back(a);
    }
  }
  if (o.paths.empty()) {
    usage(std::cerr);
    return false;
  }
  return true;
}

// The scripts named by the paths; a directory contributes its *.wast files in name order.
std::vector<fs::path> collect_scripts(const std::vector<std::string>& paths) {
  std::vector<fs::path> out;
  for (const std::string& p : paths) {
    if (!fs::is_directory(p)) {
      out.emplace_back(p);
      continue;
    }
    std::vector<fs::path> in_dir;
    for (const auto& entry : fs::directory_iterator(p)) {
      if (entry.is_regular_file() && entry.path().extension() == ".wast") {
        in_dir.push_back(entry.path());
      }
    }
    std::sort(in_dir.begin(), in_dir.end());
    out.insert(out.end(), in_dir.begin(), in_dir.end());
  }
  return out;
}

bool is_simd_script(const fs::path& p) { return p.filename().string().rfind("simd_", 0) == 0; }

// Runs one converted script in a child process. Counters live in shared memory so that a
// crash or timeout still reports how far the script got; `problem` then says what happened.
FileStats run_in_child(const fs::path& json, const std::string& name, const Options& o,
                       std::string& problem) {
  void* mem = ::mmap(nullptr, sizeof(FileStats), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    problem = std::string("mmap failed: ") + std::strerror(errno);
    return FileStats{0, 1, 0, 0};
  }
  auto* shared = new (mem) FileStats{};

  std::cout.flush();
  std::cerr.flush();
  pid_t pid = ::fork();
  if (pid < 0) {
    problem = std::string("fork failed: ") + std::strerror(errno);
    ::munmap(mem, sizeof(FileStats));
    return FileStats{0, 1, 0, 0};
  }
  if (pid == 0) {
    if (o.timeout_seconds != 0) ::alarm(o.timeout_seconds);
    wb::spectest::run_wast_json(json, name, o.run, std::cout, *shared);
    std::cout.flush();
    ::_exit(0);
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  FileStats stats = *shared;
  ::munmap(mem, sizeof(FileStats));

  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    problem = sig == SIGALRM ? "timed out after " + std::to_string(o.timeout_seconds) + " s"
                             : std::string("crashed: ") + strsignal(sig);
    problem += " at line " + std::to_string(stats.line);
    ++stats.failed;
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    problem = "exited with status " + std::to_string(WEXITSTATUS(status)) + " at line " +
              std::to_string(stats.line);
    ++stats.failed;
  }
  return stats;
}

void print_line(const std::string& name, const FileStats& s, const std::string& problem) {
  std::cout << name << ": " << s.passed << " passed, " << s.failed << " failed, " << s.skipped
            << " skipped";
  if (!problem.empty()) std::cout << " (" << problem << ")";
  std::cout << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) return 2;

  for (const std::string& p : o.paths) {
    if (!fs::exists(p)) {
      std::cout << "spectest: SKIPPED: " << p << " not found" << std::endl;
      return kExitSkipped;
    }
  }
  if (!wb::spectest::program_available(o.wast2json)) {
    std::cout << "spectest: SKIPPED: " << o.wast2json << " not found" << std::endl;
    return kExitSkipped;
  }

  std::string temp_template = (fs::temp_directory_path() / "wb-spectest-XXXXXX").string();
  if (::mkdtemp(temp_template.data()) == nullptr) {
    std::cerr << "wb-spectest: cannot create a temporary directory: " << std::strerror(errno) << "\n";
    return 1;
  }
  const fs::path temp_dir = temp_template;

  FileStats total;
  unsigned index = 0;
  for (const fs::path& script : collect_scripts(o.paths)) {
    const std::string name = script.filename().string();
    const fs::path out_dir = temp_dir / (std::to_string(index++) + "-" + script.stem().string());
    FileStats stats;
    std::string problem;

    auto json = wb::spectest::convert_wast(o.wast2json, script, out_dir);
    if (!json) {
      stats.failed = 1;
      problem = "wast2json failed";
      std::cout << "  " << name << ": " << json.error().message << std::endl;
    } else if (is_simd_script(script)) {
      wb::spectest::skip_wast_json(json.value(), stats);
    } else if (o.fork) {
      stats = run_in_child(json.value(), name, o, problem);
    } else {
      wb::spectest::run_wast_json(json.value(), name, o.run, std::cout, stats);
    }
    print_line(name, stats, problem);
    total.passed += stats.passed;
    total.failed += stats.failed;
    total.skipped += stats.skipped;

    if (!o.keep_temp) {
      std::error_code ec;
      fs::remove_all(out_dir, ec);
    }
  }

  if (o.keep_temp) {
    std::cout << "(converted scripts kept in " << temp_dir.string() << ")" << std::endl;
  } else {
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
  }
  std::cout << "spectest: " << total.passed << " passed, " << total.failed << " failed, "
            << total.skipped << " skipped" << std::endl;
  return total.failed == 0 ? 0 : 1;
}
