// SPDX-License-Identifier: MIT
/* Records shared by the test BPF programs (-target bpf, 64-bit) and their wasm32 guests:
 * only fixed-size integer types and char arrays, laid out without implicit padding, so both
 * sides agree. Guests check the sizes with _Static_assert. */
#ifndef WB_TEST_BPF_EVENTS_H
#define WB_TEST_BPF_EVENTS_H

#define WBT_COMM_LEN 16
#define WBT_PATH_LEN 128

/* sched_process_exec */
struct wbt_exec_event {
  unsigned int pid;
  unsigned int ppid;
  char comm[WBT_COMM_LEN];
  char filename[WBT_PATH_LEN];
};
#define WBT_EXEC_EVENT_SIZE 152

/* sched_process_exit */
struct wbt_exit_event {
  unsigned int pid;
  unsigned int exit_code;
  char comm[WBT_COMM_LEN];
};
#define WBT_EXIT_EVENT_SIZE 24

/* sys_enter_openat */
struct wbt_open_event {
  unsigned int pid;
  unsigned int flags;
  char path[WBT_PATH_LEN];
};
#define WBT_OPEN_EVENT_SIZE 136

/* kprobe / kretprobe / uprobe / raw tracepoint hits */
#define WBT_KIND_KPROBE 1
#define WBT_KIND_UPROBE 2
#define WBT_KIND_KRETPROBE 3
#define WBT_KIND_RAWTP 4
struct wbt_probe_event {
  unsigned int kind;
  unsigned int pid;
  unsigned long long arg;
  char comm[WBT_COMM_LEN];
  char path[64];
};
#define WBT_PROBE_EVENT_SIZE 96

/* Burst records: `seq` counts 0, 1, 2, ... per trigger; `trigger` numbers the triggers. */
struct wbt_seq_event {
  unsigned long long seq;
  unsigned int trigger;
  unsigned int magic;
};
#define WBT_SEQ_EVENT_SIZE 16
#define WBT_SEQ_MAGIC 0x5eb1a5edu

/* Burst configuration (array map `cfg`, key 0): who triggers, how many records, where. */
#define WBT_BURST_RING 1
#define WBT_BURST_PERF 2
struct wbt_burst_cfg {
  unsigned int tgid;
  unsigned int count;
  unsigned int mode;
  unsigned int trigger;
};
#define WBT_BURST_CFG_SIZE 16

/* Value of the hash/array maps of maps.bpf.c */
struct wbt_pair {
  unsigned long long a;
  unsigned long long b;
};

/* Indexes in the `counts` array of netcount.bpf.c */
#define WBT_COUNT_XDP 0
#define WBT_COUNT_TC 1
#define WBT_COUNT_CGROUP 2
#define WBT_COUNT_SOCKET 3
/* The EtherType of the frames the tests send (IEEE local experimental). */
#define WBT_ETHERTYPE 0x88b5

#endif
