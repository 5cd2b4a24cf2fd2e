// SPDX-License-Identifier: MIT
// libFuzzer target: the two engine tiers against each other. Each input module is
// instantiated twice, in an interpreted store and in a compiled one, with the same stand-in
// imports; every exported function is called in both with the same arguments, and the
// results, the traps (kind and message), the memory and the exported globals must agree
// after each call. A difference aborts (libFuzzer keeps the input). A watchdog interrupts
// guests that run too long; the input is then abandoned (the two runs stopped at different
// points).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "watchdog.h"
#include "wasm/engine.h"

using namespace wb::wasm;

namespace {

[[noreturn]] void differ(const std::string& what) {
  std::fprintf(stderr, "diff-fuzzer: the tiers differ: %s\n", what.c_str());
  std::abort();
}

// One instance of the input module with deterministic stand-in imports.
struct Side {
  explicit Side(Tier tier) : store(limits(tier)) {}
  static StoreLimits limits(Tier tier) {
    StoreLimits l;
    l.tier = tier;
    l.max_memory_pages = 256;  // 16 MiB
    l.max_table_elements = 100000;
    l.max_call_depth = 2000;
    return l;
  }
  bool instantiate(const std::shared_ptr<const Module>& mod) {
    Imports imports;
    for (const Import& im : mod->imports) {
      switch (im.kind) {
        case ExternKind::Func: {
          const FuncType ft = mod->types[im.type_index];
          // Results from the arguments: the same values in both tiers, varied enough to steer
          // the guest down different paths.
          imports.add(im.module, im.name, store.create_host_function(ft, [ft](HostContext&, const uint64_t* args, uint64_t* res) {
            uint64_t sum = 0x9E3779B97F4A7C15ull;
            for (size_t i = 0; i < ft.params.size(); ++i) sum = sum * 31 + args[i];
            for (size_t i = 0; i < ft.results.size(); ++i) {
              uint64_t v = sum + i;
              if (is_ref(ft.results[i])) v = 0;
              else if (ft.results[i] == ValType::I32 || ft.results[i] == ValType::F32) v = static_cast<uint32_t>(v);
              res[i] = v;
            }
            return std::optional<Trap>();
          }, im.module + "." + im.name));
          break;
        }
        case ExternKind::Table:
          if (auto t = store.create_table(im.table, Value::null(im.table.elem))) imports.add(im.module, im.name, *t);
          break;
        case ExternKind::Memory:
          if (auto m = store.create_memory(im.memory)) imports.add(im.module, im.name, *m);
          break;
        case ExternKind::Global:
          if (auto g = store.create_global(im.global, Value{im.global.type, 0})) imports.add(im.module, im.name, *g);
          break;
      }
    }
    auto r = store.instantiate(mod, imports, &start_trap);
    if (!r) {
      error = r.error().message;
      return false;
    }
    inst = r.value();
    return true;
  }
  CallResult<std::vector<Value>> call(Function* f, const std::vector<Value>& args) {
    wb::fuzz::Watchdog::get().guard(store.interrupt_handle(), std::chrono::milliseconds(50));
    auto r = store.call(f, args);
    wb::fuzz::Watchdog::get().release();
    return r;
  }

