;; SPDX-License-Identifier: MIT
;; The module's own maximum (2 pages) refuses the grow: not the runner's cap.
(module
  (memory (export "memory") 1 2)
  (func (export "_start") (drop (memory.grow (i32.const 10)))))
