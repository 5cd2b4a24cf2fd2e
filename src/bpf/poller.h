// SPDX-License-Identifier: MIT
// One ring buffer or perf event array of a BPF object, consumed for the guest: every record
// is copied into guest memory and handed to the guest's callback, synchronously, in order,
// one callback call per record.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "common/stop_request.h"
#include "wasm/engine.h"
#include "wasm/host.h"

namespace wb::bpf {

class Poller {
 public:
  // What a perf event array's buffers take, per CPU (as libbpf's perf_buffer__new maps them).
  static constexpr uint64_t kPerfBufferBytesPerCpu = 64 * 4096 + 4096;
  // Opens the consumer of `map_fd` now (at load), not at the first poll: a perf event array
  // receives nothing until its per-CPU perf events are open, so records emitted between
  // attach and the first poll would be lost. A failure is remembered and returned by every
  // poll (the object stays usable otherwise).
  Poller(int map_fd, bpf_map_type type, bool verbose);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // What one wasm_bpf_buffer_poll call binds: callback, its context, the record buffer.
  struct Call {
    wasm::HostContext* ctx = nullptr;
    wasm::Function* callback = nullptr;  // (i32, i32, i32) -> i32, checked by the caller
    uint32_t cb_ctx = 0;
    uint32_t data = 0;            // guest offset of the record buffer
    uint8_t* data_host = nullptr;  // that buffer, bounds-checked once per poll (guest memory
                                   // never moves or shrinks, so it stays valid)
    uint32_t max_size = 0;
    int32_t timeout_ms = 0;
  };

  // Delivers what is there, else waits up to timeout_ms (< 0: forever) for records. Returns
  // the number delivered, 0 on timeout, a callback's negative status (the records after it
  // stay queued for the next poll), a negative guest errno (-EBUSY when called from one of
  // its own callbacks; -EINTR once `stop` is requested, after delivering what the buffer
  // held), or a Trap (the callback trapped, or `interrupt` fired).
  // `closing` is the owning object's flag: once a callback sets it (the guest closed the
  // object), the poll returns after that record and the rest are dropped.
  wasm::HostResult<int32_t> poll(const Call& call, const wasm::InterruptHandle& interrupt, const StopRequest& stop,
                                 const bool& closing);

 private:
  bool stopped() const { return trap_.has_value() || status_ < 0 || *closing_; }
  // One record to the guest; false when delivery must stop (trap, negative status, close).
  // Inlined into the libbpf callbacks: it runs once per record.
  [[gnu::always_inline]] inline bool deliver(const void* record, size_t size);
  [[gnu::cold, gnu::noinline]] bool keep_trap();
  void drain_pending();
  // Maps the ring buffer's pages for consume_ring(); false leaves libbpf's consumer in use.
  bool map_ring(int map_fd);
  // Our own consumer of a ring buffer: records are gathered in batches and handed to the
  // guest by RepeatedCall::call_each (one stub call per batch with compiled code), and the
  // consumer position is published once per batch. Same order, same semantics as libbpf's
  // ring_buffer__consume (a record whose callback returns a negative status, traps or closes
  // the object counts as consumed; the ones after it stay). Returns 0, as libbpf's would.
  int consume_ring();
  static int on_ring_record(void* self, void* data, size_t size);
  static void on_perf_record(void* self, int cpu, void* data, __u32 size);
  static void on_perf_lost(void* self, int cpu, __u64 count);

  ring_buffer* rb_ = nullptr;
  // The ring's pages, mapped by us (null: not mapped, libbpf consumes).
  uint64_t* consumer_pos_ = nullptr;      // read-write page
  const uint64_t* producer_pos_ = nullptr;  // read-only: the producer page, then the data twice
  const uint8_t* ring_data_ = nullptr;
  size_t ring_size_ = 0;                  // a power of two
  void* cons_map_ = nullptr;
  void* prod_map_ = nullptr;
  size_t prod_map_len_ = 0;
  std::vector<wasm::RepeatedCall::Record> batch_;
  std::vector<uint64_t> batch_end_;  // consumer position after each record of batch_
  perf_buffer* pb_ = nullptr;
  int epoll_fd_ = -1;
  int open_error_ = 0;  // errno of a failed open
  bool verbose_ = false;
  // Perf buffers are consumed a whole CPU buffer at a time, with no way to stop in the
  // middle: records that arrive after a negative callback status wait here for the next poll.
  std::deque<std::vector<uint8_t>> pending_;
  // Set for the duration of one poll.
  const Call* call_ = nullptr;
  wasm::RepeatedCall* repeated_ = nullptr;
  const bool* closing_ = nullptr;
  std::optional<wasm::Trap> trap_;
  int32_t status_ = 0;
  int32_t delivered_ = 0;
};

}  // namespace wb::bpf
