// SPDX-License-Identifier: MIT
/* Programs this kernel may refuse (fentry, lsm): the guest must get an error, not a crash.
 * For each object prints "KIND load=HANDLE_OR_0 attach=RESULT" (attach only when the load
 * succeeded, otherwise "attach=skipped"), then "done"; exits 0. */
#include <errno.h>

#include "fentry.embed.h"
#include "lsm.embed.h"
#include "guest_util.h"

static void try_object(const char *kind, const unsigned char *bytes, unsigned int len, const char *prog) {
  int64_t obj = wasm_load_bpf_object(bytes, (int)len);
  if (obj == 0) {
    WBT_SAY("%s load=0 attach=skipped\n", kind);
    return;
  }
  int r = wasm_attach_bpf_program(obj, prog, NULL);
  WBT_SAY("%s load=%lld attach=%d\n", kind, (long long)obj, r);
  int c = wasm_close_bpf_object(obj);
  if (c != 0) WBT_SAY("%s close=%d\n", kind, c);
}

int main(void) {
  try_object("fentry", fentry_bpf_o, fentry_bpf_o_len, "wbt_fentry");
  try_object("lsm", lsm_bpf_o, lsm_bpf_o_len, "wbt_lsm");
  WBT_SAY("done\n");
  return 0;
}
