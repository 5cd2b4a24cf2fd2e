// SPDX-License-Identifier: MIT
// The embedding API of the WebAssembly engine. WASI, the wasm_bpf host functions, the spec
// harness and embedders all use only this header (plus host.h for typed host functions).
//
//   auto mod = Module::load(bytes);                 // decode + validate + translate
//   Store store;                                    // owns every runtime object
//   Imports imports;
//   imports.add("env", "f", store.create_host_function(type, callable, "env.f"));
//   auto inst = store.instantiate(*mod, imports);   // links, initialises, runs start
//   auto out = store.call(inst.value()->function("run"), {Value::i32(1)});
//
// Errors: load/instantiate failures are Error values; calls return a Trap.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/result.h"
#include "wasm/module.h"
#include "wasm/types.h"

namespace wb::wasm {

class Store;
class Instance;
// The engine's side of the runtime objects below (objects.h: their data, what the tiers
// read) and of the compiled tier (jit.h): only their names appear here.
struct FunctionObj;
struct MemoryObj;
struct TableObj;
struct GlobalObj;
struct InstanceObj;
struct StoreState;
struct JitInstance;
struct JitThread;

enum class TrapKind : uint8_t {
  Trap,         // a WebAssembly trap (unreachable, out of bounds, division by zero, ...)
  Exhaustion,   // call stack exhausted
  Interrupted,  // the store's interrupt handle was triggered
  Exit,         // the guest asked to exit (e.g. WASI proc_exit); exit_code is set
  Host,         // a host function failed
};

struct Trap {
  TrapKind kind = TrapKind::Trap;
  std::string message;   // "integer divide by zero"
  std::string function;  // where it happened, when known
  int32_t exit_code = 0;
  std::string to_string() const;  // "integer divide by zero (in function `foo`)"
};

template <class T>
using CallResult = Expected<T, Trap>;

// Context handed to host functions: the calling instance, its memory, re-entrant calls.
class HostContext {
 public:
  HostContext(Store& store, Instance* caller) : store_(store), caller_(caller) {}
  Store& store() { return store_; }
  Instance* caller() { return caller_; }
  // The caller's exported "memory", else its memory 0; nullptr if it has none.
  Memory* memory();
  // Calls a function (usually one found through the caller's table), re-entrantly.
  CallResult<std::vector<Value>> call(Function* f, std::span<const Value> args);
  // The same without allocation; see Store::call_raw.
  std::optional<Trap> call_raw(Function* f, const uint64_t* args, uint64_t* results);

 private:
  Store& store_;
  Instance* caller_;
};

// A host function receives its arguments as raw 64-bit slots (i32/f32 in the low bits) and
// writes its results the same way. `results` may alias `args`: read every argument before
// writing a result. Returning a Trap aborts the guest.
using HostFunc = std::function<std::optional<Trap>(HostContext&, const uint64_t* args, uint64_t* results)>;

// Runtime objects (Function, Memory, Table, Global, Instance) are made and owned by a Store;
// callers hold pointers to them. Their data is the engine's (objects.h): a class here has
// no data member other than what its inline accessors read, and only the engine can make one.

class Function {
 public:
  const FuncType& type() const;
  bool is_host() const;
  // The name section's name, else the first export's, else "func[N]"; a host function's
  // debug name.
  std::string name() const;
  // A wasm function's index in its module's function index space (imports first).
  uint32_t index() const;

 private:
  friend struct FunctionObj;
  Function() = default;
  ~Function() = default;
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;
};

// A linear memory. Its base address never moves (address space for the maximum is reserved
// up front), so pointers obtained from it stay valid across memory.grow; contents may change.
class Memory {
 public:
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  uint64_t size() const { return size_bytes_; }  // in bytes
  uint32_t pages() const { return static_cast<uint32_t>(size_bytes_ >> 16); }
  const MemoryType& type() const;
  // Grows by delta pages; returns the old size in pages, or -1 if the limit forbids it.
  int64_t grow(uint64_t delta_pages);
  // A grow the module's own maximum allows was refused by the store's limit (so the embedder
  // can say which option to raise).
  bool refused_by_store_limit() const;

