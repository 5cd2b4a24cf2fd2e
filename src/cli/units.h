// SPDX-License-Identifier: MIT
// Parsing of the human-friendly quantities the command line accepts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wb::cli {

// "1500ms", "10s", "2m", "1h", "250us", "100ns", "1.5s"; a bare number means seconds.
// Returns nullopt for malformed, negative or absurdly large (> 100 years) values.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// "65536", "64K", "64KiB", "64KB", "16M", "1G", "512B" (case-insensitive); every multiplier is a
// power of 1024. Returns nullopt for malformed values and on overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Inverse helpers for messages: "1.5s", "64MiB".
std::string format_duration(std::chrono::nanoseconds d);
std::string format_size(std::uint64_t bytes);

}  // namespace wb::cli
