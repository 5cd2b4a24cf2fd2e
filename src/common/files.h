// SPDX-License-Identifier: MIT
// Whole-file reads shared by the runtime, the registry code and the generators.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace wb {

// The bytes of the file at `path` (read with read(2) in large blocks, sized from fstat).
// The error names the path and the reason.
Result<std::string> read_file(const std::string& path);
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path);

}  // namespace wb
