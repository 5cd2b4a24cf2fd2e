// `wasm-bpf gen`: code generation for guests from a compiled BPF object.
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help_format.h"

namespace wb::cli {

Handler setup_gen(CLI::App& sub) {
  struct Args {
    std::string kind, file, output;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Generate guest-side bindings from a compiled BPF object (FILE, e.g. tool.bpf.o):\n"
      "  skeleton  a C header that embeds the object and gives typed access to its programs,\n"
      "            maps and global variables through the wasm-bpf host API\n"
      "  header    C struct definitions, from the object's BTF, laid out as the 32-bit guest\n"
      "            sees them, for decoding ring buffer events and map values\n"
      "  wit       a WIT interface describing the same types, for non-C guests\n"
      "The output goes to standard output unless -o is given.");
  sub.add_option("KIND", args->kind, "skeleton, header or wit")
      ->required()
      ->type_name("")
      ->check(quiet(CLI::IsMember({"skeleton", "header", "wit"})));
  sub.add_option("FILE", args->file, "The BPF object file")
      ->required()
      ->type_name("")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("-o,--output", args->output, "Write to FILE instead of standard output")
      ->type_name("FILE");
  sub.footer(
      "Examples:\n"
      "  wasm-bpf gen skeleton bootstrap.bpf.o -o bootstrap.skel.h\n"
      "  wasm-bpf gen header bootstrap.bpf.o > bootstrap.h");
  return [args](Context& ctx) { return not_available(ctx, "gen"); };
}

}  // namespace wb::cli
