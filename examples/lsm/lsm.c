// SPDX-License-Identifier: MIT
// lsm: loads a BPF LSM program that denies `rmdir` of directories named
// "wasm-bpf-protected", or says clearly that this kernel does not accept LSM programs.
//
//   wasm-bpf run lsm.wasm [-d SECONDS]
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsm.skel.h"

int main(int argc, char **argv)
{
	struct lsm_bpf *skel;
	long seconds = -1;
	int err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			seconds = strtol(argv[++i], NULL, 10);
		} else {
			printf("USAGE: lsm [-d SECONDS]\n"
			       "Deny rmdir of directories named wasm-bpf-protected (BPF LSM).\n");
			return strcmp(argv[i], "-h") == 0 ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = lsm_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr,
		        "lsm: this kernel refused to load the BPF LSM program (lsm/path_rmdir).\n"
		        "lsm: BPF LSM programs need a kernel built with CONFIG_BPF_LSM=y that lists \"bpf\"\n"
		        "lsm: among its active LSMs (boot parameter lsm=...,bpf; see /sys/kernel/security/lsm).\n"
		        "lsm: run `wasm-bpf run -v lsm.wasm` for the kernel's own message.\n");
		return 1;
	}
	err = lsm_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "lsm: this kernel refused to attach the BPF LSM program: %s\n",
		        strerror(-err));
		lsm_bpf__destroy(skel);
		return 1;
	}
	printf("lsm: rmdir of directories named wasm-bpf-protected is denied%s\n",
	       seconds < 0 ? " until interrupted" : "");
	for (long s = 0; seconds < 0 || s < seconds; s++)
		sleep(1);
	lsm_bpf__destroy(skel);
	return 0;
}
