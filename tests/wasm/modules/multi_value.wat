;; SPDX-License-Identifier: MIT
;; Branches, returns and loops passing 4 or more values (translated with materialised slots
;; and one block copy), checked by translator_test.cpp. Each passes lazy locals and
;; constants from positions other than the label's, so the values must really move.
(module
  ;; br out of a block, with one extra value below the five.
  (func (export "br_wide") (param $a i32) (param $b i32) (result i32 i32 i32 i32 i32)
    (block $out (result i32 i32 i32 i32 i32)
      (i32.const 100)
      (local.get $b) (local.get $a) (i32.const 7) (local.get $b) (i32.const -1)
      (br $out)))

  ;; br_if with a fused comparison: taken when a < b; the fall-through sees the same values.
  (func (export "br_if_wide") (param $a i32) (param $b i32) (result i32 i32 i32 i32 i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32)
    (block $out (result i32 i32 i32 i32 i32)
      (i32.const 100)
      (local.get $a) (local.get $b) (i32.const 3) (local.get $a) (local.get $b)
      (br_if $out (i32.lt_s (local.get $a) (local.get $b)))
      (local.set $v4) (local.set $v3) (local.set $v2) (local.set $v1) (local.set $v0)
      (drop)
      (i32.add (local.get $v0) (i32.const 1000)) (local.get $v1) (local.get $v2) (local.get $v3) (local.get $v4)))

  ;; br_if to the function's label (a conditional return), then a plain return.
  (func (export "br_if_return_wide") (param $a i32) (result i32 i32 i32 i32)
    (local.get $a) (i32.const 1) (i32.const 2) (i32.const 3)
    (br_if 0 (local.get $a))
    (drop) (drop) (drop) (drop)
    (i32.const -1) (i32.const -2) (i32.const -3) (i32.const -4))

  ;; br_table: 0 -> $b1 (copies to the inner block's slots), 1 -> $b0, else a return.
  (func (export "br_table_wide") (param $i i32) (result i32 i32 i32 i32)
    (block $b0 (result i32 i32 i32 i32)
      (block $b1 (result i32 i32 i32 i32)
        (i32.const 100)
        (i32.const 1) (i32.const 2) (local.get $i) (i32.const 4)
        (br_table $b1 $b0 2 (local.get $i)))
      (i32.add (i32.const 10))))

  ;; A return is a parallel move: the results are the parameters reversed.
  (func (export "reverse") (param i32 i32 i32 i32 i32) (result i32 i32 i32 i32 i32)
    (local.get 4) (local.get 3) (local.get 2) (local.get 1) (local.get 0))

  ;; A loop with four parameters, rotated n times: (a b c d) -> (b c d a+10).
  (func (export "rotate") (param $n i32) (result i32 i32 i32 i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (i32.const 0) (i32.const 1) (i32.const 2) (i32.const 3)
    (loop $l (param i32 i32 i32 i32) (result i32 i32 i32 i32)
      (local.set $d) (local.set $c) (local.set $b) (local.set $a)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (local.get $b) (local.get $c) (local.get $d) (i32.add (local.get $a) (i32.const 10))
      (br_if $l (i32.gt_s (local.get $n) (i32.const 0)))))
)
