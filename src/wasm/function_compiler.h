// SPDX-License-Identifier: MIT
// Internal to the translator (compiler.cpp, compiler_ops.cpp): one pass over a function body
// that both validates it (the spec's algorithm, with a polymorphic stack after unconditional
// branches) and translates it into the internal code (code.h).
//
// Translation model (docs/engine.md): every operand-stack position p has a fixed frame slot
// (num_locals + p). Values are tracked lazily while translating: a `local.get` or a constant
// costs no code until an instruction consumes it, and instructions read locals and
// immediates directly. Results go to the slot of their stack position, or straight into the
// local of a following `local.set`. Comparisons feeding `br_if`/`if` become one fused
// compare-and-branch.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "wasm/code.h"
#include "wasm/compiler.h"
#include "wasm/opcode_tables.h"
#include "wasm/operand_stack.h"

namespace wb::wasm::translate {

constexpr uint32_t kMaxLocals = 50000;
// Implementation limit on the operand stack height. Instructions push at most 1000 values
// (the limit on results), so without it a small body could build a stack of billions.
// Compilers stay far below it; a frame of this many slots still fits the value stack.
constexpr size_t kMaxStackHeight = 65536;
// Branches passing this many values or more copy them with one copy_n from materialised,
// contiguous slots: one instruction per branch instead of one copy per value, so code size
// stays proportional to the body (a 1000-value block branched to 200000 times would
// otherwise need 200 million copies).
constexpr size_t kWideArity = 4;

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
  int32_t fixups = -1;  // forward branches to patch at the end: a list in FunctionCompiler::fixups_
};

class FunctionCompiler {
 public:
  FunctionCompiler(const CompileContext& ctx, uint32_t func_index, Reader body, CompiledFunction& out)
      : m_(ctx.module),
        ctx_(ctx),
        func_index_(func_index),
        r_(body),
        out_(out),
        scratch_(ctx.scratch),
        stack_(ctx.scratch.operands) {
    code_.swap(scratch_.code);
  }
  ~FunctionCompiler() {
    code_.clear();
    code_.swap(scratch_.code);
  }
  FunctionCompiler(const FunctionCompiler&) = delete;
  FunctionCompiler& operator=(const FunctionCompiler&) = delete;

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

  // Emits one instruction (operation id + operand words, padded to an even count). Returns its
  // start. Remembers it for the peephole optimisations unless `dst_word` is negative.
  uint32_t emit(Op op, std::initializer_list<uint32_t> operands, int dst_word = -1) {
    return emit_words(op, operands.begin(), operands.size(), dst_word);
  }
  uint32_t emit_words(Op op, const uint32_t* words, size_t n, int dst_word) {
    uint32_t start = here();
    code_.resize(code_.size() + 2);
    put_op(&code_[start], op);
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
      put_op(&code_[s], Op::copy2);
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
  void push(const Operand& o) { stack_.push(o); }
  bool pop(ValType expect, Operand& out) {
    Ctrl& c = ctrls_.back();
    if (stack_.size() == c.height) {
      if (c.unreachable) {
        out = Operand{expect, Kind::Temp, 0, 0};
        return true;
      }
      return type_mismatch("operand stack is empty");
    }
    const Operand& top = stack_.back();
    if (expect != kUnknown && top.type != kUnknown && top.type != expect)
      return fail(std::string("type mismatch: expected ") + to_string(expect) + ", got " + to_string(top.type));
    stack_.pop(out);
    if (out.type == kUnknown) out.type = expect;
    return true;
  }
  bool pop_any(Operand& out) { return pop(kUnknown, out); }
  // Makes the top `n` entries real (in the polymorphic part, unknown entries typed as
  // `types` appear below the existing ones) and gives them those types.
  void fill_polymorphic(std::span<const ValType> types) {
    size_t avail = stack_.size() - ctrls_.back().height;
    size_t n = types.size();
    if (avail < n) {
      std::vector<Operand> keep;
      keep.reserve(avail);
      for (size_t i = stack_.size() - avail; i < stack_.size(); ++i) keep.push_back(stack_[i]);
      stack_.truncate(stack_.size() - avail);
      for (size_t i = 0; i < n - avail; ++i) push(types[i]);
      for (auto& o : keep) push(o);
    }
    stack_.set_types(stack_.size() - n, types);
  }

  // Gives the entry at `pos` its own slot (emits a copy or a constant store).
  void materialize(size_t pos) {
    const Operand& o = stack_[pos];
    if (o.kind == Kind::Temp) return;
    if (live()) {
      emit_value(slot_of_pos(pos), o);
      label();
    }
    stack_.make_temp(pos);
  }
  // Only entries pushed since the last call can be lazy: amortised constant time.
  void materialize_all() {
    for (size_t i = stack_.lazy_from(); i < stack_.size(); ++i) materialize(i);
    stack_.all_temps();
  }
  void materialize_top(size_t n) {
    size_t from = stack_.size() - n;
    for (size_t i = std::max(from, stack_.lazy_from()); i < stack_.size(); ++i) materialize(i);
    if (stack_.lazy_from() >= from) stack_.all_temps();
  }
  // Before local x changes: entries still reading x lazily get their own copy.
  void spill_local(uint32_t x) {
    for (int32_t p = stack_.top_reader(x); p >= 0; p = stack_.top_reader(x)) materialize(static_cast<size_t>(p));
  }
  bool has_lazy_local(uint32_t x) const { return stack_.top_reader(x) >= 0; }
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
    // Validation of the top `types` without changing the stack (br_if, br_table). In the
    // polymorphic part, missing entries match anything: only the `k` present are checked.
    const Ctrl& c = ctrls_.back();
    size_t avail = stack_.size() - c.height;
    if (avail < types.size() && !c.unreachable) return type_mismatch("not enough operands for branch");
    size_t k = std::min(avail, types.size());
    auto present = types.subspan(types.size() - k);
    size_t base = stack_.size() - k;
    if (k >= kWideArity && stack_.types_match(base, present)) return true;
    for (size_t i = 0; i < k; ++i) {
      ValType t = stack_[base + i].type;
      if (t != kUnknown && t != present[i]) return type_mismatch("branch operand");
    }
    return true;
  }

