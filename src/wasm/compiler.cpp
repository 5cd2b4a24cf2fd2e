// One pass over a function body that both validates it (the spec's algorithm, with a
// polymorphic stack after unconditional branches) and translates it into threaded code.
//
// Translation model (docs/engine.md): every operand-stack position p has a fixed frame slot
// (num_locals + p). Values are tracked lazily while translating: a `local.get` or a constant
// costs no code until an instruction consumes it, and instructions read locals and
// immediates directly. Results go to the slot of their stack position, or straight into the
// local of a following `local.set`. Comparisons feeding `br_if`/`if` become one fused
// compare-and-branch.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "wasm/code.h"
#include "wasm/compiler.h"

namespace wb::wasm {
namespace {

constexpr ValType kUnknown = static_cast<ValType>(0);
constexpr uint32_t kMaxLocals = 50000;

// Where an operand's value is: in the slot of its stack position (Temp), in a local, an
// immediate, or (AddrAdd) the i32 sum of a slot and an immediate, which memory accesses
// absorb into their address computation and other consumers materialise with one add.
enum class Kind : uint8_t { Temp, Local, Const, AddrAdd };

struct Operand {
  ValType type = kUnknown;
  Kind kind = Kind::Temp;
  uint32_t local = 0;  // Local: the local; AddrAdd: the base slot
  uint64_t bits = 0;   // Const: the value; AddrAdd: the addend
  bool base_is_local = false;  // AddrAdd: the base slot is a local (spilled when it changes)
};

enum class CtrlKind : uint8_t { Function, Block, Loop, If, Else };

struct BlockType {
  int64_t index = -1;         // >= 0: type index
  ValType single = kUnknown;  // index == -1 and single != kUnknown: one result
};

struct Ctrl {
  CtrlKind kind = CtrlKind::Block;
  BlockType bt;
  uint32_t height = 0;       // stack height below the block's params
  bool unreachable = false;  // validation: the rest of the block is unreachable
  bool dead = false;         // translation: the block was entered in unreachable code
  uint32_t loop_start = 0;   // Loop: branch target
  bool has_else_fix = false;  // If: the branch to the else arm, to patch
  std::pair<uint32_t, uint32_t> else_fix;
  std::vector<std::pair<uint32_t, uint32_t>> fixups;  // (instruction start, rel word)
};

// Numeric instruction descriptions, indexed by opcode (0x45..0xC4) or 0xFC sub-opcode.
struct NumInfo {
  bool valid = false;
  bool binary = false;
  bool commutative = false;
  bool nop = false;  // reinterpretation / zero-extension: only the type changes
  ValType in = kUnknown;
  ValType out = kUnknown;
  Op op = Op::exit;
  Op op_si = Op::exit;     // immediate variant (exit = none)
  Op br_ss = Op::exit;     // fused compare-branch (exit = none)
  Op br_si = Op::exit;
  int inverse = -1;        // opcode of the negated comparison
};

struct NumTable {
  NumInfo ops[256];
  NumInfo sat[8];

  void un(uint8_t opc, ValType in, ValType out, Op op) {
    NumInfo& n = ops[opc];
    n.valid = true;
    n.in = in;
    n.out = out;
    n.op = op;
  }
  void nop(uint8_t opc, ValType in, ValType out) {
    un(opc, in, out, Op::exit);
    ops[opc].nop = true;
  }
  void bin(uint8_t opc, ValType in, ValType out, Op op, Op op_si = Op::exit, bool comm = false) {
    NumInfo& n = ops[opc];
    n.valid = true;
    n.binary = true;
    n.in = in;
    n.out = out;
    n.op = op;
    n.op_si = op_si;
    n.commutative = comm;
  }
  void cmp(uint8_t opc, ValType in, Op op, Op op_si, Op br_ss, Op br_si, int inverse, bool comm) {
    bin(opc, in, ValType::I32, op, op_si, comm);
    ops[opc].br_ss = br_ss;
    ops[opc].br_si = br_si;
    ops[opc].inverse = inverse;
  }