  bool in_bounds(uint64_t offset, uint64_t length) const {
    return offset <= size_bytes_ && length <= size_bytes_ - offset;
  }
  // A checked pointer to [offset, offset+length), or nullptr if out of bounds.
  uint8_t* span(uint64_t offset, uint64_t length) {
    return in_bounds(offset, length) ? base_ + offset : nullptr;
  }
  bool read(uint64_t offset, void* dst, size_t length) const;
  bool write(uint64_t offset, const void* src, size_t length);
  template <class T>
  std::optional<T> load(uint64_t offset) const {
    T v;
    if (!read(offset, &v, sizeof v)) return std::nullopt;
    return v;
  }
  template <class T>
  bool store(uint64_t offset, const T& v) {
    return write(offset, &v, sizeof v);
  }
  // The NUL-terminated string at offset, if it ends inside memory within max_length bytes.
  std::optional<std::string_view> c_string(uint64_t offset, size_t max_length = SIZE_MAX) const;

 private:
  friend struct MemoryObj;
  Memory() = default;
  ~Memory() = default;
  // Where the memory starts and its current size: what the inline accessors above read.
  uint8_t* base_ = nullptr;
  uint64_t size_bytes_ = 0;
};

class Table {
 public:
  const TableType& type() const;
  uint32_t size() const;
  std::optional<Value> get(uint32_t index) const;
  bool set(uint32_t index, Value v);
  // Grows by delta elements set to init; returns the old size, or -1 if the table's maximum,
  // the store's limit on table elements or the allocator forbids it (never throws).
  int64_t grow(uint32_t delta, Value init);

 private:
  friend struct TableObj;
  Table() = default;
  ~Table() = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
};

class Global {
 public:
  const GlobalType& type() const;
  Value get() const;
  bool set(Value v);  // false if immutable or of another type

 private:
  friend struct GlobalObj;
  Global() = default;
  ~Global() = default;
  Global(const Global&) = delete;
  Global& operator=(const Global&) = delete;
};

using Extern = std::variant<Function*, Table*, Memory*, Global*>;
ExternKind extern_kind(const Extern& e);

// Named imports for instantiation: (module, name) -> extern.
class Imports {
 public:
  // A later add of the same (module, name) replaces the earlier one.
  void add(std::string module, std::string name, Extern value);
  const Extern* find(std::string_view module, std::string_view name) const;

 private:
  // Keyed by the length of the module name, ':', the module name and the name, so that
  // any bytes (NUL included) may appear in either; hashed because a module may have
  // tens of thousands of imports.
  std::unordered_map<std::string, Extern> entries_;
};

class Instance {
 public:
  const Module& module() const;
  std::optional<Extern> get_export(std::string_view name) const;
  Function* function(std::string_view export_name) const;
  Memory* memory(std::string_view export_name) const;
  Table* table(std::string_view export_name) const;
  Global* global(std::string_view export_name) const;
  // The function in table `table_index` at `elem_index`, or nullptr (out of range or null).
  Function* table_function(uint32_t table_index, uint32_t elem_index) const;
  // The instance's index spaces, imports first (what `call N`, `memory N`, `global.get N`
  // name), exported or not.
  std::span<Function* const> functions() const;
  std::span<Table* const> tables() const;
  std::span<Memory* const> memories() const;
  std::span<Global* const> globals() const;

