// SPDX-License-Identifier: MIT
// File and name helpers shared by the generators.
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "gen/generators.h"

namespace wb::gen {

Result<void> write_file_if_changed(const std::string& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream old;
      old << in.rdbuf();
      if (old.str() == text) return {};
    }
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return make_error("cannot write " + path + ": " + std::strerror(errno));
  out << text;
  out.close();
  if (!out) return make_error("cannot write " + path);
  return {};
}

std::string c_identifier(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  return out;
}

std::string object_name_from_path(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  if (base.size() > 2 && base.compare(base.size() - 2, 2, ".o") == 0) base.resize(base.size() - 2);
  return c_identifier(base);
}

}  // namespace wb::gen
