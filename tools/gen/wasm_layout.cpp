// SPDX-License-Identifier: MIT
#include "gen/wasm_layout.h"

#include <bpf/btf.h>

#include <algorithm>
#include <cstdint>

namespace wb::gen {
namespace {

std::string name_of(const btf* b, const btf_type* t) {
  const char* n = btf__name_by_offset(b, t->name_off);
  return n ? n : "";
}

bool is_record(const btf_type* t) { return btf_is_struct(t) || btf_is_union(t); }
bool is_any_enum(const btf_type* t) { return btf_is_enum(t) || btf_kind(t) == BTF_KIND_ENUM64; }

}  // namespace

std::string c_integer_name(const std::string& btf_name, uint32_t size, bool is_signed, bool is_bool) {
  if (is_bool && size == 1) return "bool";
  if (btf_name == "char" && size == 1) return "char";
  switch (size) {
    case 1: return is_signed ? "int8_t" : "uint8_t";
    case 2: return is_signed ? "int16_t" : "uint16_t";
    case 4: return is_signed ? "int32_t" : "uint32_t";
    case 8: return is_signed ? "int64_t" : "uint64_t";
    case 16: return is_signed ? "__int128" : "unsigned __int128";
  }
  return "";
}

WasmLayoutPrinter::WasmLayoutPrinter(const btf* btf, Options options) : btf_(btf), opts_(std::move(options)) {
  const uint32_t n = btf__type_cnt(btf_);
  for (uint32_t id = 1; id < n; ++id) {
    const btf_type* t = btf__type_by_id(btf_, id);
    if (!btf_is_typedef(t)) continue;
    const std::string name = name_of(btf_, t);
    const uint32_t target = skip_modifiers(t->type);
    if (name.empty() || target == 0) continue;
    const btf_type* tt = btf__type_by_id(btf_, target);
    if ((is_record(tt) || is_any_enum(tt)) && name_of(btf_, tt).empty() && !anon_typedef_names_.count(target)) {
      anon_typedef_names_[target] = name;
      anon_typedef_ids_[target] = id;
    }
  }
}

uint32_t WasmLayoutPrinter::skip_modifiers(uint32_t id) const {
  for (int guard = 0; id != 0 && guard < 64; ++guard) {
    const btf_type* t = btf__type_by_id(btf_, id);
    if (t == nullptr) return 0;
    switch (btf_kind(t)) {
      case BTF_KIND_CONST:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        id = t->type;
        continue;
      default:
        return id;
    }
  }
  return id;
}

std::string WasmLayoutPrinter::typedef_name_of(uint32_t anon_type_id) const {
  auto it = anon_typedef_names_.find(anon_type_id);
  return it == anon_typedef_names_.end() ? std::string() : it->second;
}

bool WasmLayoutPrinter::is_alias_of_named(uint32_t type_id) const {
  const btf_type* t = btf__type_by_id(btf_, type_id);
  if (t == nullptr || !btf_is_typedef(t)) return false;
  const std::string name = name_of(btf_, t);
  if (name.empty() || name.rfind("__", 0) == 0) return false;
  const uint32_t target = skip_modifiers(t->type);
  const btf_type* tt = target == 0 ? nullptr : btf__type_by_id(btf_, target);
  return tt != nullptr && (is_record(tt) || is_any_enum(tt)) && !name_of(btf_, tt).empty();
}

bool WasmLayoutPrinter::is_definable(uint32_t type_id) const {
  const btf_type* t = btf__type_by_id(btf_, type_id);
  if (t == nullptr) return false;
  if (is_record(t) || is_any_enum(t)) return !name_of(btf_, t).empty();
  if (btf_is_typedef(t)) {
    const uint32_t target = skip_modifiers(t->type);
    return (target != 0 && typedef_name_of(target) == name_of(btf_, t)) || is_alias_of_named(type_id);
  }
  return false;
}

std::string WasmLayoutPrinter::type_reference(uint32_t type_id) const {
  const btf_type* t = btf__type_by_id(btf_, type_id);
  if (t == nullptr) return "";
  if (btf_is_typedef(t)) return name_of(btf_, t);
  const std::string name = name_of(btf_, t);
  if (name.empty()) return typedef_name_of(type_id);
  if (btf_is_struct(t)) return "struct " + name;
  if (btf_is_union(t)) return "union " + name;
  return "enum " + name;
}

Result<uint64_t> WasmLayoutPrinter::size_of(uint32_t type_id) const {
  const long long s = btf__resolve_size(btf_, type_id);
  if (s < 0) return make_error("cannot size BTF type " + std::to_string(type_id));
  return static_cast<uint64_t>(s);
}

std::string WasmLayoutPrinter::pad(int depth) const {
  std::string s;
  for (int i = 0; i < depth; ++i) s += opts_.indent;
  return s;
}

std::string WasmLayoutPrinter::next_pad_name() const {
  for (;;) {
    std::string n = "__pad" + std::to_string(pad_index_++);
    if (!member_names_.count(n)) return n;
  }
}

void WasmLayoutPrinter::collect_member_names(uint32_t type_id, int guard) const {
  const uint32_t id = skip_modifiers(type_id);
  const btf_type* t = id == 0 ? nullptr : btf__type_by_id(btf_, id);
  if (t == nullptr || guard > 64) return;
  if (btf_is_array(t)) return collect_member_names(btf_array(t)->type, guard + 1);
  if (btf_is_typedef(t)) return collect_member_names(t->type, guard + 1);
  if (!is_record(t)) return;
  const btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); ++i) {
    member_names_.insert(btf__name_by_offset(btf_, m[i].name_off));
    collect_member_names(m[i].type, guard + 1);
  }
}