  Store store;
  Instance* inst = nullptr;
  std::string error;
  std::optional<Trap> start_trap;
};

bool same_value(ValType t, uint64_t a, uint64_t b) {
  // References point at each store's own objects: equal when both are null, or both are the
  // same function of their module.
  if (is_ref(t)) {
    if ((a == 0) != (b == 0)) return false;
    if (a == 0 || t != ValType::FuncRef) return true;
    auto* fa = reinterpret_cast<const Function*>(a);
    auto* fb = reinterpret_cast<const Function*>(b);
    return fa->is_host() == fb->is_host() && fa->index() == fb->index();
  }
  // NaNs: which operand's payload survives an operation with two NaN operands depends on the
  // order the C++ compiler gave the operands in the interpreter; any NaN matches any NaN.
  if (t == ValType::F32) {
    float x, y;
    uint32_t xa = static_cast<uint32_t>(a), yb = static_cast<uint32_t>(b);
    std::memcpy(&x, &xa, 4);
    std::memcpy(&y, &yb, 4);
    if (std::isnan(x) && std::isnan(y)) return true;
  } else if (t == ValType::F64) {
    double x, y;
    std::memcpy(&x, &a, 8);
    std::memcpy(&y, &b, 8);
    if (std::isnan(x) && std::isnan(y)) return true;
  }
  return a == b;
}

std::string trap_text(const Trap& t) { return std::to_string(static_cast<int>(t.kind)) + " " + t.message; }

void compare_state(const std::string& where, Side& a, Side& b) {
  if (a.inst->memories().size() != b.inst->memories().size()) differ(where + ": memory count");
  for (size_t i = 0; i < a.inst->memories().size(); ++i) {
    Memory* x = a.inst->memories()[i];
    Memory* y = b.inst->memories()[i];
    if (x->size() != y->size()) differ(where + ": memory size");
    if (std::memcmp(x->span(0, x->size()), y->span(0, y->size()), x->size()) != 0) differ(where + ": memory contents");
  }
  for (size_t i = 0; i < a.inst->globals().size(); ++i) {
    Global* x = a.inst->globals()[i];
    Global* y = b.inst->globals()[i];
    if (!same_value(x->type().type, x->get().bits, y->get().bits)) differ(where + ": global " + std::to_string(i));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto mod = Module::load({data, size});
  if (!mod) return 0;

  Side interp(Tier::Interpreter), compiled(Tier::Compiler);
  const bool ok_a = interp.instantiate(mod.value());
  const bool ok_b = compiled.instantiate(mod.value());
  auto interrupted = [](const std::optional<Trap>& t) { return t && t->kind == TrapKind::Interrupted; };
  if (interrupted(interp.start_trap) || interrupted(compiled.start_trap)) return 0;
  if (ok_a != ok_b) differ("instantiation: " + interp.error + " | " + compiled.error);
  if (interp.start_trap.has_value() != compiled.start_trap.has_value() ||
      (interp.start_trap && trap_text(*interp.start_trap) != trap_text(*compiled.start_trap)))
    differ("start function: " + interp.error + " | " + compiled.error);
  if (!ok_a) return 0;
  compare_state("after instantiation", interp, compiled);

  // Arguments: a few patterns, the same in both tiers.
  const uint64_t patterns[] = {0, 1, 0xFFFFFFFFull, 0x7FFFFFFFull, 0x10000, 0xFFFFFFFFFFFFFFFFull};
  int round = 0;
  for (const Export& e : mod.value()->exports) {
    if (e.kind != ExternKind::Func) continue;
    Function* fa = interp.inst->function(e.name);
    Function* fb = compiled.inst->function(e.name);
    for (int variant = 0; variant < 2; ++variant, ++round) {
      std::vector<Value> args;
      size_t k = 0;
      for (ValType t : fa->type().params) {
        uint64_t bits = variant == 0 ? 0 : patterns[(k++ + static_cast<size_t>(round)) % std::size(patterns)];
        if (is_ref(t)) bits = 0;
        else if (t == ValType::I32 || t == ValType::F32) bits = static_cast<uint32_t>(bits);
        args.push_back(Value{t, bits});
      }
      auto ra = interp.call(fa, args);
      auto rb = compiled.call(fb, args);
      const bool stopped = (!ra && ra.error().kind == TrapKind::Interrupted) || (!rb && rb.error().kind == TrapKind::Interrupted);
      if (stopped) return 0;  // the watchdog: the two runs stopped at different points
      const std::string where = "export \"" + e.name + "\" call " + std::to_string(variant);
      if (ra.ok() != rb.ok())
        differ(where + ": " + (ra.ok() ? "returned" : trap_text(ra.error())) + " | " +
               (rb.ok() ? "returned" : trap_text(rb.error())));
      if (!ra.ok()) {
        if (trap_text(ra.error()) != trap_text(rb.error()))
          differ(where + ": " + trap_text(ra.error()) + " | " + trap_text(rb.error()));
        if (ra.error().kind == TrapKind::Trap && ra.error().function != rb.error().function)
          differ(where + ": trap in " + ra.error().function + " | " + rb.error().function);
      } else {
        const auto& results = fa->type().results;
        for (size_t i = 0; i < results.size(); ++i)
          if (!same_value(results[i], ra.value()[i].bits, rb.value()[i].bits))
            differ(where + ": result " + std::to_string(i));
      }
      compare_state(where, interp, compiled);
    }
  }
  return 0;
}
