// SPDX-License-Identifier: MIT
#include "bpf/poller.h"

#include <bpf/bpf.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "bpf/guest_errno.h"

namespace wb::bpf {

namespace {
// Blocking polls wait in slices this long, checking for SIGINT / timeout / stop in between.
constexpr int kPollSliceMs = 20;
// Pages per CPU of a perf event array's buffer (libbpf's perf_buffer__new).
constexpr size_t kPerfPagesPerCpu = 64;
}  // namespace

Poller::Poller(int map_fd, bpf_map_type type, bool verbose) : verbose_(verbose) {
  if (type == BPF_MAP_TYPE_RINGBUF) {
    rb_ = ring_buffer__new(map_fd, &Poller::on_ring_record, this, nullptr);
    if (rb_) {
      epoll_fd_ = ring_buffer__epoll_fd(rb_);
      map_ring(map_fd);
    }
  } else if (type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
    pb_ = perf_buffer__new(map_fd, kPerfPagesPerCpu, &Poller::on_perf_record, &Poller::on_perf_lost, this, nullptr);
    if (pb_) epoll_fd_ = perf_buffer__epoll_fd(pb_);
  } else {
    open_error_ = EINVAL;
    return;
  }
  if (!rb_ && !pb_) {
    open_error_ = errno ? errno : EINVAL;
    if (verbose_) std::fprintf(stderr, "wasm-bpf: cannot open the buffer of map fd %d: %s\n", map_fd, std::strerror(open_error_));
  }
}

bool Poller::map_ring(int map_fd) {
  bpf_map_info info{};
  __u32 len = sizeof info;
  if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0) return false;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t size = info.max_entries;
  if (size == 0 || (size & (size - 1)) != 0) return false;
  // The kernel's layout of a ring buffer map: the consumer position's page (writable), then
  // the producer position's page and the data pages, mapped twice in a row so that a record
  // never wraps (read-only).
  void* cons = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (cons == MAP_FAILED) return false;
  const size_t prod_len = page + 2 * size;
  void* prod = mmap(nullptr, prod_len, PROT_READ, MAP_SHARED, map_fd, static_cast<off_t>(page));
  if (prod == MAP_FAILED) {
    munmap(cons, page);
    return false;
  }
  cons_map_ = cons;
  prod_map_ = prod;
  prod_map_len_ = prod_len;
  consumer_pos_ = static_cast<uint64_t*>(cons);
  producer_pos_ = static_cast<const uint64_t*>(prod);
  ring_data_ = static_cast<const uint8_t*>(prod) + page;
  ring_size_ = size;
  return true;
}

int Poller::consume_ring() {
  constexpr size_t kBatch = 1024;
  constexpr uint32_t kBusy = BPF_RINGBUF_BUSY_BIT, kDiscard = BPF_RINGBUF_DISCARD_BIT;
  const Call& c = *call_;
  const wasm::RepeatedCall::Delivery d{c.cb_ctx, c.data, c.data_host, c.max_size, closing_};
  uint64_t cons = __atomic_load_n(consumer_pos_, __ATOMIC_ACQUIRE);
  for (;;) {
    const uint64_t prod = __atomic_load_n(producer_pos_, __ATOMIC_ACQUIRE);
    if (cons >= prod) return 0;
    // Gather what the producer has committed, up to a batch.
    batch_.clear();
    batch_end_.clear();
    uint64_t scan = cons;
    bool busy = false;
    while (scan < prod && batch_.size() < kBatch) {
      const uint8_t* hdr = ring_data_ + (scan & (ring_size_ - 1));
      // Records are contiguous but each position depends on the previous length: fetch the
      // lines ahead so that the walk does not wait for memory at every line.
      __builtin_prefetch(hdr + 2048);
      const uint32_t word = __atomic_load_n(reinterpret_cast<const uint32_t*>(hdr), __ATOMIC_ACQUIRE);
      if (word & kBusy) {
        busy = true;  // not committed yet: the next poll gets it
        break;
      }
      const uint32_t size = word & ~(kBusy | kDiscard);
      scan += (static_cast<uint64_t>(size) + BPF_RINGBUF_HDR_SZ + 7) & ~uint64_t{7};
      if (!(word & kDiscard)) {
        batch_.push_back({hdr + BPF_RINGBUF_HDR_SZ, size});
        batch_end_.push_back(scan);
      }
    }
    size_t consumed = batch_.size();
    if (!batch_.empty()) {
      int32_t status = 0;
      const size_t returned = repeated_->call_each(batch_.data(), batch_.size(), d, &status);
      delivered_ += static_cast<int32_t>(returned);
      consumed = returned;
      if (repeated_->has_trap()) {
        trap_ = repeated_->take_trap();
        consumed = std::min(returned + 1, batch_.size());  // the record whose call trapped
      }
      if (status < 0) status_ = status;
    }
    if (consumed > 0 || batch_.empty()) {
      cons = consumed == batch_.size() ? scan : batch_end_[consumed - 1];
      __atomic_store_n(consumer_pos_, cons, __ATOMIC_RELEASE);
    }
    if (stopped() || busy) return 0;
  }
}

