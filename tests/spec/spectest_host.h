// SPDX-License-Identifier: MIT
// The `spectest` module every spec script may import: print functions, four immutable globals
// (value 666), a funcref table (10..20) and a memory (1..2 pages).
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>

#include "wasm/engine.h"

namespace wb::spectest {

// The exports of one importable module, by name: a registered instance or the host module.
using ExportMap = std::map<std::string, wasm::Extern, std::less<>>;

// Creates the spectest module's objects in `store`. The print functions write their
// arguments to `print_to` when it is non-null and do nothing otherwise. Objects the store
// refuses to create are left out (a later import of them fails as "unknown import").
ExportMap create_spectest_module(wasm::Store& store, std::ostream* print_to);

// Every export of an instance, resolved to the objects it refers to now.
ExportMap exports_of(const wasm::Instance& instance);

}  // namespace wb::spectest
