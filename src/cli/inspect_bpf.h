// SPDX-License-Identifier: MIT
// `wasm-bpf inspect`: what a module will do before it runs as root. Its imports, and what
// its embedded BPF objects would do in the kernel (programs and their attach points, helpers
// their code calls, maps and their kernel memory, license, target architecture, what the
// default policy refuses), as JSON and as text for people.
#pragma once

#include <ostream>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace wb::cli {

// A JSON array with one entry per embedded object of the module `wasm`.
Result<nlohmann::ordered_json> describe_module_bpf(std::span<const uint8_t> wasm);

// The module's imports: [{"module": "wasm_bpf", "name": "wasm_load_bpf_object", "kind":
// "func"}, ...]; an error if it is not a valid module.
Result<nlohmann::ordered_json> describe_module_imports(std::span<const uint8_t> wasm);

// The text form of inspect's JSON (a file's or a reference's).
void print_inspect_text(const nlohmann::ordered_json& info, std::ostream& out);

}  // namespace wb::cli
