// SPDX-License-Identifier: MIT
// The interpreter: direct-threaded code (computed goto; bound_code turns a module's
// operation ids into handler addresses once), operands addressed as 8-byte frame
// slots, a call stack of its own (deep recursion traps instead of overflowing the native
// stack), explicit bounds checks on every memory and table access.
#include "wasm/interp.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#ifdef WB_INTERP_PROFILE
#include <cstdio>
#include <tuple>
#include <vector>
#endif

#include "wasm/bulk_ops.h"
#include "wasm/code.h"
#include "wasm/engine.h"
#include "wasm/objects.h"
#include "wasm/op_semantics.h"

namespace wb::wasm {
namespace {
using namespace semantics;

const void* const* g_labels = nullptr;  // the handler of each operation id (set once)

constexpr size_t kOps = static_cast<size_t>(Op::kCount);
const char* const kOpNames[] = {
#define WB_N(name, ...) #name,
#define WB_N_SI(name, ...) #name, #name "_si",
#define WB_N_BR(name, ...) "br_" #name "_ss", "br_" #name "_si",
#define WB_N_MEM(binop, load, ...) #binop "__" #load,
    WB_SPECIAL_OPS(WB_N) WB_UNOPS(WB_N) WB_TRUNCS(WB_N) WB_CMPS(WB_N_SI) WB_BINOPS_IMM(WB_N_SI) WB_BINOPS(WB_N)
        WB_DIVS(WB_N) WB_LOADS(WB_N) WB_STORES(WB_N) WB_CMPS(WB_N_BR) WB_MEMBINOPS(WB_N_MEM)};
#undef WB_N_MEM
#undef WB_N
#undef WB_N_SI
#undef WB_N_BR

#ifdef WB_INTERP_PROFILE
// Development aid (-DWB_INTERP_PROFILE): counts executed operations and pairs of them,
// printed at exit, to find what to fuse.
uint64_t g_op_count[kOps];
uint64_t g_pair_count[kOps][kOps];
size_t g_prev = 0;
void profile_dispatch(const void* const* labels, const void* h) {
  size_t op = 0;
  while (labels[op] != h) ++op;
  ++g_op_count[op];
  ++g_pair_count[g_prev][op];
  g_prev = op;
}
struct ProfileReport {
  ~ProfileReport() {
    uint64_t total = 0;
    for (auto c : g_op_count) total += c;
    std::fprintf(stderr, "dispatches: %llu\n", static_cast<unsigned long long>(total));
    std::vector<std::pair<uint64_t, size_t>> ops;
    for (size_t i = 0; i < kOps; ++i) ops.push_back({g_op_count[i], i});
    std::sort(ops.rbegin(), ops.rend());
    for (size_t i = 0; i < 25 && ops[i].first; ++i)
      std::fprintf(stderr, "  %6.2f%% %s\n", 100.0 * ops[i].first / total, kOpNames[ops[i].second]);
    std::vector<std::tuple<uint64_t, size_t, size_t>> pairs;
    for (size_t a = 0; a < kOps; ++a)
      for (size_t b = 0; b < kOps; ++b)
        if (g_pair_count[a][b]) pairs.push_back({g_pair_count[a][b], a, b});
    std::sort(pairs.rbegin(), pairs.rend());
    for (size_t i = 0; i < 25 && i < pairs.size(); ++i)
      std::fprintf(stderr, "  pair %6.2f%% %s -> %s\n", 100.0 * std::get<0>(pairs[i]) / total,
                   kOpNames[std::get<1>(pairs[i])], kOpNames[std::get<2>(pairs[i])]);
  }
} g_profile_report;
#endif

}  // namespace

#define WB_UNLIKELY(x) __builtin_expect(!!(x), 0)

std::optional<Trap> execute(Store* store_ptr, Function* entry, uint64_t* args) {
#define WB_LABEL(name, ...) &&L_##name,
#define WB_LABEL_SI(name, ...) &&L_##name, &&L_##name##_si,
#define WB_LABEL_BR(name, ...) &&L_br_##name##_ss, &&L_br_##name##_si,
#define WB_LABEL_MEM(binop, load, ...) &&L_##binop##__##load,
  static const void* const kLabels[] = {
      WB_SPECIAL_OPS(WB_LABEL) WB_UNOPS(WB_LABEL) WB_TRUNCS(WB_LABEL) WB_CMPS(WB_LABEL_SI)
      WB_BINOPS_IMM(WB_LABEL_SI) WB_BINOPS(WB_LABEL) WB_DIVS(WB_LABEL) WB_LOADS(WB_LABEL)
      WB_STORES(WB_LABEL) WB_CMPS(WB_LABEL_BR) WB_MEMBINOPS(WB_LABEL_MEM)};
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == static_cast<size_t>(Op::kCount));
#undef WB_LABEL
#undef WB_LABEL_SI
#undef WB_LABEL_BR
#undef WB_LABEL_MEM
  if (store_ptr == nullptr) {  // asked for the handler table (labels exist only in here)
    g_labels = kLabels;
    return std::nullopt;
  }
  Store& store = *store_ptr;
  StoreState& st = StoreState::of(store);

