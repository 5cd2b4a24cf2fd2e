// SPDX-License-Identifier: MIT
// libFuzzer target: load (decode + validate + translate), instantiate with every import
// satisfied by a stand-in of the right type, then call each exported function with zero
// arguments. A watchdog interrupts guests that run too long, so loops are not hangs.
#include <cstddef>
#include <cstdint>

#include "watchdog.h"
#include "wasm/engine.h"

using namespace wb::wasm;

namespace {

Value zero(ValType t) { return Value{t, 0}; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wb::fuzz::Watchdog& dog = wb::fuzz::Watchdog::get();
  auto mod = Module::load({data, size});
  if (!mod) return 0;

  StoreLimits limits;
  limits.max_memory_pages = 256;  // 16 MiB
  limits.max_table_elements = 100000;
  limits.max_call_depth = 2000;
  Store store(limits);
  Imports imports;
  for (const Import& im : mod.value()->imports) {
    switch (im.kind) {
      case ExternKind::Func: {
        const FuncType& ft = mod.value()->types[im.type_index];
        size_t nres = ft.results.size();
        imports.add(im.module, im.name, store.create_host_function(ft, [nres](HostContext&, const uint64_t*, uint64_t* res) {
          for (size_t i = 0; i < nres; ++i) res[i] = 0;
          return std::optional<Trap>();
        }, im.module + "." + im.name));
        break;
      }
      case ExternKind::Table: {
        auto t = store.create_table(im.table, Value::null(im.table.elem));
        if (t) imports.add(im.module, im.name, *t);
        break;
      }
      case ExternKind::Memory: {
        auto m = store.create_memory(im.memory);
        if (m) imports.add(im.module, im.name, *m);
        break;
      }
      case ExternKind::Global: {
        auto g = store.create_global(im.global, zero(im.global.type));
        if (g) imports.add(im.module, im.name, *g);
        break;
      }
    }
  }
  dog.guard(store.interrupt_handle(), std::chrono::milliseconds(50));
  auto inst = store.instantiate(mod.value(), imports);
  if (inst) {
    for (const Export& e : mod.value()->exports) {
      if (e.kind != ExternKind::Func) continue;
      Function* f = inst.value()->function(e.name);
      std::vector<Value> args;
      for (ValType t : f->type().params) args.push_back(zero(t));
      (void)store.call(f, args);
    }
  }
  dog.release();
  return 0;
}
