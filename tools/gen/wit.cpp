// SPDX-License-Identifier: MIT
// `wasm-bpf gen wit` and `btf2wit`: a WIT world with the types of a BPF object's BTF.
//
// Mapping (also in docs/sdk.md):
//   struct            -> record (padding dropped; anonymous struct members are flattened,
//                        other anonymous structs become records named PARENT-FIELD)
//   union             -> type NAME = list<u8> (the raw bytes; members listed in a comment)
//   enum              -> flags when it has at least two non-zero enumerators, every non-zero
//                        value is a distinct single bit below bit 32 and none is negative (a
//                        zero-valued enumerator is dropped; flag i is bit i, unnamed bits are
//                        called bitN); otherwise enum (cases in value order, values in comments)
//   typedef           -> type alias, except typedefs whose names start with "__" or spell a
//                        WIT built-in type (u32, ...), which are replaced by their target
//   T[N]              -> list<T>
//   pointers          -> u64 (a kernel or BPF address)
//   integers          -> s8..s64 / u8..u64, bool; 128-bit ones tuple<u64, u64>
//   float, double     -> f32, f64
// Names become kebab-case (exit_code -> exit-code); WIT keywords are escaped with '%'.
#include <bpf/btf.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "gen/btf_source.h"
#include "gen/generators.h"
#include "gen/type_selection.h"
#include "gen/wasm_layout.h"

namespace wb::gen {
namespace {

const std::set<std::string>& wit_keywords() {
  static const std::set<std::string> k = {
      "as",     "async",  "bool",   "borrow",  "char",    "constructor", "enum",   "error-context",
      "export", "f32",    "f64",    "flags",   "float32", "float64",     "from",   "func",
      "future", "import", "include", "interface", "list", "own",        "option", "package",
      "record", "resource", "result", "s16",   "s32",     "s64",         "s8",     "static",
      "stream", "string", "tuple",  "type",    "u16",     "u32",         "u64",    "u8",
      "use",    "variant", "with",  "world"};
  return k;
}

bool is_builtin_type_name(const std::string& s) {
  static const std::set<std::string> k = {"bool", "char", "f32", "f64", "float32", "float64", "s8", "s16",
                                          "s32",  "s64",  "u8", "u16", "u32",     "u64",     "string"};
  return k.count(s) != 0;
}

// exit_code -> exit-code, sockAddr -> sock-addr, __u32 -> u32, 3com -> n3com.
std::string kebab(const std::string& name) {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(cur);
    cur.clear();
  };
  unsigned char prev = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (!std::isalnum(c)) {
      flush();
    } else {
      // a new word where camelCase turns upper: sockAddr -> sock-addr (ALL_CAPS stays one)
      if (std::isupper(c) && std::islower(prev)) flush();
      cur += static_cast<char>(std::tolower(c));
    }
    prev = c;
  }
  flush();
  std::vector<std::string> merged;
  for (const std::string& w : words) {
    if (std::isdigit(static_cast<unsigned char>(w[0]))) {
      if (merged.empty())
        merged.push_back("n" + w);
      else
        merged.back() += w;
    } else {
      merged.push_back(w);
    }
  }
  std::string out;
  for (const std::string& w : merged) out += (out.empty() ? "" : "-") + w;
  return out.empty() ? "unnamed" : out;
}

std::string escape(const std::string& ident) { return wit_keywords().count(ident) ? "%" + ident : ident; }

class WitWriter {
 public:
  WitWriter(const btf* b, const WasmLayoutPrinter& printer) : b_(b), printer_(printer) {}

  Result<void> define_root(uint32_t id) {
    auto r = type_ref(id, "");
    if (!r) return r.error();
    return {};
  }

  std::string items() const {
    std::string out;
    for (const std::string& item : items_) out += "\n" + item;
    return out;
  }

 private:
  std::string name_of(const btf_type* t) const {
    const char* n = btf__name_by_offset(b_, t->name_off);
    return n ? n : "";
  }

