// SPDX-License-Identifier: MIT
// Binary decoder: sections, types, imports, exports, segments, constant expressions.
// Function bodies are handed to the compiler (validation + translation) as they are read.
#include <algorithm>
#include <unordered_set>

#include "wasm/code.h"
#include "wasm/compiler.h"
#include "wasm/module.h"
#include "wasm/reader.h"

namespace wb::wasm {
namespace {

constexpr uint32_t kMaxPages = 65536;
// Implementation limits (the spec allows them; these are the JS API's). Each bounds work
// that a few bytes of module could otherwise multiply: tables are allocated at
// instantiation, and validating or translating a call, branch or block costs time in the
// number of values it passes.
constexpr uint32_t kMaxFunctions = 1000000;
constexpr uint32_t kMaxTables = 100000;
constexpr uint32_t kMaxParams = 1000;
constexpr uint32_t kMaxResults = 1000;

class Decoder {
 public:
  Decoder(std::span<const uint8_t> bytes, const ModuleOptions& opts)
      : r_(bytes.data(), bytes.data() + bytes.size()), opts_(opts), m_(std::make_shared<Module>()) {}

  Result<std::shared_ptr<const Module>> run() {
    if (!decode()) {
      std::string msg = r_.failed() ? r_.error() : error_;
      return make_error(msg);
    }
    return std::shared_ptr<const Module>(std::move(m_));
  }

 private:
  bool fail(std::string msg) { return r_.fail(std::move(msg)); }

  bool decode();
  bool section(uint8_t id, Reader& s);
  bool valtype(Reader& s, ValType& t);
  bool reftype(Reader& s, ValType& t);
  bool limits(Reader& s, Limits& l, uint64_t max_allowed, const char* what);
  bool table_type(Reader& s, TableType& t);
  bool memory_type(Reader& s, MemoryType& t);
  bool global_type(Reader& s, GlobalType& t);
  bool const_expr(Reader& s, ValType expected, ConstExpr& e);
  bool type_section(Reader& s);
  bool import_section(Reader& s);
  bool function_section(Reader& s);
  bool table_section(Reader& s);
  bool memory_section(Reader& s);
  bool global_section(Reader& s);
  bool export_section(Reader& s);
  bool start_section(Reader& s);
  bool element_section(Reader& s);
  bool code_section(Reader& s);
  bool data_section(Reader& s);
  void name_section(Reader s);
  bool sub_fail(Reader& s) {
    // Propagate a sub-reader's error into the main reader's.
    return r_.fail_raw(s.error());
  }

