;; SPDX-License-Identifier: MIT
;; Two tables that grow against the store's limit on table elements (hostile_module_test.cpp).
(module
  (table $a (export "a") 300 funcref)
  (table $b (export "b") 300 funcref)
  (func (export "grow_a") (param i32) (result i32) (table.grow $a (ref.null func) (local.get 0)))
  (func (export "grow_b") (param i32) (result i32) (table.grow $b (ref.null func) (local.get 0)))
)
