// SPDX-License-Identifier: MIT
// Internal: the engine's side of the runtime objects of engine.h. A Function, Memory, Table,
// Global or Instance that a caller holds is always one of the objects below (the store makes
// nothing else), so the engine reaches their data with impl(p), a cast that costs nothing.
// Embedders never see this header (tests/engine_seam_test.sh).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "wasm/engine.h"

namespace wb::wasm {

struct CompiledFunction;  // code.h
struct CallFrame;         // interp.h

// A store holds one per function of every instance (a module may define a million), so a
// wasm function is five words: its name is worked out when asked for (traps, errors), and
// what only host functions have is kept apart.
struct FunctionObj final : Function {
  struct Host {
    HostFunc fn;
    std::string name;
  };
  uint32_t type_id_ = 0;          // canonical id: equal types have equal ids in a store
  uint32_t index_ = 0;            // function index in its module (wasm functions)
  const FuncType* type_ = nullptr;
  InstanceObj* instance_ = nullptr;  // owning instance; nullptr for host functions
  const CompiledFunction* code_ = nullptr;
  std::unique_ptr<Host> host_;    // host functions only
};

struct MemoryObj final : Memory {
  MemoryObj() = default;
  ~MemoryObj();
  using Memory::base_;
  using Memory::size_bytes_;
  uint64_t max_pages_ = 0;     // effective maximum (type max capped by the store's limit)
  bool refused_by_store_limit_ = false;
  uint64_t reserved_ = 0;      // bytes of address space reserved
  bool guarded_ = false;       // reserved_ covers any 32-bit address + offset (compiled code)
  MemoryType type_;
};

struct TableObj final : Table {
  std::vector<uint64_t> elems_;
  uint64_t max_ = 0;
  TableType type_;
  StoreState* store_ = nullptr;  // charged for every element (StoreLimits::max_table_elements)
};

struct GlobalObj final : Global {
  uint64_t value_ = 0;  // compiled code reads and writes it at offsetof(GlobalObj, value_)
  GlobalType type_;
};

struct InstanceObj final : Instance {
  std::shared_ptr<const Module> module_;
  std::vector<Function*> funcs_;  // the index spaces, imports first
  std::vector<Table*> tables_;
  std::vector<Memory*> memories_;
  std::vector<Global*> globals_;
  std::vector<uint32_t> type_ids_;                 // canonical id of each module type
  std::vector<std::vector<uint64_t>> elem_values_;  // evaluated element segments (empty once dropped)
  std::vector<uint8_t> data_dropped_;
  JitInstance* jit_ = nullptr;  // compiled tier's state (owned), nullptr when interpreted
  const uint32_t* interp_code_ = nullptr;  // the module's code bound for the interpreter
};

inline FunctionObj* impl(Function* p) { return static_cast<FunctionObj*>(p); }
inline const FunctionObj* impl(const Function* p) { return static_cast<const FunctionObj*>(p); }
inline MemoryObj* impl(Memory* p) { return static_cast<MemoryObj*>(p); }
inline const MemoryObj* impl(const Memory* p) { return static_cast<const MemoryObj*>(p); }
inline TableObj* impl(Table* p) { return static_cast<TableObj*>(p); }
inline const TableObj* impl(const Table* p) { return static_cast<const TableObj*>(p); }
inline GlobalObj* impl(Global* p) { return static_cast<GlobalObj*>(p); }
inline const GlobalObj* impl(const Global* p) { return static_cast<const GlobalObj*>(p); }
inline InstanceObj* impl(Instance* p) { return static_cast<InstanceObj*>(p); }
inline const InstanceObj* impl(const Instance* p) { return static_cast<const InstanceObj*>(p); }

// What a Store owns and what both tiers keep per store: the objects, the value and call
// stacks, the interpreter's and the compiled tier's per-store state.
struct StoreState {
  static StoreState& of(Store& s) { return *s.state_; }
  static const StoreState& of(const Store& s) { return *s.state_; }

  explicit StoreState(Store& owner);
  ~StoreState();

  uint32_t intern_type(const FuncType& t);
  // Charges n table elements against StoreLimits::max_table_elements; false if over.
  bool take_table_elements(uint64_t n);
  void release_table_elements(uint64_t n) { table_elements_ -= n; }
  // The value stack has `slots` free slots above stack_top_ (a call from the embedder or the
  // host starts there); false too when the stack could not be mapped.
  bool room_for(size_t slots) const { return stack_limit_ != nullptr && stack_top_ + slots <= stack_limit_; }
  // Calls host function f with its argument slots at fp, where its results come back (i32
  // and f32 results zero-extended); `caller` is the calling instance (nullptr for the
  // embedder). A re-entrant call from the host function starts above those slots. Both tiers
  // and call/call_raw make host calls through here.
  std::optional<Trap> call_host(Function* f, uint64_t* fp, Instance* caller);
  // Runs wasm function f with whichever tier its instance uses (the interpreter's or the
  // compiled tier's execute(): the same contract).
  std::optional<Trap> run(Function* f, uint64_t* args);

  Store& store;                            // the owner: its limits and interrupt flag
  const StoreLimits& limits;
  std::atomic<uint32_t>* const interrupt;

  uint64_t* stack_limit_ = nullptr;
  uint64_t* stack_top_ = nullptr;  // first free value slot (where a re-entrant call starts)
  CallFrame* frame_top_ = nullptr;  // first free call frame
  CallFrame* frame_limit_ = nullptr;
  uint32_t native_depth_ = 0;       // nested interpreter activations (host -> guest re-entry)
  std::optional<Trap> host_trap_;   // what the host function just called returned (interpreter
                                    // scratch: a member, so guest entry need not build one)
  JitThread* jit_thread_ = nullptr; // the compiled tier's per-store state (owned), made on first use

  struct TypeHash {
    size_t operator()(const FuncType& t) const noexcept;
  };
  std::vector<std::unique_ptr<FuncType>> type_table_;
  std::unordered_map<FuncType, uint32_t, TypeHash> type_ids_;  // canonical id of each type
  uint64_t table_elements_ = 0;  // elements of all tables
  std::deque<FunctionObj> functions_;
  std::vector<std::unique_ptr<MemoryObj>> memories_;
  std::deque<TableObj> tables_;
  std::deque<GlobalObj> globals_;
  std::deque<InstanceObj> instances_;
  uint64_t* stack_mem_ = nullptr;
  CallFrame* frames_mem_ = nullptr;  // mapped like stack_mem_: pages are touched only when used
};

}  // namespace wb::wasm