  // ---- state ------------------------------------------------------------------------------
  const std::atomic<uint32_t>* const intr = st.interrupt;
  uint64_t* const stack_limit = st.stack_limit_;
  CallFrame* const frame_base = st.frame_top_;
  CallFrame* const frame_limit = st.frame_limit_;
  uint64_t* const saved_stack_top = st.stack_top_;
  CallFrame* fsp = frame_base;
  uint64_t* fp = args;
  const uint32_t* ip = nullptr;
  FunctionObj* cur = impl(entry);
  InstanceObj* inst = nullptr;
  Function* const* funcs = nullptr;
  Global* const* globals = nullptr;
  MemoryObj* mem = nullptr;
  uint8_t* mem_base = nullptr;
  const char* trap_msg = nullptr;
  TrapKind trap_kind = TrapKind::Trap;
  Function* host_fn = nullptr;  // host call in progress: function, frame, instruction length
  uint64_t* host_fp = nullptr;
  uint32_t host_len = 0;

  uint32_t exit_code[2];
  std::memcpy(exit_code, &kLabels[static_cast<size_t>(Op::exit)], sizeof(void*));
  // The running instance's module code and the interpreter's bound copy of it: a function's
  // code is at the same offset in both.
  const uint32_t* words_base = nullptr;
  const uint32_t* bound_base = nullptr;

  auto switch_instance = [&](InstanceObj* i) {
    inst = i;
    funcs = i->funcs_.data();
    globals = i->globals_.data();
    mem = i->memories_.empty() ? nullptr : impl(i->memories_[0]);
    mem_base = mem ? mem->base_ : nullptr;
    // Bound at instantiation; an instance whose instantiation failed after its element
    // segments were written into an imported table gets it here.
    if (i->interp_code_ == nullptr) [[unlikely]]
      i->interp_code_ = bound_code(*i->module_);
    words_base = i->module_->code().words.data();
    bound_base = i->interp_code_;
  };

#ifdef WB_INTERP_PROFILE
#define DISPATCH()                            \
  do {                                        \
    const void* h_;                           \
    std::memcpy(&h_, ip, sizeof h_);          \
    profile_dispatch(kLabels, h_);            \
    goto* h_;                                 \
  } while (0)
#else
#define DISPATCH()                            \
  do {                                        \
    const void* h_;                           \
    std::memcpy(&h_, ip, sizeof h_);          \
    goto* h_;                                 \
  } while (0)
#endif
#define W(k) ip[2 + (k)]
#define NEXT(n)  \
  do {           \
    ip += (n);   \
    DISPATCH();  \
  } while (0)
#define TRAP(msg)       \
  do {                  \
    trap_msg = (msg);   \
    goto trap;          \
  } while (0)
#define JUMP(rel)                                                           \
  do {                                                                      \
    ip += static_cast<int32_t>(rel);                                        \
    if (WB_UNLIKELY(!store.keep_running(intr))) goto interrupted;           \
    DISPATCH();                                                             \
  } while (0)