  NumTable() {
    constexpr ValType I32 = ValType::I32, I64 = ValType::I64, F32 = ValType::F32, F64 = ValType::F64;
    un(0x45, I32, I32, Op::i32_eqz);
#define CMP(opc, T, name, inv, comm) cmp(opc, T, Op::name, Op::name##_si, Op::br_##name##_ss, Op::br_##name##_si, inv, comm)
    CMP(0x46, I32, i32_eq, 0x47, true);
    CMP(0x47, I32, i32_ne, 0x46, true);
    CMP(0x48, I32, i32_lt_s, 0x4E, false);
    CMP(0x49, I32, i32_lt_u, 0x4F, false);
    CMP(0x4A, I32, i32_gt_s, 0x4C, false);
    CMP(0x4B, I32, i32_gt_u, 0x4D, false);
    CMP(0x4C, I32, i32_le_s, 0x4A, false);
    CMP(0x4D, I32, i32_le_u, 0x4B, false);
    CMP(0x4E, I32, i32_ge_s, 0x48, false);
    CMP(0x4F, I32, i32_ge_u, 0x49, false);
    un(0x50, I64, I32, Op::i64_eqz);
    CMP(0x51, I64, i64_eq, 0x52, true);
    CMP(0x52, I64, i64_ne, 0x51, true);
    CMP(0x53, I64, i64_lt_s, 0x59, false);
    CMP(0x54, I64, i64_lt_u, 0x5A, false);
    CMP(0x55, I64, i64_gt_s, 0x57, false);
    CMP(0x56, I64, i64_gt_u, 0x58, false);
    CMP(0x57, I64, i64_le_s, 0x55, false);
    CMP(0x58, I64, i64_le_u, 0x56, false);
    CMP(0x59, I64, i64_ge_s, 0x53, false);
    CMP(0x5A, I64, i64_ge_u, 0x54, false);
#undef CMP
    bin(0x5B, F32, I32, Op::f32_eq);
    bin(0x5C, F32, I32, Op::f32_ne);
    bin(0x5D, F32, I32, Op::f32_lt);
    bin(0x5E, F32, I32, Op::f32_gt);
    bin(0x5F, F32, I32, Op::f32_le);
    bin(0x60, F32, I32, Op::f32_ge);
    bin(0x61, F64, I32, Op::f64_eq);
    bin(0x62, F64, I32, Op::f64_ne);
    bin(0x63, F64, I32, Op::f64_lt);
    bin(0x64, F64, I32, Op::f64_gt);
    bin(0x65, F64, I32, Op::f64_le);
    bin(0x66, F64, I32, Op::f64_ge);
    un(0x67, I32, I32, Op::i32_clz);
    un(0x68, I32, I32, Op::i32_ctz);
    un(0x69, I32, I32, Op::i32_popcnt);
#define BI(opc, T, name, comm) bin(opc, T, T, Op::name, Op::name##_si, comm)
    BI(0x6A, I32, i32_add, true);
    BI(0x6B, I32, i32_sub, false);
    BI(0x6C, I32, i32_mul, true);
    bin(0x6D, I32, I32, Op::i32_div_s);
    bin(0x6E, I32, I32, Op::i32_div_u);
    bin(0x6F, I32, I32, Op::i32_rem_s);
    bin(0x70, I32, I32, Op::i32_rem_u);
    BI(0x71, I32, i32_and, true);
    BI(0x72, I32, i32_or, true);
    BI(0x73, I32, i32_xor, true);
    BI(0x74, I32, i32_shl, false);
    BI(0x75, I32, i32_shr_s, false);
    BI(0x76, I32, i32_shr_u, false);
    BI(0x77, I32, i32_rotl, false);
    BI(0x78, I32, i32_rotr, false);
    un(0x79, I64, I64, Op::i64_clz);
    un(0x7A, I64, I64, Op::i64_ctz);
    un(0x7B, I64, I64, Op::i64_popcnt);
    BI(0x7C, I64, i64_add, true);
    BI(0x7D, I64, i64_sub, false);
    BI(0x7E, I64, i64_mul, true);
    bin(0x7F, I64, I64, Op::i64_div_s);
    bin(0x80, I64, I64, Op::i64_div_u);
    bin(0x81, I64, I64, Op::i64_rem_s);
    bin(0x82, I64, I64, Op::i64_rem_u);
    BI(0x83, I64, i64_and, true);
    BI(0x84, I64, i64_or, true);
    BI(0x85, I64, i64_xor, true);
    BI(0x86, I64, i64_shl, false);
    BI(0x87, I64, i64_shr_s, false);
    BI(0x88, I64, i64_shr_u, false);
    BI(0x89, I64, i64_rotl, false);
    BI(0x8A, I64, i64_rotr, false);
#undef BI
    un(0x8B, F32, F32, Op::f32_abs);
    un(0x8C, F32, F32, Op::f32_neg);
    un(0x8D, F32, F32, Op::f32_ceil);
    un(0x8E, F32, F32, Op::f32_floor);
    un(0x8F, F32, F32, Op::f32_trunc);
    un(0x90, F32, F32, Op::f32_nearest);
    un(0x91, F32, F32, Op::f32_sqrt);
    bin(0x92, F32, F32, Op::f32_add);
    bin(0x93, F32, F32, Op::f32_sub);
    bin(0x94, F32, F32, Op::f32_mul);
    bin(0x95, F32, F32, Op::f32_div);
    bin(0x96, F32, F32, Op::f32_min);
    bin(0x97, F32, F32, Op::f32_max);
    bin(0x98, F32, F32, Op::f32_copysign);
    un(0x99, F64, F64, Op::f64_abs);
    un(0x9A, F64, F64, Op::f64_neg);
    un(0x9B, F64, F64, Op::f64_ceil);
    un(0x9C, F64, F64, Op::f64_floor);
    un(0x9D, F64, F64, Op::f64_trunc);
    un(0x9E, F64, F64, Op::f64_nearest);
    un(0x9F, F64, F64, Op::f64_sqrt);
    bin(0xA0, F64, F64, Op::f64_add);
    bin(0xA1, F64, F64, Op::f64_sub);
    bin(0xA2, F64, F64, Op::f64_mul);
    bin(0xA3, F64, F64, Op::f64_div);
    bin(0xA4, F64, F64, Op::f64_min);
    bin(0xA5, F64, F64, Op::f64_max);
    bin(0xA6, F64, F64, Op::f64_copysign);
    un(0xA7, I64, I32, Op::i32_wrap_i64);
    un(0xA8, F32, I32, Op::i32_trunc_f32_s);
    un(0xA9, F32, I32, Op::i32_trunc_f32_u);
    un(0xAA, F64, I32, Op::i32_trunc_f64_s);
    un(0xAB, F64, I32, Op::i32_trunc_f64_u);
    un(0xAC, I32, I64, Op::i64_extend_i32_s);
    nop(0xAD, I32, I64);  // i64.extend_i32_u: i32 slots are zero-extended
    un(0xAE, F32, I64, Op::i64_trunc_f32_s);
    un(0xAF, F32, I64, Op::i64_trunc_f32_u);
    un(0xB0, F64, I64, Op::i64_trunc_f64_s);
    un(0xB1, F64, I64, Op::i64_trunc_f64_u);
    un(0xB2, I32, F32, Op::f32_convert_i32_s);
    un(0xB3, I32, F32, Op::f32_convert_i32_u);
    un(0xB4, I64, F32, Op::f32_convert_i64_s);
    un(0xB5, I64, F32, Op::f32_convert_i64_u);
    un(0xB6, F64, F32, Op::f32_demote_f64);
    un(0xB7, I32, F64, Op::f64_convert_i32_s);
    un(0xB8, I32, F64, Op::f64_convert_i32_u);
    un(0xB9, I64, F64, Op::f64_convert_i64_s);
    un(0xBA, I64, F64, Op::f64_convert_i64_u);
    un(0xBB, F32, F64, Op::f64_promote_f32);
    nop(0xBC, F32, I32);
    nop(0xBD, F64, I64);
    nop(0xBE, I32, F32);
    nop(0xBF, I64, F64);
    un(0xC0, I32, I32, Op::i32_extend8_s);
    un(0xC1, I32, I32, Op::i32_extend16_s);
    un(0xC2, I64, I64, Op::i64_extend8_s);
    un(0xC3, I64, I64, Op::i64_extend16_s);
    un(0xC4, I64, I64, Op::i64_extend32_s);

    auto satun = [&](int k, ValType in, ValType out, Op op) {
      sat[k].valid = true;
      sat[k].in = in;
      sat[k].out = out;
      sat[k].op = op;
    };
    satun(0, F32, I32, Op::i32_trunc_sat_f32_s);
    satun(1, F32, I32, Op::i32_trunc_sat_f32_u);
    satun(2, F64, I32, Op::i32_trunc_sat_f64_s);
    satun(3, F64, I32, Op::i32_trunc_sat_f64_u);
    satun(4, F32, I64, Op::i64_trunc_sat_f32_s);
    satun(5, F32, I64, Op::i64_trunc_sat_f32_u);
    satun(6, F64, I64, Op::i64_trunc_sat_f64_s);
    satun(7, F64, I64, Op::i64_trunc_sat_f64_u);
  }
};

const NumTable& num_table() {
  static const NumTable t;
  return t;
}

struct MemOpInfo {
  bool valid = false;
  bool store = false;
  ValType type = kUnknown;
  uint32_t natural_align = 0;  // log2 of the access size
  Op op = Op::exit;
};

const MemOpInfo* mem_op(uint8_t opc) {
  static const auto table = [] {
    std::array<MemOpInfo, 256> t{};
    auto ld = [&](uint8_t o, ValType ty, uint32_t al, Op op) { t[o] = {true, false, ty, al, op}; };
    auto st = [&](uint8_t o, ValType ty, uint32_t al, Op op) { t[o] = {true, true, ty, al, op}; };
    ld(0x28, ValType::I32, 2, Op::i32_load);
    ld(0x29, ValType::I64, 3, Op::i64_load);
    ld(0x2A, ValType::F32, 2, Op::f32_load);
    ld(0x2B, ValType::F64, 3, Op::f64_load);
    ld(0x2C, ValType::I32, 0, Op::i32_load8_s);
    ld(0x2D, ValType::I32, 0, Op::i32_load8_u);
    ld(0x2E, ValType::I32, 1, Op::i32_load16_s);
    ld(0x2F, ValType::I32, 1, Op::i32_load16_u);
    ld(0x30, ValType::I64, 0, Op::i64_load8_s);
    ld(0x31, ValType::I64, 0, Op::i64_load8_u);
    ld(0x32, ValType::I64, 1, Op::i64_load16_s);
    ld(0x33, ValType::I64, 1, Op::i64_load16_u);
    ld(0x34, ValType::I64, 2, Op::i64_load32_s);
    ld(0x35, ValType::I64, 2, Op::i64_load32_u);
    st(0x36, ValType::I32, 2, Op::i32_store);
    st(0x37, ValType::I64, 3, Op::i64_store);
    st(0x38, ValType::F32, 2, Op::i32_store);
    st(0x39, ValType::F64, 3, Op::i64_store);
    st(0x3A, ValType::I32, 0, Op::i32_store8);
    st(0x3B, ValType::I32, 1, Op::i32_store16);
    st(0x3C, ValType::I64, 0, Op::i64_store8);
    st(0x3D, ValType::I64, 1, Op::i64_store16);
    st(0x3E, ValType::I64, 2, Op::i64_store32);
    return t;
  }();
  return table[opc].valid ? &table[opc] : nullptr;
}

class FunctionCompiler {
 public:
  FunctionCompiler(const CompileContext& ctx, uint32_t func_index, Reader body, CompiledFunction& out)
      : m_(ctx.module), ctx_(ctx), func_index_(func_index), r_(body), out_(out), code_(out.code) {}

  bool run(std::string& error) {
    bool ok = compile();
    if (!ok) error = r_.failed() ? r_.error() : error_;
    return ok;
  }

 private:
  // ---- errors ---------------------------------------------------------------------------
  bool fail(const std::string& msg) { return r_.fail(msg); }
  bool type_mismatch(const char* what) { return fail(std::string("type mismatch: ") + what); }

  // ---- block types ----------------------------------------------------------------------
  std::span<const ValType> params_of(const BlockType& bt) const {
    if (bt.index >= 0) return m_.types[bt.index].params;
    return {};
  }
  std::span<const ValType> results_of(const BlockType& bt) const {
    if (bt.index >= 0) return m_.types[bt.index].results;
    if (bt.single != kUnknown) return {&bt.single, 1};
    return {};
  }
  std::span<const ValType> label_types(const Ctrl& c) const {
    return c.kind == CtrlKind::Loop ? params_of(c.bt) : results_of(c.bt);
  }

  // ---- emission ---------------------------------------------------------------------------
  bool live() const { return !ctrls_.back().unreachable && !ctrls_.back().dead; }
  uint32_t here() const { return static_cast<uint32_t>(code_.size()); }
  uint32_t slot_of_pos(size_t pos) const { return num_locals_ + static_cast<uint32_t>(pos); }