  uint32_t skip_modifiers(uint32_t id) const {
    for (int guard = 0; guard < 64 && id != 0; ++guard) {
      const btf_type* t = btf__type_by_id(b_, id);
      if (!btf_is_mod(t)) break;
      id = t->type;
    }
    return id;
  }

  // A fresh top-level name based on `base`.
  std::string claim(const std::string& base) {
    std::string n = base;
    for (int i = 2; used_.count(n) || is_builtin_type_name(n); ++i) n = base + "-" + std::to_string(i);
    used_.insert(n);
    return n;
  }

  static std::string integer(uint32_t size, bool is_signed, bool is_bool) {
    if (is_bool && size == 1) return "bool";
    switch (size) {
      case 1: return is_signed ? "s8" : "u8";
      case 2: return is_signed ? "s16" : "u16";
      case 4: return is_signed ? "s32" : "u32";
      case 8: return is_signed ? "s64" : "u64";
      case 16: return "tuple<u64, u64>";
    }
    return "";
  }

  // The WIT type for BTF type `type_id`, defining what it needs first. `context` names an
  // anonymous struct after where it is used.
  Result<std::string> type_ref(uint32_t type_id, const std::string& context) {
    const uint32_t id = skip_modifiers(type_id);
    const btf_type* t = id == 0 ? nullptr : btf__type_by_id(b_, id);
    if (t == nullptr) return make_error("a member of '" + context + "' has type void");
    if (auto it = names_.find(id); it != names_.end()) return escape(it->second);
    const std::string cname = name_of(t);
    switch (btf_kind(t)) {
      case BTF_KIND_INT: {
        const uint32_t enc = btf_int_encoding(t);
        std::string s = integer(t->size, enc & BTF_INT_SIGNED, enc & BTF_INT_BOOL);
        if (s.empty()) return make_error("unsupported integer type '" + cname + "'");
        return s;
      }
      case BTF_KIND_FLOAT:
        if (t->size == 4) return std::string("f32");
        if (t->size == 8) return std::string("f64");
        return make_error("unsupported floating point type '" + cname + "'");
      case BTF_KIND_PTR:
        return std::string("u64");
      case BTF_KIND_ARRAY: {
        auto elem = type_ref(btf_array(t)->type, context);
        if (!elem) return elem;
        return "list<" + *elem + ">";
      }
      case BTF_KIND_TYPEDEF:
        return typedef_ref(id, t, context);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: {
        std::string base = cname;
        if (base.empty()) base = printer_.typedef_name_of(id);
        if (base.empty()) {
          if (btf_is_union(t)) return std::string("list<u8>");
          if (btf_is_enum(t) || btf_kind(t) == BTF_KIND_ENUM64) return integer(t->size, btf_kflag(t), false);
          base = context.empty() ? "anonymous" : context;
        }
        return define(id, t, kebab(base));
      }
      case BTF_KIND_FWD:
        return make_error("incomplete type '" + cname + "' used by value");
      default:
        return make_error("BTF kind " + std::to_string(btf_kind(t)) + " has no WIT equivalent");
    }
  }

  Result<std::string> typedef_ref(uint32_t id, const btf_type* t, const std::string& context) {
    const std::string cname = name_of(t);
    const uint32_t target = skip_modifiers(t->type);
    // A typedef of an anonymous struct/union/enum names that type.
    if (target != 0 && printer_.typedef_name_of(target) == cname) {
      auto r = type_ref(target, cname);
      if (r) names_[id] = names_[target];
      return r;
    }
    const std::string k = kebab(cname);
    if (cname.rfind("__", 0) == 0 || is_builtin_type_name(k)) return type_ref(t->type, context);
    auto aliased = type_ref(t->type, cname);
    if (!aliased) return aliased;
    const std::string n = claim(k);
    names_[id] = n;
    items_.push_back("/// C: typedef " + cname + "\ntype " + escape(n) + " = " + *aliased + ";\n");
    return escape(n);
  }

