// SPDX-License-Identifier: MIT
// gzip (and zlib) decompression with zlib, for tar+gzip image layers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace wb::oci {

// Inflates `data` (one or more concatenated gzip members); fails beyond `max_output` bytes.
Result<std::string> gunzip(std::string_view data, std::uint64_t max_output);

// Deflates `data` into one gzip member (best compression; no name, time 0: the same input
// always gives the same bytes, and so the same layer digest).
Result<std::string> gzip(std::string_view data);

}  // namespace wb::oci
