// SPDX-License-Identifier: MIT
/* The `wasm_bpf` host functions with the exact wasm types of docs/abi.md
 * (pointers are i32 on wasm32, object handles i64, map flags i64). Test-only: guests use
 * sdk/c for real work. */
#ifndef WB_TEST_WASM_BPF_IMPORTS_H
#define WB_TEST_WASM_BPF_IMPORTS_H

#include <stdint.h>

#define WB_IMPORT(name) __attribute__((import_module("wasm_bpf"), import_name(name)))

/* (i32 obj_buf, i32 obj_len) -> i64: a non-zero handle, 0 on failure */
WB_IMPORT("wasm_load_bpf_object") int64_t wasm_load_bpf_object(const void *obj_buf, int obj_len);
/* (i64 obj, i32 prog_name, i32 attach_target) -> i32 */
WB_IMPORT("wasm_attach_bpf_program")
int wasm_attach_bpf_program(int64_t obj, const char *prog_name, const char *attach_target);
/* (i64 obj, i32 prog_name, i32 target_fd) -> i32 */
WB_IMPORT("wasm_attach_bpf_program_fd")
int wasm_attach_bpf_program_fd(int64_t obj, const char *prog_name, int target_fd);
/* (i64 obj, i32 map_name) -> i32 */
WB_IMPORT("wasm_bpf_map_fd_by_name") int wasm_bpf_map_fd_by_name(int64_t obj, const char *map_name);

/* Guest callback: (i32 ctx, i32 data, i32 size) -> i32, called through table 0. */
typedef int (*wb_sample_fn)(void *ctx, void *data, unsigned int size);
/* (i64 obj, i32 map_fd, i32 sample_func, i32 ctx, i32 data, i32 max_size, i32 timeout_ms) -> i32 */
WB_IMPORT("wasm_bpf_buffer_poll")
int wasm_bpf_buffer_poll(int64_t obj, int map_fd, wb_sample_fn sample_func, void *ctx, void *data, int max_size,
                         int timeout_ms);
/* (i32 map_fd, i32 cmd, i32 key, i32 value, i32 next_key, i64 flags) -> i32 */
WB_IMPORT("wasm_bpf_map_operate")
int wasm_bpf_map_operate(int map_fd, int cmd, const void *key, void *value, void *next_key, uint64_t flags);
/* (i64 obj) -> i32 */
WB_IMPORT("wasm_close_bpf_object") int wasm_close_bpf_object(int64_t obj);

/* wasm_bpf_map_operate commands */
#define WB_MAP_LOOKUP 1
#define WB_MAP_UPDATE 2
#define WB_MAP_DELETE 3
#define WB_MAP_GET_NEXT_KEY 4

/* map update flags (linux/bpf.h) */
#define WB_BPF_ANY 0
#define WB_BPF_NOEXIST 1
#define WB_BPF_EXIST 2

#endif
