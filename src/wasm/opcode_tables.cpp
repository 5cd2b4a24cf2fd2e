// SPDX-License-Identifier: MIT
#include "wasm/opcode_tables.h"

#include <array>

namespace wb::wasm {
namespace {

struct NumTableBuilder {
  NumTable t;

  void un(uint8_t opc, ValType in, ValType out, Op op) {
    NumInfo& n = t.ops[opc];
    n.valid = true;
    n.in = in;
    n.out = out;
    n.op = op;
  }
  void nop(uint8_t opc, ValType in, ValType out) {
    un(opc, in, out, Op::exit);
    t.ops[opc].nop = true;
  }
  void bin(uint8_t opc, ValType in, ValType out, Op op, Op op_si = Op::exit, bool comm = false) {
    NumInfo& n = t.ops[opc];
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
    t.ops[opc].br_ss = br_ss;
    t.ops[opc].br_si = br_si;
    t.ops[opc].inverse = inverse;
  }

  NumTableBuilder() {
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
      t.sat[k].valid = true;
      t.sat[k].in = in;
      t.sat[k].out = out;
      t.sat[k].op = op;
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

}  // namespace

const NumTable& num_table() {
  static const NumTable t = NumTableBuilder().t;
  return t;
}

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


}  // namespace wb::wasm
