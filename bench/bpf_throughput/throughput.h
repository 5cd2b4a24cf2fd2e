// SPDX-License-Identifier: MIT
/* Shared by throughput.bpf.c (bpf, 64-bit), native_consumer.c and the wasm32 guest. */
#ifndef WB_BENCH_THROUGHPUT_H
#define WB_BENCH_THROUGHPUT_H

/* One 16-byte record. */
struct wbb_record {
  unsigned long long seq;
  unsigned int batch;
  unsigned int magic;
};
#define WBB_MAGIC 0xb0b0cafeu

/* Array map `cfg`, key 0: the process whose sched_yield() triggers a batch, the batch size,
 * and counters the BPF side keeps. */
struct wbb_cfg {
  unsigned int tgid;
  unsigned int batch_size;
  unsigned int batches;  /* triggers seen */
  unsigned int pad;
  unsigned long long dropped; /* records that did not fit in the ring buffer */
};

#define WBB_RING_BYTES (8u * 1024 * 1024)

#endif
