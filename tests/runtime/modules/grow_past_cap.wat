;; SPDX-License-Identifier: MIT
;; Asks for 1000 more pages (64 MiB) and exits normally whatever the answer: a cap below
;; that refuses the grow, and the runner reports it.
(module
  (memory (export "memory") 1)
  (func (export "_start") (drop (memory.grow (i32.const 1000)))))
