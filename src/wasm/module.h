// SPDX-License-Identifier: MIT
// A decoded, validated and translated WebAssembly module. Immutable once loaded; shared by
// all of its instances.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "wasm/types.h"

namespace wb::wasm {

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t type_index = 0;  // Func
  TableType table;          // Table
  MemoryType memory;        // Memory
  GlobalType global;        // Global
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

// A constant expression of core 2.0: one instruction followed by `end`.
struct ConstExpr {
  enum class Op : uint8_t { Const, RefNull, RefFunc, GlobalGet };
  Op op = Op::Const;
  ValType type = ValType::I32;
  uint64_t bits = 0;   // Const
  uint32_t index = 0;  // RefFunc, GlobalGet
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t table = 0;
  ConstExpr offset;
  ValType type = ValType::FuncRef;
  std::vector<ConstExpr> items;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t memory = 0;
  ConstExpr offset;
  std::vector<uint8_t> bytes;
};

// The message of a load that ModuleOptions::interrupted ended.
inline constexpr const char* kInterruptedLoad = "interrupted while loading";

struct ModuleOptions {
  // Upper bound accepted for memory minimums and maximums, in pages (65536 = 4 GiB).
  uint32_t max_memory_pages = 65536;
  // Asked between functions while translating: true ends the load with an error that says
  // it was interrupted (a large module takes a while; --timeout and Ctrl-C stop it).
  std::function<bool()> interrupted;
};

// The translated code of a module and each tier's state for it: internal (wasm/code.h).
struct ModuleCode;

class Module {
 public:
  Module();
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Decodes, validates and translates a binary module. Errors name the section and offset.
  static Result<std::shared_ptr<const Module>> load(std::span<const uint8_t> bytes,
                                                    const ModuleOptions& options = {});

  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> func_types;  // type index of every function, imports first
  std::vector<TableType> tables;     // imports first
  std::vector<MemoryType> memories;  // imports first
  std::vector<GlobalType> globals;   // imports first
  std::vector<ConstExpr> global_inits;  // one per defined global
  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;
  std::vector<Export> exports;
  // Indices of `exports` sorted by name: find_export is a binary search (a module may have a
  // million exports, and hosts look one up at every call).
  std::vector<uint32_t> exports_by_name;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> data_count;
  std::unordered_map<uint32_t, std::string> func_names;  // from the name section

  const FuncType& func_type(uint32_t func_index) const { return types[func_types[func_index]]; }
  // A printable name for a function: the name section's, else its export name, else "func[N]".
  std::string function_name(uint32_t func_index) const;
  const Export* find_export(std::string_view name) const;

  // Internal: the engine's translated code of the defined functions (validated once, run by
  // either tier). Nothing outside the engine needs it.
  const ModuleCode& code() const { return *code_; }
  ModuleCode& code() { return *code_; }

 private:
  std::unique_ptr<ModuleCode> code_;
};

}  // namespace wb::wasm
