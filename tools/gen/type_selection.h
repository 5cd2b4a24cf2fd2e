// SPDX-License-Identifier: MIT
// Which BTF types a header or WIT file shows: every named type, or those asked for by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

struct btf;

namespace wb::gen {

class WasmLayoutPrinter;

// Ids of named structs, unions and enums and of typedefs of anonymous ones (what
// `printer.is_definable` accepts), in BTF order; or, when `names` is not empty, those types
// with these names (a typedef of a named type selects that type).
Result<std::vector<uint32_t>> select_types(const btf* btf, const WasmLayoutPrinter& printer,
                                           const std::vector<std::string>& names);

}  // namespace wb::gen