  // A shared body (bulk_ops.h) and where its outcome leads.
#define BULK(status, n)                                 \
  do {                                                  \
    switch (status) {                                   \
      case bulk::Status::Ok: break;                     \
      case bulk::Status::MemoryOob: goto oob;           \
      case bulk::Status::TableOob: goto table_oob;      \
      case bulk::Status::Interrupted: goto interrupted; \
    }                                                   \
    NEXT(n);                                            \
  } while (0)
  // Asked between the pieces of a long memory.fill or memory.copy.
  auto keep_going = [&] { return store.keep_running(intr); };

  // Enter wasm function F with its frame at NFP, returning to RET.
#define ENTER(F, NFP, RET)                                                              \
  do {                                                                                  \
    const CompiledFunction* cf_ = impl(F)->code_;                                       \
    if (WB_UNLIKELY((NFP) + cf_->frame_slots > stack_limit || fsp == frame_limit)) {    \
      trap_kind = TrapKind::Exhaustion;                                                 \
      TRAP("call stack exhausted");                                                     \
    }                                                                                   \
    if (WB_UNLIKELY(!store.keep_running(intr))) goto interrupted;                       \
    fsp->ret_ip = (RET);                                                                \
    fsp->fp = fp;                                                                       \
    fsp->fn = cur;                                                                      \
    ++fsp;                                                                              \
    fp = (NFP);                                                                         \
    if (uint32_t nz_ = cf_->num_locals - cf_->num_params; nz_ != 0) {                   \
      if (nz_ <= 8) /* most functions: cheaper than a call to memset */               \
        for (uint64_t *z_ = fp + cf_->num_params, *e_ = z_ + nz_; z_ != e_; ++z_) *z_ = 0; \
      else                                                                              \
        std::memset(fp + cf_->num_params, 0, static_cast<size_t>(nz_) * 8);             \
    }                                                                                   \
    cur = impl(F);                                                                      \
    if (cur->instance_ != inst) switch_instance(cur->instance_);                       \
    ip = bound_base + (cf_->code - words_base);                                         \
  } while (0)

  // ---- entry --------------------------------------------------------------------------------
  if (st.native_depth_ >= store.limits().max_nested_calls) {
    return Trap{TrapKind::Exhaustion, "call stack exhausted (too many nested host calls)", entry->name(), 0};
  }
  ++st.native_depth_;
  ip = exit_code;  // the entry function returns to `exit`
  cur = nullptr;
  ENTER(entry, args, exit_code);
  DISPATCH();

  // ---- control ------------------------------------------------------------------------------
L_exit:
  --st.native_depth_;
  st.frame_top_ = frame_base;
  st.stack_top_ = saved_stack_top;
  return std::nullopt;

L_unreachable:
  TRAP("unreachable");

L_br:
  JUMP(W(0));
L_br_z:
  if (static_cast<uint32_t>(fp[W(0)]) == 0) JUMP(W(1));
  NEXT(4);
L_br_nz:
  if (static_cast<uint32_t>(fp[W(0)]) != 0) JUMP(W(1));
  NEXT(4);
L_br_z64:
  if (fp[W(0)] == 0) JUMP(W(1));
  NEXT(4);
L_br_nz64:
  if (fp[W(0)] != 0) JUMP(W(1));
  NEXT(4);
L_br_table: {
  uint32_t i = static_cast<uint32_t>(fp[W(0)]);
  uint32_t n = W(1);
  if (i > n) i = n;
  JUMP(ip[4 + i]);
}
L_ret:
  --fsp;
  ip = fsp->ret_ip;
  fp = fsp->fp;
  cur = impl(fsp->fn);
  if (cur != nullptr && cur->instance_ != inst) switch_instance(cur->instance_);
  DISPATCH();

L_call: {
  Function* f = funcs[W(0)];
  uint64_t* nfp = fp + W(1);
  if (impl(f)->code_ != nullptr) {
    ENTER(f, nfp, ip + 4);
    DISPATCH();
  }
  host_fn = f;
  host_fp = nfp;
  host_len = 4;
  goto host_call;
}
L_call_indirect: {
  TableObj* t = impl(inst->tables_[W(1)]);
  uint32_t i = static_cast<uint32_t>(fp[W(2)]);
  if (WB_UNLIKELY(i >= t->elems_.size())) TRAP("undefined element");
  FunctionObj* f = impl(reinterpret_cast<Function*>(t->elems_[i]));
  if (WB_UNLIKELY(f == nullptr)) TRAP("uninitialized element");
  if (WB_UNLIKELY(f->type_id_ != inst->type_ids_[W(0)])) TRAP("indirect call type mismatch");
  uint64_t* nfp = fp + W(3);
  if (f->code_ != nullptr) {
    ENTER(f, nfp, ip + 6);
    DISPATCH();
  }
  host_fn = f;
  host_fp = nfp;
  host_len = 6;
  goto host_call;
}
host_call: {
  // Arguments and results live at host_fp; a re-entrant call starts above them.
  st.frame_top_ = fsp;
  st.host_trap_ = st.call_host(host_fn, host_fp, inst);
  if (WB_UNLIKELY(st.host_trap_.has_value())) goto host_trapped;
  NEXT(host_len);
}

