// SPDX-License-Identifier: MIT
// btf2wit: writes a WIT world describing the types in the BTF of a BPF object (or of a raw
// BTF file). The same generator runs behind `wasm-bpf gen wit`.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "gen/generators.h"

namespace {

constexpr const char* kUsage =
    "Usage: btf2wit [OPTIONS] FILE\n"
    "Write a WIT world with the structs, unions, enums and typedefs of the BTF in FILE (a BPF\n"
    "object compiled with -g, or a raw BTF file).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE    write to FILE instead of standard output\n"
    "  -t, --type NAME      only this type and what it uses (repeatable)\n"
    "      --world NAME     the world's name (default: from FILE's name)\n"
    "      --package NAME   the package (default: wasm-bpf:WORLD)\n"
    "  -h, --help           show this help\n";

}  // namespace

int main(int argc, char** argv) {
  std::string file, output;
  wb::gen::WitOptions options;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* what) -> const std::string* {
      if (i + 1 >= args.size()) {
        std::cerr << "btf2wit: " << a << " needs " << what << "\n" << kUsage;
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "-o" || a == "--output") {
      const std::string* v = value("a file name");
      if (!v) return 2;
      output = *v;
    } else if (a == "-t" || a == "--type") {
      const std::string* v = value("a type name");
      if (!v) return 2;
      options.types.push_back(*v);
    } else if (a == "--world") {
      const std::string* v = value("a name");
      if (!v) return 2;
      options.world = *v;
    } else if (a == "--package") {
      const std::string* v = value("a name");
      if (!v) return 2;
      options.package = *v;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "btf2wit: unknown option " << a << "\n" << kUsage;
      return 2;
    } else if (file.empty()) {
      file = a;
    } else {
      std::cerr << "btf2wit: more than one FILE\n" << kUsage;
      return 2;
    }
  }
  if (file.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  options.source_name = file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
  auto wit = wb::gen::wit_world(file, options);
  if (!wit) {
    std::cerr << "btf2wit: " << wit.error().message << "\n";
    return 1;
  }
  if (output.empty()) {
    std::cout << *wit;
    return 0;
  }
  if (auto w = wb::gen::write_file_if_changed(output, *wit); !w) {
    std::cerr << "btf2wit: " << w.error().message << "\n";
    return 1;
  }
  return 0;
}