  Result<std::string> define(uint32_t id, const btf_type* t, const std::string& base) {
    if (btf_is_union(t)) {
      const std::string n = claim(base);
      names_[id] = n;
      std::string members;
      const btf_member* m = btf_members(t);
      for (uint16_t i = 0; i < btf_vlen(t); ++i) {
        const char* mn = btf__name_by_offset(b_, m[i].name_off);
        members += std::string(members.empty() ? "" : ", ") + (mn && *mn ? mn : "(anonymous)");
      }
      items_.push_back("/// C: union " + name_of(t) + " (" + std::to_string(t->size) + " bytes): " + members +
                       "\ntype " + escape(n) + " = list<u8>;\n");
      return escape(n);
    }
    if (btf_is_enum(t) || btf_kind(t) == BTF_KIND_ENUM64) return define_enum(id, t, base);
    return define_record(id, t, base);
  }

  Result<void> record_fields(uint32_t id, const std::string& record, std::vector<std::string>& lines,
                             std::set<std::string>& field_names, int& anon_unions) {
    const btf_type* t = btf__type_by_id(b_, id);
    const btf_member* m = btf_members(t);
    for (uint16_t i = 0; i < btf_vlen(t); ++i) {
      const std::string mname = btf__name_by_offset(b_, m[i].name_off);
      if (mname.empty()) {
        const uint32_t mt = skip_modifiers(m[i].type);
        const btf_type* mtt = btf__type_by_id(b_, mt);
        if (mtt != nullptr && btf_is_struct(mtt)) {
          auto r = record_fields(mt, record, lines, field_names, anon_unions);
          if (!r) return r;
          continue;
        }
        std::string f = "anonymous-union";
        if (anon_unions++ > 0) f += "-" + std::to_string(anon_unions);
        field_names.insert(f);
        lines.push_back(f + ": list<u8>,");
        continue;
      }
      auto type = type_ref(m[i].type, record + "-" + kebab(mname));
      if (!type) return make_error(record + "." + mname + ": " + type.error().message);
      std::string f = kebab(mname);
      for (int k = 2; field_names.count(f); ++k) f = kebab(mname) + "-" + std::to_string(k);
      field_names.insert(f);
      lines.push_back(escape(f) + ": " + *type + ",");
    }
    return {};
  }

  Result<std::string> define_record(uint32_t id, const btf_type* t, const std::string& base) {
    const std::string n = claim(base);
    names_[id] = n;
    std::vector<std::string> lines;
    std::set<std::string> field_names;
    int anon_unions = 0;
    auto r = record_fields(id, n, lines, field_names, anon_unions);
    if (!r) return r.error();
    const std::string cname = name_of(t).empty() ? "(anonymous)" : name_of(t);
    if (lines.empty()) {
      items_.push_back("/// C: struct " + cname + " (no members)\ntype " + escape(n) + " = list<u8>;\n");
      return escape(n);
    }
    std::string item = "/// C: struct " + cname + " (" + std::to_string(t->size) + " bytes)\nrecord " + escape(n) + " {\n";
    for (const std::string& l : lines) item += "  " + l + "\n";
    items_.push_back(item + "}\n");
    return escape(n);
  }