 private:
  friend struct InstanceObj;
  Instance() = default;
  ~Instance() = default;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
};

// How a store runs wasm code.
enum class Tier : uint8_t {
  Compiler,     // compiled to machine code on first call (x86-64); the interpreter elsewhere
  Interpreter,  // always interpreted
};

struct StoreLimits {
  Tier tier = Tier::Compiler;
  uint32_t max_memory_pages = 65536;     // cap on every memory of the store (4 GiB)
  uint32_t max_call_depth = 20000;        // wasm frames; deeper calls trap "call stack exhausted"
  uint32_t value_stack_slots = 1u << 20;  // 8 MiB of 8-byte slots
  // Elements (8 bytes each) of all tables of the store together: a module may declare many
  // tables, so a per-table cap alone would not bound memory. Creating a table beyond it
  // fails; table.grow beyond it returns -1.
  uint64_t max_table_elements = 10'000'000;
  // Nested interpreter activations (guest -> host -> guest -> ...): each one uses native
  // stack, so deeper re-entry traps with "call stack exhausted (too many nested host calls)".
  uint32_t max_nested_calls = 64;
};

// Interrupt flag values.
enum : uint32_t { kRunning = 0, kInterruptRequested = 1, kPauseRequested = 2 };

// Stops a running guest from another thread or a signal handler (async-signal-safe): the
// guest traps with TrapKind::Interrupted at its next function entry or loop back-edge.
// The flag stays set after that trap: every later call of a wasm function in the store traps
// "interrupted" at its entry until reset() is called, so an interrupt that arrives just as a
// call ends is not lost; call reset() before running the guest again.
//
// A handle shares ownership of the flag, so it stays valid after its Store is destroyed
// (interrupting then has no effect); raw() does not, and is for signal handlers, which
// must not touch a shared_ptr.
class InterruptHandle {
 public:
  InterruptHandle() = default;
  explicit InterruptHandle(std::shared_ptr<std::atomic<uint32_t>> flag) : flag_(std::move(flag)) {}
  void interrupt() const {
    if (flag_) flag_->store(kInterruptRequested, std::memory_order_relaxed);
  }
  void reset() const {
    if (flag_) flag_->store(kRunning, std::memory_order_relaxed);
  }
  // Pause: the guest blocks at its next check point until resume() (or interrupt()).
  void pause() const {
    uint32_t expected = kRunning;
    if (flag_) flag_->compare_exchange_strong(expected, kPauseRequested);
  }
  void resume() const {
    uint32_t expected = kPauseRequested;
    if (flag_) flag_->compare_exchange_strong(expected, kRunning);
  }
  bool requested() const { return flag_ && flag_->load(std::memory_order_relaxed) != kRunning; }
  bool stop_requested() const { return flag_ && flag_->load(std::memory_order_relaxed) == kInterruptRequested; }
  std::atomic<uint32_t>* raw() const { return flag_.get(); }

 private:
  std::shared_ptr<std::atomic<uint32_t>> flag_;
};

// Owns every runtime object (functions, memories, tables, globals, instances) until destroyed.
class Store {
 public:
  explicit Store(StoreLimits limits = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreLimits& limits() const { return limits_; }

  Function* create_host_function(const FuncType& type, HostFunc fn, std::string debug_name);
  Result<Memory*> create_memory(const MemoryType& type);
  Result<Table*> create_table(const TableType& type, Value init);
  Result<Global*> create_global(const GlobalType& type, Value init);

  // Links imports (by module and name, with type checks), allocates, initialises tables and
  // memories from segments and runs the start function. Link errors begin with "unknown
  // import" or "incompatible import type"; a trap during initialisation is reported too.
  // When the start function traps and `start_trap` is given, the trap is stored there too
  // (its kind tells an exit or an interrupt from a fault).
  Result<Instance*> instantiate(std::shared_ptr<const Module> module, const Imports& imports,
                                std::optional<Trap>* start_trap = nullptr);

  CallResult<std::vector<Value>> call(Function* f, std::span<const Value> args);
  // Fast path for hot callbacks: raw argument slots in, raw result slots out (i32/f32 in the
  // low bits). The caller guarantees the argument count and types match f's type.
  std::optional<Trap> call_raw(Function* f, const uint64_t* args, uint64_t* results);

  // Compiles every function of a wasm instance now instead of at its first call (to measure
  // the cost, or to move it before a timed phase). Returns how many functions were compiled:
  // 0 when the instance is interpreted.
  size_t compile_all(Instance* instance);
  // Compiles now what the first call of wasm function f would compile (f and its direct
  // callees, up to a budget): the compiling a run pays before its entry point starts. False
  // when f is interpreted or the compilation failed.
  bool compile_first_call(Function* f);

  InterruptHandle interrupt_handle() const { return InterruptHandle(interrupt_); }
  // Some memory of the store was refused a grow by StoreLimits::max_memory_pages.
  bool memory_refused_by_limit() const;
  // Called when the flag is set: blocks while paused; returns true to continue running,
  // false to stop.
  bool wait_while_paused();
  // A check point of running code (a loop back-edge, a function entry, a piece of a long
  // bulk operation): true to go on, false to stop with TrapKind::Interrupted. `flag` is the
  // store's interrupt flag (interrupt_handle().raw()), which a caller in a hot loop keeps at
  // hand.
  bool keep_running(const std::atomic<uint32_t>* flag) {
    return flag->load(std::memory_order_relaxed) == kRunning || wait_while_paused();
  }

 private:
  friend struct StoreState;
  StoreLimits limits_;
  std::shared_ptr<std::atomic<uint32_t>> interrupt_;
  std::unique_ptr<StoreState> state_;  // the objects, the stacks, the tiers' per-store state
};

namespace jit {
struct Activation;
}

// One function called many times in a row from inside a host call: a ring-buffer callback,
// once per record. What every Store::call_raw would check and set up is done once, here, so a
// call costs little more than the function's own code. Use it only while the host call that
// made it runs (it is a local of that host function); after a trap, stop calling.
class RepeatedCall {
 public:
  // f's type must be what the caller passes: as many argument and result slots as it has.
  RepeatedCall(Store& store, Function* f);
  ~RepeatedCall();
  RepeatedCall(const RepeatedCall&) = delete;
  RepeatedCall& operator=(const RepeatedCall&) = delete;

