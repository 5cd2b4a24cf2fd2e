// SPDX-License-Identifier: MIT
/* Compiled, not run, by tests/gen as C11 and as C++17 with -Wpedantic -Werror, with the
 * skeleton before the layout header and after it: both define struct check_config (the type
 * of the .rodata global ro_config of sdk/c/tests/check.bpf.c) under the same guard, and the
 * skeleton refers to it by name, so the guest can assign the global as a whole. */
#ifdef WASM_H_FIRST
#include "check.wasm.h"
#include "check.skel.h"
#else
#include "check.skel.h"
#include "check.wasm.h"
#endif

#ifdef __cplusplus
#include <type_traits>
static_assert(std::is_same<decltype(check_bpf__rodata::ro_config), struct check_config>::value,
              "ro_config has the named type");
#endif

int configure(struct check_bpf *skel);

int configure(struct check_bpf *skel)
{
	struct check_value value;
#ifdef __cplusplus
	struct check_config cfg = {};
	cfg.verbose = 1;
	cfg.limit = 7;
	skel->rodata->ro_config = cfg;
#else
	skel->rodata->ro_config = (struct check_config){.verbose = 1, .limit = 7, .levels = {1, 2, 3}};
#endif
	value.kind = CHECK_SECOND;
	return (int)skel->rodata->ro_config.limit + (int)value.kind;
}