Poller::~Poller() {
  if (cons_map_) munmap(cons_map_, static_cast<size_t>(sysconf(_SC_PAGESIZE)));
  if (prod_map_) munmap(prod_map_, prod_map_len_);
  if (rb_) ring_buffer__free(rb_);
  if (pb_) perf_buffer__free(pb_);
}

namespace {
// Records are small (tens of bytes): copied inline rather than through a libc call.
inline void copy_record(uint8_t* dst, const void* src_v, uint32_t n) {
  const auto* src = static_cast<const uint8_t*>(src_v);
  uint64_t a, b;
  if (n >= 8 && n <= 16) {
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n > 16 && n <= 32) {
    uint64_t c, d;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + 8, 8);
    std::memcpy(&c, src + n - 16, 8);
    std::memcpy(&d, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + 8, &b, 8);
    std::memcpy(dst + n - 16, &c, 8);
    std::memcpy(dst + n - 8, &d, 8);
  } else {
    std::memcpy(dst, src, n);
  }
}
}  // namespace

// The per-record path: no allocation, no bounds checks (done once per poll), one call.
inline bool Poller::deliver(const void* record, size_t size) {
  const Call& c = *call_;
  const uint32_t n = size < c.max_size ? static_cast<uint32_t>(size) : c.max_size;
  copy_record(c.data_host, record, n);
  uint64_t args[3] = {c.cb_ctx, c.data, n};
  uint64_t result = 0;
  if (!repeated_->call(args, &result)) [[unlikely]]
    return keep_trap();
  ++delivered_;
  const auto status = static_cast<int32_t>(static_cast<uint32_t>(result));
  if (status < 0) [[unlikely]] {
    status_ = status;
    return false;
  }
  return !*closing_;
}

bool Poller::keep_trap() {
  trap_ = repeated_->take_trap();
  return false;
}

wasm::HostResult<int32_t> Poller::poll(const Call& call, const wasm::InterruptHandle& interrupt, const StopRequest& stop,
                                       const bool& closing) {
  if (open_error_) return guest_err(open_error_);
  // A callback polling the buffer it is called from: libbpf's consumers are not re-entrant,
  // and the outer poll's call state would be overwritten.
  if (call_ != nullptr) return guest_err(EBUSY);
  // Set up once for every record of this poll (the callback is the same for all).
  wasm::RepeatedCall repeated(call.ctx->store(), call.callback);
  call_ = &call;
  repeated_ = &repeated;
  closing_ = &closing;
  trap_.reset();
  status_ = 0;
  delivered_ = 0;
  struct Unbind {
    Poller& p;
    ~Unbind() {
      p.call_ = nullptr;
      p.repeated_ = nullptr;
      p.closing_ = nullptr;
    }
  } unbind{*this};

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(call.timeout_ms, 0));
  for (;;) {
    int r = 0;
    if (!pending_.empty()) drain_pending();
    if (!stopped()) r = consumer_pos_ != nullptr ? consume_ring() : rb_ ? ring_buffer__consume(rb_) : perf_buffer__consume(pb_);
    if (trap_) return std::move(*trap_);
    if (status_ < 0) return status_;
    // Asked to finish: the records that were there have just been delivered; -EINTR makes
    // the guest leave its poll loop (every later poll says the same).
    if (stop.requested() && !closing) return guest_err(EINTR);
    if (delivered_ > 0 || closing) return delivered_;
    if (r < 0) return guest_err(-r);
    if (interrupt.stop_requested()) return wasm::Trap{wasm::TrapKind::Interrupted, "interrupted", "", 0};
    int wait = kPollSliceMs;
    if (call.timeout_ms >= 0) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return 0;
      wait = static_cast<int>(std::min<int64_t>(left, kPollSliceMs));
    }
    pollfd pfd{epoll_fd_, POLLIN, 0};
    ::poll(&pfd, 1, wait);
  }
}

void Poller::drain_pending() {
  while (!pending_.empty() && !stopped()) {
    std::vector<uint8_t> record = std::move(pending_.front());
    pending_.pop_front();
    deliver(record.data(), record.size());
  }
  if (trap_ || *closing_) pending_.clear();  // the guest ends / the object goes: nobody will read them
}

int Poller::on_ring_record(void* self, void* data, size_t size) {
  // A negative return stops ring_buffer__consume; the records after this one stay in the
  // ring for the next poll.
  return static_cast<Poller*>(self)->deliver(data, size) ? 0 : -1;
}

void Poller::on_perf_record(void* self, int, void* data, __u32 size) {
  auto* p = static_cast<Poller*>(self);
  if (p->stopped()) {
    // perf_buffer__consume goes on through the whole buffer: keep what the guest has not
    // seen (after a negative status) for the next poll, in order.
    if (!p->trap_ && !*p->closing_) {
      const auto* bytes = static_cast<const uint8_t*>(data);
      p->pending_.emplace_back(bytes, bytes + size);
    }
    return;
  }
  p->deliver(data, size);
}

void Poller::on_perf_lost(void* self, int cpu, __u64 count) {
  if (static_cast<Poller*>(self)->verbose_)
    std::fprintf(stderr, "wasm-bpf: lost %llu perf events on CPU %d\n", static_cast<unsigned long long>(count), cpu);
}

}  // namespace wb::bpf
