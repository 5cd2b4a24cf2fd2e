// SPDX-License-Identifier: MIT
/* Upstream-style guest (compatibility test): the first wasm-bpf SDK's way to attach an XDP
 * program, against examples/xdp's BPF program: open_and_load, then the interface given with
 * bpf_set_prog_attach_target (a plain char *, as upstream declares it), then attach. */
#include <stdlib.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>
#include "libbpf-wasm.h"
#include "xdp.skel.h"

int main(int argc, char* argv[]) {
    struct xdp_bpf* skel = NULL;
    int err;

    if (argc < 2) {
        printf("usage: xdp IFNAME\n");
        return 1;
    }
    skel = xdp_bpf__open_and_load();
    if (!skel) {
        printf("Failed to open and load BPF skeleton\n");
        return -1;
    }
    bpf_set_prog_attach_target(skel->progs.xdp_pass, argv[1]);
    bpf_program__set_autoload(skel->progs.xdp_pass, true);

    err = xdp_bpf__attach(skel);
    if (err) {
        printf("Failed to attach BPF skeleton\n");
        return -1;
    }
    printf("Load and attach BPF xdp successfully\n");
    fflush(stdout);
    while (1) {
        sleep(1);
    }
}
