// SPDX-License-Identifier: MIT
/* Attaches wbt_lc_tp (tracepoint) and wbt_lc_tc (tc ingress of IFNAME), prints "attached",
 * then ends the way MODE says:
 *
 *   lifecycle MODE IFNAME [MARKER]
 *
 * Every mode but poll and sleep first waits for a line on stdin, so the test can look at
 * what is attached without racing the guest. The callbacks of cbtrap, cberr and hosterr
 * act only on the exec of a file whose path contains MARKER (any exec on the machine, the
 * test's own tc and bpftool included, produces records: those are ignored).
 *
 *   return   returns 0 from main
 *   exit3    exit(3)
 *   trap     __builtin_trap()
 *   poll     polls the ring buffer forever (for SIGINT / SIGTERM / SIGKILL / --timeout)
 *   sleep    sleeps forever outside any poll (the same, blocked in WASI instead)
 *   cbtrap   polls; the callback traps on the MARKER record
 *   cberr    polls; the callback returns -5 on the MARKER record; prints "poll=RESULT"
 *            and returns 7
 *   hosterr  polls; on the MARKER record the callback recurses until the engine's call
 *            depth limit stops it: the run ends with the host's error, inside a callback
 *   close    closes the object, prints "closed R", waits for another line, returns 0 */
#include <errno.h>

#include "lifecycle.embed.h"
#include "events.h"
#include "guest_util.h"

static const char *marker = "\x01no marker";

static int is_marker(const void *data, unsigned int size) {
  static struct wbt_exec_event e;
  if (size < sizeof e) return 0;
  memcpy(&e, data, sizeof e);
  e.filename[WBT_PATH_LEN - 1] = 0;
  return strstr(e.filename, marker) != NULL;
}

static int on_trap(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  if (is_marker(data, size)) __builtin_trap();
  return 0;
}
static int on_error(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  return is_marker(data, size) ? -5 : 0;
}
static int on_ignore(void *ctx, void *data, unsigned int size) {
  (void)ctx, (void)data, (void)size;
  return 0;
}

/* Called through a volatile pointer so the compiler cannot turn the recursion into a loop. */
static int recurse(int n);
static int (*volatile recurse_ptr)(int) = recurse;
static int recurse(int n) { return recurse_ptr(n + 1) + 1; }

static int on_host_error(void *ctx, void *data, unsigned int size) {
  (void)ctx;
  return is_marker(data, size) ? recurse(0) : 0;
}

static void wait_for_line(void) {
  char line[16];
  if (fgets(line, sizeof line, stdin) == NULL) WBT_SAY("stdin closed\n");
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: lifecycle MODE IFNAME [MARKER]\n");
    return 64;
  }
  const char *mode = argv[1];
  if (argc > 3) marker = argv[3];
  static struct wbt_exec_event buf;

  int64_t obj = wbt_load_or_die(lifecycle_bpf_o, lifecycle_bpf_o_len, "lifecycle");
  wbt_attach_or_die(obj, "wbt_lc_tp", NULL);
  wbt_attach_or_die(obj, "wbt_lc_tc", argv[2]);
  int rb = wbt_map_fd_or_die(obj, "rb");
  WBT_SAY("attached\n");

  if (strcmp(mode, "poll") != 0 && strcmp(mode, "sleep") != 0) wait_for_line();
  if (strcmp(mode, "return") == 0) return 0;
  if (strcmp(mode, "exit3") == 0) exit(3);
  if (strcmp(mode, "trap") == 0) __builtin_trap();
  if (strcmp(mode, "poll") == 0 || strcmp(mode, "cbtrap") == 0 || strcmp(mode, "cberr") == 0 ||
      strcmp(mode, "hosterr") == 0) {
    wb_sample_fn cb = strcmp(mode, "cbtrap") == 0    ? on_trap
                      : strcmp(mode, "cberr") == 0   ? on_error
                      : strcmp(mode, "hosterr") == 0 ? on_host_error
                                                     : on_ignore;
    WBT_SAY("polling\n");
    for (;;) {
      int r = wasm_bpf_buffer_poll(obj, rb, cb, NULL, &buf, sizeof buf, 100);
      if (r < 0) {
        WBT_SAY("poll=%d\n", r);
        return 7;
      }
    }
  }
  if (strcmp(mode, "sleep") == 0) {
    WBT_SAY("sleeping\n");
    for (;;) wbt_sleep_ms(1000);
  }
  if (strcmp(mode, "close") == 0) {
    int r = wasm_close_bpf_object(obj);
    WBT_SAY("closed %d\n", r);
    wait_for_line();
    return 0;
  }
  WBT_SAY("unknown mode %s\n", mode);
  return 64;
}