  Reader r_;
  const ModuleOptions& opts_;
  std::shared_ptr<Module> m_;
  std::string error_;
  uint32_t declared_func_count_ = 0;  // function section entries
  bool has_code_section_ = false;
  bool has_function_section_ = false;
  std::vector<uint8_t> declared_refs_;
};

bool Decoder::decode() {
  uint32_t magic, version;
  if (r_.remaining() < 4 || !r_.fixed32(magic) || magic != 0x6D736100)
    return fail("magic header not detected: not a WebAssembly module");
  if (!r_.fixed32(version)) return fail("unexpected end: no version");
  if (version != 1) return fail("unknown binary version " + std::to_string(version));

  // Non-custom sections must appear at most once, in this order.
  static constexpr int kOrder[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};  // by id: position
  int last_order = 0;
  while (!r_.eof()) {
    uint8_t id;
    uint32_t size;
    if (!r_.u8(id) || !r_.u32(size)) return false;
    if (id > 12) return fail("malformed section id " + std::to_string(id));
    const uint8_t* body;
    size_t body_offset = r_.offset();
    if (size > r_.remaining()) return fail("section size mismatch: section " + std::to_string(id) + " runs past the end");
    if (!r_.bytes(body, size)) return false;
    Reader s(body, body + size, body_offset);
    if (id != 0) {
      int ord = kOrder[id];
      if (ord <= last_order) return fail("unexpected content after last section (section " + std::to_string(id) + " out of order or repeated)");
      last_order = ord;
    }
    if (!section(id, s)) return s.failed() ? sub_fail(s) : false;
    if (!s.eof()) return fail("section size mismatch (section " + std::to_string(id) + ")");
  }
  if (has_function_section_ && declared_func_count_ != 0 && !has_code_section_)
    return fail("function and code section have inconsistent lengths");
  if (m_->data_count && *m_->data_count != m_->datas.size())
    return fail("data count and data section have inconsistent lengths");
  return true;
}

bool Decoder::section(uint8_t id, Reader& s) {
  switch (id) {
    case 0: {
      std::string name;
      if (!s.name(name)) return false;
      if (name == "name") name_section(Reader(s.pos(), s.end(), s.offset()));
      s.skip(s.remaining());
      return true;
    }
    case 1: return type_section(s);
    case 2: return import_section(s);
    case 3: return function_section(s);
    case 4: return table_section(s);
    case 5: return memory_section(s);
    case 6: return global_section(s);
    case 7: return export_section(s);
    case 8: return start_section(s);
    case 9: return element_section(s);
    case 10: return code_section(s);
    case 11: return data_section(s);
    case 12: {
      uint32_t n;
      if (!s.u32(n)) return false;
      m_->data_count = n;
      return true;
    }
  }
  return false;
}

bool Decoder::valtype(Reader& s, ValType& t) {
  uint8_t b;
  if (!s.u8(b)) return false;
  switch (b) {
    case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x70: case 0x6F:
      t = static_cast<ValType>(b);
      return true;
    case 0x7B:
      return s.fail("SIMD is not supported (v128 value type)");
  }
  return s.fail("malformed value type 0x" + std::to_string(b));
}

bool Decoder::reftype(Reader& s, ValType& t) {
  uint8_t b;
  if (!s.u8(b)) return false;
  if (b != 0x70 && b != 0x6F) return s.fail("malformed reference type");
  t = static_cast<ValType>(b);
  return true;
}

bool Decoder::limits(Reader& s, Limits& l, uint64_t max_allowed, const char* what) {
  uint8_t flag;
  if (!s.u8(flag)) return false;
  if (flag > 1) return s.fail(flag == 2 || flag == 3 ? "shared memories are not supported" : "integer too large (limits flag)");
  uint32_t mn;
  if (!s.u32(mn)) return false;
  l.min = mn;
  if (flag == 1) {
    uint32_t mx;
    if (!s.u32(mx)) return false;
    l.max = mx;
  }
  if (l.min > max_allowed) return s.fail(std::string(what) + " size must be at most " + std::to_string(max_allowed) + " pages (4GiB)");
  if (l.max && *l.max > max_allowed) return s.fail(std::string(what) + " size must be at most " + std::to_string(max_allowed) + " pages (4GiB)");
  if (l.max && l.min > *l.max) return s.fail("size minimum must not be greater than maximum");
  return true;
}

bool Decoder::table_type(Reader& s, TableType& t) {
  return reftype(s, t.elem) && limits(s, t.limits, UINT32_MAX, "table");
}

bool Decoder::memory_type(Reader& s, MemoryType& t) {
  (void)opts_;
  return limits(s, t.limits, kMaxPages, "memory");
}

bool Decoder::global_type(Reader& s, GlobalType& t) {
  uint8_t mut;
  if (!valtype(s, t.type) || !s.u8(mut)) return false;
  if (mut > 1) return s.fail("malformed mutability");
  t.is_mutable = mut == 1;
  return true;
}

bool Decoder::const_expr(Reader& s, ValType expected, ConstExpr& e) {
  uint8_t op;
  if (!s.u8(op)) return false;
  ValType got;
  switch (op) {
    case 0x41: {
      int32_t v;
      if (!s.s32(v)) return false;
      e = {ConstExpr::Op::Const, ValType::I32, static_cast<uint32_t>(v), 0};
      got = ValType::I32;
      break;
    }
    case 0x42: {
      int64_t v;
      if (!s.s64(v)) return false;
      e = {ConstExpr::Op::Const, ValType::I64, static_cast<uint64_t>(v), 0};
      got = ValType::I64;
      break;
    }
    case 0x43: {
      uint32_t v;
      if (!s.fixed32(v)) return false;
      e = {ConstExpr::Op::Const, ValType::F32, v, 0};
      got = ValType::F32;
      break;
    }
    case 0x44: {
      uint64_t v;
      if (!s.fixed64(v)) return false;
      e = {ConstExpr::Op::Const, ValType::F64, v, 0};
      got = ValType::F64;
      break;
    }
    case 0xD0: {
      ValType t;
      if (!reftype(s, t)) return false;
      e = {ConstExpr::Op::RefNull, t, 0, 0};
      got = t;
      break;
    }
    case 0xD2: {
      uint32_t idx;
      if (!s.u32(idx)) return false;
      if (idx >= m_->func_types.size()) return s.fail("unknown function " + std::to_string(idx));
      e = {ConstExpr::Op::RefFunc, ValType::FuncRef, 0, idx};
      declared_refs_.resize(std::max<size_t>(declared_refs_.size(), idx + 1));
      declared_refs_[idx] = 1;
      got = ValType::FuncRef;
      break;
    }
    case 0x23: {
      uint32_t idx;
      if (!s.u32(idx)) return false;
      if (idx >= m_->num_imported_globals) return s.fail("unknown global " + std::to_string(idx));
      if (m_->globals[idx].is_mutable) return s.fail("constant expression required");
      got = m_->globals[idx].type;
      e = {ConstExpr::Op::GlobalGet, got, 0, idx};
      break;
    }
    case 0x0B:
      return s.fail("type mismatch: empty constant expression");
    default:
      return s.fail("constant expression required");
  }
  uint8_t end;
  if (!s.u8(end)) return false;
  if (end != 0x0B) {
    if (end == 0x41 || end == 0x42 || end == 0x43 || end == 0x44 || end == 0xD0 || end == 0xD2 || end == 0x23)
      return s.fail("type mismatch: constant expression leaves more than one value");
    return s.fail("constant expression required");
  }
  if (got != expected) return s.fail("type mismatch in constant expression");
  return true;
}

bool Decoder::type_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining()) return s.fail("unexpected end: too many types");
  m_->types.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t form;
    if (!s.u8(form)) return false;
    if (form != 0x60) return s.fail("integer representation too long / malformed function type");
    FuncType ft;
    uint32_t np, nr;
    if (!s.u32(np)) return false;
    if (np > s.remaining()) return s.fail("unexpected end");
    if (np > kMaxParams) return s.fail("too many parameters (" + std::to_string(np) + "; the limit is 1000)");
    ft.params.resize(np);
    for (auto& t : ft.params)
      if (!valtype(s, t)) return false;
    if (!s.u32(nr)) return false;
    if (nr > s.remaining()) return s.fail("unexpected end");
    if (nr > kMaxResults) return s.fail("too many results (" + std::to_string(nr) + "; the limit is 1000)");
    ft.results.resize(nr);
    for (auto& t : ft.results)
      if (!valtype(s, t)) return false;
    m_->types.push_back(std::move(ft));
  }
  return true;
}