  // ---- data movement ----------------------------------------------------------------------------
L_copy:
  fp[W(0)] = fp[W(1)];
  NEXT(4);
L_copy2:
  fp[W(0)] = fp[W(1)];
  fp[W(2)] = fp[W(3)];
  NEXT(6);
L_br_and_z:
  if ((static_cast<uint32_t>(fp[W(0)]) & W(1)) == 0) JUMP(W(2));
  NEXT(6);
L_br_and_nz:
  if ((static_cast<uint32_t>(fp[W(0)]) & W(1)) != 0) JUMP(W(2));
  NEXT(6);
L_const32:
  fp[W(0)] = W(1);
  NEXT(4);
L_const64: {
  uint64_t v;
  std::memcpy(&v, ip + 4, 8);
  fp[W(0)] = v;
  NEXT(6);
}
L_select:
  fp[W(0)] = static_cast<uint32_t>(fp[W(1)]) ? fp[W(2)] : fp[W(3)];
  NEXT(6);
L_global_get:
  fp[W(0)] = impl(globals[W(1)])->value_;
  NEXT(4);
L_global_set:
  impl(globals[W(0)])->value_ = fp[W(1)];
  NEXT(4);
L_ref_func:
  fp[W(0)] = reinterpret_cast<uintptr_t>(funcs[W(1)]);
  NEXT(4);

  // ---- numeric ----------------------------------------------------------------------------------
#define WB_UNOP(name, in, out, expr)  \
  L_##name: {                         \
    auto a = rd_##in(fp[W(1)]);       \
    fp[W(0)] = wr_##out(expr);        \
    NEXT(4);                          \
  }
  WB_UNOPS(WB_UNOP)
#undef WB_UNOP

#define WB_TRUNC(name, in, out, I)                    \
  L_##name: {                                         \
    I v{};                                            \
    int r = checked_trunc<I>(rd_##in(fp[W(1)]), v);   \
    if (WB_UNLIKELY(r == 1)) TRAP("invalid conversion to integer"); \
    if (WB_UNLIKELY(r == 2)) TRAP("integer overflow"); \
    fp[W(0)] = wr_##out(v);                           \
    NEXT(4);                                          \
  }
  WB_TRUNCS(WB_TRUNC)
#undef WB_TRUNC

#define WB_BINOP(name, T, out, expr) \
  L_##name: {                        \
    auto a = rd_##T(fp[W(1)]);       \
    auto b = rd_##T(fp[W(2)]);       \
    fp[W(0)] = wr_##out(expr);       \
    NEXT(6);                         \
  }
