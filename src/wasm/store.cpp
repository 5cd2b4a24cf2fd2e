// SPDX-License-Identifier: MIT
// Runtime objects and instantiation: memories, tables, globals, imports, the store.
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>
#include <thread>

#include "wasm/code.h"
#include "wasm/engine.h"
#include "wasm/interp.h"
#include "wasm/jit.h"
#include "wasm/objects.h"

namespace wb::wasm {

namespace {
constexpr uint64_t kPageSize = 65536;

// Reserves `bytes` of address space, inaccessible until committed.
void* reserve(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}
bool commit(void* p, size_t bytes) { return bytes == 0 || mprotect(p, bytes, PROT_READ | PROT_WRITE) == 0; }
}  // namespace

// ---- Memory -----------------------------------------------------------------------------------
MemoryObj::~MemoryObj() {
  if (base_ != nullptr) munmap(base_, reserved_);
}

const MemoryType& Memory::type() const { return impl(this)->type_; }
bool Memory::refused_by_store_limit() const { return impl(this)->refused_by_store_limit_; }

int64_t Memory::grow(uint64_t delta_pages) {
  MemoryObj& m = *impl(this);
  uint64_t old_pages = size_bytes_ / kPageSize;
  if (delta_pages == 0) return static_cast<int64_t>(old_pages);
  if (delta_pages > m.max_pages_ || old_pages + delta_pages > m.max_pages_) {
    if (old_pages + delta_pages <= m.type_.limits.max.value_or(65536)) m.refused_by_store_limit_ = true;
    return -1;
  }
  uint64_t new_bytes = (old_pages + delta_pages) * kPageSize;
  if (!commit(base_ + size_bytes_, new_bytes - size_bytes_)) return -1;
  size_bytes_ = new_bytes;
  return static_cast<int64_t>(old_pages);
}

bool Memory::read(uint64_t offset, void* dst, size_t length) const {
  if (!in_bounds(offset, length)) return false;
  if (length) std::memcpy(dst, base_ + offset, length);
  return true;
}

bool Memory::write(uint64_t offset, const void* src, size_t length) {
  if (!in_bounds(offset, length)) return false;
  if (length) std::memcpy(base_ + offset, src, length);
  return true;
}

std::optional<std::string_view> Memory::c_string(uint64_t offset, size_t max_length) const {
  if (offset >= size_bytes_) return std::nullopt;
  size_t avail = static_cast<size_t>(std::min<uint64_t>(size_bytes_ - offset, max_length));
  const void* nul = std::memchr(base_ + offset, 0, avail);
  if (nul == nullptr) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(base_ + offset),
                          static_cast<size_t>(static_cast<const uint8_t*>(nul) - (base_ + offset)));
}

// ---- Table / Global ---------------------------------------------------------------------------
const TableType& Table::type() const { return impl(this)->type_; }
uint32_t Table::size() const { return static_cast<uint32_t>(impl(this)->elems_.size()); }

std::optional<Value> Table::get(uint32_t index) const {
  const TableObj& t = *impl(this);
  if (index >= t.elems_.size()) return std::nullopt;
  return Value{t.type_.elem, t.elems_[index]};
}

bool Table::set(uint32_t index, Value v) {
  TableObj& t = *impl(this);
  if (index >= t.elems_.size() || v.type != t.type_.elem) return false;
  t.elems_[index] = v.bits;
  return true;
}

int64_t Table::grow(uint32_t delta, Value init) {
  TableObj& t = *impl(this);
  uint64_t old = t.elems_.size();
  if (delta == 0) return static_cast<int64_t>(old);
  if (old + delta > t.max_) return -1;
  if (t.store_ != nullptr && !t.store_->take_table_elements(delta)) return -1;
  try {
    t.elems_.resize(old + delta, init.bits);
  } catch (const std::bad_alloc&) {
    // table.grow reports failure with -1; the guest decides what to do about it.
    if (t.store_ != nullptr) t.store_->release_table_elements(delta);
    return -1;
  }
  return static_cast<int64_t>(old);
}