  // Emits one instruction (handler + operand words, padded to an even count). Returns its
  // start. Remembers it for the peephole optimisations unless `dst_word` is negative.
  uint32_t emit(Op op, std::initializer_list<uint32_t> operands, int dst_word = -1) {
    return emit_words(op, operands.begin(), operands.size(), dst_word);
  }
  uint32_t emit_words(Op op, const uint32_t* words, size_t n, int dst_word) {
    uint32_t start = here();
    code_.resize(code_.size() + 2);
    put_handler(&code_[start], op);
    code_.insert(code_.end(), words, words + n);
    if (code_.size() & 1) code_.push_back(0);
    last_start_ = start;
    last_op_ = op;
    last_dst_ = dst_word >= 0 ? static_cast<int64_t>(start + 2 + dst_word) : -1;
    return start;
  }
  void emit_u64(uint64_t v) {
    code_.push_back(static_cast<uint32_t>(v));
    code_.push_back(static_cast<uint32_t>(v >> 32));
  }
  // A position that branches land on: peephole state must not cross it.
  void label() { last_start_ = -1; last_dst_ = -1; }
  void rewind_last() {
    code_.resize(static_cast<size_t>(last_start_));
    label();
  }

  void emit_const(uint32_t dst, ValType t, uint64_t bits) {
    if (t == ValType::I64 || t == ValType::F64 || is_ref(t)) {
      if (bits <= UINT32_MAX) {
        emit(Op::const32, {dst, static_cast<uint32_t>(bits)});
      } else {
        emit(Op::const64, {dst, 0});
        emit_u64(bits);
      }
    } else {
      emit(Op::const32, {dst, static_cast<uint32_t>(bits)});
    }
    label();  // a constant store is not retargetable by the peephole (different layout)
  }
  void emit_copy(uint32_t dst, uint32_t src) {
    if (dst == src) return;
    if (last_start_ >= 0 && last_op_ == Op::copy) {
      // Two consecutive copies become one copy2 (same order, one dispatch).
      uint32_t s = static_cast<uint32_t>(last_start_);
      put_handler(&code_[s], Op::copy2);
      code_.push_back(dst);
      code_.push_back(src);
      last_op_ = Op::copy2;
      last_dst_ = s + 4;
      return;
    }
    emit(Op::copy, {dst, src}, 0);
  }

  // ---- operand stack --------------------------------------------------------------------
  void push(ValType t) { push(Operand{t, Kind::Temp, 0, 0}); }
  void push(const Operand& o) {
    stack_.push_back(o);
    max_height_ = std::max<size_t>(max_height_, stack_.size());
  }
  bool pop(ValType expect, Operand& out) {
    Ctrl& c = ctrls_.back();
    if (stack_.size() == c.height) {
      if (c.unreachable) {
        out = Operand{expect, Kind::Temp, 0, 0};
        return true;
      }
      return type_mismatch("operand stack is empty");
    }
    out = stack_.back();
    if (expect != kUnknown && out.type != kUnknown && out.type != expect)
      return fail(std::string("type mismatch: expected ") + to_string(expect) + ", got " + to_string(out.type));
    stack_.pop_back();
    if (out.type == kUnknown) out.type = expect;
    return true;
  }
  bool pop_any(Operand& out) { return pop(kUnknown, out); }
  // The operand `depth` entries below the top, or nullptr in the polymorphic part.
  Operand* peek(size_t depth) {
    size_t h = stack_.size();
    if (depth >= h - ctrls_.back().height) return nullptr;
    return &stack_[h - 1 - depth];
  }

  // Gives the entry at `pos` its own slot (emits a copy or a constant store).
  void materialize(size_t pos) {
    Operand& o = stack_[pos];
    if (o.kind == Kind::Temp) return;
    if (live()) {
      emit_value(slot_of_pos(pos), o);
      label();
    }
    o.kind = Kind::Temp;
  }
  void materialize_all() {
    for (size_t i = 0; i < stack_.size(); ++i) materialize(i);
  }
  // Before local x changes: entries still reading x lazily get their own copy.
  void spill_local(uint32_t x) {
    for (size_t i = 0; i < stack_.size(); ++i)
      if (reads_local(stack_[i], x)) materialize(i);
  }
  bool has_lazy_local(uint32_t x) const {
    for (const auto& o : stack_)
      if (reads_local(o, x)) return true;
    return false;
  }
  static bool reads_local(const Operand& o, uint32_t x) {
    return (o.kind == Kind::Local && o.local == x) || (o.kind == Kind::AddrAdd && o.base_is_local && o.local == x);
  }
  // Writes the value of a lazy operand into slot `dst`.
  void emit_value(uint32_t dst, const Operand& o) {
    switch (o.kind) {
      case Kind::Temp: break;
      case Kind::Local: emit_copy(dst, o.local); break;
      case Kind::Const: emit_const(dst, o.type, o.bits); break;
      case Kind::AddrAdd: emit(Op::i32_add_si, {dst, o.local, static_cast<uint32_t>(o.bits)}, 0); break;
    }
  }
  // The slot an operand at `pos` is read from (constants must be materialized first).

  // Checks that the top of the stack matches `types` (without popping in the polymorphic
  // part, but popping real entries into `popped`).
  bool pop_types(std::span<const ValType> types) {
    for (size_t i = types.size(); i-- > 0;) {
      Operand o;
      if (!pop(types[i], o)) return false;
    }
    return true;
  }
  bool check_types_at_top(std::span<const ValType> types) {
    // Validation of the top `types` without changing the stack (br_if, br_table).
    const Ctrl& c = ctrls_.back();
    size_t avail = stack_.size() - c.height;
    for (size_t i = 0; i < types.size(); ++i) {
      size_t depth = types.size() - 1 - i;
      if (depth >= avail) {
        if (!c.unreachable) return type_mismatch("not enough operands for branch");
        continue;
      }
      const Operand& o = stack_[stack_.size() - 1 - depth];
      if (o.type != kUnknown && o.type != types[i]) return type_mismatch("branch operand");
    }
    return true;
  }

  // ---- branches ---------------------------------------------------------------------------
  // Copies the top `n` operands into the slots of `target` (a label at height `height`).
  void emit_branch_copies(size_t n, uint32_t target_height) {
    size_t h = stack_.size();
    for (size_t i = 0; i < n; ++i) {
      size_t pos = h - n + i;
      uint32_t dst = slot_of_pos(target_height + i);
      const Operand& o = stack_[pos];
      if (o.kind == Kind::Temp) emit_copy(dst, slot_of_pos(pos));
      else emit_value(dst, o);
    }
    label();
  }
  bool copies_needed(size_t n, uint32_t target_height) const {
    size_t h = stack_.size();
    for (size_t i = 0; i < n; ++i) {
      size_t pos = h - n + i;
      if (stack_[pos].kind != Kind::Temp || pos != target_height + i) return true;
    }
    return false;
  }
  // Result copies for a return: a parallel move into slots 0..n-1.
  void emit_return_copies(size_t n) {
    size_t h = stack_.size();
    bool conflict = false;
    for (size_t j = 0; j < n; ++j) {
      const Operand& o = stack_[h - n + j];
      bool local_src = o.kind == Kind::Local || (o.kind == Kind::AddrAdd && o.base_is_local);
      if (local_src && o.local < n && (o.local != j || o.kind == Kind::AddrAdd)) conflict = true;
    }
    if (conflict)
      for (size_t j = 0; j < n; ++j) materialize(h - n + j);
    for (size_t i = 0; i < n; ++i) {
      size_t pos = h - n + i;
      const Operand& o = stack_[pos];
      if (o.kind == Kind::Temp) emit_copy(static_cast<uint32_t>(i), slot_of_pos(pos));
      else emit_value(static_cast<uint32_t>(i), o);
    }
  }
  void emit_return() {
    emit_return_copies(results_of(ctrls_[0].bt).size());
    emit(Op::ret, {});
    label();
  }
  // Emits an unconditional jump to label `depth` (values already copied).
  void emit_jump(Ctrl& target) {
    uint32_t start = emit(Op::br, {0});
    if (target.kind == CtrlKind::Loop) {
      code_[start + 2] = target.loop_start - start;
    } else {
      target.fixups.emplace_back(start, start + 2);
    }
    label();
  }
  // Slot of a popped operand; a constant gets stored into the slot of its position first.
  uint32_t read_slot_or_const(const Operand& o, size_t pos) {
    if (o.kind == Kind::Local) return o.local;
    if (o.kind != Kind::Temp) emit_value(slot_of_pos(pos), o);
    return slot_of_pos(pos);
  }
  void patch(std::pair<uint32_t, uint32_t> fix, uint32_t target) { code_[fix.second] = target - fix.first; }

