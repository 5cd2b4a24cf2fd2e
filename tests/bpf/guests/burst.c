// SPDX-License-Identifier: MIT
/* Every record delivered, in order, one callback each: the BPF side emits COUNT records
 * (seq 0..COUNT-1) per sched_yield() of this process, TRIGGERS times.
 *
 *   burst ring|perf COUNT TRIGGERS [PID]
 *
 * The guest's host pid comes from PID or from readlink("/proc/self") (run with
 * --dir /proc::/proc:ro). Prints "received=N expected=M in_order=0|1 polls=P" and exits 0 when
 * every record arrived in order, 1 otherwise. */
#include <errno.h>
#include <sched.h>

#include "burst.embed.h"
#include "events.h"
#include "guest_util.h"

_Static_assert(sizeof(struct wbt_seq_event) == WBT_SEQ_EVENT_SIZE, "layout");
_Static_assert(sizeof(struct wbt_burst_cfg) == WBT_BURST_CFG_SIZE, "layout");

struct state {
  unsigned long long received;
  unsigned long long expect_seq;
  unsigned int expect_trigger;
  unsigned int count;
  int in_order;
  int bad_size;
};

static int on_record(void *ctx, void *data, unsigned int size) {
  struct state *s = ctx;
  const struct wbt_seq_event *e = data;
  if (size < sizeof *e) {
    s->bad_size = 1;
    return 0;
  }
  if (e->magic != WBT_SEQ_MAGIC || e->seq != s->expect_seq || e->trigger != s->expect_trigger) {
    if (s->in_order)
      WBT_SAY("out of order: got seq=%llu trigger=%u, want seq=%llu trigger=%u\n", e->seq, e->trigger,
              s->expect_seq, s->expect_trigger);
    s->in_order = 0;
  }
  ++s->received;
  s->expect_seq = e->seq + 1;
  s->expect_trigger = e->trigger;
  if (s->expect_seq == s->count) {
    s->expect_seq = 0;
    s->expect_trigger = e->trigger + 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: burst ring|perf COUNT TRIGGERS [PID]\n");
    return 64;
  }
  int perf = strcmp(argv[1], "perf") == 0;
  struct wbt_burst_cfg cfg = {0};
  cfg.count = (unsigned int)atoi(argv[2]);
  int triggers = atoi(argv[3]);
  cfg.tgid = argc > 4 ? (unsigned int)atoi(argv[4]) : wbt_host_pid();
  cfg.mode = perf ? WBT_BURST_PERF : WBT_BURST_RING;
  if (cfg.tgid == 0) {
    WBT_SAY("unknown host pid: pass PID or run with --dir /proc::/proc:ro\n");
    return 64;
  }
  static unsigned char buf[64];
  struct state s = {0, 0, 0, cfg.count, 1, 0};

  int64_t obj = wbt_load_or_die(burst_bpf_o, burst_bpf_o_len, "burst");
  int cfg_fd = wbt_map_fd_or_die(obj, "cfg");
  unsigned int zero = 0;
  if (wasm_bpf_map_operate(cfg_fd, WB_MAP_UPDATE, &zero, &cfg, NULL, WB_BPF_ANY) != 0) {
    WBT_SAY("cfg update failed\n");
    return 6;
  }
  wbt_attach_or_die(obj, "wbt_burst", NULL);
  int buffer = wbt_map_fd_or_die(obj, perf ? "events" : "rb");
  /* Nothing has been triggered yet: a first poll finds nothing. */
  int first = wasm_bpf_buffer_poll(obj, buffer, on_record, &s, buf, sizeof buf, 0);
  if (first != 0) {
    WBT_SAY("first poll: %d\n", first);
    return 3;
  }
  WBT_SAY("attached\n");
  unsigned long long expected = (unsigned long long)cfg.count * (unsigned long long)triggers;
  int polls = 0;
  for (int t = 0; t < triggers; ++t) {
    sched_yield(); /* the trigger: the BPF program runs COUNT times on this syscall */
    unsigned long long want = (unsigned long long)cfg.count * (unsigned long long)(t + 1);
    int64_t deadline = wbt_now_ms() + 2000;
    while (s.received < want && wbt_now_ms() < deadline) {
      int r = wasm_bpf_buffer_poll(obj, buffer, on_record, &s, buf, sizeof buf, 100);
      ++polls;
      if (r < 0) {
        WBT_SAY("poll error %d\n", r);
        return 3;
      }
    }
    if (s.received < want) {
      WBT_SAY("received=%llu after trigger %d, want %llu: records lost\n", s.received, t, want);
      break;
    }
  }
  /* nothing more may arrive */
  int extra = wasm_bpf_buffer_poll(obj, buffer, on_record, &s, buf, sizeof buf, 50);
  WBT_SAY("received=%llu expected=%llu in_order=%d polls=%d extra=%d\n", s.received, expected, s.in_order, polls,
          extra);
  return s.received == expected && s.in_order && !s.bad_size && extra == 0 ? 0 : 1;
}
