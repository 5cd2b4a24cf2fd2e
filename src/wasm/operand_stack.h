// The translator's operand stack (compiler.cpp): the validator's value types plus where each
// value is while translating (lazy operands). It answers, in constant time, the questions
// the translator asks at every block entry and local.set: "which entries are still lazy?"
// and "which entries read local x lazily?". Scanning the stack for them made translation
// quadratic in the stack height.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
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
  ValType type = kUnknown;
  Kind kind = Kind::Temp;
  uint32_t local = 0;  // Local: the local; AddrAdd: the base slot
  uint64_t bits = 0;   // Const: the value; AddrAdd: the addend
  bool base_is_local = false;  // AddrAdd: the base slot is a local (spilled when it changes)
  // Set by OperandStack: the positions of the next lower and next higher entries that read
  // the same local lazily (-1: none).
  int32_t below = -1;
  int32_t above = -1;

  // The local this operand reads lazily, or -1.
  int64_t lazy_local() const {
    if (kind == Kind::Local || (kind == Kind::AddrAdd && base_is_local)) return local;
    return -1;
  }
};

// Per-local list heads, kept between the functions of a module so that a function does not
// pay for its declared-but-unused locals (a module may declare 50000 locals in each of many
// tiny functions). Every entry is -1 between functions.
struct LocalReaders {
  std::vector<int32_t> top;  // position of the topmost lazy reader of each local, or -1
};

class OperandStack {
 public:
  explicit OperandStack(LocalReaders& readers) : top_(readers.top) {}
  ~OperandStack() { truncate(0); }  // leaves every list head at -1 for the next function
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

  // Whether the entries from `pos` up have exactly `types` (one memcmp: blocks, calls and
  // branches may pass up to 1000 values, and checking them one by one dominated the time
  // to validate bodies made of such instructions).
  bool types_match(size_t pos, std::span<const ValType> types) const {
    return v_.size() - pos == types.size() &&
           (types.empty() || std::memcmp(types_.data() + pos, types.data(), types.size()) == 0);
  }
  // Gives the entries from `pos` up the types `types` (as many).
  void set_types(size_t pos, std::span<const ValType> types) {
    if (types_match(pos, types)) return;
    for (size_t i = 0; i < types.size(); ++i) v_[pos + i].type = types_[pos + i] = types[i];
  }

  void push(Operand o) {
    size_t pos = v_.size();
    o.below = o.above = -1;
    if (o.kind != Kind::Temp) first_lazy_ = std::min(first_lazy_, pos);
    if (int64_t x = o.lazy_local(); x >= 0) {
      int32_t& head = top_[static_cast<size_t>(x)];
      o.below = head;
      if (head >= 0) v_[static_cast<size_t>(head)].above = static_cast<int32_t>(pos);
      head = static_cast<int32_t>(pos);
    }
    v_.push_back(o);
    types_.push_back(o.type);
    max_height_ = std::max(max_height_, v_.size());
  }
  // Pushes temps of the given types (block and call results).
  void push_temps(std::span<const ValType> types) {
    size_t old = v_.size();
    v_.resize(old + types.size());
    for (size_t i = 0; i < types.size(); ++i) v_[old + i].type = types[i];
    types_.insert(types_.end(), types.begin(), types.end());
    max_height_ = std::max(max_height_, v_.size());
  }
  Operand pop() {
    unlink(v_.size() - 1);
    Operand o = v_.back();
    v_.pop_back();
    types_.pop_back();
    return o;
  }
  void truncate(size_t n) {
    if (n >= v_.size()) return;
    for (size_t i = v_.size(); i > std::max(n, lazy_from()); --i) unlink(i - 1);  // temps need none
    v_.resize(n);
    types_.resize(n);
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
  void unlink(size_t pos) {
    Operand& o = v_[pos];
    int64_t x = o.lazy_local();
    if (x < 0) return;
    if (o.above >= 0) v_[static_cast<size_t>(o.above)].below = o.below;
    else top_[static_cast<size_t>(x)] = o.below;
    if (o.below >= 0) v_[static_cast<size_t>(o.below)].above = o.above;
    o.below = o.above = -1;
  }

  std::vector<Operand> v_;
  std::vector<ValType> types_;  // v_[i].type, contiguous
  std::vector<int32_t>& top_;
  size_t first_lazy_ = 0;
  size_t max_height_ = 0;
};

}  // namespace wb::wasm
