// SPDX-License-Identifier: MIT
// libFuzzer target: load (decode + validate + translate), instantiate with every import
// satisfied by a stand-in of the right type, then call each exported function with zero
// arguments. A watchdog interrupts guests that run too long, so loops are not hangs.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

#include "wasm/engine.h"

using namespace wb::wasm;

namespace {

// The running input's store, as a handle that shares ownership of its interrupt flag (a raw
// pointer to the flag could outlive the store), and its deadline; guarded by `mutex`, as the
// main thread replaces the handle while the watchdog may be using it.
struct Watch {
  std::mutex mutex;
  InterruptHandle running;  // empty between inputs
  int64_t deadline_ns = 0;
};
// Never destroyed: the detached watchdog thread may still use it while the process exits.
Watch& watch() {
  static Watch* w = new Watch;
  return *w;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Watch& w = watch();
    std::lock_guard<std::mutex> lock(w.mutex);
    if (now_ns() > w.deadline_ns) w.running.interrupt();  // no effect on an empty handle
  }
}

Value zero(ValType t) { return Value{t, 0}; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::thread dog = [] {
    std::thread t(watchdog);
    t.detach();
    return t;
  }();
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
  {
    std::lock_guard<std::mutex> lock(watch().mutex);
    watch().deadline_ns = now_ns() + 50'000'000;
    watch().running = store.interrupt_handle();
  }
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
  {
    std::lock_guard<std::mutex> lock(watch().mutex);
    watch().running = InterruptHandle();
  }
  return 0;
}
