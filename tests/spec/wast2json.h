// SPDX-License-Identifier: MIT
// Converting .wast scripts to wast2json's JSON command files (plus one .wasm per module).
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace wb::spectest {

// Whether `program` can be executed: a path to an executable, or a name found in $PATH.
bool program_available(const std::string& program);

// Runs `program wast -o out_dir/STEM.json` (no shell involved) and returns the JSON path.
// The error carries wast2json's exit status and its diagnostics.
Result<std::filesystem::path> convert_wast(const std::string& program,
                                           const std::filesystem::path& wast,
                                           const std::filesystem::path& out_dir);

}  // namespace wb::spectest
