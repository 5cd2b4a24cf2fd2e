;; SPDX-License-Identifier: MIT
;; Module exercised by engine_api_test.cpp.
(module
  (type $cb (func (param i32) (result i32)))
  (import "env" "mul_add" (func $mul_add (param i32 i64 f64) (result f64)))
  (import "env" "invoke" (func $invoke (param i32 i32) (result i32)))
  (import "env" "fail" (func $fail (param i32) (result i32)))
  (import "env" "scale" (func $scale (param f32 f32) (result f32)))
  (memory (export "memory") 1 4)
  (table (export "table") 7 funcref)
  (elem (i32.const 0) $double $triple $reenter)
  (elem (i32.const 4) $chain $fib $fib_base)
  (data (i32.const 16) "hello\00world")

  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.le_u (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  ;; Calls the host, which calls back into table entry `idx` with `v`.
  (func (export "via_host") (param $idx i32) (param $v i32) (result i32)
    (call $invoke (local.get $idx) (local.get $v)))
  (func (export "host_mul_add") (param i32 i64 f64) (result f64)
    (call $mul_add (local.get 0) (local.get 1) (local.get 2)))
  (func (export "host_fail") (param i32) (result i32) (call $fail (local.get 0)))
  (func (export "host_scale") (param f32 f32) (result f32) (call $scale (local.get 0) (local.get 1)))
  ;; Table entry 2: calls the host again, which calls entry 0 ($double): 2v + 1.
  (func $reenter (param $v i32) (result i32)
    (i32.add (call $invoke (i32.const 0) (local.get $v)) (i32.const 1)))
  ;; Table entry 4: n nested host -> guest re-entries, returns n.
  (func $chain (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $invoke (i32.const 4) (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  ;; The name section calls it $internal_name; traps must say so, not "exported_trap".
  (func $internal_name (export "exported_trap") unreachable)
  ;; Table entries 5 and 6: a recursive Fibonacci without loops or branches (select picks
  ;; the callee, call_indirect calls it), so only the interrupt check at function entry can
  ;; stop it early. fib(n) for n >= 2: fib(10) = 89; fib(42) makes about 10^9 calls.
  (func $fib (export "fib") (param $n i32) (result i32)
    (i32.add
      (call_indirect (type $cb) (i32.sub (local.get $n) (i32.const 1))
        (select (i32.const 6) (i32.const 5) (i32.lt_s (local.get $n) (i32.const 3))))
      (call_indirect (type $cb) (i32.sub (local.get $n) (i32.const 2))
        (select (i32.const 6) (i32.const 5) (i32.lt_s (local.get $n) (i32.const 4))))))
  (func $fib_base (param i32) (result i32) (i32.const 1))
  (func $boom (export "boom") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func $spin (export "spin") (loop $l (br $l)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (i32.const 1) (call $recurse (local.get 0))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  ;; Sum of 0..n-1 with a loop (fused compare-branch, local.set retargeting).
  (func (export "sum") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  ;; A parallel move on return: (b, a) from locals (a, b).
  (func (export "swap") (param $a i32) (param $b i32) (result i32 i32)
    (local.get $b) (local.get $a))
)
