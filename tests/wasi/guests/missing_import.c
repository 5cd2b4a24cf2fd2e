// SPDX-License-Identifier: MIT
// Imports a function no host provides: instantiation must fail (wasm-bpf exits 125).
#include <stdio.h>

__attribute__((import_module("env"), import_name("wb_no_such_function"))) int wb_no_such_function(int);

int main(void) {
  puts("should not run");
  return wb_no_such_function(1);
}
