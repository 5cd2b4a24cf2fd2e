// SPDX-License-Identifier: GPL-2.0-only OR MIT
// A BPF object with every kind of global data (.rodata, .data, .bss), a hash map with a
// struct value and a ring buffer: what the SDK check guests exercise (and a few more maps).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "check.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, struct check_value);
} values SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* Not used by the guests: map definitions the Rust SDK's unit tests read (a perf event array,
 * a per-CPU map, sizes given as numbers). */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} perf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} per_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8);
	__uint(key_size, 6);
	__uint(value_size, 12);
} sized SEC(".maps");

const volatile u32 ro_magic = 1;
const volatile struct check_config ro_config = {};
u64 data_counter = 5;
char data_label[8] = "data";
u32 bss_flag;
char bss_name[12];

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	struct check_value *v;
	u32 key = ro_magic + ro_config.levels[1];

	v = bpf_ringbuf_reserve(&events, sizeof(*v), 0);
	if (!v)
		return 0;
	__builtin_memset(v, 0, sizeof(*v));
	v->count = data_counter + bss_flag + ro_config.limit;
	v->id = key;
	v->tag = bss_name[0] + data_label[0];
	bpf_ringbuf_submit(v, 0);
	data_counter++;
	return 0;
}
