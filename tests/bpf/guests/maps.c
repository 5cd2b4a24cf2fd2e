// SPDX-License-Identifier: MIT
/* Map round trips through wasm_bpf_map_operate on a hash map (u32 -> u64), an array map
 * (u32 -> struct wbt_pair) and maps without keys (queue, stack, bloom filter). Prints "ok NAME" or "FAIL NAME: got X want Y" per check and
 * "checks=N failed=M"; the exit status is the number of failures. */
#include <errno.h>

#include "maps.embed.h"
#include "events.h"
#include "guest_util.h"

static int checks, failures;

static void expect(const char *name, long long got, long long want) {
  ++checks;
  if (got == want) {
    printf("ok %s\n", name);
  } else {
    ++failures;
    printf("FAIL %s: got %lld want %lld\n", name, got, want);
  }
}

int main(void) {
  int64_t obj = wbt_load_or_die(maps_bpf_o, maps_bpf_o_len, "maps");
  int h = wbt_map_fd_or_die(obj, "wbt_hash");
  int a = wbt_map_fd_or_die(obj, "wbt_array");
  expect("distinct map fds", h != a, 1);

  /* ---- hash map ---- */
  unsigned int k;
  unsigned long long v, got;
  k = 1, got = 0;
  expect("hash lookup missing key", wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &k, &got, NULL, 0), -ENOENT);
  v = 100;
  expect("hash update any", wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_ANY), 0);
  expect("hash lookup", wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &k, &got, NULL, 0), 0);
  expect("hash lookup value", (long long)got, 100);
  v = 101;
  expect("hash update noexist on existing key", wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_NOEXIST),
         -EEXIST);
  expect("hash value unchanged", (wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &k, &got, NULL, 0), (long long)got), 100);
  expect("hash update exist on existing key", wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_EXIST), 0);
  expect("hash value updated", (wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &k, &got, NULL, 0), (long long)got), 101);
  k = 2, v = 200;
  expect("hash update exist on missing key", wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_EXIST),
         -ENOENT);
  expect("hash update noexist on missing key", wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_NOEXIST),
         0);
  k = 3, v = 300;
  expect("hash update third key", wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_ANY), 0);

  /* iterate from no key (pointer 0) */
  unsigned int next = 0, seen_mask = 0, n = 0;
  int r = wasm_bpf_map_operate(h, WB_MAP_GET_NEXT_KEY, NULL, NULL, &next, 0);
  expect("hash first key", r, 0);
  while (r == 0 && n < 16) {
    ++n;
    if (next < 32) seen_mask |= 1u << next;
    unsigned long long val = 0;
    expect("hash lookup while iterating", wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &next, &val, NULL, 0), 0);
    expect("hash value while iterating", (long long)val, next == 1 ? 101 : next * 100);
    unsigned int cur = next;
    r = wasm_bpf_map_operate(h, WB_MAP_GET_NEXT_KEY, &cur, NULL, &next, 0);
  }
  expect("hash iteration ends with -ENOENT", r, -ENOENT);
  expect("hash iteration count", n, 3);
  expect("hash iteration keys", seen_mask, (1u << 1) | (1u << 2) | (1u << 3));

  k = 2;
  expect("hash delete", wasm_bpf_map_operate(h, WB_MAP_DELETE, &k, NULL, NULL, 0), 0);
  expect("hash delete again", wasm_bpf_map_operate(h, WB_MAP_DELETE, &k, NULL, NULL, 0), -ENOENT);
  expect("hash lookup deleted", wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &k, &got, NULL, 0), -ENOENT);
  /* fill it: max_entries is 8 */
  int full = 0;
  for (k = 10; k < 20; ++k) {
    v = k;
    r = wasm_bpf_map_operate(h, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_ANY);
    if (r != 0) {
      full = r;
      break;
    }
  }
  expect("hash full update fails with -E2BIG", full, -E2BIG);

  /* ---- array map ---- */
  struct wbt_pair p = {1, 1}, q;
  k = 0;
  expect("array lookup index 0", wasm_bpf_map_operate(a, WB_MAP_LOOKUP, &k, &p, NULL, 0), 0);
  expect("array zero-initialised", (long long)(p.a | p.b), 0);
  k = 1, p.a = 0x1122334455667788ull, p.b = 42;
  expect("array update", wasm_bpf_map_operate(a, WB_MAP_UPDATE, &k, &p, NULL, WB_BPF_ANY), 0);
  memset(&q, 0, sizeof q);
  expect("array lookup", wasm_bpf_map_operate(a, WB_MAP_LOOKUP, &k, &q, NULL, 0), 0);
  expect("array value a (64-bit)", q.a == 0x1122334455667788ull, 1);
  expect("array value b", (long long)q.b, 42);
  expect("array update noexist", wasm_bpf_map_operate(a, WB_MAP_UPDATE, &k, &p, NULL, WB_BPF_NOEXIST), -EEXIST);
  k = 4;
  expect("array update out of range", wasm_bpf_map_operate(a, WB_MAP_UPDATE, &k, &p, NULL, WB_BPF_ANY), -E2BIG);
  expect("array lookup out of range", wasm_bpf_map_operate(a, WB_MAP_LOOKUP, &k, &q, NULL, 0), -ENOENT);
  k = 1;
  expect("array delete", wasm_bpf_map_operate(a, WB_MAP_DELETE, &k, NULL, NULL, 0), -EINVAL);
  n = 0;
  r = wasm_bpf_map_operate(a, WB_MAP_GET_NEXT_KEY, NULL, NULL, &next, 0);
  expect("array first key", (long long)r * 100 + next, 0);
  while (r == 0 && n < 16) {
    ++n;
    unsigned int cur = next;
    r = wasm_bpf_map_operate(a, WB_MAP_GET_NEXT_KEY, &cur, NULL, &next, 0);
  }
  expect("array iteration count", n, 4);
  expect("array iteration ends with -ENOENT", r, -ENOENT);

  /* ---- maps without keys (key_size 0): the host passes a null key, as the kernel wants,
   * and ignores the guest's key pointer. Update pushes; lookup peeks (the kernel's
   * BPF_MAP_LOOKUP_ELEM on a queue or stack); delete and get-next-key are refused by the
   * kernel (popping needs BPF_MAP_LOOKUP_AND_DELETE_ELEM, which the contract does not have) ---- */
  int qf = wbt_map_fd_or_die(obj, "wbt_queue");
  int sf = wbt_map_fd_or_die(obj, "wbt_stack");
  int bf = wbt_map_fd_or_die(obj, "wbt_bloom");
  void *ignored_key = (void *)(uintptr_t)0xFFFFFFF0u;
  unsigned int val = 0;
  expect("queue peek when empty", wasm_bpf_map_operate(qf, WB_MAP_LOOKUP, NULL, &val, NULL, 0), -ENOENT);
  for (val = 1; val <= 3; ++val)
    expect("queue push", wasm_bpf_map_operate(qf, WB_MAP_UPDATE, NULL, &val, NULL, WB_BPF_ANY), 0);
  val = 4;
  expect("queue push when full", wasm_bpf_map_operate(qf, WB_MAP_UPDATE, NULL, &val, NULL, WB_BPF_ANY), -E2BIG);
  val = 0;
  expect("queue peek", wasm_bpf_map_operate(qf, WB_MAP_LOOKUP, NULL, &val, NULL, 0), 0);
  expect("queue peek gives the oldest", val, 1);
  val = 0;
  expect("queue peek with a key pointer (ignored)", wasm_bpf_map_operate(qf, WB_MAP_LOOKUP, ignored_key, &val, NULL, 0),
         0);
  expect("queue peek does not pop", val, 1);
  val = 4;
  expect("queue push BPF_EXIST when full", wasm_bpf_map_operate(qf, WB_MAP_UPDATE, NULL, &val, NULL, WB_BPF_EXIST), 0);
  val = 0;
  wasm_bpf_map_operate(qf, WB_MAP_LOOKUP, NULL, &val, NULL, 0);
  expect("queue push BPF_EXIST replaced the oldest", val, 2);
  expect("queue delete is refused by the kernel", wasm_bpf_map_operate(qf, WB_MAP_DELETE, NULL, NULL, NULL, 0), -EINVAL);
  expect("queue get_next_key is refused by the kernel",
         wasm_bpf_map_operate(qf, WB_MAP_GET_NEXT_KEY, NULL, NULL, &next, 0), -EINVAL);
  expect("queue value beyond memory", wasm_bpf_map_operate(qf, WB_MAP_LOOKUP, NULL, ignored_key, NULL, 0), -EFAULT);
  for (val = 1; val <= 2; ++val)
    expect("stack push", wasm_bpf_map_operate(sf, WB_MAP_UPDATE, NULL, &val, NULL, WB_BPF_ANY), 0);
  val = 0;
  expect("stack peek", wasm_bpf_map_operate(sf, WB_MAP_LOOKUP, NULL, &val, NULL, 0), 0);
  expect("stack peek gives the newest", val, 2);
  val = 5;
  expect("bloom filter add", wasm_bpf_map_operate(bf, WB_MAP_UPDATE, NULL, &val, NULL, WB_BPF_ANY), 0);
  expect("bloom filter lookup of a member", wasm_bpf_map_operate(bf, WB_MAP_LOOKUP, NULL, &val, NULL, 0), 0);
  val = 6;
  expect("bloom filter lookup of a non-member", wasm_bpf_map_operate(bf, WB_MAP_LOOKUP, NULL, &val, NULL, 0), -ENOENT);
  expect("bloom filter delete is refused by the kernel", wasm_bpf_map_operate(bf, WB_MAP_DELETE, NULL, NULL, NULL, 0),
         -EOPNOTSUPP);

  /* ---- attach_fd with fd < 0 auto-attaches (the tracepoint of wbt_maps_noop) ---- */
  expect("attach_fd -1 auto-attaches", wasm_attach_bpf_program_fd(obj, "wbt_maps_noop", -1), 0);

  /* ---- the command itself ---- */
  expect("unknown command", wasm_bpf_map_operate(a, 99, &k, &q, &next, 0), -EINVAL);

  expect("close", wasm_close_bpf_object(obj), 0);
  expect("map fd unusable after close", wasm_bpf_map_operate(h, WB_MAP_LOOKUP, &k, &got, NULL, 0) < 0, 1);

  printf("checks=%d failed=%d\n", checks, failures);
  return failures;
}