  // Raw slots in and out, as call_raw. False when the call trapped (or could not start):
  // take_trap() says why. Inline: compiled code is entered directly from the caller.
  bool call(const uint64_t* args, uint64_t* results) {
    if (enter_ != nullptr) [[likely]] {
      for (uint32_t i = 0; i < params_; ++i) frame_[i] = args[i];
      if (enter_(ji_, jt_, frame_, code_, mem_) != 0) [[unlikely]]
        return trapped();
      for (uint32_t i = 0; i < results_; ++i) results[i] = frame_[i];
      return true;
    }
    return call_slow(args, results);
  }
  Trap take_trap() { return std::move(*trap_); }
  bool has_trap() const { return trap_.has_value(); }

  // Event delivery: for each record in turn, copies min(size, max) bytes of it to `dst` (guest
  // memory at `dst_offset`, checked for `max` bytes by the caller) and calls f(ctx, dst_offset,
  // that length), an (i32, i32, i32) -> i32 function. Stops after a call that returns a
  // negative value (stored in *status), after a call that leaves *stop true, or at a trap
  // (take_trap()). Returns the number of calls that returned. With compiled code the whole
  // loop runs in one stub, without coming back to C++ between records.
  struct Record {
    const void* data;
    uint64_t size;
  };
  struct Delivery {
    uint32_t ctx = 0;
    uint32_t dst_offset = 0;
    uint8_t* dst = nullptr;
    uint32_t max = 0;
    const bool* stop = nullptr;
  };
  size_t call_each(const Record* records, size_t n, const Delivery& d, int32_t* status);

 private:
  using EnterFn = uint32_t (*)(JitInstance*, JitThread*, uint64_t* fp, const void* code, uint8_t* mem_base);
  bool call_slow(const uint64_t* args, uint64_t* results);
  [[gnu::cold]] bool trapped();

  Store& store_;
  Function* f_;
  uint32_t params_ = 0, results_ = 0;
  // The compiled tier's entry, set while calls can go straight in (null: through call_raw).
  EnterFn enter_ = nullptr;
  JitInstance* ji_ = nullptr;
  JitThread* jt_ = nullptr;
  const void* code_ = nullptr;
  uint8_t* mem_ = nullptr;
  uint64_t* frame_ = nullptr;                // where arguments go
  std::unique_ptr<jit::Activation> active_;  // open while enter_ may be used; closed at the end
  std::optional<Trap> trap_;
};

}  // namespace wb::wasm