  // ---- instruction groups -----------------------------------------------------------------
  bool read_block_type(BlockType& bt) {
    int64_t v;
    const uint8_t* p = r_.pos();
    if (p < r_.end() && *p == 0x40) {
      r_.skip(1);
      bt = {};
      return true;
    }
    if (p < r_.end() && (*p == 0x7F || *p == 0x7E || *p == 0x7D || *p == 0x7C || *p == 0x70 || *p == 0x6F)) {
      r_.skip(1);
      bt = {-1, static_cast<ValType>(*p)};
      return true;
    }
    if (p < r_.end() && *p == 0x7B) return fail("SIMD is not supported (v128 block type)");
    if (!r_.s33(v)) return false;
    if (v < 0 || static_cast<uint64_t>(v) >= m_.types.size()) return fail("unknown type " + std::to_string(v));
    bt = {v, kUnknown};
    return true;
  }

  bool begin_block(CtrlKind kind) {
    BlockType bt;
    if (!read_block_type(bt)) return false;
    Operand cond;
    size_t cond_pos = 0;
    if (kind == CtrlKind::If) {
      cond_pos = stack_.size() - 1;
      if (!pop(ValType::I32, cond)) return false;
    }
    auto params = params_of(bt);
    if (!check_types_at_top(params)) return false;
    // Params must be real entries (in the polymorphic part, make them so).
    size_t avail = stack_.size() - ctrls_.back().height;
    if (avail < params.size()) {
      // Unreachable code: materialise unknown entries for missing params.
      std::vector<Operand> keep(stack_.end() - static_cast<std::ptrdiff_t>(avail), stack_.end());
      stack_.resize(stack_.size() - avail);
      for (size_t i = 0; i < params.size() - avail; ++i) push(params[i]);
      for (auto& o : keep) push(o);
    }
    for (size_t i = 0; i < params.size(); ++i) stack_[stack_.size() - params.size() + i].type = params[i];
    bool dead = !live();
    Ctrl c;
    c.kind = kind;
    c.bt = bt;
    c.height = static_cast<uint32_t>(stack_.size() - params.size());
    c.dead = dead;
    if (!dead) {
      if (kind == CtrlKind::If) {
        auto pending = prepare_cond_branch(cond, cond_pos, false);
        materialize_all();
        c.else_fix = finish_cond_branch(pending);
        c.has_else_fix = true;
      } else {
        materialize_all();
      }
    }
    if (kind == CtrlKind::Loop) {
      label();
      c.loop_start = here();
    }
    ctrls_.push_back(std::move(c));
    return true;
  }

  // A conditional branch on the i32 operand `cond` (already popped from stack position
  // `pos`), taken when the condition equals `when_true`. A comparison emitted just before that
  // produced `cond` is removed and fused into the branch. Prepared in two steps because `if`
  // emits its spills between them (they only touch slots below the condition's position).
  struct PendingBranch {
    Op op = Op::br_nz;
    uint32_t a = 0, b = 0;
    bool has_b = false;
  };
  PendingBranch prepare_cond_branch(const Operand& cond, size_t pos, bool when_true) {
    PendingBranch pb;
    const NumTable& nt = num_table();
    if (cond.kind == Kind::Temp && last_dst_ >= 0 && static_cast<uint32_t>(last_dst_) == last_start_ + 2 &&
        code_[static_cast<size_t>(last_dst_)] == slot_of_pos(pos)) {
      uint32_t s = static_cast<uint32_t>(last_start_);
      if (last_op_ == Op::i32_and_si) {  // a bit test
        pb.a = code_[s + 3];
        pb.b = code_[s + 4];
        pb.has_b = true;
        pb.op = when_true ? Op::br_and_nz : Op::br_and_z;
        rewind_last();
        return pb;
      }
      for (int opc = 0x45; opc <= 0x5A; ++opc) {
        const NumInfo& ni = nt.ops[opc];
        if (!ni.valid) continue;
        bool is_si = ni.op_si == last_op_ && ni.br_si != Op::exit;
        bool is_ss = ni.op == last_op_ && ni.br_ss != Op::exit;
        bool is_eqz = (opc == 0x45 || opc == 0x50) && ni.op == last_op_;
        if (!is_si && !is_ss && !is_eqz) continue;
        pb.a = code_[s + 3];
        if (is_eqz) {
          bool wide = opc == 0x50;
          pb.op = when_true ? (wide ? Op::br_z64 : Op::br_z) : (wide ? Op::br_nz64 : Op::br_nz);
        } else {
          pb.has_b = true;
          pb.b = code_[s + 4];
          const NumInfo& use = when_true ? ni : nt.ops[ni.inverse];
          pb.op = is_si ? use.br_si : use.br_ss;
        }
        rewind_last();
        return pb;
      }
    }
    pb.a = read_slot_or_const(cond, pos);
    pb.op = when_true ? Op::br_nz : Op::br_z;
    return pb;
  }
  // Returns (instruction start, rel word) for patching.
  std::pair<uint32_t, uint32_t> finish_cond_branch(const PendingBranch& pb) {
    uint32_t start = pb.has_b ? emit(pb.op, {pb.a, pb.b, 0}) : emit(pb.op, {pb.a, 0});
    label();
    return {start, start + (pb.has_b ? 4 : 3)};
  }
  std::pair<uint32_t, uint32_t> emit_cond_branch(const Operand& cond, size_t pos, bool when_true) {
    return finish_cond_branch(prepare_cond_branch(cond, pos, when_true));
  }

  bool compile();
  bool compile_body();
  bool op_br(uint32_t depth);
  bool op_br_if(uint32_t depth);
  bool op_br_table();
  bool op_return();
  bool op_call(uint32_t func);
  bool op_call_indirect(uint32_t type_index, uint32_t table);
  bool op_numeric(const NumInfo& ni);
  bool op_memory(const MemOpInfo& mi);
  uint32_t fold_address_add(const Operand& addr, size_t pos, uint32_t& add);
  bool try_fuse_load(const NumInfo& ni, const Operand& a, size_t pos_a, const Operand& b, size_t pos_b);
  bool op_local_set(uint32_t x, bool tee);
  bool op_select(ValType typed);
  bool op_prefixed_fc();
  void push_result(ValType t, Op op, std::initializer_list<uint32_t> more_operands);
  bool need_memory() {
    if (m_.memories.empty()) return fail("unknown memory 0");
    return true;
  }
  bool need_table(uint32_t t) {
    if (t >= m_.tables.size()) return fail("unknown table " + std::to_string(t));
    return true;
  }

  const Module& m_;
  const CompileContext& ctx_;
  uint32_t func_index_;
  Reader r_;
  CompiledFunction& out_;
  std::vector<uint32_t>& code_;
  std::string error_;