bool Decoder::import_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining()) return s.fail("unexpected end: too many imports");
  for (uint32_t i = 0; i < n; ++i) {
    Import im;
    uint8_t kind;
    if (!s.name(im.module) || !s.name(im.name) || !s.u8(kind)) return false;
    switch (kind) {
      case 0:
        if (!s.u32(im.type_index)) return false;
        if (im.type_index >= m_->types.size()) return s.fail("unknown type " + std::to_string(im.type_index));
        im.kind = ExternKind::Func;
        m_->func_types.push_back(im.type_index);
        m_->num_imported_funcs++;
        break;
      case 1:
        if (!table_type(s, im.table)) return false;
        im.kind = ExternKind::Table;
        m_->tables.push_back(im.table);
        m_->num_imported_tables++;
        if (m_->tables.size() > kMaxTables) return s.fail("too many tables (the limit is 100000)");
        break;
      case 2:
        if (!memory_type(s, im.memory)) return false;
        im.kind = ExternKind::Memory;
        m_->memories.push_back(im.memory);
        m_->num_imported_memories++;
        if (m_->memories.size() > 1) return s.fail("multiple memories are not supported");
        break;
      case 3:
        if (!global_type(s, im.global)) return false;
        im.kind = ExternKind::Global;
        m_->globals.push_back(im.global);
        m_->num_imported_globals++;
        break;
      default:
        return s.fail("malformed import kind");
    }
    m_->imports.push_back(std::move(im));
  }
  return true;
}

bool Decoder::function_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining() || n > kMaxFunctions) return s.fail("unexpected end: too many functions");
  has_function_section_ = true;
  declared_func_count_ = n;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t t;
    if (!s.u32(t)) return false;
    if (t >= m_->types.size()) return s.fail("unknown type " + std::to_string(t));
    m_->func_types.push_back(t);
  }
  return true;
}

bool Decoder::table_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining()) return s.fail("unexpected end: too many tables");
  if (m_->tables.size() + n > kMaxTables) return s.fail("too many tables (the limit is 100000)");
  for (uint32_t i = 0; i < n; ++i) {
    TableType t;
    if (!table_type(s, t)) return false;
    m_->tables.push_back(t);
  }
  return true;
}

bool Decoder::memory_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining()) return s.fail("unexpected end: too many memories");
  for (uint32_t i = 0; i < n; ++i) {
    MemoryType t;
    if (!memory_type(s, t)) return false;
    m_->memories.push_back(t);
  }
  if (m_->memories.size() > 1) return s.fail("multiple memories are not supported");
  return true;
}