#define WB_BINOP_SI(name, T, out, expr) \
  WB_BINOP(name, T, out, expr)          \
  L_##name##_si: {                      \
    auto a = rd_##T(fp[W(1)]);          \
    auto b = imm_##T(W(2));             \
    fp[W(0)] = wr_##out(expr);          \
    NEXT(6);                            \
  }
#define WB_CMP_OP(name, T, expr) WB_BINOP_SI(name, T, u32, expr)
  WB_CMPS(WB_CMP_OP)
  WB_BINOPS_IMM(WB_BINOP_SI)
  WB_BINOPS(WB_BINOP)
#undef WB_CMP_OP
#undef WB_BINOP_SI
#undef WB_BINOP

#define WB_CMP_BR(name, T, expr)      \
  L_br_##name##_ss: {                 \
    auto a = rd_##T(fp[W(0)]);        \
    auto b = rd_##T(fp[W(1)]);        \
    if (expr) JUMP(W(2));             \
    NEXT(6);                          \
  }                                   \
  L_br_##name##_si: {                 \
    auto a = rd_##T(fp[W(0)]);        \
    auto b = imm_##T(W(1));           \
    if (expr) JUMP(W(2));             \
    NEXT(6);                          \
  }
  WB_CMPS(WB_CMP_BR)
#undef WB_CMP_BR

L_i32_div_s: {
  int32_t a = static_cast<int32_t>(fp[W(1)]), b = static_cast<int32_t>(fp[W(2)]);
  if (WB_UNLIKELY(b == 0)) TRAP("integer divide by zero");
  if (WB_UNLIKELY(a == INT32_MIN && b == -1)) TRAP("integer overflow");
  fp[W(0)] = static_cast<uint32_t>(a / b);
  NEXT(6);
}
L_i32_div_u: {
  uint32_t a = static_cast<uint32_t>(fp[W(1)]), b = static_cast<uint32_t>(fp[W(2)]);
  if (WB_UNLIKELY(b == 0)) TRAP("integer divide by zero");
  fp[W(0)] = a / b;
  NEXT(6);
}
L_i32_rem_s: {
  int32_t a = static_cast<int32_t>(fp[W(1)]), b = static_cast<int32_t>(fp[W(2)]);
  if (WB_UNLIKELY(b == 0)) TRAP("integer divide by zero");
  fp[W(0)] = (b == -1) ? 0u : static_cast<uint32_t>(a % b);
  NEXT(6);
}
L_i32_rem_u: {
  uint32_t a = static_cast<uint32_t>(fp[W(1)]), b = static_cast<uint32_t>(fp[W(2)]);
  if (WB_UNLIKELY(b == 0)) TRAP("integer divide by zero");
  fp[W(0)] = a % b;
  NEXT(6);
}
L_i64_div_s: {
  int64_t a = static_cast<int64_t>(fp[W(1)]), b = static_cast<int64_t>(fp[W(2)]);
  if (WB_UNLIKELY(b == 0)) TRAP("integer divide by zero");
  if (WB_UNLIKELY(a == INT64_MIN && b == -1)) TRAP("integer overflow");
  fp[W(0)] = static_cast<uint64_t>(a / b);
  NEXT(6);
}
L_i64_div_u: {
  uint64_t a = fp[W(1)], b = fp[W(2)];
  if (WB_UNLIKELY(b == 0)) TRAP("integer divide by zero");
  fp[W(0)] = a / b;
  NEXT(6);
}
L_i64_rem_s: {
  int64_t a = static_cast<int64_t>(fp[W(1)]), b = static_cast<int64_t>(fp[W(2)]);
  if (WB_UNLIKELY(b == 0)) TRAP("integer divide by zero");
  fp[W(0)] = (b == -1) ? 0u : static_cast<uint64_t>(a % b);
  NEXT(6);
}
L_i64_rem_u: {
  uint64_t a = fp[W(1)], b = fp[W(2)];
  if (WB_UNLIKELY(b == 0)) TRAP("integer divide by zero");
  fp[W(0)] = a % b;
  NEXT(6);
}

  // ---- memory -------------------------------------------------------------------------------------
