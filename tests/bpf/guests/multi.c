// SPDX-License-Identifier: MIT
/* Several objects per guest and several pollers per object: multi.bpf.o (ring buffers
 * rb_exec and rb_exit) and exec_rb.bpf.o (ring buffer rb), polled in turn.
 *
 *   multi MARKER DEADLINE_MS
 *
 * Prints "attached", then "A-EXEC ..." (multi/rb_exec), "A-EXIT ..." (multi/rb_exit) and
 * "B-EXEC ..." (exec_rb/rb) for the processes whose filename / comm contains MARKER (keep it
 * shorter than 16 characters: exit records carry only comm). Exits 0 once each source
 * reported at least one ("done"), 2 at the deadline. */
#include <errno.h>

#include "multi.embed.h"
#include "exec_rb.embed.h"
#include "events.h"
#include "guest_util.h"

static const char *marker;
static int seen[3];
static const char *const source_name[3] = {"A-EXEC", "A-EXIT", "B-EXEC"};

static int on_exec(void *ctx, void *data, unsigned int size) {
  int source = *(int *)ctx;
  struct wbt_exec_event *e = data;
  if (size != sizeof *e) return 0;
  e->comm[WBT_COMM_LEN - 1] = 0;
  e->filename[WBT_PATH_LEN - 1] = 0;
  if (!strstr(e->filename, marker)) return 0;
  WBT_SAY("%s pid=%u comm=%s file=%s\n", source_name[source], e->pid, e->comm, e->filename);
  ++seen[source];
  return 0;
}

static int on_exit_event(void *ctx, void *data, unsigned int size) {
  int source = *(int *)ctx;
  struct wbt_exit_event *e = data;
  if (size != sizeof *e) return 0;
  e->comm[WBT_COMM_LEN - 1] = 0;
  if (!strstr(e->comm, marker)) return 0;
  WBT_SAY("%s pid=%u comm=%s code=%u\n", source_name[source], e->pid, e->comm, e->exit_code);
  ++seen[source];
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: multi MARKER DEADLINE_MS\n");
    return 64;
  }
  marker = argv[1];
  int64_t deadline = wbt_now_ms() + atoi(argv[2]);
  static struct wbt_exec_event buf_a;
  static struct wbt_exit_event buf_b;
  static struct wbt_exec_event buf_c;
  static int ctx[3] = {0, 1, 2};

  int64_t a = wbt_load_or_die(multi_bpf_o, multi_bpf_o_len, "multi");
  int64_t b = wbt_load_or_die(exec_rb_bpf_o, exec_rb_bpf_o_len, "exec_rb");
  if (a == b) {
    WBT_SAY("same handle twice\n");
    return 9;
  }
  wbt_attach_or_die(a, "wbt_m_exec", NULL);
  wbt_attach_or_die(a, "wbt_m_exit", NULL);
  wbt_attach_or_die(b, "wbt_exec", NULL);
  int rb_exec = wbt_map_fd_or_die(a, "rb_exec");
  int rb_exit = wbt_map_fd_or_die(a, "rb_exit");
  int rb = wbt_map_fd_or_die(b, "rb");
  WBT_SAY("attached\n");
  while (wbt_now_ms() < deadline) {
    int r1 = wasm_bpf_buffer_poll(a, rb_exec, on_exec, &ctx[0], &buf_a, sizeof buf_a, 30);
    int r2 = wasm_bpf_buffer_poll(a, rb_exit, on_exit_event, &ctx[1], &buf_b, sizeof buf_b, 30);
    int r3 = wasm_bpf_buffer_poll(b, rb, on_exec, &ctx[2], &buf_c, sizeof buf_c, 30);
    if (r1 < 0 || r2 < 0 || r3 < 0) {
      WBT_SAY("poll error %d %d %d\n", r1, r2, r3);
      return 3;
    }
    if (seen[0] && seen[1] && seen[2]) {
      WBT_SAY("done\n");
      return 0;
    }
  }
  WBT_SAY("deadline %d %d %d\n", seen[0], seen[1], seen[2]);
  return 2;
}
