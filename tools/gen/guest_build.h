// SPDX-License-Identifier: MIT
// `wasm-bpf build`: a BPF program and its guest (C/C++ sources or a Rust crate) to one .wasm
// module, with the same steps as cmake/WasmBpf.cmake's wasm_bpf_add_example (vmlinux.h, the
// BPF object, its skeleton, optional layout header, the guest compiled for wasm32-wasi
// against the SDK; for a crate, cargo with WASM_BPF_OBJECT naming the object).
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace wb::gen {

struct GuestBuild {
  std::string bpf_source;                  // X.bpf.c
  std::vector<std::string> guest_sources;  // .c, .cc/.cpp/.cxx; or else:
  std::string cargo_dir;                   // a Rust crate (Cargo.toml) that embeds the object
  std::string cargo_target = "wasm32-wasi";
  std::string output;                      // the module; default: X.wasm in the current directory
  std::string work_dir;                    // intermediate files; default: OUTPUT.d/
  std::vector<std::string> include_dirs;   // for the BPF program and the guest
  std::vector<std::string> headers_from_btf;  // their structs/unions/enums go into X.wasm.h
  std::vector<std::string> bpf_defines;    // NAME[=VALUE] for the BPF program
  std::string vmlinux_h;                   // use this vmlinux.h instead of generating one
  std::string kernel_btf = "/sys/kernel/btf/vmlinux";
  std::string clang;                       // default: clang-14, else clang, from PATH
  std::string opt_flags = "-Os";
  bool verbose = false;                    // print each command
};

// Builds the module; progress (with verbose) and tool output go to `log`.
Result<std::string> build_guest(const GuestBuild& build, std::ostream& log);

// The SDK headers every guest compiles against (sdk/c/include, embedded): libbpf-wasm.h
// and the headers it includes.
struct SdkHeader {
  std::string_view name;
  std::string_view text;
};
std::span<const SdkHeader> sdk_headers();

// "struct NAME", "union NAME", "enum NAME" for each definition in C header text, then the
// name of each typedef of a named type ("typedef struct x x_t;" gives "x_t"): what the types
// of X.wasm.h are taken from.
std::vector<std::string> types_defined_in(const std::string& header_text);

}  // namespace wb::gen