void WasmLayoutPrinter::start_definition(const std::vector<LayoutField>& fields) const {
  pad_index_ = 0;
  member_names_.clear();
  for (const LayoutField& f : fields) {
    member_names_.insert(f.name);
    collect_member_names(f.type_id, 0);
  }
}

Result<std::string> WasmLayoutPrinter::integer_type(uint32_t type_id) const {
  uint32_t id = skip_modifiers(type_id);
  for (int guard = 0; guard < 64; ++guard) {
    const btf_type* t = btf__type_by_id(btf_, id);
    if (t == nullptr) break;
    if (btf_is_typedef(t)) {
      id = skip_modifiers(t->type);
      continue;
    }
    if (btf_is_int(t)) {
      const uint32_t enc = btf_int_encoding(t);
      std::string s = c_integer_name(name_of(btf_, t), t->size, enc & BTF_INT_SIGNED, enc & BTF_INT_BOOL);
      if (!s.empty()) return s;
    }
    if (is_any_enum(t)) {
      std::string s = c_integer_name("", t->size, btf_kflag(t), false);
      if (!s.empty()) return s;
    }
    break;
  }
  return make_error("BTF type " + std::to_string(type_id) + " is not an integer type");
}

Result<std::string> WasmLayoutPrinter::declaration(uint32_t type_id, const std::string& declarator, int depth) const {
  const uint32_t id = skip_modifiers(type_id);
  const btf_type* t = id == 0 ? nullptr : btf__type_by_id(btf_, id);
  if (t == nullptr) return make_error("'" + declarator + "' has type void or an unknown type");
  const std::string name = name_of(btf_, t);
  auto join = [&](const std::string& type) { return declarator.empty() ? type : type + " " + declarator; };
  switch (btf_kind(t)) {
    case BTF_KIND_INT:
      return integer_type(id).ok() ? Result<std::string>(join(*integer_type(id)))
                                   : Result<std::string>(make_error("unsupported integer '" + name + "'"));
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: {
      if (btf_is_enum(t) && t->size == 4) {
        if (!name.empty()) return join("enum " + name);
        if (!typedef_name_of(id).empty()) return join(typedef_name_of(id));
      }
      auto s = integer_type(id);
      if (!s) return s.error();
      return join(*s);
    }
    case BTF_KIND_FLOAT:
      if (t->size == 4) return join("float");
      if (t->size == 8) return join("double");
      if (t->size == 16) return join("long double");
      return make_error("unsupported floating point type '" + name + "'");
    case BTF_KIND_PTR:
      return join("uint64_t");  // a 64-bit kernel or BPF address, never a guest pointer
    case BTF_KIND_ARRAY: {
      const struct btf_array* a = btf_array(t);
      return declaration(a->type, declarator + "[" + std::to_string(a->nelems) + "]", depth);
    }
    case BTF_KIND_TYPEDEF: {
      const uint32_t target = skip_modifiers(t->type);
      if (target != 0 && typedef_name_of(target) == name) return join(name);
      return declaration(t->type, declarator, depth);
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      if (!name.empty()) return join((btf_is_struct(t) ? "struct " : "union ") + name);
      if (!typedef_name_of(id).empty()) return join(typedef_name_of(id));
      auto body = record_body(id, depth + 1);
      if (!body) return body.error();
      return join(std::string(btf_is_struct(t) ? "struct" : "union") + " {\n" + *body + pad(depth) +
                  "} __attribute__((packed))");
    }
    case BTF_KIND_FWD:
      return make_error("incomplete type '" + name + "' used by value in '" + declarator + "'");
    default:
      return make_error("'" + declarator + "' has a type that cannot be laid out (BTF kind " +
                        std::to_string(btf_kind(t)) + ")");
  }
}

