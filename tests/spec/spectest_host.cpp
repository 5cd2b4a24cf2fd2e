// SPDX-License-Identifier: MIT
#include "spectest_host.h"

#include <vector>

#include "wast_values.h"

namespace wb::spectest {

using wasm::FuncType;
using wasm::ValType;
using wasm::Value;

namespace {

void add_print_function(wasm::Store& store, ExportMap& out, std::ostream* print_to,
                        const std::string& name, std::vector<ValType> params) {
  FuncType type{params, {}};
  wasm::HostFunc fn = [print_to, name, params](wasm::HostContext&, const uint64_t* args,
                                               uint64_t*) -> std::optional<wasm::Trap> {
    if (print_to != nullptr) {
      *print_to << "spectest." << name << "(";
      for (size_t i = 0; i < params.size(); ++i) {
        if (i) *print_to << ", ";
        *print_to << describe(Value{params[i], args[i]});
      }
      *print_to << ")\n";
    }
    return std::nullopt;
  };
  out.emplace(name, store.create_host_function(type, std::move(fn), "spectest." + name));
}

void add_global(wasm::Store& store, ExportMap& out, const std::string& name, Value v) {
  auto g = store.create_global(wasm::GlobalType{v.type, false}, v);
  if (g) out.emplace(name, g.value());
}

}  // namespace

ExportMap create_spectest_module(wasm::Store& store, std::ostream* print_to) {
  ExportMap out;
  add_print_function(store, out, print_to, "print", {});
  add_print_function(store, out, print_to, "print_i32", {ValType::I32});
  add_print_function(store, out, print_to, "print_i64", {ValType::I64});
  add_print_function(store, out, print_to, "print_f32", {ValType::F32});
  add_print_function(store, out, print_to, "print_f64", {ValType::F64});
  add_print_function(store, out, print_to, "print_i32_f32", {ValType::I32, ValType::F32});
  add_print_function(store, out, print_to, "print_f64_f64", {ValType::F64, ValType::F64});

  add_global(store, out, "global_i32", Value::i32(666));
  add_global(store, out, "global_i64", Value::i64(666));
  add_global(store, out, "global_f32", Value::f32(666.0f));
  add_global(store, out, "global_f64", Value::f64(666.0));

  wasm::TableType table_type{ValType::FuncRef, wasm::Limits{10, 20}};
  if (auto t = store.create_table(table_type, Value::null(ValType::FuncRef))) {
    out.emplace("table", t.value());
  }
  wasm::MemoryType memory_type{wasm::Limits{1, 2}};
  if (auto m = store.create_memory(memory_type)) out.emplace("memory", m.value());
  return out;
}

ExportMap exports_of(const wasm::Instance& instance) {
  ExportMap out;
  for (const wasm::Export& e : instance.module().exports) {
    if (auto ext = instance.get_export(e.name)) out.emplace(e.name, *ext);
  }
  return out;
}

}  // namespace wb::spectest