  Result<std::string> define_enum(uint32_t id, const btf_type* t, const std::string& base) {
    struct Case {
      std::string name;
      int64_t value;
    };
    std::vector<Case> cases;
    for (uint16_t i = 0; i < btf_vlen(t); ++i) {
      if (btf_is_enum(t)) {
        const struct btf_enum* e = btf_enum(t) + i;
        const int64_t v = btf_kflag(t) ? static_cast<int64_t>(static_cast<int32_t>(e->val))
                                       : static_cast<int64_t>(static_cast<uint32_t>(e->val));
        cases.push_back({btf__name_by_offset(b_, e->name_off), v});
      } else {
        const struct btf_enum64* e = btf_enum64(t) + i;
        cases.push_back({btf__name_by_offset(b_, e->name_off), static_cast<int64_t>(btf_enum64_value(e))});
      }
    }
    const std::string n = claim(base);
    names_[id] = n;
    const std::string cname = name_of(t).empty() ? "(anonymous)" : name_of(t);
    if (cases.empty()) {
      items_.push_back("/// C: enum " + cname + " (no enumerators)\ntype " + escape(n) + " = " +
                       integer(t->size, btf_kflag(t), false) + ";\n");
      return escape(n);
    }
    // Bitmask-like: every non-zero value a distinct single bit below 32, at least two of them.
    bool flags = true;
    int nonzero = 0;
    uint64_t seen_bits = 0;
    for (const Case& c : cases) {
      if (c.value == 0) continue;
      const uint64_t v = static_cast<uint64_t>(c.value);
      if (c.value < 0 || (v & (v - 1)) != 0 || v >= (1ull << 32) || (seen_bits & v)) {
        flags = false;
        break;
      }
      seen_bits |= v;
      ++nonzero;
    }
    if (nonzero < 2) flags = false;
    std::set<std::string> taken;
    auto case_name = [&](const std::string& raw) {
      std::string k = kebab(raw);
      for (int i = 2; taken.count(k); ++i) k = kebab(raw) + "-" + std::to_string(i);
      taken.insert(k);
      return escape(k);
    };
    std::string item;
    if (flags) {
      int highest = 0;
      for (int bit = 0; bit < 32; ++bit)
        if (seen_bits & (1ull << bit)) highest = bit;
      item = "/// C: enum " + cname + " (bit flags: flag i is bit i)\nflags " + escape(n) + " {\n";
      for (int bit = 0; bit <= highest; ++bit) {
        std::string line = "bit" + std::to_string(bit);
        for (const Case& c : cases)
          if (static_cast<uint64_t>(c.value) == (1ull << bit)) line = c.name;
        item += "  " + case_name(line) + ",\n";
      }
    } else {
      std::vector<Case> sorted = cases;
      std::stable_sort(sorted.begin(), sorted.end(), [](const Case& a, const Case& b) { return a.value < b.value; });
      item = "/// C: enum " + cname + " (WIT enums are ordinal: the C values are noted)\nenum " + escape(n) + " {\n";
      for (const Case& c : sorted) item += "  /// = " + std::to_string(c.value) + "\n  " + case_name(c.name) + ",\n";
    }
    items_.push_back(item + "}\n");
    return escape(n);
  }

  const btf* b_;
  const WasmLayoutPrinter& printer_;
  std::map<uint32_t, std::string> names_;
  std::set<std::string> used_;
  std::vector<std::string> items_;
};

std::string indent_block(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(start, nl - start);
    out += line.empty() ? "\n" : "  " + line + "\n";
    start = nl + 1;
  }
  return out;
}

}  // namespace

Result<std::string> wit_world(const std::string& btf_path, const WitOptions& options) {
  auto loaded = load_btf(btf_path);
  if (!loaded) return loaded.error();
  const btf* b = loaded->get();
  WasmLayoutPrinter printer(b, WasmLayoutPrinter::Options{});
  auto roots = select_types(b, printer, options.types);
  if (!roots) return roots.error();

  WitWriter writer(b, printer);
  for (uint32_t id : *roots) {
    auto r = writer.define_root(id);
    if (!r) return r.error();
  }
  const std::string source = options.source_name.empty() ? btf_path : options.source_name;
  std::string base = source.substr(source.find_last_of('/') == std::string::npos ? 0 : source.find_last_of('/') + 1);
  base = base.substr(0, base.find('.'));
  const std::string world = options.world.empty() ? kebab(base) : options.world;
  const std::string package = options.package.empty() ? "wasm-bpf:" + world : options.package;

  std::ostringstream o;
  o << "// Generated by `wasm-bpf gen wit` from " << source << ". Do not edit.\n"
    << "// The types of the object's BTF; see docs/sdk.md for how C types map to WIT.\n"
    << "package " << package << ";\n\n"
    << "world " << escape(world) << " {\n"
    << indent_block(writer.items().empty() ? std::string() : writer.items().substr(1)) << "}\n";
  return o.str();
}

}  // namespace wb::gen