std::vector<LayoutField> WasmLayoutPrinter::fields_of(uint32_t type_id) const {
  std::vector<LayoutField> out;
  const btf_type* t = btf__type_by_id(btf_, type_id);
  const btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); ++i) {
    LayoutField f;
    f.name = btf__name_by_offset(btf_, m[i].name_off);
    f.type_id = m[i].type;
    f.bit_offset = btf_member_bit_offset(t, i);
    f.bitfield_size = btf_member_bitfield_size(t, i);
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::string> WasmLayoutPrinter::record_body(uint32_t type_id, int depth) const {
  const btf_type* t = btf__type_by_id(btf_, type_id);
  auto fields = fields_of(type_id);
  if (btf_is_union(t)) return union_body(fields, t->size, depth);
  std::stable_sort(fields.begin(), fields.end(),
                   [](const LayoutField& a, const LayoutField& b) { return a.bit_offset < b.bit_offset; });
  return fields_body(fields, t->size, depth);
}

Result<std::string> WasmLayoutPrinter::struct_body(const std::vector<LayoutField>& fields, uint64_t size,
                                                   int depth) const {
  start_definition(fields);
  return fields_body(fields, size, depth);
}

Result<std::string> WasmLayoutPrinter::fields_body(const std::vector<LayoutField>& fields, uint64_t size,
                                                   int depth) const {
  std::string out;
  uint64_t bits = 0;  // how far the members printed so far reach
  auto pad_bytes = [&](uint64_t n) { out += pad(depth) + "uint8_t " + next_pad_name() + "[" + std::to_string(n) + "];\n"; };
  auto pad_bits = [&](uint64_t n) {
    while (n > 0) {
      const uint64_t k = std::min<uint64_t>(n, 32);
      out += pad(depth) + "uint32_t : " + std::to_string(k) + ";\n";
      n -= k;
    }
  };
  for (const LayoutField& f : fields) {
    const std::string shown = f.name.empty() ? "(anonymous member)" : f.name;
    if (f.bitfield_size == 0) {
      if (f.bit_offset % 8 != 0) return make_error("member '" + shown + "' does not start on a byte");
      const uint64_t at = f.bit_offset / 8, reached = (bits + 7) / 8;
      if (at < reached) return make_error("member '" + shown + "' overlaps the one before it");
      if (at > reached) pad_bytes(at - reached);
      auto decl = declaration(f.type_id, f.name, depth);
      if (!decl) return decl.error();
      auto sz = size_of(f.type_id);
      if (!sz) return sz.error();
      out += pad(depth) + *decl + ";\n";
      bits = (at + *sz) * 8;
    } else {
      if (f.bit_offset < bits) return make_error("bitfield '" + shown + "' overlaps the member before it");
      const uint64_t gap = f.bit_offset - bits;
      if (bits % 8 == 0 && gap % 8 == 0 && gap > 0)
        pad_bytes(gap / 8);
      else
        pad_bits(gap);
      auto type = integer_type(f.type_id);
      if (!type) return make_error("bitfield '" + shown + "': " + type.error().message);
      out += pad(depth) + *type + " " + f.name + " : " + std::to_string(f.bitfield_size) + ";\n";
      bits = f.bit_offset + f.bitfield_size;
    }
  }
  const uint64_t reached = (bits + 7) / 8;
  if (reached > size) return make_error("members reach beyond the size of their struct");
  if (reached < size) pad_bytes(size - reached);
  // An empty C struct has size 0 but an empty C++ one size 1: a zero-length array keeps 0.
  if (size == 0 && fields.empty()) out += pad(depth) + "uint8_t " + next_pad_name() + "[0];\n";
  return out;
}

Result<std::string> WasmLayoutPrinter::union_body(const std::vector<LayoutField>& fields, uint64_t size,
                                                  int depth) const {
  std::string out;
  uint64_t largest = 0;
  for (const LayoutField& f : fields) {
    const std::string shown = f.name.empty() ? "(anonymous member)" : f.name;
    if (f.bit_offset != 0) return make_error("union member '" + shown + "' does not start at offset 0");
    if (f.bitfield_size != 0) {
      auto type = integer_type(f.type_id);
      if (!type) return make_error("bitfield '" + shown + "': " + type.error().message);
      out += pad(depth) + *type + " " + f.name + " : " + std::to_string(f.bitfield_size) + ";\n";
      largest = std::max<uint64_t>(largest, (f.bitfield_size + 7) / 8);
      continue;
    }
    auto decl = declaration(f.type_id, f.name, depth);
    if (!decl) return decl.error();
    auto sz = size_of(f.type_id);
    if (!sz) return sz.error();
    out += pad(depth) + *decl + ";\n";
    largest = std::max(largest, *sz);
  }
  if (largest > size) return make_error("a union member is larger than its union");
  if (largest < size) out += pad(depth) + "uint8_t " + next_pad_name() + "[" + std::to_string(size) + "];\n";
  return out;
}

namespace {

// A C literal for `v` of type int (INT32_MIN cannot be written as one negated literal).
std::string int_literal(int64_t v) {
  if (v == INT32_MIN) return "(-2147483647 - 1)";
  return std::to_string(v);
}

}  // namespace

std::string WasmLayoutPrinter::enum_body(uint32_t type_id, bool& beyond_int) const {
  const btf_type* t = btf__type_by_id(btf_, type_id);
  const bool is_signed = btf_kflag(t);
  std::string out;
  beyond_int = false;
  for (uint16_t i = 0; i < btf_vlen(t); ++i) {
    std::string name;
    std::string value;
    if (btf_is_enum(t)) {
      const struct btf_enum* e = btf_enum(t) + i;
      name = btf__name_by_offset(btf_, e->name_off);
      // ISO C wants enumerators in the range of int. A 4-byte enum holds 32 bits either way,
      // and clang 14 records no signedness (-1 arrives as 4294967295): printed as int, the
      // value keeps its bits and the enum its size.
      const uint32_t bits = static_cast<uint32_t>(e->val);
      if (t->size == 4 || is_signed || bits <= 0x7fffffffu) {
        value = int_literal(static_cast<int32_t>(bits));
      } else {
        value = std::to_string(bits) + "u";
        beyond_int = true;
      }
    } else {
      const struct btf_enum64* e = btf_enum64(t) + i;
      name = btf__name_by_offset(btf_, e->name_off);
      const uint64_t v = btf_enum64_value(e);
      const int64_t sv = static_cast<int64_t>(v);
      if (is_signed ? (sv >= INT32_MIN && sv <= INT32_MAX) : v <= 0x7fffffffu) {
        value = int_literal(is_signed ? sv : static_cast<int64_t>(v));
      } else {
        value = is_signed ? std::to_string(sv) + "ll" : std::to_string(v) + "ull";
        beyond_int = true;
      }
    }
    out += pad(1) + name + " = " + value + ",\n";
  }
  return out;
}

Result<std::string> WasmLayoutPrinter::definition(uint32_t type_id) const {
  const btf_type* t = btf__type_by_id(btf_, type_id);
  if (t == nullptr || !is_definable(type_id)) return make_error("BTF type " + std::to_string(type_id) + " has no name to define");
  uint32_t body_id = type_id;
  std::string typedef_name;
  if (btf_is_typedef(t)) {
    typedef_name = name_of(btf_, t);
    body_id = skip_modifiers(t->type);
  }
  const btf_type* bt = btf__type_by_id(btf_, body_id);
  const std::string name = name_of(btf_, bt);
  if (is_alias_of_named(type_id))
    return "typedef " + std::string(btf_is_struct(bt) ? "struct " : btf_is_union(bt) ? "union " : "enum ") + name + " " +
           typedef_name + ";\n";
  std::string head, tail;
  std::string body;
  bool beyond_int = false;
  if (is_any_enum(bt)) {
    head = "enum" + (name.empty() ? std::string() : " " + name);
    body = enum_body(body_id, beyond_int);
    tail = "}";
  } else {
    head = std::string(btf_is_struct(bt) ? "struct" : "union") + (name.empty() ? std::string() : " " + name);
    start_definition(fields_of(body_id));
    auto b = record_body(body_id, 1);
    if (!b) return make_error(head + ": " + b.error().message);
    body = *b;
    tail = "} __attribute__((packed))";
  }
  std::string text = typedef_name.empty() ? head + " {\n" + body + tail + ";\n"
                                          : "typedef " + head + " {\n" + body + tail + " " + typedef_name + ";\n";
  // Enumerators beyond int (64-bit enums) are valid C++ and C23 but an extension in C11.
  if (beyond_int)
    text = "#if !defined(__cplusplus)\n#pragma GCC diagnostic push\n#pragma GCC diagnostic ignored \"-Wpedantic\"\n#endif\n" +
           text + "#if !defined(__cplusplus)\n#pragma GCC diagnostic pop\n#endif\n";
  return text;
}

std::string WasmLayoutPrinter::static_assert_preamble() {
  return "#ifndef WASM_BPF_STATIC_ASSERT\n"
         "#ifdef __cplusplus\n"
         "#define WASM_BPF_STATIC_ASSERT(cond, msg) static_assert(cond, msg)\n"
         "#else\n"
         "#define WASM_BPF_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)\n"
         "#endif\n"
         "#endif\n";
}

std::string WasmLayoutPrinter::definition_guard(uint32_t type_id) const {
  const btf_type* t = btf__type_by_id(btf_, type_id);
  if (t == nullptr) return "";
  const char* kind = btf_is_typedef(t) ? "typedef" : btf_is_struct(t) ? "struct" : btf_is_union(t) ? "union" : "enum";
  return std::string("WASM_BPF_DEFINED_") + kind + "_" + name_of(btf_, t);
}

Result<std::string> WasmLayoutPrinter::guarded_definition(uint32_t type_id) const {
  auto def = definition(type_id);
  if (!def) return def.error();
  const std::string guard = definition_guard(type_id);
  std::string out = "#ifndef " + guard + "\n#define " + guard + "\n" + *def;
  const btf_type* t = btf__type_by_id(btf_, type_id);
  uint32_t body = type_id;
  if (btf_is_typedef(t)) body = skip_modifiers(t->type);
  const btf_type* bt = btf__type_by_id(btf_, body);
  if (bt != nullptr && is_record(bt)) {
    const std::string ref = type_reference(type_id);
    out += "WASM_BPF_STATIC_ASSERT(sizeof(" + ref + ") == " + std::to_string(bt->size) + ", \"" + ref +
           " has the BPF layout\");\n";
  }
  return out + "#endif\n";
}

void WasmLayoutPrinter::dependencies(uint32_t type_id, bool top, std::vector<uint32_t>& out,
                                     std::set<uint32_t>& seen) const {
  uint32_t id = skip_modifiers(type_id);
  const btf_type* t = id == 0 ? nullptr : btf__type_by_id(btf_, id);
  if (t == nullptr) return;
  switch (btf_kind(t)) {
    case BTF_KIND_ARRAY:
      dependencies(btf_array(t)->type, false, out, seen);
      return;
    case BTF_KIND_TYPEDEF: {
      const uint32_t target = skip_modifiers(t->type);
      if (is_alias_of_named(id)) {
        // Uses print the named target ("struct inner"), so only the target must be defined;
        // the alias itself is defined where it was asked for (top).
        const btf_type* tt = btf__type_by_id(btf_, target);
        if (is_any_enum(tt) && tt->size != 4) {
          if (!seen.count(target)) {
            seen.insert(target);
            out.push_back(target);
          }
        } else {
          dependencies(target, false, out, seen);
        }
        if (top && !seen.count(id)) {
          seen.insert(id);
          out.push_back(id);
        }
        return;
      }
      if (is_definable(id)) {
        if (seen.count(id)) return;
        seen.insert(id);
        dependencies(target, true, out, seen);  // its members, not the anonymous body itself
        out.push_back(id);
        return;
      }
      dependencies(t->type, top, out, seen);
      return;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: {
      const bool named = !name_of(btf_, t).empty();
      // An anonymous type printed under a typedef's name needs that typedef defined first.
      if (!named && !top) {
        auto it = anon_typedef_ids_.find(id);
        if (it != anon_typedef_ids_.end()) return dependencies(it->second, false, out, seen);
      }
      const bool is_node = named && !top &&
                           (is_record(t) || (btf_is_enum(t) && t->size == 4));
      if (is_node) {
        if (seen.count(id)) return;
        seen.insert(id);
      }
      if (is_record(t)) {
        for (const LayoutField& f : fields_of(id))
          if (f.bitfield_size == 0) dependencies(f.type_id, false, out, seen);
      }
      if (is_node) out.push_back(id);
      return;
    }
    default:
      return;  // integers, pointers (printed as uint64_t), floats
  }
}

void WasmLayoutPrinter::collect_dependencies(uint32_t type_id, std::vector<uint32_t>& out) const {
  std::set<uint32_t> seen(out.begin(), out.end());
  dependencies(type_id, true, out, seen);
}

void WasmLayoutPrinter::collect_used_definitions(uint32_t type_id, std::vector<uint32_t>& out) const {
  std::set<uint32_t> seen(out.begin(), out.end());
  dependencies(type_id, false, out, seen);
}

}  // namespace wb::gen
