// SPDX-License-Identifier: MIT
/* Upstream-style guest (compatibility test): written the way guests of the first wasm-bpf C
 * SDK (eunomia-bpf/wasm-bpf examples) are, against examples/bootstrap's BPF program. It must
 * compile unchanged against libbpf-wasm.h and behave the same: bpf_buffer__open with the
 * callback, bpf_buffer__poll with timeout 0 (100 ms there), -EINTR ends the loop. */
#include <stdio.h>
#include <stdbool.h>
#include <time.h>
#include "bootstrap.wasm.h"
#include "bootstrap.skel.h"

static struct env {
    bool verbose;
    long min_duration_ms;
} env;

static int
handle_event(void *ctx, void *data, size_t data_sz)
{
    const struct event *e = data;
    char ts[32];
    time_t t;

    time(&t);
    strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
    if (e->exit_event) {
        printf("%-8s %-5s %-16s %-7d %-7d [%u]", ts, "EXIT", e->comm, e->pid,
               e->ppid, e->exit_code);
        if (e->duration_ns)
            printf(" (%llums)", (unsigned long long)e->duration_ns / 1000000);
        printf("\n");
    } else {
        printf("%-8s %-5s %-16s %-7d %-7d %s\n", ts, "EXEC", e->comm, e->pid,
               e->ppid, e->filename);
    }
    return 0;
}

static bool exiting = false;

int
main(int argc, char **argv)
{
    struct bpf_buffer *rb = NULL;
    struct bootstrap_bpf *skel;
    int err;

    if (argc == 3 && strcmp(argv[1], "-d") == 0)
        env.min_duration_ms = strtol(argv[2], NULL, 10);
    else if (argc == 2 && strcmp(argv[1], "-v") == 0)
        env.verbose = true;

    skel = bootstrap_bpf__open();
    if (!skel) {
        fprintf(stderr, "Failed to open BPF skeleton\n");
        return 1;
    }
    skel->rodata->min_duration_ns = env.min_duration_ms * 1000000ULL;

    err = bootstrap_bpf__load(skel);
    if (err) {
        fprintf(stderr, "Failed to load and verify BPF skeleton\n");
        goto cleanup;
    }
    err = bootstrap_bpf__attach(skel);
    if (err) {
        fprintf(stderr, "Failed to attach BPF skeleton\n");
        goto cleanup;
    }
    rb = bpf_buffer__open(skel->maps.rb, handle_event, NULL);
    if (!rb) {
        err = -1;
        fprintf(stderr, "Failed to create ring buffer\n");
        goto cleanup;
    }
    if (env.verbose) {
        /* upstream-only declarations: the handle type and the kernel's map type numbers */
        bpf_object_skel handle = skel->obj->handle;
        enum bpf_map_type type = BPF_MAP_TYPE_RINGBUF;
        printf("object %llu, rb is map type %d, poll timeout %d ms\n",
               (unsigned long long)handle, (int)type, POLL_TIMEOUT_MS);
    }
    int fd = bpf_map__fd(skel->maps.exec_start);
    int lookup_key = 1;
    uint64_t value = 0;
    bpf_map_update_elem(fd, &lookup_key, &value, BPF_ANY);

    printf("%-8s %-5s %-16s %-7s %-7s %s\n", "TIME", "EVENT", "COMM", "PID",
           "PPID", "FILENAME/EXIT CODE");
    fflush(stdout);
    while (!exiting) {
        err = bpf_buffer__poll(rb, 0);
        if (err == -EINTR) {
            err = 0;
            break;
        }
        if (err < 0) {
            printf("Error polling ring buffer: %d\n", err);
            break;
        }
        fflush(stdout);
    }

cleanup:
    bpf_buffer__free(rb);
    bootstrap_bpf__destroy(skel);
    return err < 0 ? -err : 0;
}