const GlobalType& Global::type() const { return impl(this)->type_; }
Value Global::get() const { return Value{impl(this)->type_.type, impl(this)->value_}; }

bool Global::set(Value v) {
  GlobalObj& g = *impl(this);
  if (!g.type_.is_mutable || v.type != g.type_.type) return false;
  g.value_ = v.bits;
  return true;
}

// ---- Imports / Instance -----------------------------------------------------------------------
ExternKind extern_kind(const Extern& e) { return static_cast<ExternKind>(e.index()); }

namespace {
std::string import_key(std::string_view module, std::string_view name) {
  std::string key = std::to_string(module.size());
  key += ':';
  key += module;
  key += name;
  return key;
}
}  // namespace

void Imports::add(std::string module, std::string name, Extern value) {
  entries_.insert_or_assign(import_key(module, name), value);
}

const Extern* Imports::find(std::string_view module, std::string_view name) const {
  auto it = entries_.find(import_key(module, name));
  return it == entries_.end() ? nullptr : &it->second;
}

const Module& Instance::module() const { return *impl(this)->module_; }
std::span<Function* const> Instance::functions() const { return impl(this)->funcs_; }
std::span<Table* const> Instance::tables() const { return impl(this)->tables_; }
std::span<Memory* const> Instance::memories() const { return impl(this)->memories_; }
std::span<Global* const> Instance::globals() const { return impl(this)->globals_; }

std::optional<Extern> Instance::get_export(std::string_view name) const {
  const InstanceObj& i = *impl(this);
  const Export* e = i.module_->find_export(name);
  if (e == nullptr) return std::nullopt;
  switch (e->kind) {
    case ExternKind::Func: return Extern{i.funcs_[e->index]};
    case ExternKind::Table: return Extern{i.tables_[e->index]};
    case ExternKind::Memory: return Extern{i.memories_[e->index]};
    case ExternKind::Global: return Extern{i.globals_[e->index]};
  }
  return std::nullopt;
}

template <class T>
static T* export_as(const Instance& inst, std::string_view name) {
  auto e = inst.get_export(name);
  if (!e) return nullptr;
  T* const* p = std::get_if<T*>(&*e);
  return p ? *p : nullptr;
}

Function* Instance::function(std::string_view name) const { return export_as<Function>(*this, name); }
Memory* Instance::memory(std::string_view name) const { return export_as<Memory>(*this, name); }
Table* Instance::table(std::string_view name) const { return export_as<Table>(*this, name); }
Global* Instance::global(std::string_view name) const { return export_as<Global>(*this, name); }

Function* Instance::table_function(uint32_t table_index, uint32_t elem_index) const {
  const auto& tables = impl(this)->tables_;
  if (table_index >= tables.size()) return nullptr;
  const TableObj* t = impl(tables[table_index]);
  if (t->type_.elem != ValType::FuncRef || elem_index >= t->elems_.size()) return nullptr;
  return reinterpret_cast<Function*>(t->elems_[elem_index]);
}

// ---- HostContext ------------------------------------------------------------------------------
Memory* HostContext::memory() {
  if (caller_ == nullptr) return nullptr;
  if (Memory* m = caller_->memory("memory")) return m;
  const auto& memories = impl(caller_)->memories_;
  return memories.empty() ? nullptr : memories[0];
}

CallResult<std::vector<Value>> HostContext::call(Function* f, std::span<const Value> args) {
  return store_.call(f, args);
}

std::optional<Trap> HostContext::call_raw(Function* f, const uint64_t* args, uint64_t* results) {
  return store_.call_raw(f, args, results);
}

// ---- Store ------------------------------------------------------------------------------------
Store::Store(StoreLimits limits)
    : limits_(limits),
      interrupt_(std::make_shared<std::atomic<uint32_t>>(kRunning)),
      state_(std::make_unique<StoreState>(*this)) {}

