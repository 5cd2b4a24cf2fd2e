// SPDX-License-Identifier: MIT
/* What a libbpf tool does on Ctrl-C, for the graceful-stop tests: poll a ring buffer (the
 * exec records of exec_rb.bpf.o) until the poll fails, then print a summary and return.
 * Output goes through printf alone: no fflush, no setvbuf.
 *
 *   stop_poll TIMEOUT_MS [ignore]
 *
 * Prints "attached", one "exec" line per record, then, when a poll returns a negative value,
 * "poll returned R (EINTR: yes|no)" and "summary: N records", closes the object and exits 0.
 * With "ignore" it goes on polling after errors (a guest that does not listen), and never
 * prints a summary. Built twice: with the function-table callback, and with -DWB_GO_PATH
 * through the callback-wrapper module (no table, an exported callback) as TinyGo guests do. */
#include <errno.h>

#include "events.h"
#include "exec_rb.embed.h"
#include "guest_util.h"

static int records;

static int on_record(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  (void)data;
  (void)size;
  ++records;
  printf("exec %d\n", records);
  return 0;
}

#ifdef WB_GO_PATH
__attribute__((import_module("callback-wrapper"), import_name("wasm_bpf_buffer_poll"))) int go_buffer_poll(
    int64_t obj, int map_fd, void *ctx, void *data, int max_size, int timeout_ms);
__attribute__((export_name("go-callback"))) int go_callback(void *ctx, void *data, unsigned int size) {
  return on_record(ctx, data, size);
}
#define POLL(obj, fd, buf, size, timeout) go_buffer_poll(obj, fd, NULL, buf, size, timeout)
#else
#define POLL(obj, fd, buf, size, timeout) wasm_bpf_buffer_poll(obj, fd, on_record, NULL, buf, size, timeout)
#endif

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: stop_poll TIMEOUT_MS [ignore]\n");
    return 64;
  }
  const int timeout = atoi(argv[1]);
  const int ignore = argc > 2 && strcmp(argv[2], "ignore") == 0;
  static struct wbt_exec_event buf;
  int64_t obj = wbt_load_or_die(exec_rb_bpf_o, exec_rb_bpf_o_len, "exec_rb");
  wbt_attach_or_die(obj, "wbt_exec", NULL);
  int rb = wbt_map_fd_or_die(obj, "rb");
  WBT_SAY("attached\n");
  for (;;) {
    int r = POLL(obj, rb, &buf, (int)sizeof buf, timeout);
    if (r < 0 && !ignore) {
      printf("poll returned %d (EINTR: %s)\n", r, r == -EINTR ? "yes" : "no");
      break;
    }
  }
  printf("summary: %d records\n", records);
  return wasm_close_bpf_object(obj) == 0 ? 0 : 5;
}
