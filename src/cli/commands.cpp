// SPDX-License-Identifier: MIT
#include "cli/commands.h"

#include <algorithm>
#include <array>
#include <vector>
#include <ostream>

namespace wb::cli {
namespace {

constexpr std::array kCommands = {
    Command{"run", "Run an eBPF program from a .wasm file or an OCI reference",
            "wasm-bpf run [OPTIONS] MODULE|REF [--] [ARGS...]", true, &setup_run},
    Command{"push", "Push a .wasm module to an OCI registry",
            "wasm-bpf push [OPTIONS] [MODULE] REF", false, &setup_push},
    Command{"pull", "Pull a module from an OCI registry into the local store",
            "wasm-bpf pull [OPTIONS] REF", false, &setup_pull},
    Command{"images", "List modules in the local store", "wasm-bpf images [OPTIONS] [REPOSITORY[:TAG]]", false,
            &setup_images},
    Command{"rm", "Remove modules from the local store", "wasm-bpf rm [OPTIONS] REF|ID...", false,
            &setup_rm},
    Command{"tag", "Give a stored module another reference", "wasm-bpf tag SOURCE TARGET", false, &setup_tag},
    Command{"prune", "Free space in the local store", "wasm-bpf prune [OPTIONS]", false, &setup_prune},
    Command{"tags", "List the tags of a repository in its registry", "wasm-bpf tags [OPTIONS] REPOSITORY", false,
            &setup_tags},
    Command{"inspect", "Show what a module does in the kernel, its imports, a reference's manifest",
            "wasm-bpf inspect [OPTIONS] MODULE|REF", false, &setup_inspect},
    Command{"save", "Write a stored module to a tar archive (OCI image layout)",
            "wasm-bpf save [OPTIONS] REF -o FILE.tar|-", false, &setup_save},
    Command{"load", "Import the modules of a tar archive into the local store",
            "wasm-bpf load [OPTIONS] FILE.tar|-i FILE.tar|-", false, &setup_load},
    Command{"login", "Save credentials for an OCI registry",
            "wasm-bpf login [OPTIONS] REGISTRY [-u USER] [--password-stdin]", false, &setup_login},
    Command{"logout", "Forget the credentials saved for an OCI registry",
            "wasm-bpf logout [OPTIONS] REGISTRY", false, &setup_logout},
    Command{"gen", "Generate guest bindings (skeleton, header, WIT) from a BPF object",
            "wasm-bpf gen [OPTIONS] skeleton|header|wit|vmlinux FILE", false, &setup_gen},
    Command{"build", "Build a module from a BPF program and its C/C++ sources or Rust crate",
            "wasm-bpf build [OPTIONS] BPF_SOURCE SOURCES...", false, &setup_build},
    Command{"version", "Print the wasm-bpf version", "wasm-bpf version", false, &setup_version},
    Command{"completion", "Print a shell completion script (bash, zsh, fish)", "wasm-bpf completion bash|zsh|fish",
            false, &setup_completion},
    Command{"man", "Print or write the manual pages", "wasm-bpf man [COMMAND] [-o DIR]", false, &setup_man},
};

}  // namespace

std::span<const Command> command_table() { return kCommands; }

const Command* find_command(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

namespace {

// Edit distance with adjacent transpositions (optimal string alignment).
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

const Command* nearest_command(std::string_view name) {
  if (name.empty()) return nullptr;
  const Command* best = nullptr;
  size_t best_distance = 0;
  bool tie = false;
  for (const Command& c : kCommands) {
    const size_t d = edit_distance(name, c.name);
    if (best == nullptr || d < best_distance) {
      best = &c;
      best_distance = d;
      tie = false;
    } else if (d == best_distance) {
      tie = true;
    }
  }
  // Close enough to be a typo: one edit in short names, up to two in longer ones.
  const size_t allowed = name.size() <= 4 ? 1 : 2;
  if (best != nullptr && !tie && best_distance <= allowed && best_distance < name.size()) return best;
  // A prefix of exactly one command ("insp", "vers").
  const Command* prefixed = nullptr;
  for (const Command& c : kCommands) {
    if (name.size() >= 2 && c.name.starts_with(name)) {
      if (prefixed != nullptr) return nullptr;
      prefixed = &c;
    }
  }
  return prefixed;
}

}  // namespace wb::cli
