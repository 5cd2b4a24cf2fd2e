// SPDX-License-Identifier: MIT
// The translator's value instructions: numeric operations (with immediates, fused loads
// and lazy address arithmetic), memory accesses, local.set, select and the 0xFC prefix.
#include <string>

#include "wasm/function_compiler.h"

namespace wb::wasm::translate {

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
}  // namespace wb::wasm::translate
