// SPDX-License-Identifier: MIT
// The translator's operand stack (compiler.cpp): the validator's value types plus where each
// value is while translating (lazy operands). It answers, in constant time, the questions
// the translator asks at every block entry and local.set: "which entries are still lazy?"
// and "which entries read local x lazily?". Scanning the stack for them made translation
// quadratic in the stack height.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "wasm/types.h"

namespace wb::wasm {

// The validator's "unknown" type: a value popped from the polymorphic part of the stack.
constexpr ValType kUnknown = static_cast<ValType>(0);

// Where an operand's value is: in the slot of its stack position (Temp), in a local, an
// immediate, or (AddrAdd) the i32 sum of a slot and an immediate, which memory accesses
// absorb into their address computation and other consumers materialise with one add.
enum class Kind : uint8_t { Temp, Local, Const, AddrAdd };

struct Operand {
  Operand() = default;
  Operand(ValType t, Kind k, uint32_t l, uint64_t b, bool local_base = false)
      : type(t), kind(k), base_is_local(local_base), local(l), bits(b) {}

  // (Ordered to fit 24 bytes: the translator copies operands a lot.)
  ValType type = kUnknown;
  Kind kind = Kind::Temp;
  bool base_is_local = false;  // AddrAdd: the base slot is a local (spilled when it changes)
  uint32_t local = 0;  // Local: the local; AddrAdd: the base slot
  uint64_t bits = 0;   // Const: the value; AddrAdd: the addend
  // Set by OperandStack for entries that read a local lazily: the positions of the next
  // lower and next higher entries reading the same local (-1: none).
  int32_t below = -1;
  int32_t above = -1;

  // The local this operand reads lazily, or -1.
  int64_t lazy_local() const {
    if (kind == Kind::Local || (kind == Kind::AddrAdd && base_is_local)) return local;
    return -1;
  }
};

// Storage kept between the functions of a module: the per-local list heads, so that a
// function does not pay for its declared-but-unused locals (a module may declare 50000
// locals in each of many tiny functions), and the entries' vector, so that its capacity is
// allocated once. Between functions every head is -1 and the vector is empty.
struct OperandScratch {
  std::vector<int32_t> top;  // position of the topmost lazy reader of each local, or -1
  std::vector<Operand> entries;
};

class OperandStack {
 public:
  // The entries' vector is borrowed by swapping (a reference to it would cost an indirection
  // on every access).
  explicit OperandStack(OperandScratch& scratch) : scratch_(scratch), top_(scratch.top) { v_.swap(scratch.entries); }
  ~OperandStack() {
    truncate(0);  // leaves every list head at -1
    v_.swap(scratch_.entries);
  }
  OperandStack(const OperandStack&) = delete;
  OperandStack& operator=(const OperandStack&) = delete;

  // Before the first push: the function has `n` locals.
  void set_num_locals(uint32_t n) {
    if (top_.size() < n) top_.resize(n, -1);
  }

  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  size_t max_height() const { return max_height_; }
  const Operand& operator[](size_t pos) const { return v_[pos]; }
  const Operand& back() const { return v_.back(); }

  // Whether the entries from `pos` up have exactly `types`.
  bool types_match(size_t pos, std::span<const ValType> types) const {
    if (v_.size() - pos != types.size()) return false;
    for (size_t i = 0; i < types.size(); ++i)
      if (v_[pos + i].type != types[i]) return false;
    return true;
  }
  // Gives the entries from `pos` up the types `types` (as many).
  void set_types(size_t pos, std::span<const ValType> types) {
    for (size_t i = 0; i < types.size(); ++i) v_[pos + i].type = types[i];
  }

  [[gnu::always_inline]] void push(const Operand& in) {
    size_t pos = v_.size();
    v_.push_back(in);
    max_height_ = std::max(max_height_, v_.size());
    if (in.kind == Kind::Temp) return;
    first_lazy_ = std::min(first_lazy_, pos);
    if (int64_t x = in.lazy_local(); x >= 0) {
      Operand& o = v_.back();
      int32_t& head = top_[static_cast<size_t>(x)];
      o.below = head;
      o.above = -1;
      if (head >= 0) v_[static_cast<size_t>(head)].above = static_cast<int32_t>(pos);
      head = static_cast<int32_t>(pos);
    }
  }
  // Pushes temps of the given types (block and call results).
  void push_temps(std::span<const ValType> types) {
    size_t old = v_.size();
    v_.resize(old + types.size());
    for (size_t i = 0; i < types.size(); ++i) v_[old + i].type = types[i];
    max_height_ = std::max(max_height_, v_.size());
  }
  // Removes the top entry into `out` (whose links are then meaningless).
  [[gnu::always_inline]] void pop(Operand& out) {
    out = v_.back();
    unlink(v_.size() - 1);
    v_.pop_back();
  }
  void truncate(size_t n) {
    if (n >= v_.size()) return;
    for (size_t i = v_.size(); i > std::max(n, lazy_from()); --i) unlink(i - 1);  // temps need none
    v_.resize(n);
  }

  // The entry at `pos` now holds its value in its own slot.
  void make_temp(size_t pos) {
    unlink(pos);
    v_[pos].kind = Kind::Temp;
  }

  // Entries below this position are all temps (entries at or above it may be too).
  size_t lazy_from() const { return std::min(first_lazy_, v_.size()); }
  // Records that every entry is a temp (after the caller made them so).
  void all_temps() { first_lazy_ = v_.size(); }

  // The position of the topmost entry reading local x lazily, or -1.
  int32_t top_reader(uint32_t x) const { return top_[x]; }

 private:
  // Takes the entry at `pos` out of its local's list. Its own links are left as they are:
  // only entries that read a local lazily are ever followed, and push() sets them anew.
  void unlink(size_t pos) {
    const Operand& o = v_[pos];
    int64_t x = o.lazy_local();
    if (x < 0) return;
    if (o.above >= 0) v_[static_cast<size_t>(o.above)].below = o.below;
    else top_[static_cast<size_t>(x)] = o.below;
    if (o.below >= 0) v_[static_cast<size_t>(o.below)].above = o.above;
  }

  OperandScratch& scratch_;
  std::vector<Operand> v_;
  std::vector<int32_t>& top_;
  size_t first_lazy_ = 0;
  size_t max_height_ = 0;
};

}  // namespace wb::wasm
