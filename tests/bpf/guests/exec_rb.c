// SPDX-License-Identifier: MIT
/* Ring buffer: watches exec() through tp/sched/sched_process_exec.
 *
 *   exec_rb MARKER COUNT DEADLINE_MS [MAX_SIZE]
 *
 * Prints "attached", then "EXEC pid=.. ppid=.. comm=.. file=.." for every exec whose filename
 * contains MARKER; exits 0 after COUNT of them ("done COUNT"), 2 at the deadline. With
 * MAX_SIZE the poll buffer is that small: prints "size=N" for the first record (any exec)
 * and exits 0. */
#include <errno.h>

#include "exec_rb.embed.h"
#include "events.h"
#include "guest_util.h"

_Static_assert(sizeof(struct wbt_exec_event) == WBT_EXEC_EVENT_SIZE, "layout");

static const char *marker;
static int seen;
static int bad_size;
static int truncated_mode;
static int last_size = -1;

static int on_exec(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  if (truncated_mode) {
    if (last_size < 0) last_size = (int)size;
    return 0;
  }
  if (size != sizeof(struct wbt_exec_event)) {
    bad_size = (int)size;
    return 0;
  }
  struct wbt_exec_event *e = data;
  e->comm[WBT_COMM_LEN - 1] = 0;
  e->filename[WBT_PATH_LEN - 1] = 0;
  if (strstr(e->filename, marker) == NULL) return 0;
  WBT_SAY("EXEC pid=%u ppid=%u comm=%s file=%s\n", e->pid, e->ppid, e->comm, e->filename);
  ++seen;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: exec_rb MARKER COUNT DEADLINE_MS [MAX_SIZE]\n");
    return 64;
  }
  marker = argv[1];
  int want = atoi(argv[2]);
  int64_t deadline = wbt_now_ms() + atoi(argv[3]);
  int max_size = sizeof(struct wbt_exec_event);
  if (argc > 4) {
    truncated_mode = 1;
    max_size = atoi(argv[4]);
  }
  static struct wbt_exec_event buf;

  int64_t obj = wbt_load_or_die(exec_rb_bpf_o, exec_rb_bpf_o_len, "exec_rb");
  wbt_attach_or_die(obj, "wbt_exec", NULL);
  int rb = wbt_map_fd_or_die(obj, "rb");
  WBT_SAY("attached\n");
  while (wbt_now_ms() < deadline) {
    int r = wasm_bpf_buffer_poll(obj, rb, on_exec, NULL, &buf, max_size, 100);
    if (r < 0) {
      WBT_SAY("poll error %d\n", r);
      return 3;
    }
    if (bad_size) {
      WBT_SAY("unexpected record size %d\n", bad_size);
      return 4;
    }
    if (truncated_mode && last_size >= 0) {
      WBT_SAY("size=%d\n", last_size);
      return 0;
    }
    if (!truncated_mode && seen >= want) {
      WBT_SAY("done %d\n", seen);
      return wasm_close_bpf_object(obj) == 0 ? 0 : 5;
    }
  }
  WBT_SAY("deadline seen=%d\n", seen);
  return 2;
}
