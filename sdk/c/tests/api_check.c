// SPDX-License-Identifier: MIT
/* The SDK check guest: compiled as C11 here and as C++17 by api_check.cpp. It uses the
 * skeleton of check.bpf.o and most of libbpf-wasm.h, and when run (as root) checks that
 * global data written before load reaches the kernel and that map calls behave like
 * libbpf's. Prints "sdk check: ok" and exits 0 when everything holds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.wasm.h"
#include "check.skel.h"

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			printf("sdk check: FAILED at line %d: %s\n", __LINE__, #cond); \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static void check_maps(struct check_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.values);
	check_value_t v;
	struct check_value out;
	uint32_t key, next, count = 0;
	int err;

	CHECK(fd >= 0);
	CHECK(bpf_object__find_map_fd_by_name(skel->obj, "values") == fd);
	memset(&v, 0, sizeof(v));
	for (key = 1; key <= 3; key++) {
		v.count = 100 + key;
		v.id = key;
		v.tag = 'a';
		v.kind = CHECK_SECOND;
		v.low = 5;
		v.high = 4000;
		v.half = 0xbeef;
		CHECK(bpf_map_update_elem(fd, &key, &v, BPF_ANY) == 0);
	}
	key = 2;
	CHECK(bpf_map_update_elem(fd, &key, &v, BPF_NOEXIST) == -EEXIST);
	CHECK(errno == EEXIST);
	err = bpf_map_get_next_key(fd, NULL, &next);
	while (err == 0) {
		count++;
		CHECK(bpf_map_lookup_elem(fd, &next, &out) == 0);
		CHECK(out.count == 100 + next && out.id == next && out.low == 5 && out.high == 4000);
		CHECK(out.half == 0xbeef && out.kind == CHECK_SECOND);
		key = next;
		err = bpf_map_get_next_key(fd, &key, &next);
	}
	CHECK(err == -ENOENT);
	CHECK(count == 3);
	key = 2;
	CHECK(bpf_map_delete_elem(fd, &key) == 0);
	CHECK(bpf_map_lookup_elem(fd, &key, &out) == -ENOENT);
	CHECK(bpf_map_delete_elem_flags(fd, &key, 0) == -ENOENT);
	key = 1;
	CHECK(bpf_map__lookup_elem(skel->maps.values, &key, sizeof(key), &out, sizeof(out), 0) == 0);
	CHECK(bpf_map_lookup_elem_flags(fd, &key, &out, 0) == 0 && out.count == 101);
}

static void check_global_data(struct check_bpf *skel)
{
	uint32_t zero = 0;
	struct check_bpf__rodata ro;
	struct check_bpf__data data;
	struct check_bpf__bss bss;

	/* The kernel's copies hold what was written before load. */
	CHECK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.rodata), &zero, &ro) == 0);
	CHECK(ro.ro_magic == 0x5eed);
	CHECK(ro.ro_config.verbose == 1 && ro.ro_config.limit == 1234567890123ULL);
	CHECK(ro.ro_config.levels[2] == -3);
	CHECK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.data), &zero, &data) == 0);
	CHECK(data.data_counter == 42 && strcmp(data.data_label, "moved") == 0);
	CHECK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.bss), &zero, &bss) == 0);
	CHECK(bss.bss_flag == 7 && strcmp(bss.bss_name, "hello") == 0);
}

