// SPDX-License-Identifier: MIT
/* A guest shaped like a TinyGo one: it exports no function table, polls through the
 * callback-wrapper module's wasm_bpf_buffer_poll (no callback argument) and exports its
 * callback by name. Built twice: with the default names (`callback-wrapper`, `go-callback`)
 * and, with -DWB_GO_CUSTOM_NAMES, as `my-callbacks` / `on_sample`.
 *
 *   go_style COUNT
 *
 * Run with --dir /proc::/proc:ro. The records come from burst.bpf.o (COUNT per sched_yield()).
 * Prints "received=N expected=M in_order=0|1 ctx_ok=0|1" and exits 0 when all arrived in
 * order with the guest's ctx, or "poll error R" and exits 3. */
#include <errno.h>
#include <sched.h>

#include "burst.embed.h"
#include "events.h"
#include "guest_util.h"

#ifdef WB_GO_CUSTOM_NAMES
#define WB_GO_MODULE "my-callbacks"
#define WB_GO_EXPORT "on_sample"
#else
#define WB_GO_MODULE "callback-wrapper"
#define WB_GO_EXPORT "go-callback"
#endif

/* (i64 obj, i32 map_fd, i32 ctx, i32 data, i32 max_size, i32 timeout_ms) -> i32 */
__attribute__((import_module(WB_GO_MODULE), import_name("wasm_bpf_buffer_poll"))) int go_buffer_poll(
    int64_t obj, int map_fd, void *ctx, void *data, int max_size, int timeout_ms);

struct state {
  unsigned int magic;
  unsigned int received;
  unsigned long long next_seq;
  int in_order;
  int ctx_ok;
};
static struct state st = {0xC0FFEEu, 0, 0, 1, 1};

/* The callback, called by the host through this export: (i32 ctx, i32 data, i32 size) -> i32 */
__attribute__((export_name(WB_GO_EXPORT))) int go_callback(void *ctx, void *data, unsigned int size) {
  struct state *s = ctx;
  const struct wbt_seq_event *e = data;
  if (s != &st || s->magic != 0xC0FFEEu) {
    st.ctx_ok = 0;
    s = &st;
  }
  ++s->received;
  if (size < sizeof *e || e->magic != WBT_SEQ_MAGIC || e->seq != s->next_seq) s->in_order = 0;
  s->next_seq++;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: go_style COUNT\n");
    return 64;
  }
  struct wbt_burst_cfg cfg = {0};
  cfg.count = (unsigned int)atoi(argv[1]);
  cfg.tgid = wbt_host_pid();
  cfg.mode = WBT_BURST_RING;
  if (cfg.tgid == 0) {
    WBT_SAY("unknown host pid: run with --dir /proc::/proc:ro\n");
    return 64;
  }
  static unsigned char buf[64];
  int64_t obj = wbt_load_or_die(burst_bpf_o, burst_bpf_o_len, "burst");
  int cfg_fd = wbt_map_fd_or_die(obj, "cfg");
  unsigned int zero = 0;
  if (wasm_bpf_map_operate(cfg_fd, WB_MAP_UPDATE, &zero, &cfg, NULL, WB_BPF_ANY) != 0) {
    WBT_SAY("cfg update failed\n");
    return 6;
  }
  wbt_attach_or_die(obj, "wbt_burst", NULL);
  int rb = wbt_map_fd_or_die(obj, "rb");
  WBT_SAY("attached\n");
  sched_yield(); /* the trigger */
  int64_t deadline = wbt_now_ms() + 3000;
  while (st.received < cfg.count && wbt_now_ms() < deadline) {
    int r = go_buffer_poll(obj, rb, &st, buf, sizeof buf, 100);
    if (r < 0) {
      WBT_SAY("poll error %d\n", r);
      return 3;
    }
  }
  WBT_SAY("received=%u expected=%u in_order=%d ctx_ok=%d\n", st.received, cfg.count, st.in_order, st.ctx_ok);
  return st.received == cfg.count && st.in_order && st.ctx_ok ? 0 : 1;
}