  // ---- branches ---------------------------------------------------------------------------
  // A branch passing n >= kWideArity values: they are materialised before the branch (for a
  // conditional branch, before its test, so that both paths see them in their slots) and
  // moved with one copy_n; the functions below rely on that.
  void prepare_wide(size_t n) {
    if (n >= kWideArity) materialize_top(n);
  }
  void emit_copy_n(uint32_t dst, uint32_t src, size_t n) {
    if (dst != src) emit(Op::copy_n, {dst, src, static_cast<uint32_t>(n)});
    label();
  }
  // Copies the top `n` operands into the slots of `target` (a label at height `height`).
  void emit_branch_copies(size_t n, uint32_t target_height) {
    size_t h = stack_.size();
    if (n >= kWideArity) return emit_copy_n(slot_of_pos(target_height), slot_of_pos(h - n), n);
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
    if (n >= kWideArity) return h - n != target_height;  // temps (see prepare_wide)
    for (size_t i = 0; i < n; ++i) {
      size_t pos = h - n + i;
      if (stack_[pos].kind != Kind::Temp || pos != target_height + i) return true;
    }
    return false;
  }
  // Result copies for a return: a parallel move into slots 0..n-1.
  void emit_return_copies(size_t n) {
    size_t h = stack_.size();
    // Temps sit at or above their destinations (slot_of_pos(h - n + i) >= i), so a forward
    // block move is a correct parallel move.
    if (n >= kWideArity) return emit_copy_n(0, slot_of_pos(h - n), n);
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
      add_fixup(target, {start, start + 2});
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
  // Forward branches wait for their label's end in one list per label, kept in fixups_ (a
  // vector per label cost an allocation per block and made deep nesting memory-hungry).
  // Until patched, a fixup's word holds its instruction's start.
  void add_fixup(Ctrl& c, std::pair<uint32_t, uint32_t> fix) {
    code_[fix.second] = fix.first;
    fixups_.push_back({fix.second, c.fixups});
    c.fixups = static_cast<int32_t>(fixups_.size() - 1);
  }
  void resolve_fixups(const Ctrl& c, uint32_t target) {
    for (int32_t i = c.fixups; i >= 0; i = fixups_[static_cast<size_t>(i)].next) {
      uint32_t word = fixups_[static_cast<size_t>(i)].word;
      code_[word] = target - code_[word];
    }
  }

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
    fill_polymorphic(params);
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
  CompileScratch& scratch_;
  // Built in a buffer kept between functions, then copied to the output at its exact size:
  // cheaper than reserving a large buffer per function and shrinking it.
  std::vector<uint32_t> code_;
  std::string error_;

  std::vector<ValType> locals_;
  uint32_t num_locals_ = 0;
  OperandStack stack_;
  struct Fixup {
    uint32_t word;  // the rel word to patch
    int32_t next;   // the label's previous fixup, or -1
  };
  std::vector<Fixup> fixups_;
  std::vector<Ctrl> ctrls_;
  int64_t last_start_ = -1;
  Op last_op_ = Op::exit;
  int64_t last_dst_ = -1;
};

}  // namespace wb::wasm::translate
