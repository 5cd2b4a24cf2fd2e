// SPDX-License-Identifier: MIT
#include "oci/challenge.h"

#include <cctype>

#include "oci/encoding.h"

namespace wb::oci {
namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

std::string read_token(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && is_token_char(s[i])) ++i;
  return std::string(s.substr(start, i - start));
}

std::string read_quoted(std::string_view s, std::size_t& i) {
  std::string out;
  ++i;  // opening quote
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i++];
  }
  if (i < s.size()) ++i;  // closing quote
  return out;
}

}  // namespace

std::vector<Challenge> parse_challenges(std::string_view header) {
  std::vector<Challenge> out;
  std::size_t i = 0;
  while (i < header.size()) {
    skip_space(header, i);
    while (i < header.size() && (header[i] == ',' || header[i] == ' ')) ++i;
    if (i >= header.size()) break;
    // A scheme, or a parameter of the current challenge ("name=").
    std::string word = read_token(header, i);
    if (word.empty()) {
      ++i;  // unexpected character: skip it
      continue;
    }
    skip_space(header, i);
    if (i < header.size() && header[i] == '=' && !out.empty()) {
      // name=value of the current challenge (a token68 "abc==" is taken as a value too).
      ++i;
      skip_space(header, i);
      std::string value;
      if (i < header.size() && header[i] == '"') {
        value = read_quoted(header, i);
      } else {
        value = read_token(header, i);
        while (i < header.size() && header[i] == '=') value += header[i++];
      }
      out.back().params[to_lower(word)] = value;
      continue;
    }
    out.push_back(Challenge{to_lower(word), {}});
  }
  return out;
}

std::optional<Challenge> pick_challenge(const std::vector<std::string>& headers) {
  std::optional<Challenge> basic;
  for (const std::string& h : headers) {
    for (Challenge& c : parse_challenges(h)) {
      if (c.scheme == "bearer") return c;
      if (c.scheme == "basic" && !basic) basic = std::move(c);
    }
  }
  return basic;
}

}  // namespace wb::oci
