// SPDX-License-Identifier: MIT
/* kprobe / kretprobe (do_unlinkat of process TGID), uprobe (the test's helper binary) and
 * raw tracepoint (sched_process_exec of children of TGID) events.
 *
 *   probes WHICH TGID COUNT DEADLINE_MS
 *
 * WHICH is "kprobe", "kretprobe", "uprobe", "rawtp" or "both" (kprobe and uprobe): the
 * programs to attach. Prints "attached", then "KPROBE pid=.. path=..",
 * "KRETPROBE pid=.. ret=..", "UPROBE pid=.. arg=.. comm=.." or "RAWTP pid=.. old_pid=.. comm=..";
 * exits 0 after COUNT events, 2 at the deadline. */
#include <errno.h>

#include "probes.embed.h"
#include "events.h"
#include "guest_util.h"

_Static_assert(sizeof(struct wbt_probe_event) == WBT_PROBE_EVENT_SIZE, "layout");

static int seen;

static int on_probe(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  struct wbt_probe_event *e = data;
  if (size != sizeof *e) {
    WBT_SAY("unexpected record size %u\n", size);
    return 0;
  }
  e->comm[WBT_COMM_LEN - 1] = 0;
  e->path[sizeof e->path - 1] = 0;
  if (e->kind == WBT_KIND_KPROBE)
    WBT_SAY("KPROBE pid=%u path=%s\n", e->pid, e->path);
  else if (e->kind == WBT_KIND_KRETPROBE)
    WBT_SAY("KRETPROBE pid=%u ret=%lld\n", e->pid, (long long)e->arg);
  else if (e->kind == WBT_KIND_RAWTP)
    WBT_SAY("RAWTP pid=%u old_pid=%llu comm=%s\n", e->pid, e->arg, e->comm);
  else
    WBT_SAY("UPROBE pid=%u arg=%llu comm=%s\n", e->pid, e->arg, e->comm);
  ++seen;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: probes kprobe|kretprobe|uprobe|rawtp|both TGID COUNT DEADLINE_MS\n");
    return 64;
  }
  const char *which = argv[1];
  unsigned int tgid = (unsigned int)strtoul(argv[2], NULL, 10);
  int want = atoi(argv[3]);
  int64_t deadline = wbt_now_ms() + atoi(argv[4]);
  static struct wbt_probe_event buf;

  int64_t obj = wbt_load_or_die(probes_bpf_o, probes_bpf_o_len, "probes");
  int cfg = wbt_map_fd_or_die(obj, "cfg");
  unsigned int zero = 0;
  if (wasm_bpf_map_operate(cfg, WB_MAP_UPDATE, &zero, &tgid, NULL, WB_BPF_ANY) != 0) {
    WBT_SAY("cfg update failed\n");
    return 6;
  }
  int both = strcmp(which, "both") == 0;
  if (both || strcmp(which, "kprobe") == 0) wbt_attach_or_die(obj, "wbt_kprobe", NULL);
  if (both || strcmp(which, "uprobe") == 0) wbt_attach_or_die(obj, "wbt_uprobe", ""); /* "" also auto-attaches */
  if (strcmp(which, "kretprobe") == 0) wbt_attach_or_die(obj, "wbt_kretprobe", NULL);
  if (strcmp(which, "rawtp") == 0) wbt_attach_or_die(obj, "wbt_rawtp", NULL);
  int rb = wbt_map_fd_or_die(obj, "rb");
  WBT_SAY("attached\n");
  while (wbt_now_ms() < deadline) {
    int r = wasm_bpf_buffer_poll(obj, rb, on_probe, NULL, &buf, sizeof buf, 100);
    if (r < 0) {
      WBT_SAY("poll error %d\n", r);
      return 3;
    }
    if (seen >= want) {
      WBT_SAY("done %d\n", seen);
      return 0;
    }
  }
  WBT_SAY("deadline seen=%d\n", seen);
  return 2;
}
