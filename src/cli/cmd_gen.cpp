// SPDX-License-Identifier: MIT
// `wasm-bpf gen`: code generation for guests from a compiled BPF object (tools/gen).
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help_format.h"
#include "gen/generators.h"

namespace wb::cli {
namespace {

struct GenArgs {
  std::string kind, file, output, name, world, package;
  std::vector<std::string> types;
};

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<std::string> generate(const GenArgs& a) {
  if (a.kind == "skeleton") {
    auto bytes = gen::read_file(a.file);
    if (!bytes) return bytes.error();
    gen::SkeletonOptions o;
    o.name = a.name.empty() ? gen::object_name_from_path(a.file) : a.name;
    o.source_name = base_name(a.file);
    return gen::skeleton_header(*bytes, o);
  }
  if (a.kind == "header") {
    gen::HeaderOptions o;
    o.types = a.types;
    o.source_name = base_name(a.file);
    return gen::layout_header(a.file, o);
  }
  if (a.kind == "wit") {
    gen::WitOptions o;
    o.types = a.types;
    o.world = a.world;
    o.package = a.package;
    o.source_name = base_name(a.file);
    return gen::wit_world(a.file, o);
  }
  return gen::vmlinux_header(a.file);
}

}  // namespace

Handler setup_gen(CLI::App& sub) {
  auto args = std::make_shared<GenArgs>();
  sub.description(
      "Generate guest-side bindings from a compiled BPF object (FILE, e.g. tool.bpf.o):\n"
      "  skeleton  a C header that embeds the object and gives typed access to its programs,\n"
      "            maps and global variables through the wasm-bpf host API (libbpf-wasm.h)\n"
      "  header    C struct definitions, from the object's BTF, laid out as the BPF program\n"
      "            lays them out, for decoding ring buffer events and map values in wasm32\n"
      "  wit       a WIT world describing the same types, for non-C guests\n"
      "  vmlinux   vmlinux.h for compiling BPF programs, from kernel BTF (FILE is usually\n"
      "            /sys/kernel/btf/vmlinux)\n"
      "The output goes to standard output unless -o is given; -o leaves FILE untouched when it\n"
      "already holds the same text.");
  sub.add_option("KIND", args->kind, "skeleton, header, wit or vmlinux")
      ->required()
      ->type_name("")
      ->check(quiet(CLI::IsMember({"skeleton", "header", "wit", "vmlinux"})));
  sub.add_option("FILE", args->file, "The BPF object file (or BTF file)")
      ->required()
      ->type_name("")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("-o,--output", args->output, "Write to FILE instead of standard output")
      ->type_name("FILE");
  sub.add_option("-n,--name", args->name,
                 "skeleton: the skeleton's name (default: from FILE, e.g.\n"
                 "bootstrap.bpf.o gives struct bootstrap_bpf, bootstrap_bpf__open())")
      ->type_name("NAME");
  sub.add_option("-t,--type", args->types,
                 "header, wit: only this type and the types it uses\n"
                 "(repeatable; default: every named type)")
      ->type_name("NAME")
      ->allow_extra_args(false);
  sub.add_option("--world", args->world, "wit: the world's name (default: from FILE)")->type_name("NAME");
  sub.add_option("--package", args->package, "wit: the package (default: wasm-bpf:WORLD)")->type_name("NAME");
  sub.footer(
      "Examples:\n"
      "  wasm-bpf gen skeleton bootstrap.bpf.o -o bootstrap.skel.h\n"
      "  wasm-bpf gen header bootstrap.bpf.o -t event > bootstrap.wasm.h\n"
      "  wasm-bpf gen wit bootstrap.bpf.o -o bootstrap.wit\n"
      "  wasm-bpf gen vmlinux /sys/kernel/btf/vmlinux -o vmlinux.h");
  return [args](Context& ctx) {
    auto text = generate(*args);
    if (!text) {
      ctx.err << "wasm-bpf gen: " << text.error().message << '\n';
      return kExitFailure;
    }
    if (args->output.empty()) {
      ctx.out << *text;
      ctx.out.flush();
      return kExitOk;
    }
    if (auto w = gen::write_file_if_changed(args->output, *text); !w) {
      ctx.err << "wasm-bpf gen: " << w.error().message << '\n';
      return kExitFailure;
    }
    return kExitOk;
  };
}

}  // namespace wb::cli
