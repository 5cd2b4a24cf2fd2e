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

#include <unordered_map>
#include <unordered_set>

#include "wasm/code.h"
#include "wasm/compiler.h"
#include "wasm/opcode_tables.h"
#include "wasm/operand_stack.h"

namespace wb::wasm {
namespace {

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
  stack_.set_num_locals(num_locals_);
  out_.num_params = static_cast<uint32_t>(ft.params.size());
  out_.num_locals = num_locals_;
  out_.num_results = static_cast<uint32_t>(ft.results.size());

  Ctrl fn;
  fn.kind = CtrlKind::Function;
  fn.bt = {static_cast<int64_t>(m_.func_types[func_index_]), kUnknown};
  ctrls_.push_back(fn);
  if (!compile_body()) return false;
  if (!r_.eof()) return fail("section size mismatch: operators after the function's end");
  size_t frame = num_locals_ + stack_.max_height() + 1;
  frame = std::max<size_t>(frame, ft.results.size());
  out_.frame_slots = static_cast<uint32_t>(frame);
  out_.code.assign(code_.begin(), code_.end());
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
    prepare_wide(types.size());
    if (&target == &ctrls_[0]) {
      emit_return();
    } else {
      if (copies_needed(types.size(), target.height)) emit_branch_copies(types.size(), target.height);
      emit_jump(target);
    }
  }
  Ctrl& c = ctrls_.back();
  stack_.truncate(c.height);
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
  fill_polymorphic(types);
  if (!live()) return true;
  bool is_return = &target == &ctrls_[0];
  bool direct = !is_return && !copies_needed(types.size(), target.height);
  // Wide values are materialised between the test's preparation and its emission, as `if`
  // does with its spills: on both paths, and keeping a comparison fused with the branch.
  PendingBranch pb = prepare_cond_branch(cond, pos, direct);
  prepare_wide(types.size());
  auto fix = finish_cond_branch(pb);
  if (direct) {
    if (target.kind == CtrlKind::Loop) patch(fix, target.loop_start);
    else add_fixup(target, fix);
    return true;
  }
  auto skip = fix;
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
  // Each distinct label type is checked once: with many targets and wide labels, checking
  // every target would cost targets x arity.
  std::unordered_set<const ValType*> checked;
  const ValType* last_checked = nullptr;  // saves the set lookup for runs of one label type
  for (uint32_t d : depths) {
    if (d >= ctrls_.size()) return fail("unknown label " + std::to_string(d));
    auto types = label_types(ctrls_[ctrls_.size() - 1 - d]);
    if (types.size() != arity) return type_mismatch("br_table targets have different arities");
    if (arity >= kWideArity) {
      if (types.data() == last_checked || !checked.insert(types.data()).second) continue;
      last_checked = types.data();
    }
    if (!check_types_at_top(types)) return false;
  }
  if (live()) {
    uint32_t si = read_slot_or_const(idx, pos);
    prepare_wide(arity);
    uint32_t start = emit(Op::br_table, {si, n});
    for (uint32_t i = 0; i <= n; ++i) code_.push_back(0);
    if (code_.size() & 1) code_.push_back(0);
    label();
    // Targets: direct when no copies are needed, else through a stub (one per depth).
    std::unordered_map<uint32_t, uint32_t> stub;  // depth -> stub start
    for (uint32_t i = 0; i <= n; ++i) {
      uint32_t d = depths[i];
      Ctrl& target = ctrls_[ctrls_.size() - 1 - d];
      uint32_t word = start + 4 + i;
      bool is_return = &target == &ctrls_[0];
      if (!is_return && !copies_needed(arity, target.height)) {
        if (target.kind == CtrlKind::Loop) code_[word] = target.loop_start - start;
        else add_fixup(target, {start, word});
        continue;
      }
      auto [it, fresh] = stub.try_emplace(d, here());
      if (fresh) {
        if (is_return) {
          emit_return();
        } else {
          emit_branch_copies(arity, target.height);
          emit_jump(target);
        }
      }
      code_[word] = it->second - start;
    }
  }
  Ctrl& c = ctrls_.back();
  stack_.truncate(c.height);
  c.unreachable = true;
  return true;
}

bool FunctionCompiler::op_return() {
  auto results = results_of(ctrls_[0].bt);
  if (!check_types_at_top(results)) return false;
  if (live()) {
    prepare_wide(results.size());
    emit_return();
  }
  Ctrl& c = ctrls_.back();
  stack_.truncate(c.height);
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
    stack_.push_temps(ft.results);
    return true;
  }
  size_t base = stack_.size() - np;
  materialize_top(np);
  stack_.truncate(base);
  emit(Op::call, {func, slot_of_pos(base)});
  label();
  stack_.push_temps(ft.results);
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
    stack_.push_temps(ft.results);
    return true;
  }
  uint32_t si = read_slot_or_const(idx, pos);
  size_t base = stack_.size() - np;
  materialize_top(np);
  stack_.truncate(base);
  emit(Op::call_indirect, {type_index, table, si, slot_of_pos(base)});
  label();
  stack_.push_temps(ft.results);
  return true;
}

bool FunctionCompiler::compile_body() {
  const NumTable& nt = num_table();
  while (true) {
    if (ctrls_.empty()) return fail("operators after the end of the function");
    if (stack_.size() > kMaxStackHeight)
      return fail("operand stack too deep (more than " + std::to_string(kMaxStackHeight) + " values)");
    uint8_t opc;
    if (!r_.u8(opc)) return fail("unexpected end of section or function");
    switch (opc) {
      case 0x00:  // unreachable
        if (live()) {
          emit(Op::unreachable, {});
          label();
        }
        stack_.truncate(ctrls_.back().height);
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
          materialize_top(results.size());
          emit_jump(c);
        }
        if (c.has_else_fix) patch(c.else_fix, here());
        label();
        stack_.truncate(c.height);
        stack_.push_temps(params_of(c.bt));
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
          if (live()) {
            prepare_wide(results.size());
            emit_return();
          }
          resolve_fixups(c, here());  // none expected
          ctrls_.pop_back();
          return true;
        }
        // The results become temps of the result types: when they are all there (always,
        // in reachable code) they stay in place, without popping and pushing them again.
        if (avail == results.size()) {
          materialize_top(results.size());
          stack_.set_types(c.height, results);
        }
        if (c.has_else_fix) patch(c.else_fix, here());
        resolve_fixups(c, here());
        label();
        uint32_t height = c.height;
        ctrls_.pop_back();
        if (avail != results.size()) {
          stack_.truncate(height);
          stack_.push_temps(results);
        }
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
