// SPDX-License-Identifier: MIT
/* Bad arguments must give errors, never crashes: bad pointers, bad handles, unknown names,
 * garbage objects, bad callbacks. Prints "ok NAME = VALUE" or "FAIL NAME = VALUE (...)" per
 * check and "errors: checks=N failed=M"; the exit status is the number of failures. */
#include <errno.h>
#include <stdint.h>

#include "maps.embed.h"
#include "exec_rb.embed.h"
#include "guest_util.h"

#define BAD_PTR ((void *)(uintptr_t)0xFFFFFFF0u)

static int checks, failures;

static void report(const char *name, long long value, int good, const char *want) {
  ++checks;
  if (good) {
    printf("ok %s = %lld\n", name, value);
  } else {
    ++failures;
    printf("FAIL %s = %lld (want %s)\n", name, value, want);
  }
}
static void expect_eq(const char *name, long long got, long long want) {
  char w[32];
  snprintf(w, sizeof w, "%lld", want);
  report(name, got, got == want, w);
}
static void expect_neg(const char *name, long long got) { report(name, got, got < 0, "< 0"); }

static int on_record(void *ctx, void *data, unsigned int size) {
  (void)ctx, (void)data, (void)size;
  return 0;
}
static void not_a_callback(void) {}

/* A WASI import of the callback's type, (i32, i32, i32) -> i32: taking its address puts the
 * import itself in the function table. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_prestat_dir_name"))) int
wasi_import_of_callback_type(void *ctx, void *data, unsigned int size);

int main(void) {
  uint32_t mem_end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
  static unsigned char garbage[256];
  for (unsigned i = 0; i < sizeof garbage; ++i) garbage[i] = (unsigned char)(i * 37 + 11);

  /* ---- loading ---- */
  expect_eq("load from a pointer beyond memory", wasm_load_bpf_object(BAD_PTR, 100), 0);
  expect_eq("load of a range crossing the end of memory",
            wasm_load_bpf_object((void *)(uintptr_t)(mem_end - 16), 4096), 0);
  expect_eq("load of garbage bytes", wasm_load_bpf_object(garbage, sizeof garbage), 0);
  expect_eq("load of zero bytes", wasm_load_bpf_object(maps_bpf_o, 0), 0);
  expect_eq("load with a negative length", wasm_load_bpf_object(maps_bpf_o, -1), 0);
  expect_eq("load of a truncated object", wasm_load_bpf_object(maps_bpf_o, 64), 0);

  /* ---- bad handles ---- */
  expect_neg("attach with handle 12345", wasm_attach_bpf_program(12345, "wbt_maps_noop", NULL));
  expect_neg("attach_fd with handle 12345", wasm_attach_bpf_program_fd(12345, "wbt_maps_noop", -1));
  expect_neg("close handle 12345", wasm_close_bpf_object(12345));
  expect_neg("close handle 0", wasm_close_bpf_object(0));
  expect_neg("map_fd_by_name with handle 12345", wasm_bpf_map_fd_by_name(12345, "wbt_hash"));
  expect_neg("map_fd_by_name with handle 0", wasm_bpf_map_fd_by_name(0, "wbt_hash"));

  /* ---- a good object, bad names ---- */
  int64_t obj = wasm_load_bpf_object(maps_bpf_o, (int)maps_bpf_o_len);
  report("load maps.bpf.o", obj, obj != 0, "!= 0");
  if (obj == 0) {
    printf("errors: checks=%d failed=%d\n", checks, failures);
    return failures;
  }
  expect_eq("attach unknown program", wasm_attach_bpf_program(obj, "no_such_prog", NULL), -ENOENT);
  expect_neg("attach_fd of a tracepoint program to fd 0 (not a cgroup)",
             wasm_attach_bpf_program_fd(obj, "wbt_maps_noop", 0));
  expect_neg("attach_fd to fd 12345", wasm_attach_bpf_program_fd(obj, "wbt_maps_noop", 12345));
  expect_eq("map_fd_by_name unknown map", wasm_bpf_map_fd_by_name(obj, "no_such_map"), -ENOENT);
  expect_neg("map_fd_by_name name beyond memory", wasm_bpf_map_fd_by_name(obj, BAD_PTR));
  expect_neg("attach program name beyond memory", wasm_attach_bpf_program(obj, BAD_PTR, NULL));
  expect_neg("attach target beyond memory", wasm_attach_bpf_program(obj, "wbt_maps_noop", BAD_PTR));

  /* A name running to the end of memory without a terminating NUL: a fresh page at the top
   * of memory that nothing else uses. */
  uint32_t old_pages = (uint32_t)__builtin_wasm_memory_grow(0, 1);
  if (old_pages != (uint32_t)-1) {
    mem_end = (old_pages + 1) * 65536u;
    char *tail = (char *)(uintptr_t)(mem_end - 16);
    memset(tail, 'x', 16);
    expect_neg("map_fd_by_name unterminated name", wasm_bpf_map_fd_by_name(obj, tail));
    expect_neg("attach unterminated program name", wasm_attach_bpf_program(obj, tail, NULL));
  }

  /* ---- map operations ---- */
  int h = wasm_bpf_map_fd_by_name(obj, "wbt_hash");
  report("map_fd_by_name wbt_hash", h, h >= 0, ">= 0");
  unsigned int k = 1;
  unsigned long long v = 7;
  expect_neg("lookup with key beyond memory", wasm_bpf_map_operate(h, WB_MAP_LOOKUP, BAD_PTR, &v, NULL, 0));
  expect_neg("lookup with value beyond memory", wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &k, BAD_PTR, NULL, 0));
  expect_neg("update with value crossing the end of memory",
             wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, (void *)(uintptr_t)(mem_end - 4), NULL, 0));
  expect_neg("update with key beyond memory", wasm_bpf_map_operate(h, WB_MAP_UPDATE, BAD_PTR, &v, NULL, 0));
  expect_neg("delete with key beyond memory", wasm_bpf_map_operate(h, WB_MAP_DELETE, BAD_PTR, NULL, NULL, 0));
  expect_neg("get_next_key with next_key beyond memory",
             wasm_bpf_map_operate(h, WB_MAP_GET_NEXT_KEY, &k, NULL, BAD_PTR, 0));
  expect_neg("map_operate on fd 12345", wasm_bpf_map_operate(12345, WB_MAP_LOOKUP, &k, &v, NULL, 0));
  expect_neg("map_operate on fd 1 (not a map of the guest)", wasm_bpf_map_operate(1, WB_MAP_LOOKUP, &k, &v, NULL, 0));
  expect_neg("map_operate on fd -1", wasm_bpf_map_operate(-1, WB_MAP_LOOKUP, &k, &v, NULL, 0));
  expect_eq("update still works", wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_ANY), 0);
  v = 0;
  expect_eq("lookup still works", wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &k, &v, NULL, 0), 0);
  expect_eq("value intact", (long long)v, 7);

  /* ---- polling ---- */
  static unsigned char buf[256];
  int64_t obj2 = wasm_load_bpf_object(exec_rb_bpf_o, (int)exec_rb_bpf_o_len);
  report("load exec_rb.bpf.o", obj2, obj2 != 0 && obj2 != obj, "a second, distinct handle");
  int rb = wasm_bpf_map_fd_by_name(obj2, "rb");
  report("map_fd_by_name rb", rb, rb >= 0, ">= 0");
  expect_neg("poll with handle 12345", wasm_bpf_buffer_poll(12345, rb, on_record, NULL, buf, sizeof buf, 0));
  expect_neg("poll a hash map", wasm_bpf_buffer_poll(obj, h, on_record, NULL, buf, sizeof buf, 0));
  expect_neg("poll a ring buffer of another object", wasm_bpf_buffer_poll(obj, rb, on_record, NULL, buf, sizeof buf, 0));
  expect_neg("poll fd 1", wasm_bpf_buffer_poll(obj2, 1, on_record, NULL, buf, sizeof buf, 0));
  expect_neg("poll with data beyond memory", wasm_bpf_buffer_poll(obj2, rb, on_record, NULL, BAD_PTR, 64, 0));
  expect_neg("poll with data crossing the end of memory",
             wasm_bpf_buffer_poll(obj2, rb, on_record, NULL, (void *)(uintptr_t)(mem_end - 8), 64, 0));
  expect_neg("poll with table index 9999",
             wasm_bpf_buffer_poll(obj2, rb, (wb_sample_fn)(uintptr_t)9999u, NULL, buf, sizeof buf, 0));
  expect_neg("poll with a null callback", wasm_bpf_buffer_poll(obj2, rb, (wb_sample_fn)0, NULL, buf, sizeof buf, 0));
  expect_neg("poll with a callback of the wrong type",
             wasm_bpf_buffer_poll(obj2, rb, (wb_sample_fn)(uintptr_t)&not_a_callback, NULL, buf, sizeof buf, 0));
  expect_eq("poll with a host function (a WASI import) as the callback",
            wasm_bpf_buffer_poll(obj2, rb, (wb_sample_fn)&wasi_import_of_callback_type, NULL, buf, sizeof buf, 0),
            -EINVAL);
  int r = wasm_bpf_buffer_poll(obj2, rb, on_record, NULL, buf, sizeof buf, 0);
  report("poll still works", r, r >= 0, ">= 0");

  /* ---- closing ---- */
  expect_eq("close", wasm_close_bpf_object(obj), 0);
  expect_neg("close twice", wasm_close_bpf_object(obj));
  expect_neg("attach after close", wasm_attach_bpf_program(obj, "wbt_maps_noop", NULL));
  expect_neg("map_fd_by_name after close", wasm_bpf_map_fd_by_name(obj, "wbt_hash"));
  expect_eq("close the second object", wasm_close_bpf_object(obj2), 0);

  printf("errors: checks=%d failed=%d\n", checks, failures);
  return failures;
}
