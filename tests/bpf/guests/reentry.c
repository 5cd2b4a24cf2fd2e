// SPDX-License-Identifier: MIT
/* Re-entering the host from a poll callback, and what a poll delivers around it. The records
 * come from burst.bpf.o: COUNT records (seq 0..COUNT-1) per sched_yield() of this process.
 *
 *   reentry MODE ring|perf COUNT
 *
 * (run with --dir /proc::/proc:ro: the BPF side filters by this process's host pid)
 *
 *   close     waits for a line on stdin (the test records what the guest holds), then the
 *             callback closes the object at its first record; the poll must return
 *             at once, the handle must be dead afterwards. Prints
 *             "close=R calls=N poll=P", "close again=R", "poll after close=R",
 *             "map after close=R", then "closed", waits for a line on stdin and exits 0.
 *   nested    the callback polls the same buffer again (-EBUSY) and the object's other
 *             buffer (allowed). Prints "nested same=R other=R calls=N poll=P".
 *   negative  the callback returns -5 at its third record: that poll returns -5; the
 *             records after it are delivered by the next polls, in order, once each.
 *             Prints "first=R calls=N" and "received=N expected=M in_order=0|1".
 *   early     all COUNT records are emitted before the first poll; they must all arrive.
 *             Prints "received=N expected=M in_order=0|1".
 * The exit status is 0 when the mode's checks passed, 1 otherwise. */
#include <errno.h>
#include <sched.h>

#include "burst.embed.h"
#include "events.h"
#include "guest_util.h"

static int64_t obj;
static int buffer, other_buffer, cfg_fd;
static unsigned char buf[64];
static int calls;
static int close_result = 99;
static int nested_same = 99, nested_other = 99;
static unsigned long long next_seq;
static int in_order = 1;

static int track(const void *data, unsigned int size) {
  const struct wbt_seq_event *e = data;
  ++calls;
  if (size < sizeof *e || e->magic != WBT_SEQ_MAGIC || e->seq != next_seq) in_order = 0;
  next_seq = size < sizeof *e ? next_seq + 1 : e->seq + 1;
  return 0;
}

static int on_close(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  track(data, size);
  if (calls == 1) close_result = wasm_close_bpf_object(obj);
  return 0;
}

static int on_track(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  return track(data, size);
}

static int on_ignore(void *ctx, void *data, unsigned int size) {
  (void)ctx, (void)data, (void)size;
  return 0;
}

static int on_nested(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  track(data, size);
  if (calls == 1) {
    static unsigned char inner[64];
    nested_same = wasm_bpf_buffer_poll(obj, buffer, on_ignore, NULL, inner, sizeof inner, 0);
    nested_other = wasm_bpf_buffer_poll(obj, other_buffer, on_ignore, NULL, inner, sizeof inner, 0);
  }
  return 0;
}

static int on_negative(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  track(data, size);
  return calls == 3 ? -5 : 0;
}

/* Polls until `want` records arrived in total or 3 s passed. */
static void drain(wb_sample_fn cb, int want) {
  int64_t deadline = wbt_now_ms() + 3000;
  while (calls < want && wbt_now_ms() < deadline) {
    int r = wasm_bpf_buffer_poll(obj, buffer, cb, NULL, buf, sizeof buf, 100);
    if (r < 0) {
      WBT_SAY("poll error %d\n", r);
      return;
    }
  }
}

