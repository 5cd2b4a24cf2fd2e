// SPDX-License-Identifier: MIT
/* Perf event array: openat() calls of one host process (the tracer's target).
 *
 *   open_perf TGID MARKER COUNT DEADLINE_MS
 *
 * Writes TGID into the map `target` (map_operate update), prints "attached", then
 * "OPEN pid=.. path=.." for every openat() of that process whose path contains MARKER;
 * exits 0 after COUNT of them, 2 at the deadline. */
#include <errno.h>

#include "open_perf.embed.h"
#include "events.h"
#include "guest_util.h"

_Static_assert(sizeof(struct wbt_open_event) == WBT_OPEN_EVENT_SIZE, "layout");

static const char *marker;
static int seen;

static int on_open(void *ctx, void *data, unsigned int size) {
  int *records = ctx;
  ++*records;
  if (size < sizeof(struct wbt_open_event)) {
    WBT_SAY("short record %u\n", size);
    return 0;
  }
  struct wbt_open_event *e = data;
  e->path[WBT_PATH_LEN - 1] = 0;
  if (strstr(e->path, marker) == NULL) return 0;
  WBT_SAY("OPEN pid=%u path=%s\n", e->pid, e->path);
  ++seen;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: open_perf TGID MARKER COUNT DEADLINE_MS\n");
    return 64;
  }
  unsigned int tgid = (unsigned int)strtoul(argv[1], NULL, 10);
  marker = argv[2];
  int want = atoi(argv[3]);
  int64_t deadline = wbt_now_ms() + atoi(argv[4]);
  /* perf records carry a u32 size and are padded to 8 bytes: leave room */
  static unsigned char buf[256];
  int records = 0;

  int64_t obj = wbt_load_or_die(open_perf_bpf_o, open_perf_bpf_o_len, "open_perf");
  int target = wbt_map_fd_or_die(obj, "target");
  unsigned int zero = 0;
  int r = wasm_bpf_map_operate(target, WB_MAP_UPDATE, &zero, &tgid, NULL, WB_BPF_ANY);
  if (r != 0) {
    WBT_SAY("update target: %d\n", r);
    return 6;
  }
  wbt_attach_or_die(obj, "wbt_openat", NULL);
  int events = wbt_map_fd_or_die(obj, "events");
  /* No poll before "attached": the host opened the perf buffer at load, so the records of
   * opens that happen before the first poll are kept. */
  WBT_SAY("attached\n");
  while (wbt_now_ms() < deadline) {
    r = wasm_bpf_buffer_poll(obj, events, on_open, &records, buf, sizeof buf, 100);
    if (r < 0) {
      WBT_SAY("poll error %d\n", r);
      return 3;
    }
    if (seen >= want) {
      WBT_SAY("done %d records=%d\n", seen, records);
      return 0;
    }
  }
  WBT_SAY("deadline seen=%d records=%d\n", seen, records);
  return 2;
}
