// SPDX-License-Identifier: MIT
// Code generators behind `wasm-bpf gen` and `btf2wit`: everything a guest needs from a
// compiled BPF object, produced from its ELF sections and BTF (through libbpf).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/result.h"

namespace wb::gen {

// Reads a whole file.
inline Result<std::vector<uint8_t>> read_file(const std::string& path) { return read_file_bytes(path); }

// Writes `text` to `path` unless the file already holds exactly that (so that build tools
// see no change when nothing changed).
Result<void> write_file_if_changed(const std::string& path, const std::string& text);

// The skeleton name of an object file, as bpftool derives it: the file name without its
// directory and ".o", other characters than [A-Za-z0-9_] replaced by '_'
// ("dir/bootstrap.bpf.o" -> "bootstrap_bpf").
std::string object_name_from_path(const std::string& path);

// A C identifier made of `s`: other characters replaced by '_', a leading digit prefixed.
std::string c_identifier(const std::string& s);

struct SkeletonOptions {
  std::string name;         // the skeleton name (struct NAME, NAME__open, ...); required
  std::string source_name;  // shown in the header comment
};

// A C skeleton header for the BPF ELF object `object` (see docs/sdk.md): embeds the object,
// describes its maps and programs, and lays out its global data (.rodata, .data, .bss) as a
// wasm32 guest must see it. Built on sdk/c/include/libbpf-wasm.h.
Result<std::string> skeleton_header(std::span<const uint8_t> object, const SkeletonOptions& options);

struct TypeSelection {
  // Names of the types to print (with what they need); empty: every named type.
  std::vector<std::string> types;
};

struct HeaderOptions : TypeSelection {
  std::string guard;        // include guard macro; derived from source_name if empty
  std::string source_name;  // shown in the header comment
};

// C definitions of the named structs, unions and enums in the BTF of `btf_path` (a BPF ELF
// object or a raw BTF file), laid out for wasm32 exactly as on BPF, each struct and union
// followed by an assertion on its size, each definition guarded by a macro
// (WASM_BPF_DEFINED_struct_NAME, ...) that skeletons defining the same type use too.
Result<std::string> layout_header(const std::string& btf_path, const HeaderOptions& options);

struct WitOptions : TypeSelection {
  std::string package;      // "wasm-bpf:NAME" if empty
  std::string world;        // derived from the file name if empty
  std::string source_name;  // shown in the header comment
};

// A WIT world with the types of the BTF of `btf_path` (records, enums, flags, type aliases;
// the mapping is described in docs/sdk.md).
Result<std::string> wit_world(const std::string& btf_path, const WitOptions& options);

// vmlinux.h for BPF programs: every type of the kernel BTF `btf_path` (usually
// /sys/kernel/btf/vmlinux) as C, with CO-RE's preserve_access_index applied to records.
Result<std::string> vmlinux_header(const std::string& btf_path);

}  // namespace wb::gen
