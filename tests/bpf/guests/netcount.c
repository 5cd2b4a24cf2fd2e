// SPDX-License-Identifier: MIT
/* Network counters: attaches one program of netcount.bpf.o and watches its counter.
 *
 *   netcount PROG TARGET INDEX WANT DEADLINE_MS
 *
 * PROG is wbt_xdp, wbt_tc, wbt_sock or wbt_cg_egress; TARGET is passed to wasm_attach_bpf_program
 * ("-" passes 0), or "fd:GUEST_DIR" opens that (preopened) directory and attaches with
 * wasm_attach_bpf_program_fd. Prints "attached", then "count N" whenever counts[INDEX] changes;
 * exits 0 once it reaches WANT ("final N"), 2 at the deadline ("deadline N"). */
#include <errno.h>
#include <fcntl.h>

#include "netcount.embed.h"
#include "events.h"
#include "guest_util.h"

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: netcount PROG TARGET INDEX WANT DEADLINE_MS\n");
    return 64;
  }
  const char *prog = argv[1];
  const char *target = argv[2];
  unsigned int index = (unsigned int)atoi(argv[3]);
  unsigned long long want = strtoull(argv[4], NULL, 10);
  int64_t deadline = wbt_now_ms() + atoi(argv[5]);

  int64_t obj = wbt_load_or_die(netcount_bpf_o, netcount_bpf_o_len, "netcount");
  int r;
  if (strncmp(target, "fd:", 3) == 0) {
    int dir = open(target + 3, O_RDONLY | O_DIRECTORY);
    if (dir < 0) {
      WBT_SAY("open %s: errno %d\n", target + 3, errno);
      return 13;
    }
    r = wasm_attach_bpf_program_fd(obj, prog, dir);
  } else {
    r = wasm_attach_bpf_program(obj, prog, strcmp(target, "-") == 0 ? NULL : target);
  }
  if (r < 0) {
    WBT_SAY("attach %s to %s: %d\n", prog, target, r);
    return 11;
  }
  int counts = wbt_map_fd_or_die(obj, "counts");
  WBT_SAY("attached\n");
  unsigned long long last = 0, value = 0;
  while (wbt_now_ms() < deadline) {
    r = wasm_bpf_map_operate(counts, WB_MAP_LOOKUP, &index, &value, NULL, 0);
    if (r != 0) {
      WBT_SAY("lookup: %d\n", r);
      return 3;
    }
    if (value != last) {
      WBT_SAY("count %llu\n", value);
      last = value;
    }
    if (value >= want) {
      WBT_SAY("final %llu\n", value);
      return 0;
    }
    wbt_sleep_ms(20);
  }
  WBT_SAY("deadline %llu\n", value);
  return 2;
}
