// SPDX-License-Identifier: MIT
/* Loads pinned.bpf.o (its map asks to be pinned by name) and uses the map: prints
 * "load ok", "lookup 1 = R" (R 0 would mean it got someone else's map holding key 1),
 * "update 2 = R", and exits 0; exit 10 if the load failed. */
#include <errno.h>

#include "pinned.embed.h"
#include "guest_util.h"

int main(void) {
  int64_t obj = wbt_load_or_die(pinned_bpf_o, pinned_bpf_o_len, "pinned");
  WBT_SAY("load ok\n");
  int fd = wbt_map_fd_or_die(obj, "wbt_pinned");
  unsigned int k = 1;
  unsigned long long v = 0;
  int r = wasm_bpf_map_operate(fd, WB_MAP_LOOKUP, &k, &v, NULL, 0);
  WBT_SAY("lookup 1 = %d value %llu\n", r, v);
  k = 2, v = 7;
  WBT_SAY("update 2 = %d\n", wasm_bpf_map_operate(fd, WB_MAP_UPDATE, &k, &v, NULL, WB_BPF_ANY));
  return 0;
}
