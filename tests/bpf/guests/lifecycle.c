/* Attaches wbt_lc_tp (tracepoint) and wbt_lc_tc (tc ingress of IFNAME), prints "attached",
 * then ends the way MODE says:
 *
 *   lifecycle MODE IFNAME
 *
 * return, exit3 and trap first wait for a line on stdin (the test looks at the attached
 * programs meanwhile).
 *
 *   return   returns 0 from main
 *   exit3    exit(3)
 *   trap     __builtin_trap()
 *   poll     polls the ring buffer forever (for SIGINT / SIGTERM / --timeout)
 *   sleep    sleeps forever outside any poll (the same, blocked in WASI instead)
 *   cbtrap   polls; the callback traps on the first record (the test runs a program)
 *   cberr    polls; the callback returns -5; prints "poll=RESULT" and returns 7
 *   close    closes the object, prints "closed", then sleeps 5 s and returns 0 */
#include <errno.h>

#include "lifecycle.embed.h"
#include "events.h"
#include "guest_util.h"

static int on_trap(void *ctx, void *data, unsigned int size) {
  (void)ctx, (void)data, (void)size;
  __builtin_trap();
}
static int on_error(void *ctx, void *data, unsigned int size) {
  (void)ctx, (void)data, (void)size;
  return -5;
}
static int on_ignore(void *ctx, void *data, unsigned int size) {
  (void)ctx, (void)data, (void)size;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: lifecycle MODE IFNAME\n");
    return 64;
  }
  const char *mode = argv[1];
  static struct wbt_exec_event buf;

  int64_t obj = wbt_load_or_die(lifecycle_bpf_o, lifecycle_bpf_o_len, "lifecycle");
  wbt_attach_or_die(obj, "wbt_lc_tp", NULL);
  wbt_attach_or_die(obj, "wbt_lc_tc", argv[2]);
  int rb = wbt_map_fd_or_die(obj, "rb");
  WBT_SAY("attached\n");

  if (strcmp(mode, "return") == 0 || strcmp(mode, "exit3") == 0 || strcmp(mode, "trap") == 0) {
    char line[16];
    if (fgets(line, sizeof line, stdin) == NULL) WBT_SAY("stdin closed\n");
  }
  if (strcmp(mode, "return") == 0) return 0;
  if (strcmp(mode, "exit3") == 0) exit(3);
  if (strcmp(mode, "trap") == 0) __builtin_trap();
  if (strcmp(mode, "poll") == 0 || strcmp(mode, "cbtrap") == 0 || strcmp(mode, "cberr") == 0) {
    wb_sample_fn cb = strcmp(mode, "cbtrap") == 0 ? on_trap : strcmp(mode, "cberr") == 0 ? on_error : on_ignore;
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
    wbt_sleep_ms(5000);
    return 0;
  }
  WBT_SAY("unknown mode %s\n", mode);
  return 64;
}
