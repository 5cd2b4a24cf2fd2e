// SPDX-License-Identifier: MIT
#include "cli/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace wb::cli {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits "12.5ms" into {"12.5", "ms"}; the number is the longest prefix of digits and dots.
std::pair<std::string_view, std::string_view> split_number(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && (is_digit(text[n]) || text[n] == '.')) ++n;
  return {text.substr(0, n), text.substr(n)};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  auto [number, unit] = split_number(text);
  if (number.empty() || !is_digit(number.front())) return std::nullopt;

  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc{} || end != number.data() + number.size()) return std::nullopt;

  static constexpr std::array<std::pair<std::string_view, double>, 6> kUnits = {{
      {"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}}};
  double scale = unit.empty() ? 1e9 : 0.0;
  for (const auto& [name, ns] : kUnits) {
    if (unit == name) scale = ns;
  }
  if (scale == 0.0) return std::nullopt;

  const double ns = std::round(value * scale);
  constexpr double kMax = 100.0 * 365.25 * 24 * 3600e9;  // 100 years
  if (!(ns >= 0.0 && ns <= kMax)) return std::nullopt;
  return std::chrono::nanoseconds{static_cast<std::int64_t>(ns)};
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto [number, unit] = split_number(text);
  if (number.empty()) return std::nullopt;

  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc{} || end != number.data() + number.size()) return std::nullopt;

  const std::string u = lower(unit);
  std::uint64_t scale = 0;
  if (u.empty() || u == "b") {
    scale = 1;
  } else {
    static constexpr std::string_view kPrefixes = "kmgt";
    const std::size_t power = kPrefixes.find(u.front());
    const std::string_view rest = std::string_view{u}.substr(1);
    if (power == std::string_view::npos || !(rest.empty() || rest == "b" || rest == "ib")) {
      return std::nullopt;
    }
    scale = std::uint64_t{1} << (10 * (power + 1));
  }
  if (value > std::numeric_limits<std::uint64_t>::max() / scale) return std::nullopt;
  return value * scale;
}

std::string format_duration(std::chrono::nanoseconds d) {
  const std::int64_t ns = d.count();
  static constexpr std::array<std::pair<std::int64_t, const char*>, 5> kUnits = {{
      {3600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"}, {1'000'000, "ms"},
      {1'000, "us"}}};
  for (const auto& [size, name] : kUnits) {
    if (ns != 0 && ns % size == 0) return std::to_string(ns / size) + name;
  }
  return std::to_string(ns) + "ns";
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<std::pair<int, const char*>, 4> kUnits = {{
      {40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}}};
  for (const auto& [shift, name] : kUnits) {
    const std::uint64_t size = std::uint64_t{1} << shift;
    if (bytes != 0 && bytes % size == 0) return std::to_string(bytes / size) + name;
  }
  return std::to_string(bytes) + "B";
}

}  // namespace wb::cli