bool Decoder::global_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining()) return s.fail("unexpected end: too many globals");
  for (uint32_t i = 0; i < n; ++i) {
    GlobalType t;
    ConstExpr e;
    if (!global_type(s, t) || !const_expr(s, t.type, e)) return false;
    m_->globals.push_back(t);
    m_->global_inits.push_back(e);
  }
  return true;
}

bool Decoder::export_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining()) return s.fail("unexpected end: too many exports");
  for (uint32_t i = 0; i < n; ++i) {
    Export e;
    uint8_t kind;
    if (!s.name(e.name) || !s.u8(kind) || !s.u32(e.index)) return false;
    if (kind > 3) return s.fail("malformed export kind");
    e.kind = static_cast<ExternKind>(kind);
    size_t limit = 0;
    switch (e.kind) {
      case ExternKind::Func: limit = m_->func_types.size(); break;
      case ExternKind::Table: limit = m_->tables.size(); break;
      case ExternKind::Memory: limit = m_->memories.size(); break;
      case ExternKind::Global: limit = m_->globals.size(); break;
    }
    if (e.index >= limit) return s.fail(std::string("unknown ") + to_string(e.kind) + " " + std::to_string(e.index));
    if (e.kind == ExternKind::Func) {
      declared_refs_.resize(std::max<size_t>(declared_refs_.size(), e.index + 1));
      declared_refs_[e.index] = 1;
    }
    m_->exports.push_back(std::move(e));
  }
  // Sorted, duplicates are neighbours: n log n whatever the names (a hash set of names could
  // be flooded with colliding ones).
  auto& order = m_->exports_by_name;
  order.resize(m_->exports.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto& ex = m_->exports;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ex[a].name < ex[b].name; });
  for (size_t i = 1; i < order.size(); ++i) {
    if (ex[order[i]].name == ex[order[i - 1]].name) return s.fail("duplicate export name \"" + ex[order[i]].name + "\"");
  }
  return true;
}

bool Decoder::start_section(Reader& s) {
  uint32_t idx;
  if (!s.u32(idx)) return false;
  if (idx >= m_->func_types.size()) return s.fail("unknown function " + std::to_string(idx));
  const FuncType& t = m_->func_type(idx);
  if (!t.params.empty() || !t.results.empty()) return s.fail("start function must have type [] -> []");
  m_->start = idx;
  return true;
}

bool Decoder::element_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining()) return s.fail("unexpected end: too many segments");
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t flags;
    if (!s.u32(flags)) return false;
    if (flags > 7) return s.fail("malformed elements segment kind");
    ElemSegment seg;
    bool passive_or_decl = flags & 1;
    bool explicit_table = flags & 2;
    bool exprs = flags & 4;
    if (!passive_or_decl) {
      seg.mode = SegmentMode::Active;
      if (explicit_table && !s.u32(seg.table)) return false;
      if (!const_expr(s, ValType::I32, seg.offset)) return false;
    } else {
      seg.mode = explicit_table ? SegmentMode::Declarative : SegmentMode::Passive;
    }
    if (passive_or_decl || explicit_table) {
      if (exprs) {
        if (!reftype(s, seg.type)) return false;
      } else {
        uint8_t kind;
        if (!s.u8(kind)) return false;
        if (kind != 0) return s.fail("malformed element kind");
        seg.type = ValType::FuncRef;
      }
    }
    uint32_t count;
    if (!s.u32(count)) return false;
    if (count > s.remaining()) return s.fail("unexpected end: too many elements");
    seg.items.reserve(count);
    for (uint32_t k = 0; k < count; ++k) {
      ConstExpr e;
      if (exprs) {
        if (!const_expr(s, seg.type, e)) return false;
      } else {
        uint32_t idx;
        if (!s.u32(idx)) return false;
        if (idx >= m_->func_types.size()) return s.fail("unknown function " + std::to_string(idx));
        e = {ConstExpr::Op::RefFunc, ValType::FuncRef, 0, idx};
        declared_refs_.resize(std::max<size_t>(declared_refs_.size(), idx + 1));
        declared_refs_[idx] = 1;
      }
      seg.items.push_back(e);
    }
    if (seg.mode == SegmentMode::Active) {
      if (seg.table >= m_->tables.size()) return s.fail("unknown table " + std::to_string(seg.table));
      if (m_->tables[seg.table].elem != seg.type) return s.fail("type mismatch: element segment type differs from table");
    }
    m_->elems.push_back(std::move(seg));
  }
  return true;
}