#define WB_LOAD(name, MT, out)                                              \
  L_##name: {                                                               \
    uint64_t ea = static_cast<uint64_t>(static_cast<uint32_t>(fp[W(1)] + W(3))) + W(2); \
    if (WB_UNLIKELY(ea + sizeof(MT) > mem->size_bytes_)) goto oob;          \
    MT v;                                                                   \
    std::memcpy(&v, mem_base + ea, sizeof v);                               \
    fp[W(0)] = wr_##out(static_cast<decltype(rd_##out(0))>(v));             \
    NEXT(6);                                                                \
  }
  WB_LOADS(WB_LOAD)
#undef WB_LOAD

#define WB_STORE(name, MT)                                                  \
  L_##name: {                                                               \
    uint64_t ea = static_cast<uint64_t>(static_cast<uint32_t>(fp[W(0)] + W(3))) + W(2); \
    if (WB_UNLIKELY(ea + sizeof(MT) > mem->size_bytes_)) goto oob;          \
    MT v = static_cast<MT>(fp[W(1)]);                                       \
    std::memcpy(mem_base + ea, &v, sizeof v);                               \
    NEXT(6);                                                                \
  }
  WB_STORES(WB_STORE)
#undef WB_STORE

#define WB_MEMBINOP(binop, load, MT, T, expr)                                 \
  L_##binop##__##load: {                                                     \
    auto a = rd_##T(fp[W(1)]);                                               \
    uint64_t ea = static_cast<uint64_t>(static_cast<uint32_t>(fp[W(2)] + W(4))) + W(3); \
    if (WB_UNLIKELY(ea + sizeof(MT) > mem->size_bytes_)) goto oob;           \
    MT raw;                                                                  \
    std::memcpy(&raw, mem_base + ea, sizeof raw);                            \
    auto b = mem_##T(raw);                                                   \
    fp[W(0)] = wr_##T(expr);                                                 \
    NEXT(8);                                                                 \
  }
  WB_MEMBINOPS(WB_MEMBINOP)
#undef WB_MEMBINOP

L_memory_size:
  fp[W(0)] = mem->size_bytes_ >> 16;
  NEXT(4);
L_memory_grow: {
  int64_t r = mem->grow(static_cast<uint32_t>(fp[W(1)]));
  fp[W(0)] = static_cast<uint32_t>(static_cast<int32_t>(r));
  NEXT(4);
}
L_memory_fill:
  BULK(bulk::memory_fill(mem, fp, ip + 2, keep_going), 6);
L_memory_copy:
  BULK(bulk::memory_copy(mem, fp, ip + 2, keep_going), 6);
L_memory_init:
  BULK(bulk::memory_init(inst, mem, fp, ip + 2), 6);
L_data_drop:
  inst->data_dropped_[W(0)] = 1;
  NEXT(4);

  // ---- tables -------------------------------------------------------------------------------------
L_table_get:
  BULK(bulk::table_get(inst, fp, ip + 2), 6);
L_table_set:
  BULK(bulk::table_set(inst, fp, ip + 2), 6);
L_table_size:
  fp[W(0)] = static_cast<uint32_t>(impl(inst->tables_[W(1)])->elems_.size());
  NEXT(4);
L_table_grow:
  bulk::table_grow(inst, fp, ip + 2);
  NEXT(6);
L_table_fill:
  BULK(bulk::table_fill(inst, fp, ip + 2), 6);
L_table_copy:
  BULK(bulk::table_copy(inst, fp, ip + 2), 8);
L_table_init:
  BULK(bulk::table_init(inst, fp, ip + 2), 8);
L_elem_drop:
  bulk::elem_drop(inst, ip + 2);
  NEXT(4);

  // Kept after the hot handlers, so adding it moved none of them.
L_copy_n:
  std::memmove(fp + W(0), fp + W(1), static_cast<size_t>(W(2)) * sizeof(uint64_t));
  NEXT(6);

  // ---- leaving with a trap ----------------------------------------------------------------------
