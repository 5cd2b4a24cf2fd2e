;; Checks the harness itself (ctest wasm_spec_harness_strictness): assert_trap needs a trap
;; whose message matches the text, assert_exhaustion a call stack exhaustion. Expected
;; totals: 4 passed (the module and the first three assertions), 3 failed (the last three).
(module
  (type $v (func))
  (table 2 funcref)
  (func (export "div0") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func $r (export "recurse") (call $r))
  (func (export "call_null") (call_indirect (type $v) (i32.const 1))))

(assert_trap (invoke "div0") "integer divide by zero")
(assert_exhaustion (invoke "recurse") "call stack exhausted")
;; The reference interpreter's message adds the index, which the engine's does not.
(assert_trap (invoke "call_null") "uninitialized element 1")

;; Must fail: another trap's text; a trap where exhaustion is expected; exhaustion where a
;; trap is expected.
(assert_trap (invoke "div0") "integer overflow")
(assert_exhaustion (invoke "div0") "integer divide by zero")
(assert_trap (invoke "recurse") "call stack exhausted")