static void trigger(void) { sched_yield(); /* the BPF program emits COUNT records */ }

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: reentry close|nested|negative|early ring|perf COUNT\n");
    return 64;
  }
  const char *mode = argv[1];
  int perf = strcmp(argv[2], "perf") == 0;
  struct wbt_burst_cfg cfg = {0};
  cfg.count = (unsigned int)atoi(argv[3]);
  cfg.tgid = wbt_host_pid();
  cfg.mode = perf ? WBT_BURST_PERF : WBT_BURST_RING;
  if (cfg.tgid == 0) {
    WBT_SAY("unknown host pid: run with --dir /proc::/proc:ro\n");
    return 64;
  }
  int want = (int)cfg.count;

  obj = wbt_load_or_die(burst_bpf_o, burst_bpf_o_len, "burst");
  cfg_fd = wbt_map_fd_or_die(obj, "cfg");
  unsigned int zero = 0;
  if (wasm_bpf_map_operate(cfg_fd, WB_MAP_UPDATE, &zero, &cfg, NULL, WB_BPF_ANY) != 0) {
    WBT_SAY("cfg update failed\n");
    return 6;
  }
  wbt_attach_or_die(obj, "wbt_burst", NULL);
  buffer = wbt_map_fd_or_die(obj, perf ? "events" : "rb");
  other_buffer = wbt_map_fd_or_die(obj, perf ? "rb" : "events");
  WBT_SAY("attached\n");

  if (strcmp(mode, "close") == 0) {
    char go[16];
    if (fgets(go, sizeof go, stdin) == NULL) WBT_SAY("stdin closed\n");
    trigger();
    int r = 0;
    int64_t deadline = wbt_now_ms() + 3000;
    while (calls == 0 && r >= 0 && wbt_now_ms() < deadline)
      r = wasm_bpf_buffer_poll(obj, buffer, on_close, NULL, buf, sizeof buf, 100);
    WBT_SAY("close=%d calls=%d poll=%d\n", close_result, calls, r);
    int again = wasm_close_bpf_object(obj);
    WBT_SAY("close again=%d\n", again);
    int after = wasm_bpf_buffer_poll(obj, buffer, on_close, NULL, buf, sizeof buf, 0);
    WBT_SAY("poll after close=%d\n", after);
    unsigned int k = 0;
    int map_after = wasm_bpf_map_operate(cfg_fd, WB_MAP_LOOKUP, &k, &cfg, NULL, 0);
    WBT_SAY("map after close=%d\n", map_after);
    WBT_SAY("closed\n");
    char line[16];
    if (fgets(line, sizeof line, stdin) == NULL) WBT_SAY("stdin closed\n");
    /* One record delivered, then the poll stopped; the handle is gone. */
    return close_result == 0 && calls == 1 && r == 1 && again == -EBADF && after == -EBADF && map_after == -EBADF
               ? 0
               : 1;
  }
  if (strcmp(mode, "nested") == 0) {
    trigger();
    int r = 0;
    int64_t deadline = wbt_now_ms() + 3000;
    while (calls == 0 && r >= 0 && wbt_now_ms() < deadline)
      r = wasm_bpf_buffer_poll(obj, buffer, on_nested, NULL, buf, sizeof buf, 100);
    WBT_SAY("nested same=%d other=%d calls=%d poll=%d\n", nested_same, nested_other, calls, r);
    drain(on_ignore, want);
    return nested_same == -EBUSY && nested_other == 0 && r >= 1 ? 0 : 1;
  }
  if (strcmp(mode, "negative") == 0) {
    trigger();
    int first = 0;
    int64_t deadline = wbt_now_ms() + 3000;
    while (calls == 0 && first >= 0 && wbt_now_ms() < deadline)
      first = wasm_bpf_buffer_poll(obj, buffer, on_negative, NULL, buf, sizeof buf, 100);
    /* A perf buffer may hand over records one CPU page at a time: poll until the -5. */
    while (first >= 0 && calls < 3 && wbt_now_ms() < deadline)
      first = wasm_bpf_buffer_poll(obj, buffer, on_negative, NULL, buf, sizeof buf, 100);
    WBT_SAY("first=%d calls=%d\n", first, calls);
    drain(on_negative, want);
    int extra = wasm_bpf_buffer_poll(obj, buffer, on_ignore, NULL, buf, sizeof buf, 50);
    WBT_SAY("received=%d expected=%d in_order=%d extra=%d\n", calls, want, in_order, extra);
    return first == -5 && calls == want && in_order && extra == 0 ? 0 : 1;
  }
  if (strcmp(mode, "early") == 0) {
    trigger(); /* before any poll: a perf buffer must already be open to keep them */
    drain(on_track, want);
    WBT_SAY("received=%d expected=%d in_order=%d\n", calls, want, in_order);
    return calls == want && in_order ? 0 : 1;
  }
  WBT_SAY("unknown mode %s\n", mode);
  return 64;
}
