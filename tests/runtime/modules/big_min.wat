;; SPDX-License-Identifier: MIT
;; Needs 32 MiB of linear memory from the start.
(module
  (memory (export "memory") 512)
  (func (export "_start")))