/* Every other call of the SDK, compiled (C and C++) but only run with --api-surface. */
static void api_surface(struct check_bpf *skel)
{
	struct bpf_program *prog = skel->progs.on_getppid;
	struct bpf_link *links[7];
	struct bpf_buffer *b = bpf_buffer__new(skel->maps.events);
	size_t size = 0;
	uint32_t key = 0, next;
	int i;

	bpf_set_prog_attach_target(prog, "lo");
	bpf_set_prog_attach_fd(prog, -1);
	bpf_program__set_autoload(prog, bpf_program__autoload(prog));
	bpf_program__set_autoattach(prog, bpf_program__autoattach(prog));
	links[0] = bpf_program__attach(prog);
	links[1] = bpf_program__attach_target(prog, "lo");
	links[2] = bpf_program__attach_xdp_ifname(prog, "lo");
	links[3] = bpf_program__attach_tc_ifname(prog, "lo", true);
	links[4] = bpf_program__attach_socket_ifname(prog, "lo");
	links[5] = bpf_program__attach_cgroup(prog, 3);
	links[6] = bpf_program__attach_cgroup_path(prog, "/sys/fs/cgroup");
	for (i = 0; i < 7; i++)
		bpf_link__destroy(links[i]);
	printf("%s %s %p\n", bpf_map__name(skel->maps.values), bpf_object__name(skel->obj),
	       bpf_map__initial_value(skel->maps.rodata, &size));
	bpf_map__update_elem(skel->maps.values, &key, sizeof(key), &key, sizeof(key), BPF_EXIST);
	bpf_map__delete_elem(skel->maps.values, &key, sizeof(key), 0);
	bpf_map__get_next_key(skel->maps.values, NULL, &next, sizeof(next));
	bpf_object__find_program_by_name(skel->obj, "on_getppid");
	if (b) {
		bpf_buffer__set_sample_fn(b, on_event, NULL);
		ring_buffer__poll(b, 1);
		perf_buffer__poll(b, 1);
		bpf_buffer__free(b);
	}
	check_bpf__detach(skel);
	(void)libbpf_err_errno(0);
}

int main(int argc, char **argv)
{
	struct check_bpf *skel;
	struct bpf_buffer *buf;
	struct bpf_map *by_name;
	int err;

	skel = check_bpf__open();
	if (!skel) {
		printf("sdk check: cannot open the skeleton: %s\n", strerror(errno));
		return 1;
	}
	CHECK(skel->rodata != NULL && skel->data != NULL && skel->bss != NULL);
	CHECK(skel->rodata->ro_magic == 1 && skel->data->data_counter == 5);
	skel->rodata->ro_magic = 0x5eed;
	{
		/* A global of a named struct type has that type in the skeleton, the same one
		 * check.wasm.h defines (both headers are included: their definitions are guarded). */
		struct check_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		cfg.verbose = 1;
		cfg.limit = 1234567890123ULL;
		cfg.levels[2] = -3;
		skel->rodata->ro_config = cfg;
	}
	skel->data->data_counter = 42;
	strcpy(skel->data->data_label, "moved");
	skel->bss->bss_flag = 7;
	strcpy(skel->bss->bss_name, "hello");
	CHECK(bpf_map__fd(skel->maps.values) == -EAGAIN); /* not loaded yet */

	err = check_bpf__load(skel);
	if (err) {
		printf("sdk check: cannot load the object: %d\n", err);
		check_bpf__destroy(skel);
		return 1;
	}
	check_global_data(skel);
	check_maps(skel);

	CHECK(check_bpf__attach(skel) == 0);
	CHECK(skel->links.on_getppid != NULL);
	CHECK(strcmp(bpf_program__name(skel->progs.on_getppid), "on_getppid") == 0);

	by_name = bpf_object__find_map_by_name(skel->obj, "events");
	CHECK(by_name == skel->maps.events);
	buf = bpf_buffer__open(skel->maps.events, on_event, NULL);
	CHECK(buf != NULL);
	if (buf) {
		err = bpf_buffer__poll(buf, 10);
		CHECK(err >= 0);
		/* As in the first SDK, a timeout <= 0 means 100 ms: these return (a guest waiting
		 * forever would be stopped by the test's --timeout). libbpf's names take libbpf's
		 * timeouts: 0 does not wait. */
		CHECK(bpf_buffer__poll(buf, -1) >= 0);
		CHECK(bpf_buffer__poll(buf, 0) >= 0);
		CHECK(ring_buffer__poll(buf, 0) >= 0);
		bpf_buffer__free(buf);
	}

	if (argc > 1 && strcmp(argv[1], "--api-surface") == 0)
		api_surface(skel);
	check_bpf__destroy(skel);
	if (failures) {
		printf("sdk check: %d failures\n", failures);
		return 1;
	}
	printf("sdk check: ok\n");
	return 0;
}