  std::vector<ValType> locals_;
  uint32_t num_locals_ = 0;
  std::vector<Operand> stack_;
  std::vector<Ctrl> ctrls_;
  size_t max_height_ = 0;
  int64_t last_start_ = -1;
  Op last_op_ = Op::exit;
  int64_t last_dst_ = -1;
};

bool FunctionCompiler::compile() {
  const FuncType& ft = m_.func_type(func_index_);
  locals_.assign(ft.params.begin(), ft.params.end());
  uint32_t groups;
  if (!r_.u32(groups)) return false;
  uint64_t total = ft.params.size();
  for (uint32_t g = 0; g < groups; ++g) {
    uint32_t n;
    ValType t;
    if (!r_.u32(n)) return false;
    total += n;
    if (total > kMaxLocals) return fail("too many locals");
    uint8_t b;
    if (!r_.u8(b)) return false;
    switch (b) {
      case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x70: case 0x6F: t = static_cast<ValType>(b); break;
      case 0x7B: return fail("SIMD is not supported (v128 local)");
      default: return fail("malformed value type");
    }
    locals_.insert(locals_.end(), n, t);
  }
  num_locals_ = static_cast<uint32_t>(locals_.size());
  out_.num_params = static_cast<uint32_t>(ft.params.size());
  out_.num_locals = num_locals_;
  out_.num_results = static_cast<uint32_t>(ft.results.size());
  code_.reserve(r_.remaining() * 3);

  Ctrl fn;
  fn.kind = CtrlKind::Function;
  fn.bt = {static_cast<int64_t>(m_.func_types[func_index_]), kUnknown};
  ctrls_.push_back(fn);
  if (!compile_body()) return false;
  if (!r_.eof()) return fail("section size mismatch: operators after the function's end");
  size_t frame = num_locals_ + max_height_ + 1;
  frame = std::max<size_t>(frame, ft.results.size());
  out_.frame_slots = static_cast<uint32_t>(frame);
  code_.shrink_to_fit();
  if (const char* want = std::getenv("WB_DUMP_CODE"); want && std::atoi(want) == static_cast<int>(func_index_)) {
    // Development aid: prints the translated code (words after each handler's name).
    std::fprintf(stderr, "func %u: %u locals, %u slots\n", func_index_, num_locals_, out_.frame_slots);
    const void* const* table = interpreter_handlers();
    for (size_t i = 0; i < code_.size();) {
      const void* h;
      std::memcpy(&h, &code_[i], sizeof h);
      std::fprintf(stderr, "%5zu %-18s", i, op_name(h));
      size_t j = i + 2;
      while (j < code_.size()) {
        const void* nh;
        std::memcpy(&nh, &code_[j], sizeof nh);
        bool is_handler = false;
        for (size_t k = 0; k < static_cast<size_t>(Op::kCount); ++k) is_handler |= table[k] == nh;
        if (is_handler) break;
        std::fprintf(stderr, " %d", static_cast<int32_t>(code_[j]));
        ++j;
      }
      std::fprintf(stderr, "\n");
      i = j;
    }
  }
  return true;
}

void FunctionCompiler::push_result(ValType t, Op op, std::initializer_list<uint32_t> operands) {
  // The result goes to the slot of the next stack position, which becomes a temp.
  uint32_t words[8];
  words[0] = slot_of_pos(stack_.size());
  size_t n = 1;
  for (uint32_t w : operands) words[n++] = w;
  push(t);
  if (live()) emit_words(op, words, n, 0);
}

bool FunctionCompiler::op_numeric(const NumInfo& ni) {
  if (ni.nop) {
    if (!stack_.empty() && stack_.size() > ctrls_.back().height && stack_.back().kind == Kind::AddrAdd)
      materialize(stack_.size() - 1);
    Operand a;
    if (!pop(ni.in, a)) return false;
    a.type = ni.out;
    if (a.kind == Kind::Const && ni.in == ValType::I32) a.bits = static_cast<uint32_t>(a.bits);
    push(a);
    return true;
  }
  if (!ni.binary) {
    size_t pos = stack_.size() - 1;
    Operand a;
    if (!pop(ni.in, a)) return false;
    if (!live()) {
      push(ni.out);
      return true;
    }
    uint32_t sa = read_slot_or_const(a, pos);
    push_result(ni.out, ni.op, {sa});
    return true;
  }
  Operand b, a;
  size_t pos_b = stack_.size() - 1;
  if (!pop(ni.in, b) || !pop(ni.in, a)) return false;
  size_t pos_a = stack_.size();
  if (!live()) {
    push(ni.out);
    return true;
  }
  auto fits_imm = [&](const Operand& o) {
    if (o.kind != Kind::Const) return false;
    if (ni.in == ValType::I32) return true;
    int64_t v = static_cast<int64_t>(o.bits);
    return v >= INT32_MIN && v <= INT32_MAX;
  };
  if (ni.op == Op::i32_add || ni.op == Op::i32_sub) {
    // x + C stays lazy: a memory access absorbs it, anything else materialises it.
    const Operand* x = nullptr;
    uint32_t c = 0;
    size_t xpos = 0;
    if (b.kind == Kind::Const && a.kind != Kind::Const) {
      x = &a;
      xpos = pos_a;
      c = ni.op == Op::i32_add ? static_cast<uint32_t>(b.bits) : 0u - static_cast<uint32_t>(b.bits);
    } else if (ni.op == Op::i32_add && a.kind == Kind::Const && b.kind != Kind::Const) {
      x = &b;
      xpos = pos_b;
      c = static_cast<uint32_t>(a.bits);
    }
    if (x != nullptr) {
      Operand r{ValType::I32, Kind::AddrAdd, 0, 0, false};
      if (x->kind == Kind::AddrAdd) {
        r.local = x->local;
        r.base_is_local = x->base_is_local;
        r.bits = static_cast<uint32_t>(x->bits + c);
      } else if (x->kind == Kind::Local) {
        r.local = x->local;
        r.base_is_local = true;
        r.bits = c;
      } else {
        // A temp base: it must sit in the slot of the result's position, which it keeps.
        uint32_t base = slot_of_pos(xpos);
        uint32_t dst = slot_of_pos(pos_a);
        if (base != dst) emit_copy(dst, base);
        label();
        r.local = dst;
        r.bits = c;
      }
      push(r);
      return true;
    }
  }
  if (ni.op_si != Op::exit) {
    if (fits_imm(b) && a.kind != Kind::Const) {
      uint32_t sa = read_slot_or_const(a, pos_a);
      push_result(ni.out, ni.op_si, {sa, static_cast<uint32_t>(b.bits)});
      return true;
    }
    if (ni.commutative && fits_imm(a) && b.kind != Kind::Const) {
      uint32_t sb = read_slot_or_const(b, pos_b);
      push_result(ni.out, ni.op_si, {sb, static_cast<uint32_t>(a.bits)});
      return true;
    }
  }
  if (try_fuse_load(ni, a, pos_a, b, pos_b)) return true;
  uint32_t sa = read_slot_or_const(a, pos_a);
  uint32_t sb = read_slot_or_const(b, pos_b);
  push_result(ni.out, ni.op, {sa, sb});
  return true;
}

// A load emitted just before, whose result is consumed here as the second operand (or the
// first, for commutative integer operations), is folded into this operation.
bool FunctionCompiler::try_fuse_load(const NumInfo& ni, const Operand& a, size_t pos_a, const Operand& b,
                                     size_t pos_b) {
  struct Fusion {
    Op binop, load, fused;
  };
  static const Fusion kFusions[] = {
#define WB_FUSION(binop, load, ...) {Op::binop, Op::load, Op::binop##__##load},
      WB_MEMBINOPS(WB_FUSION)
#undef WB_FUSION
  };
  if (last_dst_ < 0 || static_cast<uint32_t>(last_dst_) != last_start_ + 2) return false;
  uint32_t produced = code_[static_cast<size_t>(last_dst_)];
  const Operand* other = nullptr;
  size_t other_pos = 0;
  if (b.kind == Kind::Temp && produced == slot_of_pos(pos_b) && (a.kind == Kind::Local || a.kind == Kind::Temp)) {
    other = &a;
    other_pos = pos_a;
  } else if (ni.commutative && (ni.in == ValType::I32 || ni.in == ValType::I64) && a.kind == Kind::Temp &&
             produced == slot_of_pos(pos_a) && b.kind == Kind::Local) {
    other = &b;
    other_pos = pos_b;
  } else {
    return false;
  }
  for (const Fusion& f : kFusions) {
    if (f.binop != ni.op || f.load != last_op_) continue;
    uint32_t s = static_cast<uint32_t>(last_start_);
    uint32_t addr = code_[s + 3], offset = code_[s + 4], add = code_[s + 5];
    rewind_last();
    uint32_t so = other->kind == Kind::Local ? other->local : slot_of_pos(other_pos);
    push_result(ni.out, f.fused, {so, addr, offset, add});
    return true;
  }
  return false;
}

// An address computed by `x + C` just before the access is folded into it: the access
// computes (x + C) mod 2^32 + offset itself, so wrap-around semantics are kept.
uint32_t FunctionCompiler::fold_address_add(const Operand& addr, size_t pos, uint32_t& add) {
  if (addr.kind == Kind::AddrAdd) {
    add = static_cast<uint32_t>(addr.bits);
    return addr.local;
  }
  if (addr.kind == Kind::Temp && last_op_ == Op::i32_add_si && last_dst_ >= 0 &&
      static_cast<uint32_t>(last_dst_) == last_start_ + 2 && code_[static_cast<size_t>(last_dst_)] == slot_of_pos(pos)) {
    uint32_t s = static_cast<uint32_t>(last_start_);
    uint32_t src = code_[s + 3];
    add = code_[s + 4];
    rewind_last();
    return src;
  }
  add = 0;
  return read_slot_or_const(addr, pos);
}

bool FunctionCompiler::op_memory(const MemOpInfo& mi) {
  uint32_t align, offset;
  if (!r_.u32(align) || !r_.u32(offset)) return false;
  if (!need_memory()) return false;
  if (align > mi.natural_align) return fail("alignment must not be larger than natural");
  if (mi.store) {
    Operand v, addr;
    size_t pos_v = stack_.size() - 1;
    if (!pop(mi.type, v) || !pop(ValType::I32, addr)) return false;
    size_t pos_a = stack_.size();
    if (!live()) return true;
    uint32_t add = 0;
    uint32_t sa = fold_address_add(addr, pos_a, add);
    uint32_t sv = read_slot_or_const(v, pos_v);
    emit(mi.op, {sa, sv, offset, add});
    return true;
  }
  Operand addr;
  size_t pos = stack_.size() - 1;
  if (!pop(ValType::I32, addr)) return false;
  if (!live()) {
    push(mi.type);
    return true;
  }
  uint32_t add = 0;
  uint32_t sa = fold_address_add(addr, pos, add);
  push_result(mi.type, mi.op, {sa, offset, add});
  return true;
}

bool FunctionCompiler::op_local_set(uint32_t x, bool tee) {
  if (x >= num_locals_) return fail("unknown local " + std::to_string(x));
  size_t pos = stack_.size() - 1;
  Operand v;
  if (!pop(locals_[x], v)) return false;
  if (live()) {
    bool retargeted = false;
    if (v.kind == Kind::Temp && last_dst_ >= 0 && code_[static_cast<size_t>(last_dst_)] == slot_of_pos(pos) &&
        !has_lazy_local(x)) {
      code_[static_cast<size_t>(last_dst_)] = x;  // the producer writes the local directly
      retargeted = true;
    }
    if (!retargeted) {
      if (!(v.kind == Kind::Local && v.local == x)) {
        // Store the value first if it must survive (it might read x through a lazy slot).
        spill_local(x);
        if (v.kind == Kind::Temp) emit_copy(x, slot_of_pos(pos));
        else emit_value(x, v);
      }
    }
    // No label: the last instruction now writes local x, which no peephole mistakes for the
    // temp slot it looks for.
    label();
  }
  if (tee) push(Operand{locals_[x], Kind::Local, x, 0});
  return true;
}

bool FunctionCompiler::op_select(ValType typed) {
  Operand c, b, a;
  size_t pos_c = stack_.size() - 1;
  if (!pop(ValType::I32, c)) return false;
  size_t pos_b = stack_.size() - 1;
  if (!pop(typed, b)) return false;
  if (!pop(typed == kUnknown ? b.type : typed, a)) return false;
  size_t pos_a = stack_.size();
  ValType t = typed != kUnknown ? typed : (a.type != kUnknown ? a.type : b.type);
  if (typed == kUnknown && t != kUnknown && (is_ref(t) || t == ValType::V128))
    return type_mismatch("select without type needs numeric operands");
  if (typed == kUnknown && a.type != kUnknown && b.type != kUnknown && a.type != b.type)
    return type_mismatch("select operands differ");
  if (!live()) {
    push(t);
    return true;
  }
  uint32_t sa = read_slot_or_const(a, pos_a);
  uint32_t sb = read_slot_or_const(b, pos_b);
  uint32_t sc = read_slot_or_const(c, pos_c);
  push_result(t, Op::select, {sc, sa, sb});
  return true;
}

bool FunctionCompiler::op_br(uint32_t depth) {
  if (depth >= ctrls_.size()) return fail("unknown label " + std::to_string(depth));
  Ctrl& target = ctrls_[ctrls_.size() - 1 - depth];
  auto types = label_types(target);
  if (!check_types_at_top(types)) return false;
  if (live()) {
    if (&target == &ctrls_[0]) {
      emit_return();
    } else {
      if (copies_needed(types.size(), target.height)) emit_branch_copies(types.size(), target.height);
      emit_jump(target);
    }
  }
  Ctrl& c = ctrls_.back();
  stack_.resize(c.height);
  c.unreachable = true;
  return true;
}

bool FunctionCompiler::op_br_if(uint32_t depth) {
  size_t pos = stack_.size() - 1;
  Operand cond;
  if (!pop(ValType::I32, cond)) return false;
  if (depth >= ctrls_.size()) return fail("unknown label " + std::to_string(depth));
  Ctrl& target = ctrls_[ctrls_.size() - 1 - depth];
  auto types = label_types(target);
  if (!check_types_at_top(types)) return false;
  // The operands stay, typed as the label's (they may have been unknown).
  {
    const Ctrl& c = ctrls_.back();
    size_t avail = stack_.size() - c.height;
    if (avail < types.size()) {
      std::vector<Operand> keep(stack_.end() - static_cast<std::ptrdiff_t>(avail), stack_.end());
      stack_.resize(stack_.size() - avail);
      for (size_t i = 0; i < types.size() - avail; ++i) push(types[i]);
      for (auto& o : keep) push(o);
    }
    for (size_t i = 0; i < types.size(); ++i) stack_[stack_.size() - types.size() + i].type = types[i];
  }
  if (!live()) return true;
  bool is_return = &target == &ctrls_[0];
  if (!is_return && !copies_needed(types.size(), target.height)) {
    auto fix = emit_cond_branch(cond, pos, true);
    if (target.kind == CtrlKind::Loop) patch(fix, target.loop_start);
    else target.fixups.push_back(fix);
    return true;
  }
  auto skip = emit_cond_branch(cond, pos, false);
  if (is_return) {
    emit_return();
  } else {
    emit_branch_copies(types.size(), target.height);
    emit_jump(target);
  }
  patch(skip, here());
  label();
  return true;
}

bool FunctionCompiler::op_br_table() {
  uint32_t n;
  if (!r_.u32(n)) return false;
  if (n > r_.remaining()) return fail("unexpected end: br_table");
  std::vector<uint32_t> depths(n + 1);
  for (auto& d : depths)
    if (!r_.u32(d)) return false;
  size_t pos = stack_.size() - 1;
  Operand idx;
  if (!pop(ValType::I32, idx)) return false;
  uint32_t dflt = depths.back();
  if (dflt >= ctrls_.size()) return fail("unknown label " + std::to_string(dflt));
  size_t arity = label_types(ctrls_[ctrls_.size() - 1 - dflt]).size();
  for (uint32_t d : depths) {
    if (d >= ctrls_.size()) return fail("unknown label " + std::to_string(d));
    auto types = label_types(ctrls_[ctrls_.size() - 1 - d]);
    if (types.size() != arity) return type_mismatch("br_table targets have different arities");
    if (!check_types_at_top(types)) return false;
  }
  if (live()) {
    uint32_t si = read_slot_or_const(idx, pos);
    uint32_t start = emit(Op::br_table, {si, n});
    for (uint32_t i = 0; i <= n; ++i) code_.push_back(0);
    if (code_.size() & 1) code_.push_back(0);
    label();
    // Targets: direct when no copies are needed, else through a stub (one per depth).
    std::vector<int64_t> stub(ctrls_.size(), -1);
    for (uint32_t i = 0; i <= n; ++i) {
      uint32_t d = depths[i];
      Ctrl& target = ctrls_[ctrls_.size() - 1 - d];
      uint32_t word = start + 4 + i;
      bool is_return = &target == &ctrls_[0];
      if (!is_return && !copies_needed(arity, target.height)) {
        if (target.kind == CtrlKind::Loop) code_[word] = target.loop_start - start;
        else target.fixups.emplace_back(start, word);
        continue;
      }
      if (stub[d] < 0) {
        stub[d] = here();
        if (is_return) {
          emit_return();
        } else {
          emit_branch_copies(arity, target.height);
          emit_jump(target);
        }
      }
      code_[word] = static_cast<uint32_t>(stub[d]) - start;
    }
  }
  Ctrl& c = ctrls_.back();
  stack_.resize(c.height);
  c.unreachable = true;
  return true;
}

bool FunctionCompiler::op_return() {
  auto results = results_of(ctrls_[0].bt);
  if (!check_types_at_top(results)) return false;
  if (live()) emit_return();
  Ctrl& c = ctrls_.back();
  stack_.resize(c.height);
  c.unreachable = true;
  return true;
}

bool FunctionCompiler::op_call(uint32_t func) {
  if (func >= m_.func_types.size()) return fail("unknown function " + std::to_string(func));
  const FuncType& ft = m_.func_type(func);
  if (!check_types_at_top(ft.params)) return false;
  size_t np = ft.params.size();
  size_t avail = stack_.size() - ctrls_.back().height;
  if (!live() || avail < np) {
    if (!pop_types(ft.params)) return false;
    for (auto t : ft.results) push(t);
    return true;
  }
  size_t base = stack_.size() - np;
  for (size_t i = base; i < stack_.size(); ++i) materialize(i);
  stack_.resize(base);
  emit(Op::call, {func, slot_of_pos(base)});
  label();
  for (auto t : ft.results) push(t);
  return true;
}

bool FunctionCompiler::op_call_indirect(uint32_t type_index, uint32_t table) {
  if (type_index >= m_.types.size()) return fail("unknown type " + std::to_string(type_index));
  if (!need_table(table)) return false;
  if (m_.tables[table].elem != ValType::FuncRef) return type_mismatch("call_indirect on a non-funcref table");
  size_t pos = stack_.size() - 1;
  Operand idx;
  if (!pop(ValType::I32, idx)) return false;
  const FuncType& ft = m_.types[type_index];
  if (!check_types_at_top(ft.params)) return false;
  size_t np = ft.params.size();
  size_t avail = stack_.size() - ctrls_.back().height;
  if (!live() || avail < np) {
    if (!pop_types(ft.params)) return false;
    for (auto t : ft.results) push(t);
    return true;
  }
  uint32_t si = read_slot_or_const(idx, pos);
  size_t base = stack_.size() - np;
  for (size_t i = base; i < stack_.size(); ++i) materialize(i);
  stack_.resize(base);
  emit(Op::call_indirect, {type_index, table, si, slot_of_pos(base)});
  label();
  for (auto t : ft.results) push(t);
  return true;
}

bool FunctionCompiler::compile_body() {
  const NumTable& nt = num_table();
  while (true) {
    if (ctrls_.empty()) return fail("operators after the end of the function");
    uint8_t opc;
    if (!r_.u8(opc)) return fail("unexpected end of section or function");
    switch (opc) {
      case 0x00:  // unreachable
        if (live()) {
          emit(Op::unreachable, {});
          label();
        }
        stack_.resize(ctrls_.back().height);
        ctrls_.back().unreachable = true;
        break;
      case 0x01: break;  // nop
      case 0x02: if (!begin_block(CtrlKind::Block)) return false; break;
      case 0x03: if (!begin_block(CtrlKind::Loop)) return false; break;
      case 0x04: if (!begin_block(CtrlKind::If)) return false; break;
      case 0x05: {  // else
        Ctrl& c = ctrls_.back();
        if (c.kind != CtrlKind::If) return fail("else without a matching if");
        auto results = results_of(c.bt);
        if (!check_types_at_top(results)) return false;
        size_t avail = stack_.size() - c.height;
        if (avail > results.size()) return type_mismatch("values remain on the stack at else");
        if (avail < results.size() && !c.unreachable) return type_mismatch("missing values at else");
        if (live()) {
          for (size_t i = 0; i < results.size(); ++i) materialize(stack_.size() - results.size() + i);
          emit_jump(c);
        }
        if (c.has_else_fix) patch(c.else_fix, here());
        label();
        stack_.resize(c.height);
        for (auto t : params_of(c.bt)) push(t);
        c.kind = CtrlKind::Else;
        c.unreachable = false;
        c.has_else_fix = false;
        break;
      }
      case 0x0B: {  // end
        Ctrl& c = ctrls_.back();
        auto results = results_of(c.bt);
        if (c.kind == CtrlKind::If) {
          auto params = params_of(c.bt);
          if (!std::equal(params.begin(), params.end(), results.begin(), results.end()))
            return type_mismatch("if without else must have matching params and results");
        }
        if (!check_types_at_top(results)) return false;
        size_t avail = stack_.size() - c.height;
        if (avail > results.size()) return type_mismatch("values remain on the stack at the end of a block");
        if (avail < results.size() && !c.unreachable) return type_mismatch("missing values at the end of a block");
        if (c.kind == CtrlKind::Function) {
          if (live()) emit_return();
          for (auto& f : c.fixups) code_[f.second] = here() - f.first;  // none expected
          ctrls_.pop_back();
          return true;
        }
        if (live())
          for (size_t i = 0; i < results.size(); ++i) materialize(stack_.size() - results.size() + i);
        if (c.has_else_fix) patch(c.else_fix, here());
        for (auto& f : c.fixups) code_[f.second] = here() - f.first;
        label();
        uint32_t height = c.height;
        ctrls_.pop_back();
        stack_.resize(height);
        for (auto t : results) push(t);
        break;
      }
      case 0x0C: {
        uint32_t d;
        if (!r_.u32(d) || !op_br(d)) return false;
        break;
      }
      case 0x0D: {
        uint32_t d;
        if (!r_.u32(d) || !op_br_if(d)) return false;
        break;
      }
      case 0x0E: if (!op_br_table()) return false; break;
      case 0x0F: if (!op_return()) return false; break;
      case 0x10: {
        uint32_t f;
        if (!r_.u32(f) || !op_call(f)) return false;
        break;
      }
      case 0x11: {
        uint32_t t, tab;
        if (!r_.u32(t) || !r_.u32(tab) || !op_call_indirect(t, tab)) return false;
        break;
      }
      case 0x1A: {  // drop
        Operand o;
        if (!pop_any(o)) return false;
        break;
      }
      case 0x1B: if (!op_select(kUnknown)) return false; break;
      case 0x1C: {
        uint32_t n;
        if (!r_.u32(n)) return false;
        if (n != 1) return fail("invalid result arity for typed select");
        uint8_t b;
        if (!r_.u8(b)) return false;
        if (b == 0x7B) return fail("SIMD is not supported");
        if (b != 0x7F && b != 0x7E && b != 0x7D && b != 0x7C && b != 0x70 && b != 0x6F)
          return fail("malformed value type");
        if (!op_select(static_cast<ValType>(b))) return false;
        break;
      }
      case 0x20: {  // local.get
        uint32_t x;
        if (!r_.u32(x)) return false;
        if (x >= num_locals_) return fail("unknown local " + std::to_string(x));
        push(Operand{locals_[x], Kind::Local, x, 0});
        break;
      }
      case 0x21:
      case 0x22: {
        uint32_t x;
        if (!r_.u32(x) || !op_local_set(x, opc == 0x22)) return false;
        break;
      }
      case 0x23: {  // global.get
        uint32_t g;
        if (!r_.u32(g)) return false;
        if (g >= m_.globals.size()) return fail("unknown global " + std::to_string(g));
        if (!live()) push(m_.globals[g].type);
        else push_result(m_.globals[g].type, Op::global_get, {g});
        break;
      }
      case 0x24: {  // global.set
        uint32_t g;
        if (!r_.u32(g)) return false;
        if (g >= m_.globals.size()) return fail("unknown global " + std::to_string(g));
        if (!m_.globals[g].is_mutable) return fail("global is immutable");
        size_t pos = stack_.size() - 1;
        Operand v;
        if (!pop(m_.globals[g].type, v)) return false;
        if (live()) {
          uint32_t s = read_slot_or_const(v, pos);
          emit(Op::global_set, {g, s});
          label();
        }
        break;
      }
      case 0x25: {  // table.get
        uint32_t t;
        if (!r_.u32(t) || !need_table(t)) return false;
        size_t pos = stack_.size() - 1;
        Operand i;
        if (!pop(ValType::I32, i)) return false;
        if (!live()) {
          push(m_.tables[t].elem);
          break;
        }
        uint32_t si = read_slot_or_const(i, pos);
        push_result(m_.tables[t].elem, Op::table_get, {si, t});
        label();
        break;
      }
      case 0x26: {  // table.set
        uint32_t t;
        if (!r_.u32(t) || !need_table(t)) return false;
        size_t pos_v = stack_.size() - 1;
        Operand v, i;
        if (!pop(m_.tables[t].elem, v)) return false;
        size_t pos_i = stack_.size() - 1;
        if (!pop(ValType::I32, i)) return false;
        if (live()) {
          uint32_t si = read_slot_or_const(i, pos_i);
          uint32_t sv = read_slot_or_const(v, pos_v);
          emit(Op::table_set, {t, si, sv});
          label();
        }
        break;
      }
      case 0x28: case 0x29: case 0x2A: case 0x2B: case 0x2C: case 0x2D: case 0x2E: case 0x2F:
      case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
      case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C: case 0x3D: case 0x3E:
        if (!op_memory(*mem_op(opc))) return false;
        break;
      case 0x3F: {  // memory.size
        uint8_t z;
        if (!r_.u8(z)) return false;
        if (z != 0) return fail("zero byte expected");
        if (!need_memory()) return false;
        if (!live()) push(ValType::I32);
        else push_result(ValType::I32, Op::memory_size, {});
        break;
      }
      case 0x40: {  // memory.grow
        uint8_t z;
        if (!r_.u8(z)) return false;
        if (z != 0) return fail("zero byte expected");
        if (!need_memory()) return false;
        size_t pos = stack_.size() - 1;
        Operand d;
        if (!pop(ValType::I32, d)) return false;
        if (!live()) {
          push(ValType::I32);
          break;
        }
        uint32_t sd = read_slot_or_const(d, pos);
        push_result(ValType::I32, Op::memory_grow, {sd});
        label();
        break;
      }
      case 0x41: {
        int32_t v;
        if (!r_.s32(v)) return false;
        push(Operand{ValType::I32, Kind::Const, 0, static_cast<uint32_t>(v)});
        break;
      }
      case 0x42: {
        int64_t v;
        if (!r_.s64(v)) return false;
        push(Operand{ValType::I64, Kind::Const, 0, static_cast<uint64_t>(v)});
        break;
      }
      case 0x43: {
        uint32_t v;
        if (!r_.fixed32(v)) return false;
        push(Operand{ValType::F32, Kind::Const, 0, v});
        break;
      }
      case 0x44: {
        uint64_t v;
        if (!r_.fixed64(v)) return false;
        push(Operand{ValType::F64, Kind::Const, 0, v});
        break;
      }
      case 0xD0: {  // ref.null
        uint8_t t;
        if (!r_.u8(t)) return false;
        if (t != 0x70 && t != 0x6F) return fail("malformed reference type");
        push(Operand{static_cast<ValType>(t), Kind::Const, 0, 0});
        break;
      }
      case 0xD1: {  // ref.is_null
        size_t pos = stack_.size() - 1;
        Operand r;
        if (!pop_any(r)) return false;
        if (r.type != kUnknown && !is_ref(r.type)) return type_mismatch("ref.is_null needs a reference");
        if (!live()) {
          push(ValType::I32);
          break;
        }
        uint32_t s = read_slot_or_const(r, pos);
        push_result(ValType::I32, Op::ref_is_null, {s});
        break;
      }
      case 0xD2: {  // ref.func
        uint32_t f;
        if (!r_.u32(f)) return false;
        if (f >= m_.func_types.size()) return fail("unknown function " + std::to_string(f));
        if (f >= ctx_.declared_funcs.size() || !ctx_.declared_funcs[f]) return fail("undeclared function reference");
        if (!live()) push(ValType::FuncRef);
        else push_result(ValType::FuncRef, Op::ref_func, {f});
        break;
      }
      case 0xFC: if (!op_prefixed_fc()) return false; break;
      case 0xFD: return fail("SIMD is not supported");
      default:
        if (opc >= 0x45 && opc <= 0xC4 && nt.ops[opc].valid) {
          if (!op_numeric(nt.ops[opc])) return false;
          break;
        }
        return fail("illegal opcode 0x" + [&] {
          char b[8];
          std::snprintf(b, sizeof b, "%02x", opc);
          return std::string(b);
        }());
    }
  }
}

bool FunctionCompiler::op_prefixed_fc() {
  uint32_t sub;
  if (!r_.u32(sub)) return false;
  const NumTable& nt = num_table();
  if (sub < 8) return op_numeric(nt.sat[sub]);
  // Pops n i32 operands (in stack order) and returns their slots.
  auto pop_i32s = [&](int n, ValType first_type, uint32_t* slots) -> bool {
    Operand ops[3];
    size_t pos[3];
    for (int i = n - 1; i >= 0; --i) {
      pos[i] = stack_.size() - 1;
      ValType t = (i == 0 && first_type != kUnknown) ? first_type : ValType::I32;
      if (!pop(t, ops[i])) return false;
    }
    if (!live()) return true;
    for (int i = 0; i < n; ++i) slots[i] = read_slot_or_const(ops[i], pos[i]);
    return true;
  };
  uint32_t s[3] = {0, 0, 0};
  switch (sub) {
    case 8: {  // memory.init seg 0
      uint32_t seg;
      uint8_t z;
      if (!r_.u32(seg) || !r_.u8(z)) return false;
      if (z != 0) return fail("zero byte expected");
      if (!need_memory()) return false;
      if (!m_.data_count) return fail("data count section required");
      if (seg >= *m_.data_count) return fail("unknown data segment " + std::to_string(seg));
      if (!pop_i32s(3, kUnknown, s)) return false;
      if (live()) {
        emit(Op::memory_init, {seg, s[0], s[1], s[2]});
        label();
      }
      return true;
    }
    case 9: {  // data.drop
      uint32_t seg;
      if (!r_.u32(seg)) return false;
      if (!m_.data_count) return fail("data count section required");
      if (seg >= *m_.data_count) return fail("unknown data segment " + std::to_string(seg));
      if (live()) {
        emit(Op::data_drop, {seg});
        label();
      }
      return true;
    }
    case 10: {  // memory.copy 0 0
      uint8_t z1, z2;
      if (!r_.u8(z1) || !r_.u8(z2)) return false;
      if (z1 != 0 || z2 != 0) return fail("zero byte expected");
      if (!need_memory()) return false;
      if (!pop_i32s(3, kUnknown, s)) return false;
      if (live()) {
        emit(Op::memory_copy, {s[0], s[1], s[2]});
        label();
      }
      return true;
    }
    case 11: {  // memory.fill 0
      uint8_t z;
      if (!r_.u8(z)) return false;
      if (z != 0) return fail("zero byte expected");
      if (!need_memory()) return false;
      if (!pop_i32s(3, kUnknown, s)) return false;
      if (live()) {
        emit(Op::memory_fill, {s[0], s[1], s[2]});
        label();
      }
      return true;
    }
    case 12: {  // table.init elem table
      uint32_t seg, t;
      if (!r_.u32(seg) || !r_.u32(t)) return false;
      if (!need_table(t)) return false;
      if (seg >= m_.elems.size()) return fail("unknown elem segment " + std::to_string(seg));
      if (m_.elems[seg].type != m_.tables[t].elem) return type_mismatch("table.init segment type");
      if (!pop_i32s(3, kUnknown, s)) return false;
      if (live()) {
        emit(Op::table_init, {t, seg, s[0], s[1], s[2]});
        label();
      }
      return true;
    }
    case 13: {  // elem.drop
      uint32_t seg;
      if (!r_.u32(seg)) return false;
      if (seg >= m_.elems.size()) return fail("unknown elem segment " + std::to_string(seg));
      if (live()) {
        emit(Op::elem_drop, {seg});
        label();
      }
      return true;
    }
    case 14: {  // table.copy dst src
      uint32_t dt, st;
      if (!r_.u32(dt) || !r_.u32(st)) return false;
      if (!need_table(dt) || !need_table(st)) return false;
      if (m_.tables[dt].elem != m_.tables[st].elem) return type_mismatch("table.copy between tables of different types");
      if (!pop_i32s(3, kUnknown, s)) return false;
      if (live()) {
        emit(Op::table_copy, {dt, st, s[0], s[1], s[2]});
        label();
      }
      return true;
    }
    case 15: {  // table.grow t: [ref i32] -> i32
      uint32_t t;
      if (!r_.u32(t) || !need_table(t)) return false;
      if (!pop_i32s(2, m_.tables[t].elem, s)) return false;
      if (!live()) {
        push(ValType::I32);
        return true;
      }
      push_result(ValType::I32, Op::table_grow, {t, s[0], s[1]});
      label();
      return true;
    }
    case 16: {  // table.size
      uint32_t t;
      if (!r_.u32(t) || !need_table(t)) return false;
      if (!live()) push(ValType::I32);
      else push_result(ValType::I32, Op::table_size, {t});
      return true;
    }
    case 17: {  // table.fill t: [i32 ref i32]
      uint32_t t;
      if (!r_.u32(t) || !need_table(t)) return false;
      Operand n, v, i;
      size_t pn = stack_.size() - 1;
      if (!pop(ValType::I32, n)) return false;
      size_t pv = stack_.size() - 1;
      if (!pop(m_.tables[t].elem, v)) return false;
      size_t pi = stack_.size() - 1;
      if (!pop(ValType::I32, i)) return false;
      if (live()) {
        uint32_t si = read_slot_or_const(i, pi);
        uint32_t sv = read_slot_or_const(v, pv);
        uint32_t sn = read_slot_or_const(n, pn);
        emit(Op::table_fill, {t, si, sv, sn});
        label();
      }
      return true;
    }
  }
  return fail("illegal opcode 0xfc " + std::to_string(sub));
}

}  // namespace

bool compile_function(const CompileContext& ctx, uint32_t func_index, Reader body, CompiledFunction& out,
                      std::string& error) {
  FunctionCompiler fc(ctx, func_index, body, out);
  return fc.run(error);
}

}  // namespace wb::wasm
