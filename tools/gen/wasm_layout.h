// SPDX-License-Identifier: MIT
// C declarations, printed from BTF, whose layout on wasm32 is byte for byte the layout the
// BPF program (64-bit) uses: every struct and union is packed and spells its padding out,
// pointers become uint64_t, `long` becomes int64_t, and so on. A wasm32 guest can then read
// ring buffer records and map values, and write global data, with plain member access.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

struct btf;
struct btf_type;

namespace wb::gen {

// One member of a struct, union or data section.
struct LayoutField {
  std::string name;           // empty for an anonymous struct/union member
  uint32_t type_id = 0;
  uint64_t bit_offset = 0;
  uint32_t bitfield_size = 0;  // 0: not a bitfield
};

class WasmLayoutPrinter {
 public:
  struct Options {
    std::string indent = "\t";
  };

  WasmLayoutPrinter(const btf* btf, Options options);

  // Named structs, unions and enums that a declaration of `type_id` needs defined first
  // (types reached by value, not through pointers), in dependency order, not repeated.
  void collect_dependencies(uint32_t type_id, std::vector<uint32_t>& out) const;

  // The named types that a declaration of a member or variable of type `type_id` needs
  // defined first (the type itself included when it is named), in dependency order.
  void collect_used_definitions(uint32_t type_id, std::vector<uint32_t>& out) const;

  // "struct NAME {...} __attribute__((packed));" (or an enum definition) for a named type,
  // "typedef struct {...} __attribute__((packed)) NAME;" for a typedef of an anonymous one,
  // "typedef struct NAME ALIAS;" for a typedef of a named one.
  Result<std::string> definition(uint32_t type_id) const;

  // definition(), followed for structs and unions by a size assertion, inside
  // `#ifndef GUARD / #define GUARD ... #endif` with GUARD = definition_guard(type_id): a
  // skeleton and a layout header (`gen header`) that both define a type can be included in
  // the same file. Uses WASM_BPF_STATIC_ASSERT (static_assert_preamble()).
  Result<std::string> guarded_definition(uint32_t type_id) const;

  // "WASM_BPF_DEFINED_struct_NAME", "WASM_BPF_DEFINED_typedef_NAME", ...
  std::string definition_guard(uint32_t type_id) const;

  // Defines WASM_BPF_STATIC_ASSERT(cond, msg) unless defined: static_assert in C++,
  // _Static_assert in C (either one is an extension in the other language: -Wpedantic).
  static std::string static_assert_preamble();

  // The members of a struct-like body: `fields` (sorted by offset) padded to `size` bytes,
  // one member per line at `depth` levels of indentation (a definition of its own).
  Result<std::string> struct_body(const std::vector<LayoutField>& fields, uint64_t size, int depth) const;

  // The C spelling used to refer to a named type, e.g. "struct event", "enum kind", "my_t".
  std::string type_reference(uint32_t type_id) const;

  // The name under which an anonymous struct/union/enum is known through a typedef, if any.
  std::string typedef_name_of(uint32_t anon_type_id) const;

  // Types `definition` can print: named struct/union/enum, typedef of an anonymous one,
  // typedef of a named struct/union/enum (unless its name starts with "__": reserved names
  // that system headers of the guest may use).
  bool is_definable(uint32_t type_id) const;

  // Size in bytes of a type as BPF sees it.
  Result<uint64_t> size_of(uint32_t type_id) const;

 private:
  uint32_t skip_modifiers(uint32_t id) const;
  bool is_alias_of_named(uint32_t type_id) const;
  Result<std::string> declaration(uint32_t type_id, const std::string& declarator, int depth) const;
  Result<std::string> integer_type(uint32_t type_id) const;
  Result<std::string> record_body(uint32_t type_id, int depth) const;
  Result<std::string> union_body(const std::vector<LayoutField>& fields, uint64_t size, int depth) const;
  Result<std::string> fields_body(const std::vector<LayoutField>& fields, uint64_t size, int depth) const;
  std::string enum_body(uint32_t type_id, bool& beyond_int) const;
  std::vector<LayoutField> fields_of(uint32_t type_id) const;
  void dependencies(uint32_t type_id, bool top, std::vector<uint32_t>& out, std::set<uint32_t>& seen) const;
  std::string pad(int depth) const;
  std::string next_pad_name() const;
  void collect_member_names(uint32_t type_id, int guard) const;
  void start_definition(const std::vector<LayoutField>& fields) const;

  const btf* btf_;
  Options opts_;
  std::map<uint32_t, std::string> anon_typedef_names_;  // anonymous type id -> typedef name
  std::map<uint32_t, uint32_t> anon_typedef_ids_;       // anonymous type id -> typedef id
  // Padding members are named __pad0, __pad1, ... uniquely within one printed definition
  // (anonymous struct/union members share their parent's scope), avoiding real names.
  mutable int pad_index_ = 0;
  mutable std::set<std::string> member_names_;
};

// "bool", "char", "int32_t", "uint64_t", ... for a BTF INT of that size and encoding.
std::string c_integer_name(const std::string& btf_name, uint32_t size, bool is_signed, bool is_bool);

}  // namespace wb::gen
