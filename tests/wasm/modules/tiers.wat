;; SPDX-License-Identifier: MIT
;; Functions that both engine tiers must run to the same results and the same traps
;; (tests/wasm/tiers_test.cpp calls each export with the same arguments under each tier).
(module
  (type $i2i (func (param i32) (result i32)))
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (memory (export "memory") 1 3)
  (table 4 funcref)
  (elem (i32.const 0) $sq $neg $callback)
  (global $g (mut i64) (i64.const 7))

  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $neg (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  ;; Reaches the host, which calls back into this module.
  (func $callback (param i32) (result i32) (call $twice (local.get 0)))
  (func (export "indirect") (param $i i32) (param $v i32) (result i32)
    (call_indirect (type $i2i) (local.get $v) (local.get $i)))

  (func $internal_trap_name (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "load_at") (param $a i32) (result i64) (i64.load offset=8 (local.get $a)))
  (func (export "load_far") (param $a i32) (result i32) (i32.load offset=4294967295 (local.get $a)))
  (func (export "store_at") (param $a i32) (param $v i64) (i64.store (local.get $a) (local.get $v)))
  (func (export "byte_at") (param $a i32) (result i32) (i32.load8_u (local.get $a)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param $d i32) (param $v i32) (param $n i32)
    (memory.fill (local.get $d) (local.get $v) (local.get $n)))

  ;; Mixed arithmetic over a loop, with globals, selects and a br_table.
  (func (export "mix") (param $n i32) (result i64)
    (local $i i32) (local $acc i64) (local $f f64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc)
        (i64.extend_i32_s (select (i32.rotl (local.get $i) (i32.const 3))
                                  (i32.xor (local.get $i) (i32.const -1))
                                  (i32.and (local.get $i) (i32.const 1))))))
      (local.set $f (f64.add (local.get $f) (f64.sqrt (f64.convert_i32_u (local.get $i)))))
      (block $b2 (block $b1 (block $b0
        (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
        (global.set $g (i64.mul (global.get $g) (i64.const 3))) (br $b2))
        (global.set $g (i64.shr_u (global.get $g) (i64.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (i64.add (local.get $acc) (global.get $g)) (i64.trunc_sat_f64_s (local.get $f))))

  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (i32.const 1) (call $deep (local.get 0))))
  ;; Recursion n frames deep (n + 1 with the first call): where both tiers stop must agree.
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
  ;; Locals kept in registers by compiled code: written in a loop, then read by operations
  ;; that take them from their slots (conversions, division, eqz, a helper, a call) and
  ;; returned through a written parameter.
  (func $sum3 (param i32 i32 i32) (result i32) (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "pins") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $c i64) (local $d i32) (local $e i32) (local $f f64)
    (loop $l
      (local.set $a (i32.add (local.get $a) (i32.const 3)))
      (local.set $b (i32.xor (local.get $b) (local.get $a)))
      (local.set $c (i64.add (local.get $c) (i64.extend_i32_u (local.get $b))))
      (local.set $d (i32.add (local.get $d) (i32.div_u (local.get $b) (i32.or (local.get $a) (i32.const 1)))))
      (local.set $e (i32.add (local.get $e) (i32.eqz (i32.and (local.get $a) (i32.const 7)))))
      (local.set $f (f64.add (local.get $f) (f64.convert_i32_u (local.get $d))))
      (memory.fill (i32.and (local.get $a) (i32.const 1023)) (local.get $b) (i32.const 4))
      (local.set $d (call $sum3 (local.get $d) (local.get $e) (i32.load (i32.and (local.get $a) (i32.const 1023)))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.set $n (i32.add (i32.wrap_i64 (local.get $c)) (i32.trunc_sat_f64_u (local.get $f))))
    (i32.add (local.get $n) (i32.add (local.get $d) (local.get $e))))
  ;; An event callback (ctx, data, len) -> status: adds len and the record's first byte to
  ;; the i32 at ctx; returns -1 for a record starting with 0xFF and traps on 0xEE.
  (func (export "on_event") (param $ctx i32) (param $data i32) (param $len i32) (result i32)
    (local $b i32)
    (local.set $b (i32.load8_u (local.get $data)))
    (if (i32.eq (local.get $b) (i32.const 0xEE)) (then unreachable))
    (i32.store (local.get $ctx)
      (i32.add (i32.load (local.get $ctx)) (i32.add (local.get $len) (local.get $b))))
    (i32.store (i32.add (local.get $ctx) (i32.const 4)) (i32.add (i32.load offset=4 (local.get $ctx)) (i32.const 1)))
    (if (result i32) (i32.eq (local.get $b) (i32.const 0xFF)) (then (i32.const -1)) (else (i32.const 0))))
  ;; Loads and stores through one local, with and without an added constant in between
  ;; (compiled code may keep the address in a register across plain accesses).
  (func (export "addrs") (param $p i32) (result i32)
    (local $q i32) (local $i i32) (local $acc i32) (local $x i32) (local $y i32)
    (local.set $q (i32.and (local.get $p) (i32.const 0xFFF0)))
    (loop $l
      (i32.store (local.get $q) (local.get $i))
      (i32.store (i32.add (local.get $q) (i32.const 4)) (local.get $acc))
      (local.set $x (i32.load (local.get $q)))
      (local.set $y (i32.load offset=4 (local.get $q)))
      (i32.store8 (i32.add (local.get $q) (i32.const 1)) (local.get $y))
      (local.set $x (i32.add (local.get $x) (i32.load (local.get $q))))
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (i32.add (local.get $x) (local.get $y))))
      (local.set $q (i32.load (local.get $q)))  ;; the address itself loaded from memory
      (local.set $x (i32.load (local.get $q)))
      (local.set $acc (i32.xor (local.get $acc) (local.get $x)))
      (local.set $q (i32.and (i32.add (local.get $q) (i32.const 40)) (i32.const 0xFFF0)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100))))
    (local.get $acc))
  ;; Integer operations into locals kept in registers (results computed in the register, or
  ;; one lea): a result that is also the second operand, operands in slots, in rax, in
  ;; registers, immediates, i32 wrap-around, i64.
  (func (export "arith") (param $n i32) (result i64)
    (local $a i32) (local $b i32) (local $c i32) (local $i i32) (local $x i64) (local $y i64)
    (local $s1 i32) (local $s3 i64)
    (local.set $a (i32.const 7))
    (local.set $b (i32.const 11))
    (local.set $s1 (i32.const 5))
    (local.set $s3 (i64.const 3))
    (loop $l
      (local.set $b (i32.sub (local.get $a) (local.get $b)))
      (local.set $c (i32.mul (local.get $b) (local.get $s1)))
      (local.set $a (i32.xor (local.get $a) (local.get $c)))
      (local.set $c (i32.add (local.get $a) (local.get $b)))
      (local.set $b (i32.add (local.get $c) (i32.const -3)))
      (local.set $a (i32.and (i32.or (local.get $a) (local.get $b)) (i32.const 0x7fffffff)))
      (local.set $b (i32.add (local.get $b) (i32.const 0x7ffffff0)))
      (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 31)) (i64.extend_i32_u (local.get $c))))
      (local.set $y (i64.sub (local.get $x) (local.get $y)))
      (local.set $x (i64.xor (local.get $y) (local.get $s3)))
      (local.set $s1 (i32.add (local.get $s1) (local.get $a)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $x)
             (i64.add (local.get $y) (i64.extend_i32_u (i32.add (local.get $s1) (local.get $b))))))
  ;; A br_table with a backward target (an interrupt check before it) whose index the previous
  ;; instruction left in rax.
  (func (export "table_loop") (param $n i32) (result i32)
    (local $i i32)
    (block $out
      (loop $l
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_table $l $out (i32.ge_u (local.get $i) (local.get $n)))))
    (local.get $i))
