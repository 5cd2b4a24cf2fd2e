;; SPDX-License-Identifier: MIT
;; A start function that ends the program with proc_exit(N), N from env.code: the run exits
;; with N, as if _start had called it.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "code" (func $code (result i32)))
  (memory (export "memory") 1)
  (func $start (call $exit (call $code)))
  (start $start)
  (func (export "_start")))