bool Decoder::code_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  has_code_section_ = true;
  if (n != declared_func_count_) return s.fail("function and code section have inconsistent lengths");
  m_->code().functions.resize(n);
  declared_refs_.resize(m_->func_types.size());
  CompileScratch scratch;
  CompileContext ctx{*m_, declared_refs_, scratch, m_->code().words};
  std::vector<size_t> offsets(n);
  // Room for the translated code up front (about 3 words per byte of wasm is generous):
  // growing the vector function by function copied the code already translated, and the
  // final shrink copied it once more. Pages of the reservation that are never written cost
  // no memory.
  m_->code().words.reserve(std::min<size_t>(s.remaining(), size_t{1} << 28) * 3);
  for (uint32_t i = 0; i < n; ++i) {
    if (opts_.interrupted && i % 256 == 0 && opts_.interrupted()) return s.fail_raw(kInterruptedLoad);
    offsets[i] = m_->code().words.size();
    uint32_t size;
    if (!s.u32(size)) return false;
    const uint8_t* body;
    size_t off = s.offset();
    if (!s.bytes(body, size)) return s.fail("unexpected end: function body exceeds the section");
    std::string err;
    uint32_t func_index = m_->num_imported_funcs + i;
    if (!compile_function(ctx, func_index, Reader(body, body + size, off), m_->code().functions[i], err))
      return s.fail_raw(err + " in function " + std::to_string(func_index));
  }
  for (uint32_t i = 0; i < n; ++i) m_->code().functions[i].code = m_->code().words.data() + offsets[i];
  return true;
}

bool Decoder::data_section(Reader& s) {
  uint32_t n;
  if (!s.u32(n)) return false;
  if (n > s.remaining()) return s.fail("unexpected end: too many data segments");
  if (m_->data_count && *m_->data_count != n) return s.fail("data count and data section have inconsistent lengths");
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t flags;
    if (!s.u32(flags)) return false;
    DataSegment seg;
    if (flags == 1) {
      seg.mode = SegmentMode::Passive;
    } else if (flags == 0 || flags == 2) {
      if (flags == 2 && !s.u32(seg.memory)) return false;
      if (seg.memory >= m_->memories.size()) return s.fail("unknown memory " + std::to_string(seg.memory));
      if (!const_expr(s, ValType::I32, seg.offset)) return false;
    } else {
      return s.fail("malformed data segment kind");
    }
    uint32_t len;
    if (!s.u32(len)) return false;
    const uint8_t* b;
    if (!s.bytes(b, len)) return s.fail("unexpected end of section or function: data segment");
    seg.bytes.assign(b, b + len);
    m_->datas.push_back(std::move(seg));
  }
  return true;
}

void Decoder::name_section(Reader s) {
  // Best effort: a malformed name section is ignored, as the spec allows.
  while (!s.eof()) {
    uint8_t id;
    uint32_t size;
    if (!s.u8(id) || !s.u32(size) || size > s.remaining()) return;
    Reader sub(s.pos(), s.pos() + size, s.offset());
    s.skip(size);
    if (id != 1) continue;
    uint32_t n;
    if (!sub.u32(n)) return;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t idx;
      std::string name;
      if (!sub.u32(idx) || !sub.name(name)) return;
      m_->func_names[idx] = std::move(name);
    }
  }
}

}  // namespace

Module::Module() : code_(std::make_unique<ModuleCode>()) {}
Module::~Module() = default;

Result<std::shared_ptr<const Module>> Module::load(std::span<const uint8_t> bytes, const ModuleOptions& options) {
  return Decoder(bytes, options).run();
}

std::string Module::function_name(uint32_t func_index) const {
  if (auto it = func_names.find(func_index); it != func_names.end()) return it->second;
  for (const auto& e : exports)
    if (e.kind == ExternKind::Func && e.index == func_index) return e.name;
  if (func_index < num_imported_funcs) {
    uint32_t k = 0;
    for (const auto& im : imports)
      if (im.kind == ExternKind::Func && k++ == func_index) return im.module + "." + im.name;
  }
  return "func[" + std::to_string(func_index) + "]";
}

const Export* Module::find_export(std::string_view name) const {
  auto it = std::lower_bound(exports_by_name.begin(), exports_by_name.end(), name,
                             [&](uint32_t i, std::string_view n) { return exports[i].name < n; });
  if (it == exports_by_name.end() || exports[*it].name != name) return nullptr;
  return &exports[*it];
}

}  // namespace wb::wasm