;; Ten locals read in an inner loop (eight kept in registers, the rest in slots), a call
  ;; inside it every eighth round (registers spilled and reloaded around it), and expression
  ;; trees whose temporaries live in slots: commutative operations take their first operand
  ;; from a slot or a register while the second is the previous result, subtractions cannot.
  (func (export "regs") (param $n i32) (result i64)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32)
    (local $g i32) (local $h i32) (local $i i32) (local $j i32) (local $w i64)
    (local.set $a (i32.const 0x6a09e667))
    (local.set $b (i32.const 0xbb67ae85))
    (local.set $c (i32.const 0x3c6ef372))
    (local.set $d (i32.const 0xa54ff53a))
    (local.set $e (i32.const 0x510e527f))
    (local.set $f (i32.const 0x9b05688c))
    (local.set $g (i32.const 0x1f83d9ab))
    (local.set $w (i64.const 0x5be0cd19))
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $h (i32.add
          (i32.xor (i32.rotl (local.get $a) (i32.const 7)) (i32.rotl (local.get $a) (i32.const 13)))
          (i32.sub (i32.and (local.get $b) (local.get $c))
                   (i32.mul (local.get $d) (i32.rotl (local.get $e) (i32.const 3))))))
        (local.set $g (i32.sub (i32.or (local.get $f) (local.get $h))
                               (i32.xor (local.get $g) (i32.rotl (local.get $h) (i32.const 11)))))
        (local.set $w (i64.add (i64.mul (local.get $w) (i64.extend_i32_u (i32.or (local.get $g) (i32.const 1))))
                               (i64.xor (i64.extend_i32_u (local.get $h)) (i64.rotl (local.get $w) (i64.const 17)))))
        (if (i32.eqz (i32.and (local.get $j) (i32.const 7)))
          (then (local.set $e (call $sum3 (local.get $e) (local.get $g) (local.get $j)))))
        (local.set $a (local.get $b))
        (local.set $b (local.get $c))
        (local.set $c (local.get $d))
        (local.set $d (i32.add (local.get $e) (local.get $h)))
        (local.set $e (local.get $f))
        (local.set $f (local.get $g))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.const 64))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $w)
      (i64.extend_i32_u (i32.xor (local.get $a)
        (i32.add (local.get $b) (i32.add (local.get $c) (i32.add (local.get $d)
          (i32.add (local.get $e) (i32.add (local.get $f) (i32.add (local.get $g) (local.get $h)))))))))))
