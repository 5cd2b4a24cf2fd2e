// SPDX-License-Identifier: MIT
#include "gen/guest_build.h"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <regex>
#include <sstream>

#include "gen/generators.h"

extern char** environ;

namespace wb::gen {
namespace {

namespace fs = std::filesystem;

bool executable_on_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

std::string first_on_path(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (executable_on_path(n)) return n;
  return "";
}

std::string quoted(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) {
    const bool plain = !a.empty() && a.find_first_of(" \t\"'\\$") == std::string::npos;
    s += (s.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return s;
}

// Where and with what environment a command runs (default: here, with ours).
struct RunIn {
  std::string dir;               // working directory
  std::vector<std::string> env;  // "K=V" added to (or replacing in) our environment
};

// Runs argv[0] (looked up in PATH) with the caller's stdout/stderr; fails unless it exits 0.
Result<void> run(const std::vector<std::string>& argv, bool verbose, std::ostream& log, const RunIn& in = {}) {
  if (verbose) {
    log << "+ ";
    if (!in.dir.empty()) log << "(cd " << quoted({in.dir}) << ") ";
    for (const std::string& e : in.env) log << quoted({e}) << " ";
    log << quoted(argv) << std::endl;
  }
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const std::string& o : in.env) replaced = replaced || o.compare(0, key.size(), key) == 0;
    if (!replaced) env_text.push_back(entry);
  }
  env_text.insert(env_text.end(), in.env.begin(), in.env.end());
  std::vector<char*> envp;
  for (const std::string& e : env_text) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!in.dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, in.dir.c_str());
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return make_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return make_error(argv[0] + " failed" + (verbose ? "" : " (run with -v to see the commands)"));
  return {};
}

Result<void> write_text(const fs::path& path, const std::string& text) {
  return write_file_if_changed(path.string(), text);
}

std::string target_arch() {
#if defined(__x86_64__) || defined(__i386__)
  return "x86";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__powerpc64__)
  return "powerpc";
#elif defined(__riscv)
  return "riscv";
#elif defined(__s390x__)
  return "s390";
#else
  return "unknown";
#endif
}

bool is_cxx(const std::string& path) {
  static const std::regex cxx(R"(\.(cc|cpp|cxx|C)$)");
  return std::regex_search(path, cxx);
}

// clang++-14 for clang-14, clang++ for clang, ... (same directory, same suffix).
std::string cxx_driver_for(const std::string& clang) {
  const auto slash = clang.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : clang.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? clang : clang.substr(slash + 1);
  if (base.rfind("clang", 0) == 0) return dir + "clang++" + base.substr(5);
  return clang;
}

std::string strip_tool_for(const std::string& clang) {
  const auto dash = clang.rfind('-');
  if (dash != std::string::npos && clang.find("clang", 0) != std::string::npos &&
      std::isdigit(static_cast<unsigned char>(clang.back()))) {
    const std::string candidate = "llvm-strip" + clang.substr(dash);
    if (executable_on_path(candidate)) return candidate;
  }
  return first_on_path({"llvm-strip", "llvm-strip-14"});
}

