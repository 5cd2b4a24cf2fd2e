// SPDX-License-Identifier: MIT
// `wasm-bpf build`: X.bpf.c + guest sources -> X.wasm in one command (tools/gen/guest_build).
#include <iostream>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help_format.h"
#include "gen/guest_build.h"

namespace wb::cli {

Handler setup_build(CLI::App& sub) {
  struct Args {
    gen::GuestBuild build;
    std::vector<std::string> sources;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Build a wasm-bpf module from a BPF program (BPF_SOURCE, e.g. tool.bpf.c, CO-RE code that\n"
      "includes \"vmlinux.h\") and its user-space guest (C or C++ SOURCES, or a Rust crate with\n"
      "--cargo), with the same steps as the CMake function wasm_bpf_add_example\n"
      "(cmake/WasmBpf.cmake):\n"
      "  1. vmlinux.h from the kernel's BTF (once per work directory)\n"
      "  2. BPF_SOURCE with clang -target bpf, DWARF stripped: tool.bpf.o\n"
      "  3. its skeleton, tool.skel.h (as `wasm-bpf gen skeleton`)\n"
      "  4. with --headers-from-btf, tool.wasm.h: those headers' types with the BPF layout\n"
      "  5. the SOURCES with clang --target=wasm32-wasi against libbpf-wasm.h, linked with\n"
      "     the function table exported and symbols stripped\n"
      "With --cargo DIR, steps 3-5 are `cargo build --offline --release --target wasm32-wasi`\n"
      "in DIR, with WASM_BPF_OBJECT naming tool.bpf.o (the crate embeds it with\n"
      "include_bytes!(env!(\"WASM_BPF_OBJECT\"))); /usr/bin/cargo and /usr/bin/rustc unless\n"
      "CARGO or RUSTC are set.\n"
      "Needs clang (clang-14) with the bpf and wasm32-wasi targets and wasi-libc.");
  sub.add_option("BPF_SOURCE", args->build.bpf_source, "The BPF program")->required()->type_name("");
  sub.add_option("SOURCES", args->sources, "The guest's sources (.c, .cc, .cpp); none with --cargo")->type_name("");
  sub.add_option("--cargo", args->build.cargo_dir, "Build the guest from the Rust crate in DIR (its Cargo.toml)")
      ->type_name("DIR");
  sub.add_option("--cargo-target", args->build.cargo_target, "The Rust target of --cargo (default: wasm32-wasi)")
      ->type_name("TRIPLE");
  sub.add_option("-o,--output", args->build.output, "The module (default: NAME.wasm from BPF_SOURCE's name)")
      ->type_name("FILE");
  sub.add_option("-I,--include", args->build.include_dirs, "Include directory for both sides (repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  sub.add_option("--headers-from-btf", args->build.headers_from_btf,
                 "A header shared with the BPF program: its structs, unions and\n"
                 "enums go into NAME.wasm.h with the BPF layout (repeatable)")
      ->type_name("HEADER")
      ->allow_extra_args(false);
  sub.add_option("-D,--bpf-define", args->build.bpf_defines, "Define a macro for the BPF program (repeatable)")
      ->type_name("NAME[=VALUE]")
      ->allow_extra_args(false);
  sub.add_option("--vmlinux", args->build.vmlinux_h, "Use this vmlinux.h instead of generating one")
      ->type_name("FILE");
  sub.add_option("--btf", args->build.kernel_btf, "Kernel BTF for vmlinux.h (default: /sys/kernel/btf/vmlinux)")
      ->type_name("FILE");
  sub.add_option("--clang", args->build.clang, "The clang to use (default: clang-14, else clang)")->type_name("PATH");
  sub.add_option("--opt", args->build.opt_flags, "Optimization flags for the guest (default: -Os)")->type_name("FLAGS");
  sub.add_option("--work-dir", args->build.work_dir, "Where intermediate files go (default: OUTPUT.d)")
      ->type_name("DIR");
  sub.add_flag("-v,--verbose", args->build.verbose, "Print each command");
  sub.footer(
      "Examples:\n"
      "  wasm-bpf build bootstrap.bpf.c bootstrap.c --headers-from-btf bootstrap.h\n"
      "  wasm-bpf build -o tc.wasm tc.bpf.c tc.cpp --headers-from-btf tc.h\n"
      "  wasm-bpf build bootstrap.bpf.c --cargo examples/bootstrap-rs -o bootstrap-rs.wasm");
  return [args](Context& ctx) {
    if (args->sources.empty() == args->build.cargo_dir.empty()) {
      ctx.err << "wasm-bpf build: " << (args->sources.empty() ? "give the guest's SOURCES or --cargo DIR"
                                                                : "SOURCES and --cargo exclude each other")
              << '\n';
      return kExitUsage;
    }
    args->build.guest_sources = args->sources;
    auto out = gen::build_guest(args->build, ctx.err);
    if (!out) {
      ctx.err << "wasm-bpf build: " << out.error().message << '\n';
      return kExitFailure;
    }
    ctx.out << *out << '\n';
    return kExitOk;
  };
}

}  // namespace wb::cli
