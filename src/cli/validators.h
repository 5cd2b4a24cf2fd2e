// SPDX-License-Identifier: MIT
// CLI11 validators for the value syntaxes shared by several commands.
#pragma once

#include <CLI/CLI.hpp>

namespace wb::cli {

CLI::Validator duration_validator(bool allow_zero = false);  // parse_duration
CLI::Validator size_validator();         // parse_size, 64KiB to 4GiB (a wasm32 memory)
CLI::Validator limit_size_validator();   // parse_size, any size; 0 means no limit
CLI::Validator dir_mapping_validator();  // HOST[::GUEST]
CLI::Validator env_var_validator();      // K[=V]
CLI::Validator key_value_validator();    // k=v with non-empty k

}  // namespace wb::cli
