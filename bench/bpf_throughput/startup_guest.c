/* The wasm side of the start-up measurement: loads startup.bpf.o, attaches its two
 * tracepoints, sets up the ring buffer poller (a poll with timeout 0), prints "attached" and
 * exits. */
#include <stdint.h>
#include <stdio.h>

#include "startup.embed.h"
#include "throughput.h"
#include "wasm_bpf_imports.h"

static int on_event(void *ctx, void *data, unsigned int size) {
  (void)ctx, (void)data, (void)size;
  return 0;
}

int main(void) {
  int64_t obj = wasm_load_bpf_object(startup_bpf_o, (int)startup_bpf_o_len);
  if (obj == 0 || wasm_attach_bpf_program(obj, "wbb_exec", NULL) != 0 ||
      wasm_attach_bpf_program(obj, "wbb_exit", NULL) != 0) {
    fprintf(stderr, "startup_guest: cannot load or attach\n");
    return 2;
  }
  static struct wbb_proc_event buf;
  int rb = wasm_bpf_map_fd_by_name(obj, "rb");
  if (wasm_bpf_buffer_poll(obj, rb, on_event, NULL, &buf, sizeof buf, 0) < 0) {
    fprintf(stderr, "startup_guest: poll failed\n");
    return 2;
  }
  printf("attached\n");
  fflush(stdout);
  return 0;
}
