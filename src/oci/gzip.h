// gzip (and zlib) decompression with zlib, for tar+gzip image layers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace wb::oci {

// Inflates `data` (one or more concatenated gzip members); fails beyond `max_output` bytes.
Result<std::string> gunzip(std::string_view data, std::uint64_t max_output);

}  // namespace wb::oci
