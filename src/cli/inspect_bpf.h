// SPDX-License-Identifier: MIT
// The "bpf" part of `wasm-bpf inspect`: what a module's embedded BPF objects would do in the
// kernel (programs, helpers, maps) and what the default policy refuses, before it is run.
#pragma once

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace wb::cli {

// A JSON array with one entry per embedded object of the module `wasm`.
Result<nlohmann::ordered_json> describe_module_bpf(std::span<const uint8_t> wasm);

}  // namespace wb::cli