// The name of the package of a Cargo.toml ([package] name = "..."), or "".
std::string cargo_package_name(const std::string& manifest) {
  static const std::regex package(R"re(\[package\][^\[]*?\n\s*name\s*=\s*"([^"]+)")re");
  std::smatch m;
  return std::regex_search(manifest, m, package) ? m[1].str() : std::string();
}

// cargo build --release --target T of the crate, with WASM_BPF_OBJECT naming the BPF object
// (the crate embeds it: include_bytes!(env!("WASM_BPF_OBJECT"))), then the module copied to
// `output`. Debian's /usr/bin/cargo and /usr/bin/rustc have the wasm32-wasi standard library;
// they are used unless CARGO or RUSTC say otherwise. cargo runs in the crate's directory, so
// that its .cargo/config.toml (which must link with --export-table) applies.
Result<void> build_rust_guest(const GuestBuild& b, const fs::path& bpf_obj, const fs::path& work,
                              const fs::path& output, std::ostream& log) {
  const fs::path crate = fs::absolute(b.cargo_dir);
  const char* cargo_env = std::getenv("CARGO");
  const bool debian = ::access("/usr/bin/cargo", X_OK) == 0;
  const std::string cargo = cargo_env && *cargo_env ? cargo_env : debian ? "/usr/bin/cargo" : "cargo";
  if (!executable_on_path(cargo)) return make_error("no cargo found (install cargo, or set CARGO)");
  const fs::path target_dir = work / "cargo";
  RunIn in;
  in.dir = crate.string();
  in.env = {"WASM_BPF_OBJECT=" + bpf_obj.string(), "CARGO_TARGET_DIR=" + target_dir.string()};
  const char* rustc_env = std::getenv("RUSTC");
  if ((!rustc_env || !*rustc_env) && cargo == "/usr/bin/cargo" && ::access("/usr/bin/rustc", X_OK) == 0)
    in.env.push_back("RUSTC=/usr/bin/rustc");
  if (auto r = run({cargo, "build", "--offline", "--release", "--target", b.cargo_target, "--manifest-path",
                    (crate / "Cargo.toml").string()},
                   b.verbose, log, in);
      !r)
    return r.error();

  const fs::path release = target_dir / b.cargo_target / "release";
  auto manifest = read_file((crate / "Cargo.toml").string());
  if (!manifest) return manifest.error();
  fs::path module = release / (cargo_package_name(std::string(manifest->begin(), manifest->end())) + ".wasm");
  if (!fs::exists(module)) {  // e.g. a [[bin]] of another name: take the only module there
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(release, ec))
      if (e.path().extension() == ".wasm") found.push_back(e.path());
    if (found.size() != 1) return make_error("cannot tell which module cargo built in " + release.string());
    module = found[0];
  }
  std::error_code ec;
  fs::copy_file(module, output, fs::copy_options::overwrite_existing, ec);
  if (ec) return make_error("cannot copy " + module.string() + " to " + output.string() + ": " + ec.message());
  return {};
}

}  // namespace

