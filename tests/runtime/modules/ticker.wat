;; SPDX-License-Identifier: MIT
;; Calls env.tick() forever.
(module
  (import "env" "tick" (func $tick))
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (call $tick) (br $l))))