;; A result read again a few instructions later (compiled code may keep it in rdx, which
  ;; a store of a value from its slot reuses), and slots rewritten in between without going
  ;; through rax (a constant stored as an immediate).
  (func (export "temps") (param $p i32) (result i32)
    (local $x i32) (local $y i32) (local $z i32) (local $u i32) (local $v i32) (local $w i32)
    (local.set $w (i32.add (local.get $p) (i32.const 0x1234)))
    (local.set $v (i32.xor (local.get $p) (i32.const 0x5555)))
    (local.set $x (i32.add (local.get $p) (i32.const 1)))
    (local.set $y (i32.const 5))
    (local.set $z (i32.xor (local.get $y) (local.get $x)))
    (local.set $x (i32.const 9))
    (local.set $y (i32.const 6))
    (local.set $z (i32.add (local.get $z) (local.get $x)))
    (local.set $u (i32.mul (local.get $p) (i32.const 3)))
    (i32.store (i32.const 64) (local.get $v))
    (local.set $v (i32.const 11))
    (local.set $y (i32.const 1))
    (local.set $z (i32.add (local.get $z) (local.get $v)))
    (local.set $x (i32.add (i32.rotl (local.get $p) (i32.const 7))
      (block (result i32) (i32.store (i32.const 128) (local.get $w)) (i32.shr_u (local.get $p) (i32.const 3)))))
    (i32.add (i32.add (i32.xor (local.get $z) (local.get $x)) (local.get $u))
      (i32.add (i32.load (i32.const 64)) (i32.load (i32.const 128)))))
  (func (export "spin") (loop $l (br $l)))
  (func (export "unreachable") unreachable)
)