std::vector<std::string> types_defined_in(const std::string& header_text) {
  std::string text = std::regex_replace(header_text, std::regex(R"(/\*[\s\S]*?\*/)"), " ");
  text = std::regex_replace(text, std::regex(R"(//[^\n]*)"), " ");
  std::vector<std::string> out;
  static const std::regex def(R"(\b(struct|union|enum)\s+([A-Za-z_]\w*)\s*\{)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), def); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str() + " " + (*it)[2].str());
  // Aliases of named types ("typedef struct inner inner_t;"), under their own name.
  static const std::regex alias(R"(\btypedef\s+(struct|union|enum)\s+[A-Za-z_]\w*\s+([A-Za-z_]\w*)\s*;)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), alias); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[2].str());
  return out;
}

Result<std::string> build_guest(const GuestBuild& b, std::ostream& log) {
  if (b.bpf_source.empty()) return make_error("a BPF source is needed");
  if (b.guest_sources.empty() == b.cargo_dir.empty())
    return make_error(b.cargo_dir.empty() ? "guest sources (C, C++) or a Rust crate (--cargo DIR) are needed"
                                          : "guest sources and --cargo exclude each other");
  if (!b.cargo_dir.empty() && !b.headers_from_btf.empty())
    return make_error("--headers-from-btf makes a C header: it is for C and C++ guests");
  for (const std::string& f : b.guest_sources)
    if (!fs::exists(f)) return make_error("no such file: " + f);
  if (!fs::exists(b.bpf_source)) return make_error("no such file: " + b.bpf_source);
  if (!b.cargo_dir.empty() && !fs::exists(fs::path(b.cargo_dir) / "Cargo.toml"))
    return make_error("no Cargo.toml in " + b.cargo_dir);

  const fs::path bpf_src = fs::absolute(b.bpf_source);
  std::string stem = bpf_src.filename().string();  // bootstrap.bpf.c
  if (stem.size() > 2 && stem.compare(stem.size() - 2, 2, ".c") == 0) stem.resize(stem.size() - 2);
  std::string base = stem;  // bootstrap
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".bpf") == 0) base.resize(base.size() - 4);

  const fs::path output = fs::absolute(b.output.empty() ? base + ".wasm" : b.output);
  // As compilers do: the output's directory must exist (a typo must not make a tree).
  if (!fs::is_directory(output.parent_path()))
    return make_error("cannot write " + output.string() + ": no directory " + output.parent_path().string());
  const fs::path work = fs::absolute(b.work_dir.empty() ? output.string() + ".d" : b.work_dir);
  std::error_code ec;
  fs::create_directories(work / "include", ec);
  if (ec) return make_error("cannot create " + work.string() + ": " + ec.message());

  const std::string clang = b.clang.empty() ? first_on_path({"clang-14", "clang"}) : b.clang;
  if (clang.empty() || !executable_on_path(clang)) return make_error("no clang found (install clang-14, or pass --clang)");
  const std::string strip = strip_tool_for(clang);
  if (strip.empty()) return make_error("no llvm-strip found (install llvm-14)");

  // 1. vmlinux.h, generated once into the work directory.
  fs::path vmlinux_dir = work;
  if (!b.vmlinux_h.empty()) {
    if (!fs::exists(b.vmlinux_h)) return make_error("no such file: " + b.vmlinux_h);
    fs::copy_file(b.vmlinux_h, work / "vmlinux.h", fs::copy_options::update_existing, ec);
    if (ec) return make_error("cannot copy " + b.vmlinux_h + ": " + ec.message());
  } else if (!fs::exists(work / "vmlinux.h")) {
    if (b.verbose) log << "+ wasm-bpf gen vmlinux " << b.kernel_btf << " -o " << (work / "vmlinux.h").string() << std::endl;
    auto text = vmlinux_header(b.kernel_btf);
    if (!text) return text.error();
    if (auto w = write_text(work / "vmlinux.h", *text); !w) return w.error();
  }

  std::vector<std::string> includes;
  for (const std::string& d : b.include_dirs) includes.push_back("-I" + fs::absolute(d).string());
  std::vector<std::string> bpf_flags = {"-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_" + target_arch(),
                                        "-I" + vmlinux_dir.string(), "-I" + bpf_src.parent_path().string()};
  bpf_flags.insert(bpf_flags.end(), includes.begin(), includes.end());
  for (const std::string& d : b.bpf_defines) bpf_flags.push_back("-D" + d);
  for (const char* dir : {"/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu", "/usr/include"}) {
    if (fs::exists(dir)) {
      bpf_flags.push_back("-idirafter");
      bpf_flags.push_back(dir);
    }
  }

  // 2. The BPF object, DWARF stripped.
  const fs::path bpf_obj = work / (stem + ".o");
  {
    std::vector<std::string> cmd = {clang};
    cmd.insert(cmd.end(), bpf_flags.begin(), bpf_flags.end());
    cmd.insert(cmd.end(), {"-c", bpf_src.string(), "-o", bpf_obj.string()});
    if (auto r = run(cmd, b.verbose, log); !r) return r.error();
    if (auto r = run({strip, "-g", bpf_obj.string()}, b.verbose, log); !r) return r.error();
  }

  // 3-5 for a Rust guest: the crate embeds the object itself.
  if (!b.cargo_dir.empty()) {
    if (auto r = build_rust_guest(b, bpf_obj, work, output, log); !r) return r.error();
    return output.string();
  }

  // 3. Its skeleton.
  {
    if (b.verbose) log << "+ wasm-bpf gen skeleton " << bpf_obj.string() << " -o " << (work / (base + ".skel.h")).string() << std::endl;
    auto bytes = read_file(bpf_obj.string());
    if (!bytes) return bytes.error();
    SkeletonOptions so;
    so.name = object_name_from_path(bpf_obj.string());
    so.source_name = bpf_obj.filename().string();
    auto skel = skeleton_header(*bytes, so);
    if (!skel) return skel.error();
    if (auto w = write_text(work / (base + ".skel.h"), *skel); !w) return w.error();
  }

  // 4. Shared types laid out for wasm32.
  if (!b.headers_from_btf.empty()) {
    std::string tu = "/* Generated by wasm-bpf build: gives the types of " + base + ".wasm.h BTF. */\n#include \"vmlinux.h\"\n";
    std::vector<std::string> types;
    for (const std::string& h : b.headers_from_btf) {
      auto text = read_file(h);
      if (!text) return text.error();
      tu += "#include \"" + fs::absolute(h).string() + "\"\n";
      for (std::string& t : types_defined_in(std::string(text->begin(), text->end()))) types.push_back(std::move(t));
    }
    if (types.empty()) return make_error("no struct, union or enum definitions in the --headers-from-btf headers");
    HeaderOptions ho;
    for (size_t i = 0; i < types.size(); ++i) {
      tu += types[i] + " __wasm_bpf_type_" + std::to_string(i) + ";\n";
      ho.types.push_back(types[i].substr(types[i].find(' ') + 1));
    }
    if (auto w = write_text(work / (base + ".types.c"), tu); !w) return w.error();
    const fs::path types_o = work / (base + ".types.o");
    std::vector<std::string> cmd = {clang};
    cmd.insert(cmd.end(), bpf_flags.begin(), bpf_flags.end());
    cmd.insert(cmd.end(), {"-c", (work / (base + ".types.c")).string(), "-o", types_o.string()});
    if (auto r = run(cmd, b.verbose, log); !r) return r.error();
    if (b.verbose) log << "+ wasm-bpf gen header " << types_o.string() << " -o " << (work / (base + ".wasm.h")).string() << std::endl;
    ho.source_name = types_o.filename().string();
    ho.guard = "WASM_BPF_" + c_identifier(base) + "_WASM_H";
    auto header = layout_header(types_o.string(), ho);
    if (!header) return header.error();
    if (auto w = write_text(work / (base + ".wasm.h"), *header); !w) return w.error();
  }

  // 5. The guest, against the SDK header (embedded in wasm-bpf).
  for (const SdkHeader& h : sdk_headers())
    if (auto w = write_text(work / "include" / std::string(h.name), std::string(h.text)); !w) return w.error();
  bool any_cxx = false;
  for (const std::string& s : b.guest_sources) any_cxx = any_cxx || is_cxx(s);
  std::vector<std::string> objects;
  std::vector<std::string> opt;
  {
    std::stringstream flags(b.opt_flags);
    for (std::string f; flags >> f;) opt.push_back(f);
  }
  for (const std::string& s : b.guest_sources) {
    const fs::path src = fs::absolute(s);
    const fs::path obj = work / (src.filename().string() + ".o");
    std::vector<std::string> cmd = {is_cxx(s) ? cxx_driver_for(clang) : clang, "--target=wasm32-wasi"};
    if (is_cxx(s)) cmd.insert(cmd.end(), {"-std=c++17", "-fno-exceptions"});
    cmd.insert(cmd.end(), opt.begin(), opt.end());
    cmd.insert(cmd.end(), {"-Wall", "-I" + work.string(), "-I" + (work / "include").string(),
                           "-I" + src.parent_path().string()});
    cmd.insert(cmd.end(), includes.begin(), includes.end());
    cmd.insert(cmd.end(), {"-c", src.string(), "-o", obj.string()});
    if (auto r = run(cmd, b.verbose, log); !r) return r.error();
    objects.push_back(obj.string());
  }
  std::vector<std::string> link = {any_cxx ? cxx_driver_for(clang) : clang, "--target=wasm32-wasi"};
  if (any_cxx) link.push_back("-fno-exceptions");
  link.insert(link.end(), opt.begin(), opt.end());
  link.insert(link.end(), objects.begin(), objects.end());
  link.insert(link.end(), {"-o", output.string(), "-Wl,--export-table", "-Wl,--strip-all"});
  if (auto r = run(link, b.verbose, log); !r) return r.error();
  return output.string();
}

}  // namespace wb::gen
