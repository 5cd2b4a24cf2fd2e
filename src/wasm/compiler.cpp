// SPDX-License-Identifier: MIT
// The translator's driver and control flow: locals, the instruction loop, blocks, branches,
// calls and returns (function_compiler.h describes the model; compiler_ops.cpp has the
// value instructions).
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "wasm/function_compiler.h"

namespace wb::wasm {
namespace translate {

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
  if (code_.size() > UINT32_MAX) return fail("function too large: its translated code exceeds 16 GiB");
  out_.code_size = static_cast<uint32_t>(code_.size());
  ctx_.code_words.insert(ctx_.code_words.end(), code_.begin(), code_.end());
  if (const char* want = std::getenv("WB_DUMP_CODE"); want && std::atoi(want) == static_cast<int>(func_index_)) {
    // Development aid: prints the translated code (each operation's name, then its words).
    std::fprintf(stderr, "func %u: %u locals, %u slots\n", func_index_, num_locals_, out_.frame_slots);
    for (size_t i = 0; i < code_.size();) {
      const Op op = op_at(&code_[i]);
      std::fprintf(stderr, "%5zu %-18s", i, op_name(op));
      const size_t n = instruction_words(&code_[i], op);
      for (size_t j = i + 2; j < i + n; ++j) std::fprintf(stderr, " %d", static_cast<int32_t>(code_[j]));
      std::fprintf(stderr, "\n");
      i += n;
    }
  }
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

}  // namespace translate

bool compile_function(const CompileContext& ctx, uint32_t func_index, Reader body, CompiledFunction& out,
                      std::string& error) {
  translate::FunctionCompiler fc(ctx, func_index, body, out);
  return fc.run(error);
}

}  // namespace wb::wasm