oob:
  trap_msg = "out of bounds memory access";
  goto trap;
table_oob:
  trap_msg = "out of bounds table access";
  goto trap;
interrupted:
  trap_kind = TrapKind::Interrupted;
  trap_msg = "interrupted";
  goto trap;
host_trapped: {
  --st.native_depth_;
  st.frame_top_ = frame_base;
  st.stack_top_ = saved_stack_top;
  Trap t = std::move(*st.host_trap_);
  st.host_trap_.reset();
  if (t.function.empty() && cur != nullptr) t.function = cur->name();
  return t;
}
trap: {
  --st.native_depth_;
  st.frame_top_ = frame_base;
  st.stack_top_ = saved_stack_top;
  Trap t;
  t.kind = trap_kind;
  t.message = trap_msg;
  if (cur != nullptr) t.function = cur->name();
  return t;
}
#undef DISPATCH
#undef W
#undef NEXT
#undef TRAP
#undef JUMP
#undef ENTER
#undef BULK
}

const char* op_name(Op op) {
  const size_t i = static_cast<size_t>(op);
  return i < kOps ? kOpNames[i] : "?";
}

const uint32_t* bound_code(const Module& m) {
  const ModuleCode& mc = m.code();
  if (const uint32_t* done = mc.interp_words.load(std::memory_order_acquire)) return done;
  static const void* const* labels = [] {
    (void)execute(nullptr, nullptr, nullptr);
    return g_labels;
  }();
  const size_t n = mc.words.size();
  auto words = std::make_unique<uint32_t[]>(n == 0 ? 1 : n);
  if (n != 0) std::memcpy(words.get(), mc.words.data(), n * sizeof(uint32_t));
  for (const CompiledFunction& cf : mc.functions) {
    uint32_t* w = words.get() + (cf.code - mc.words.data());
    for (uint32_t at = 0; at < cf.code_size;) {
      const Op op = op_at(w + at);
      std::memcpy(w + at, &labels[static_cast<size_t>(op)], sizeof(void*));
      at += instruction_words(w + at, op);
    }
  }
  const uint32_t* expected = nullptr;
  if (mc.interp_words.compare_exchange_strong(expected, words.get(), std::memory_order_acq_rel))
    return words.release();  // the module owns it now
  return expected;  // another thread bound it first
}

uint32_t instruction_words(const uint32_t* ip, Op op) {
  switch (op) {
    case Op::exit: case Op::unreachable: case Op::ret:
      return 2;
    case Op::br: case Op::br_z: case Op::br_nz: case Op::br_z64: case Op::br_nz64: case Op::call:
    case Op::copy: case Op::const32: case Op::global_get: case Op::global_set: case Op::memory_size:
    case Op::memory_grow: case Op::data_drop: case Op::table_size: case Op::elem_drop: case Op::ref_func:
      return 4;
    case Op::br_table:
      return (4 + ip[3] + 1 + 1) & ~1u;  // n + 1 targets, padded to an even count
    case Op::call_indirect: case Op::copy2: case Op::br_and_z: case Op::br_and_nz: case Op::const64:
    case Op::select: case Op::memory_fill: case Op::memory_copy: case Op::memory_init: case Op::table_get:
    case Op::table_set: case Op::table_grow: case Op::table_fill: case Op::copy_n:
      return 6;
    case Op::table_copy: case Op::table_init:
      return 8;
    default:
      break;
  }
#define WB_LEN4(name, ...) +1
  constexpr size_t kFirstUnop = static_cast<size_t>(Op::copy_n) + 1;  // the last special op
  constexpr size_t kUnaries = 0 WB_UNOPS(WB_LEN4) WB_TRUNCS(WB_LEN4);
#undef WB_LEN4
  const size_t i = static_cast<size_t>(op);
  if (i >= kFirstUnop && i < kFirstUnop + kUnaries) return 4;
  if (i >= static_cast<size_t>(Op::i32_add__i32_load)) return 8;  // the fused load + binop
  return 6;
}

}  // namespace wb::wasm
