;; SPDX-License-Identifier: MIT
;; A start function that never returns: the timeout and stop() must still end it.
(module
  (memory (export "memory") 1)
  (func $start (loop $l (br $l)))
  (start $start)
  (func (export "_start")))
