#include "cli/commands.h"

#include <array>
#include <ostream>

namespace wb::cli {
namespace {

constexpr std::array kCommands = {
    Command{"run", "Run an eBPF program from a .wasm file or an OCI reference",
            "wasm-bpf run [OPTIONS] MODULE|REF [--] [ARGS...]", true, &setup_run},
    Command{"push", "Push a .wasm module to an OCI registry",
            "wasm-bpf push [OPTIONS] MODULE REF", false, &setup_push},
    Command{"pull", "Pull a module from an OCI registry into the local store",
            "wasm-bpf pull [OPTIONS] REF", false, &setup_pull},
    Command{"images", "List modules in the local store", "wasm-bpf images [OPTIONS]", false,
            &setup_images},
    Command{"rm", "Remove modules from the local store", "wasm-bpf rm [OPTIONS] REF...", false,
            &setup_rm},
    Command{"inspect", "Show the manifest, config and annotations of a module",
            "wasm-bpf inspect [OPTIONS] REF", false, &setup_inspect},
    Command{"save", "Write a stored module to a tar archive (OCI image layout)",
            "wasm-bpf save [OPTIONS] REF -o FILE.tar", false, &setup_save},
    Command{"load", "Import the modules of a tar archive into the local store",
            "wasm-bpf load [OPTIONS] FILE.tar", false, &setup_load},
    Command{"login", "Save credentials for an OCI registry",
            "wasm-bpf login [OPTIONS] REGISTRY [-u USER] [--password-stdin]", false, &setup_login},
    Command{"logout", "Forget the credentials saved for an OCI registry",
            "wasm-bpf logout [OPTIONS] REGISTRY", false, &setup_logout},
    Command{"gen", "Generate guest bindings (skeleton, header, WIT) from a BPF object",
            "wasm-bpf gen [OPTIONS] skeleton|header|wit|vmlinux FILE", false, &setup_gen},
    Command{"build", "Build a module from a BPF program and its C/C++ sources or Rust crate",
            "wasm-bpf build [OPTIONS] BPF_SOURCE SOURCES...", false, &setup_build},
    Command{"version", "Print the wasm-bpf version", "wasm-bpf version", false, &setup_version},
};

}  // namespace

std::span<const Command> command_table() { return kCommands; }

const Command* find_command(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace wb::cli