Store::~Store() = default;

StoreState::StoreState(Store& owner) : store(owner), limits(owner.limits()), interrupt(owner.interrupt_.get()) {
  // Value and call stacks: reserved lazily by the kernel (untouched pages cost nothing).
  size_t stack_bytes = static_cast<size_t>(limits.value_stack_slots) * sizeof(uint64_t);
  stack_mem_ = static_cast<uint64_t*>(mmap(nullptr, stack_bytes, PROT_READ | PROT_WRITE,
                                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  if (stack_mem_ == MAP_FAILED) stack_mem_ = nullptr;
  stack_top_ = stack_mem_;
  stack_limit_ = stack_mem_ ? stack_mem_ + limits.value_stack_slots : nullptr;
  // Frames too: zero-filling 20,000 of them up front cost ~120 page faults at every start.
  size_t frame_bytes = (static_cast<size_t>(limits.max_call_depth) + 1) * sizeof(CallFrame);
  void* frames = mmap(nullptr, frame_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (frames != MAP_FAILED) {
    frames_mem_ = static_cast<CallFrame*>(frames);
    frame_top_ = frames_mem_;
    frame_limit_ = frames_mem_ + limits.max_call_depth;
  }  // else frame_top_ == frame_limit_ == nullptr: every call traps "call stack exhausted"
}

StoreState::~StoreState() {
  for (InstanceObj& inst : instances_) jit::destroy(inst.jit_);
  jit::destroy(jit_thread_);
  if (stack_mem_ != nullptr) munmap(stack_mem_, static_cast<size_t>(limits.value_stack_slots) * sizeof(uint64_t));
  if (frames_mem_ != nullptr)
    munmap(frames_mem_, (static_cast<size_t>(limits.max_call_depth) + 1) * sizeof(CallFrame));
}

bool Store::memory_refused_by_limit() const {
  for (const auto& m : state_->memories_)
    if (m->refused_by_store_limit()) return true;
  return false;
}

bool Store::wait_while_paused() {
  for (;;) {
    uint32_t f = interrupt_->load(std::memory_order_relaxed);
    if (f == kRunning) return true;
    if (f != kPauseRequested) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

namespace {
// A seed drawn once per process: a module cannot choose types whose hashes collide (it could
// with a fixed hash, and make every lookup scan all the types it declared).
uint64_t type_hash_seed() {
  static const uint64_t seed = [] {
    uint64_t s = 0;
    if (::getrandom(&s, sizeof s, 0) != sizeof s) s = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(::getpid());
    return s | 1;
  }();
  return seed;
}

// A 64-bit mix (multiply, xor-shift) of the state with one more value.
inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 31;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 29);
}
}  // namespace

size_t StoreState::TypeHash::operator()(const FuncType& t) const noexcept {
  uint64_t h = mix(type_hash_seed(), t.params.size() * 0x100000001ull + t.results.size());
  for (ValType v : t.params) h = mix(h, static_cast<uint8_t>(v));
  for (ValType v : t.results) h = mix(h, static_cast<uint8_t>(v) + 0x100);
  return static_cast<size_t>(h);
}

uint32_t StoreState::intern_type(const FuncType& t) {
  auto [it, inserted] = type_ids_.try_emplace(t, static_cast<uint32_t>(type_table_.size()));
  if (inserted) type_table_.push_back(std::make_unique<FuncType>(t));
  return it->second;
}

bool StoreState::take_table_elements(uint64_t n) {
  if (n > limits.max_table_elements - table_elements_) return false;
  table_elements_ += n;
  return true;
}

const FuncType& Function::type() const { return *impl(this)->type_; }
bool Function::is_host() const { return impl(this)->instance_ == nullptr; }
uint32_t Function::index() const { return impl(this)->index_; }

std::string Function::name() const {
  const FunctionObj& f = *impl(this);
  if (f.host_) return f.host_->name;
  return f.instance_ != nullptr ? f.instance_->module().function_name(f.index_) : std::string();
}

Function* Store::create_host_function(const FuncType& type, HostFunc fn, std::string debug_name) {
  StoreState& s = *state_;
  FunctionObj& f = s.functions_.emplace_back();
  f.type_id_ = s.intern_type(type);
  f.type_ = s.type_table_[f.type_id_].get();
  f.host_ = std::make_unique<FunctionObj::Host>(FunctionObj::Host{std::move(fn), std::move(debug_name)});
  return &f;
}

Result<Memory*> Store::create_memory(const MemoryType& type) {
  uint64_t cap = limits_.max_memory_pages;
  if (type.limits.min > cap)
    return make_error("memory of " + std::to_string(type.limits.min) + " pages exceeds the limit of " +
                      std::to_string(cap) + " pages");
  uint64_t max_pages = std::min<uint64_t>(type.limits.max.value_or(65536), cap);
  auto mem = std::make_unique<MemoryObj>();
  mem->type_ = type;
  mem->max_pages_ = max_pages;
  // Compiled code reaches memory without bounds checks: reserve guard regions for it (if the
  // address space is refused, e.g. under a ulimit -v, the memory is smaller and the
  // instances using it are interpreted).
  if (limits_.tier == Tier::Compiler && jit::available()) {
    mem->reserved_ = jit::kGuardedReservation;
    mem->base_ = static_cast<uint8_t*>(reserve(mem->reserved_));
    mem->guarded_ = mem->base_ != nullptr;
  }
  if (mem->base_ == nullptr) {
    mem->reserved_ = std::max<uint64_t>(max_pages * kPageSize, kPageSize);
    mem->base_ = static_cast<uint8_t*>(reserve(mem->reserved_));
  }
  if (mem->base_ == nullptr) return make_error("cannot reserve address space for a memory");
  if (!commit(mem->base_, type.limits.min * kPageSize)) return make_error("out of memory");
  mem->size_bytes_ = type.limits.min * kPageSize;
  state_->memories_.push_back(std::move(mem));
  return state_->memories_.back().get();
}

Result<Table*> Store::create_table(const TableType& type, Value init) {
  StoreState& s = *state_;
  uint64_t min = type.limits.min;
  if (!s.take_table_elements(min))
    return make_error("table of " + std::to_string(min) + " elements exceeds the limit of " +
                      std::to_string(limits_.max_table_elements) + " table elements in the store (" +
                      std::to_string(s.table_elements_) + " in use)");
  TableObj& t = s.tables_.emplace_back();
  t.type_ = type;
  t.store_ = &s;
  t.max_ = std::min<uint64_t>(type.limits.max.value_or(UINT32_MAX), limits_.max_table_elements);
  try {
    t.elems_.assign(min, init.bits);
  } catch (const std::bad_alloc&) {
    s.tables_.pop_back();
    s.release_table_elements(min);
    return make_error("out of memory for a table of " + std::to_string(min) + " elements");
  }
  return &t;
}

Result<Global*> Store::create_global(const GlobalType& type, Value init) {
  GlobalObj& g = state_->globals_.emplace_back();
  g.type_ = type;
  g.value_ = init.bits;
  return &g;
}

namespace {

bool limits_match(uint64_t actual_min, std::optional<uint64_t> actual_max, const Limits& expected) {
  if (actual_min < expected.min) return false;
  if (expected.max) {
    if (!actual_max || *actual_max > *expected.max) return false;
  }
  return true;
}

uint64_t eval_const(const ConstExpr& e, const InstanceObj& inst) {
  switch (e.op) {
    case ConstExpr::Op::Const: return e.bits;
    case ConstExpr::Op::RefNull: return 0;
    case ConstExpr::Op::RefFunc: return reinterpret_cast<uintptr_t>(inst.funcs_[e.index]);
    case ConstExpr::Op::GlobalGet: return impl(inst.globals_[e.index])->value_;
  }
  return 0;
}

}  // namespace

Result<Instance*> Store::instantiate(std::shared_ptr<const Module> module, const Imports& imports,
                                     std::optional<Trap>* start_trap) {
  const Module& m = *module;
  StoreState& s = *state_;
  InstanceObj& inst = s.instances_.emplace_back();
  inst.module_ = module;
  inst.type_ids_.reserve(m.types.size());
  for (const auto& t : m.types) inst.type_ids_.push_back(s.intern_type(t));

  // 1. Imports.
  for (const Import& im : m.imports) {
    const Extern* e = imports.find(im.module, im.name);
    std::string what = "\"" + im.module + "\" \"" + im.name + "\"";
    if (e == nullptr) return make_error("unknown import " + what);
    if (extern_kind(*e) != im.kind)
      return make_error("incompatible import type for " + what + ": expected a " + to_string(im.kind) + ", got a " +
                        to_string(extern_kind(*e)));
    switch (im.kind) {
      case ExternKind::Func: {
        FunctionObj* f = impl(std::get<Function*>(*e));
        if (f->type_id_ != inst.type_ids_[im.type_index])
          return make_error("incompatible import type for " + what + ": expected " + m.types[im.type_index].to_string() +
                            ", got " + f->type_->to_string());
        inst.funcs_.push_back(f);
        break;
      }
      case ExternKind::Table: {
        TableObj* t = impl(std::get<Table*>(*e));
        std::optional<uint64_t> amax = t->type_.limits.max;
        if (t->type_.elem != im.table.elem || !limits_match(t->elems_.size(), amax, im.table.limits))
          return make_error("incompatible import type for " + what + ": table type or limits differ");
        inst.tables_.push_back(t);
        break;
      }
      case ExternKind::Memory: {
        Memory* mem = std::get<Memory*>(*e);
        if (!limits_match(mem->pages(), mem->type().limits.max, im.memory.limits))
          return make_error("incompatible import type for " + what + ": memory limits differ");
        inst.memories_.push_back(mem);
        break;
      }
      case ExternKind::Global: {
        Global* g = std::get<Global*>(*e);
        if (g->type().type != im.global.type || g->type().is_mutable != im.global.is_mutable)
          return make_error("incompatible import type for " + what + ": global type differs");
        inst.globals_.push_back(g);
        break;
      }
    }
  }

  // 2. Allocation.
  for (uint32_t i = 0; i < m.code().functions.size(); ++i) {
    uint32_t idx = m.num_imported_funcs + i;
    FunctionObj& f = s.functions_.emplace_back();
    f.type_id_ = inst.type_ids_[m.func_types[idx]];
    f.type_ = s.type_table_[f.type_id_].get();
    f.instance_ = &inst;
    f.code_ = &m.code().functions[i];
    f.index_ = idx;
    inst.funcs_.push_back(&f);
  }
  for (size_t i = m.num_imported_tables; i < m.tables.size(); ++i) {
    auto t = create_table(m.tables[i], Value::null(m.tables[i].elem));
    if (!t) return t.error();
    inst.tables_.push_back(*t);
  }
  for (size_t i = m.num_imported_memories; i < m.memories.size(); ++i) {
    auto mem = create_memory(m.memories[i]);
    if (!mem) return mem.error();
    inst.memories_.push_back(*mem);
  }
  for (size_t i = 0; i < m.global_inits.size(); ++i) {
    const GlobalType& gt = m.globals[m.num_imported_globals + i];
    auto g = create_global(gt, Value{gt.type, eval_const(m.global_inits[i], inst)});
    inst.globals_.push_back(*g);
  }
  inst.elem_values_.resize(m.elems.size());
  for (size_t i = 0; i < m.elems.size(); ++i) {
    auto& vals = inst.elem_values_[i];
    vals.reserve(m.elems[i].items.size());
    for (const auto& item : m.elems[i].items) vals.push_back(eval_const(item, inst));
  }
  inst.data_dropped_.assign(m.datas.size(), 0);

  // 3. Active element segments, then data segments (effects of earlier ones persist).
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    if (seg.mode == SegmentMode::Active) {
      TableObj* t = impl(inst.tables_[seg.table]);
      uint64_t offset = static_cast<uint32_t>(eval_const(seg.offset, inst));
      auto& vals = inst.elem_values_[i];
      if (offset + vals.size() > t->elems_.size()) return make_error("out of bounds table access (element segment)");
      std::copy(vals.begin(), vals.end(), t->elems_.begin() + static_cast<ptrdiff_t>(offset));
    }
    if (seg.mode != SegmentMode::Passive) inst.elem_values_[i].clear();
  }
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    Memory* mem = inst.memories_[seg.memory];
    uint64_t offset = static_cast<uint32_t>(eval_const(seg.offset, inst));
    if (!mem->write(offset, seg.bytes.data(), seg.bytes.size()))
      return make_error("out of bounds memory access (data segment)");
    inst.data_dropped_[i] = 1;
  }

  // The compiled tier, when this store uses it and the instance's memory has guard regions.
  inst.jit_ = jit::attach(s, inst);
  if (inst.jit_ == nullptr) inst.interp_code_ = bound_code(m);

  // 4. Start function.
  if (m.start) {
    auto r = call(inst.funcs_[*m.start], {});
    if (!r) {
      if (start_trap != nullptr) *start_trap = r.error();
      return make_error("start function trapped: " + r.error().to_string());
    }
  }
  return &inst;
}

bool Store::compile_first_call(Function* f) {
  if (f == nullptr || f->is_host()) return false;
  const InstanceObj* inst = impl(f)->instance_;
  if (inst->jit_ == nullptr) return false;
  return jit::compile_entry(inst->jit_, f->index() - inst->module_->num_imported_funcs);
}

size_t Store::compile_all(Instance* instance) {
  JitInstance* ji = impl(instance)->jit_;
  return ji != nullptr ? jit::compile_all(ji) : 0;
}

std::optional<Trap> StoreState::run(Function* f, uint64_t* args) {
  return impl(f)->instance_->jit_ != nullptr ? jit::execute(&store, f, args) : execute(&store, f, args);
}

std::optional<Trap> StoreState::call_host(Function* f, uint64_t* fp, Instance* caller) {
  const FuncType& t = f->type();
  uint64_t* saved = stack_top_;
  stack_top_ = fp + std::max(t.params.size(), t.results.size());
  HostContext ctx(store, caller);
  std::optional<Trap> trap = impl(f)->host_->fn(ctx, fp, fp);
  stack_top_ = saved;
  if (!trap)
    for (size_t k = 0; k < t.results.size(); ++k)
      if (t.results[k] == ValType::I32 || t.results[k] == ValType::F32) fp[k] = static_cast<uint32_t>(fp[k]);
  return trap;
}

std::optional<Trap> Store::call_raw(Function* f, const uint64_t* args, uint64_t* results) {
  StoreState& s = *state_;
  const FuncType& t = f->type();
  size_t np = t.params.size(), nr = t.results.size();
  size_t slots = std::max(np, nr);
  if (!s.room_for(slots)) return Trap{TrapKind::Exhaustion, "call stack exhausted", f->name(), 0};
  uint64_t* base = s.stack_top_;
  for (size_t i = 0; i < np; ++i) base[i] = args[i];
  if (f->is_host()) {
    if (std::optional<Trap> trap = s.call_host(f, base, nullptr)) return trap;
  } else if (std::optional<Trap> trap = s.run(f, base)) {
    return trap;
  }
  for (size_t i = 0; i < nr; ++i) results[i] = base[i];
  return std::nullopt;
}

RepeatedCall::RepeatedCall(Store& store, Function* f) : store_(store), f_(f) {
  const FuncType& t = f->type();
  params_ = static_cast<uint32_t>(t.params.size());
  results_ = static_cast<uint32_t>(t.results.size());
  if (f->is_host() || impl(f)->instance_->jit_ == nullptr) return;
  const size_t slots = std::max(params_, results_);
  const StoreState& s = StoreState::of(store);
  if (!s.room_for(slots)) return;  // call_raw reports it
  auto a = std::make_unique<jit::Activation>();
  if (std::optional<Trap> refused = jit::open(&store, f, *a)) {
    trap_ = std::move(refused);
    return;
  }
  frame_ = s.stack_top_;
  enter_ = a->enter;
  ji_ = a->ji;
  jt_ = a->t;
  code_ = a->code;
  mem_ = a->mem;
  active_ = std::move(a);
}

RepeatedCall::~RepeatedCall() {
  if (active_) jit::close(&store_, *active_);
}

bool RepeatedCall::call_slow(const uint64_t* args, uint64_t* results) {
  if (trap_) return false;
  trap_ = store_.call_raw(f_, args, results);
  return !trap_;
}

size_t RepeatedCall::call_each(const Record* records, size_t n, const Delivery& d, int32_t* status) {
  *status = 0;
  if (n == 0 || trap_) return 0;
  if (enter_ != nullptr) {
    jit::EachBatch b;
    b.code = code_;
    b.cur = records;
    b.end = records + n;
    b.dst = d.dst;
    b.stop = d.stop;
    b.ctx = d.ctx;
    b.dst_offset = d.dst_offset;
    b.max = d.max;
    const uint32_t rc = active_->each(ji_, jt_, frame_, &b, mem_);
    const size_t done = static_cast<size_t>(b.cur - records);
    *status = b.status;
    if (rc != 0) trapped();
    return done;
  }
  for (size_t i = 0; i < n; ++i) {
    const uint32_t len = records[i].size < d.max ? static_cast<uint32_t>(records[i].size) : d.max;
    if (len != 0) std::memcpy(d.dst, records[i].data, len);
    const uint64_t args[3] = {d.ctx, d.dst_offset, len};
    uint64_t result = 0;
    if (!call(args, &result)) return i;
    const auto r = static_cast<int32_t>(static_cast<uint32_t>(result));
    if (r < 0) {
      *status = r;
      return i + 1;
    }
    if (*d.stop) return i + 1;
  }
  return n;
}

bool RepeatedCall::trapped() {
  trap_ = jit::trap_of(&store_, *active_);
  enter_ = nullptr;  // later calls return false (call_slow sees trap_)
  return false;
}

CallResult<std::vector<Value>> Store::call(Function* f, std::span<const Value> args) {
  const FuncType& t = f->type();
  if (args.size() != t.params.size())
    return Trap{TrapKind::Host, "wrong number of arguments: expected " + std::to_string(t.params.size()) + ", got " +
                                    std::to_string(args.size()), f->name(), 0};
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].type != t.params[i])
      return Trap{TrapKind::Host, "argument " + std::to_string(i) + " has type " + to_string(args[i].type) +
                                      ", expected " + to_string(t.params[i]), f->name(), 0};
  StoreState& s = *state_;
  size_t slots = std::max(t.params.size(), t.results.size());
  if (!s.room_for(slots)) return Trap{TrapKind::Exhaustion, "call stack exhausted", f->name(), 0};
  uint64_t* base = s.stack_top_;
  for (size_t i = 0; i < args.size(); ++i) base[i] = args[i].bits;
  std::optional<Trap> trap;
  if (f->is_host()) {
    trap = s.call_host(f, base, nullptr);
  } else {
    trap = s.run(f, base);
  }
  if (trap) return std::move(*trap);
  std::vector<Value> out(t.results.size());
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t bits = base[i];
    if (t.results[i] == ValType::I32 || t.results[i] == ValType::F32) bits = static_cast<uint32_t>(bits);
    out[i] = Value{t.results[i], bits};
  }
  return out;
}

}  // namespace wb::wasm
