// SPDX-License-Identifier: MIT
// Internal: the bodies of the bulk memory and table operations, shared by the interpreter
// (which runs them inline) and the compiling tier (which calls them): one definition, so the
// tiers cannot disagree on bounds, order or interruption. Operands are read from the frame
// `fp` at the instruction's operand words `w`, as ops.def lays them out.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "wasm/objects.h"

namespace wb::wasm::bulk {

enum class Status : uint8_t { Ok, MemoryOob, TableOob, Interrupted };

// memory.fill and memory.copy of up to 4 GiB take seconds (page faults): they go in pieces of
// this many bytes, asking `keep_going()` after each, so --timeout and a forced stop end them.
inline constexpr uint64_t kPiece = uint64_t{16} << 20;

inline uint64_t u32_at(const uint64_t* fp, uint32_t slot) { return static_cast<uint32_t>(fp[slot]); }

// [d value n]
template <class KeepGoing>
Status memory_fill(MemoryObj* mem, const uint64_t* fp, const uint32_t* w, KeepGoing keep_going) {
  const uint64_t d = u32_at(fp, w[0]), n = u32_at(fp, w[2]);
  if (d + n > mem->size_bytes_) [[unlikely]]
    return Status::MemoryOob;
  const int byte = static_cast<int>(static_cast<uint8_t>(fp[w[1]]));
  for (uint64_t done = 0; done < n;) {
    const uint64_t piece = std::min<uint64_t>(n - done, kPiece);
    std::memset(mem->base_ + d + done, byte, piece);
    done += piece;
    if (!keep_going()) return Status::Interrupted;
  }
  return Status::Ok;
}

// [d s n]: front to back when the destination is below the source, back to front otherwise,
// so that no piece overwrites source bytes not yet copied.
template <class KeepGoing>
Status memory_copy(MemoryObj* mem, const uint64_t* fp, const uint32_t* w, KeepGoing keep_going) {
  const uint64_t d = u32_at(fp, w[0]), s = u32_at(fp, w[1]), n = u32_at(fp, w[2]);
  if (d + n > mem->size_bytes_ || s + n > mem->size_bytes_) [[unlikely]]
    return Status::MemoryOob;
  for (uint64_t done = 0; done < n;) {
    const uint64_t piece = std::min<uint64_t>(n - done, kPiece);
    const uint64_t at = d <= s ? done : n - done - piece;
    std::memmove(mem->base_ + d + at, mem->base_ + s + at, piece);
    done += piece;
    if (!keep_going()) return Status::Interrupted;
  }
  return Status::Ok;
}

// [segment][d s n]
inline Status memory_init(InstanceObj* inst, MemoryObj* mem, const uint64_t* fp, const uint32_t* w) {
  const uint32_t seg = w[0];
  const uint64_t d = u32_at(fp, w[1]), s = u32_at(fp, w[2]), n = u32_at(fp, w[3]);
  const auto& bytes = inst->module_->datas[seg].bytes;
  const uint64_t len = inst->data_dropped_[seg] ? 0 : bytes.size();
  if (s + n > len || d + n > mem->size_bytes_) [[unlikely]]
    return Status::MemoryOob;
  if (n) std::memcpy(mem->base_ + d, bytes.data() + s, n);
  return Status::Ok;
}

// [dst i][table]
inline Status table_get(InstanceObj* inst, uint64_t* fp, const uint32_t* w) {
  TableObj* t = impl(inst->tables_[w[2]]);
  const uint64_t i = u32_at(fp, w[1]);
  if (i >= t->elems_.size()) [[unlikely]]
    return Status::TableOob;
  fp[w[0]] = t->elems_[i];
  return Status::Ok;
}

// [table i value]
inline Status table_set(InstanceObj* inst, const uint64_t* fp, const uint32_t* w) {
  TableObj* t = impl(inst->tables_[w[0]]);
  const uint64_t i = u32_at(fp, w[1]);
  if (i >= t->elems_.size()) [[unlikely]]
    return Status::TableOob;
  t->elems_[i] = fp[w[2]];
  return Status::Ok;
}

// [dst table init n]
inline void table_grow(InstanceObj* inst, uint64_t* fp, const uint32_t* w) {
  TableObj* t = impl(inst->tables_[w[1]]);
  const int64_t r = t->grow(static_cast<uint32_t>(fp[w[3]]), Value{t->type_.elem, fp[w[2]]});
  fp[w[0]] = static_cast<uint32_t>(static_cast<int32_t>(r));
}

// [table i value n]
inline Status table_fill(InstanceObj* inst, const uint64_t* fp, const uint32_t* w) {
  TableObj* t = impl(inst->tables_[w[0]]);
  const uint64_t i = u32_at(fp, w[1]), n = u32_at(fp, w[3]);
  if (i + n > t->elems_.size()) [[unlikely]]
    return Status::TableOob;
  std::fill_n(t->elems_.begin() + static_cast<std::ptrdiff_t>(i), n, fp[w[2]]);
  return Status::Ok;
}

// [dst_table src_table][d s n]
inline Status table_copy(InstanceObj* inst, const uint64_t* fp, const uint32_t* w) {
  TableObj* dt = impl(inst->tables_[w[0]]);
  TableObj* st = impl(inst->tables_[w[1]]);
  const uint64_t d = u32_at(fp, w[2]), s = u32_at(fp, w[3]), n = u32_at(fp, w[4]);
  if (d + n > dt->elems_.size() || s + n > st->elems_.size()) [[unlikely]]
    return Status::TableOob;
  if (n) std::memmove(dt->elems_.data() + d, st->elems_.data() + s, n * sizeof(uint64_t));
  return Status::Ok;
}

// [table segment][d s n]
inline Status table_init(InstanceObj* inst, const uint64_t* fp, const uint32_t* w) {
  TableObj* t = impl(inst->tables_[w[0]]);
  const auto& vals = inst->elem_values_[w[1]];
  const uint64_t d = u32_at(fp, w[2]), s = u32_at(fp, w[3]), n = u32_at(fp, w[4]);
  if (s + n > vals.size() || d + n > t->elems_.size()) [[unlikely]]
    return Status::TableOob;
  if (n) std::memcpy(t->elems_.data() + d, vals.data() + s, n * sizeof(uint64_t));
  return Status::Ok;
}

// [segment]
inline void elem_drop(InstanceObj* inst, const uint32_t* w) {
  inst->elem_values_[w[0]].clear();
  inst->elem_values_[w[0]].shrink_to_fit();
}

}  // namespace wb::wasm::bulk
