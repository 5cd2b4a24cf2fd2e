// SPDX-License-Identifier: MIT
// Builds binary modules byte by byte, for hostile inputs that the text format cannot express
// compactly (hundreds of thousands of instructions, tables or types).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wb::wasm::test {

using Bytes = std::vector<uint8_t>;

inline void append(Bytes& out, const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); }

inline Bytes uleb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
  return out;
}

// `n` copies of `pattern`.
inline Bytes repeat(const Bytes& pattern, size_t n) {
  Bytes out;
  out.reserve(pattern.size() * n);
  for (size_t i = 0; i < n; ++i) append(out, pattern);
  return out;
}

// A vector: the count, then the items.
inline Bytes vec(const std::vector<Bytes>& items) {
  Bytes out = uleb(items.size());
  for (const auto& i : items) append(out, i);
  return out;
}

inline Bytes section(uint8_t id, const Bytes& payload) {
  Bytes out{id};
  append(out, uleb(payload.size()));
  append(out, payload);
  return out;
}

inline Bytes func_type(const Bytes& params, const Bytes& results) {
  Bytes out{0x60};
  append(out, uleb(params.size()));
  append(out, params);
  append(out, uleb(results.size()));
  append(out, results);
  return out;
}

inline Bytes name(const std::string& s) {
  Bytes out = uleb(s.size());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// A code entry: locals as (count, type) groups, then the instructions (the final `end` is
// added here).
inline Bytes body(const std::vector<std::pair<uint32_t, uint8_t>>& locals, const Bytes& code) {
  Bytes b = uleb(locals.size());
  for (auto [n, t] : locals) {
    append(b, uleb(n));
    b.push_back(t);
  }
  append(b, code);
  b.push_back(0x0B);
  Bytes out = uleb(b.size());
  append(out, b);
  return out;
}

// Sections by id; empty ones are left out.
struct ModuleParts {
  std::vector<Bytes> types, funcs, tables, mems, globals, exports, elems, codes, datas;
  Bytes imports;  // a complete import section payload, or empty
  Bytes build() const {
    Bytes m{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00};
    if (!types.empty()) append(m, section(1, vec(types)));
    if (!imports.empty()) append(m, section(2, imports));
    if (!funcs.empty()) append(m, section(3, vec(funcs)));
    if (!tables.empty()) append(m, section(4, vec(tables)));
    if (!mems.empty()) append(m, section(5, vec(mems)));
    if (!globals.empty()) append(m, section(6, vec(globals)));
    if (!exports.empty()) append(m, section(7, vec(exports)));
    if (!elems.empty()) append(m, section(9, vec(elems)));
    if (!codes.empty()) append(m, section(10, vec(codes)));
    if (!datas.empty()) append(m, section(11, vec(datas)));
    return m;
  }
};

constexpr uint8_t kI32 = 0x7F;
constexpr uint8_t kFuncRef = 0x70;

// A module with one function of type [] -> [] (and `extra_types` after it), whose body is
// `code` with `locals`.
inline Bytes one_function(const Bytes& code, const std::vector<std::pair<uint32_t, uint8_t>>& locals = {},
                          const std::vector<Bytes>& extra_types = {}) {
  ModuleParts p;
  p.types.push_back(func_type({}, {}));
  for (const auto& t : extra_types) p.types.push_back(t);
  p.funcs.push_back(uleb(0));
  p.codes.push_back(body(locals, code));
  return p.build();
}

}  // namespace wb::wasm::test
