// SPDX-License-Identifier: MIT
// poll_oneoff: clock subscriptions (relative or absolute, on any of the four clocks) and fd
// subscriptions, waited for in slices so that a stop request ends the wait (see wasi.h).
#include <poll.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>

#include "wasi/wasi_impl.h"

namespace wb::wasi {

using wasm::Memory;

namespace {

constexpr uint8_t kEventClock = 0, kEventFdRead = 1, kEventFdWrite = 2;
constexpr uint16_t kSubscriptionClockAbstime = 1;
constexpr uint16_t kEventFdReadwriteHangup = 1;

// Where the fields of a subscription are. wasi_unstable's clock case starts with a u64
// `identifier` that preview 1 dropped; the union starts at 16 in both (its tag is at 8).
struct SubscriptionLayout {
  uint32_t size;
  uint32_t clock_id, clock_timeout, clock_flags;
  uint32_t fd = 16;
};
constexpr SubscriptionLayout kPreview1Layout{48, 16, 24, 40};
constexpr SubscriptionLayout kUnstableLayout{56, 24, 32, 48};

// Far enough in the future to mean "never", small enough that adding it to a monotonic
// timestamp cannot overflow.
constexpr int64_t kNever = INT64_MAX / 4;

int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t saturating_add(int64_t a, int64_t b) { return b > INT64_MAX - a ? INT64_MAX : a + b; }

}  // namespace

int32_t WasiContext::Impl::poll_oneoff(Memory& m, uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_ptr,
                                       bool unstable_abi, bool& stop) {
  stop = false;
  const SubscriptionLayout& L = unstable_abi ? kUnstableLayout : kPreview1Layout;
  if (nsubs == 0) return kInval;
  if (nsubs > 4096 || !m.in_bounds(in, uint64_t{nsubs} * L.size) || !m.in_bounds(out, nsubs * 32ull)) return kFault;
  struct Sub {
    uint64_t userdata = 0;
    uint8_t type = 0;
    int64_t deadline_ns = 0;  // clocks: when it fires, on the monotonic clock
    int fd = -1;
    StdioStream* stream = nullptr;
    uint16_t error = 0;
  };
  std::vector<Sub> subs(nsubs);
  const int64_t start = monotonic_ns();
  for (uint32_t i = 0; i < nsubs; ++i) {
    const uint64_t base = in + uint64_t{i} * L.size;
    Sub& s = subs[i];
    s.userdata = *m.load<uint64_t>(base);
    s.type = *m.load<uint8_t>(base + 8);
    if (s.type == kEventClock) {
      const uint32_t id = *m.load<uint32_t>(base + L.clock_id);
      const uint64_t timeout = *m.load<uint64_t>(base + L.clock_timeout);
      const uint16_t flags = *m.load<uint16_t>(base + L.clock_flags);
      clockid_t cid;
      if (!host_clock(id, cid)) {
        s.error = kInval;
        continue;
      }
      uint64_t rel = timeout;
      if (flags & kSubscriptionClockAbstime) {  // a point in time on the given clock
        struct timespec now;
        clock_gettime(cid, &now);
        const uint64_t now_ns = timespec_ns(now);
        rel = timeout > now_ns ? timeout - now_ns : 0;
      }
      // The time left is waited for on the monotonic clock, also for the CPU-time clocks:
      // the guest uses no CPU while it waits, so their deadlines would otherwise never come.
      s.deadline_ns = saturating_add(start, static_cast<int64_t>(std::min<uint64_t>(rel, kNever)));
    } else if (s.type == kEventFdRead || s.type == kEventFdWrite) {
      const uint32_t gfd = *m.load<uint32_t>(base + L.fd);
      FdEntry* e = fds.get(gfd);
      const uint64_t need = kRightPollFdReadwrite | (s.type == kEventFdRead ? kRightFdRead : kRightFdWrite);
      if (e == nullptr) s.error = kBadf;
      else if ((e->rights_base & need) != need) s.error = kNotCapable;
      else if (e->stream) s.stream = e->stream.get();
      else s.fd = e->host_fd;
    } else {
      s.error = kInval;
    }
  }
  std::vector<struct pollfd> pfds;
  std::vector<uint32_t> owners;
  std::vector<bool> stream_ready(nsubs, false);
  for (;;) {
    pfds.clear();
    owners.clear();
    int64_t now = monotonic_ns();
    int64_t wait_ns = kNever;
    bool ready = false;
    for (uint32_t i = 0; i < nsubs; ++i) {
      const Sub& s = subs[i];
      if (s.error) {
        ready = true;
      } else if (s.type == kEventClock) {
        if (s.deadline_ns <= now) ready = true;
        else wait_ns = std::min(wait_ns, s.deadline_ns - now);
      } else if (s.stream != nullptr) {
        // Writes to a stream never wait; reads ask the stream.
        stream_ready[i] = s.type == kEventFdWrite || s.stream->wait_readable(std::chrono::milliseconds(0));
        ready = ready || stream_ready[i];
      } else {
        pfds.push_back({s.fd, static_cast<short>(s.type == kEventFdRead ? POLLIN : POLLOUT), 0});
        owners.push_back(i);
      }
    }
    const int64_t wait_ms = std::min<int64_t>(wait_ns / 1000000 + (wait_ns % 1000000 != 0), kWaitSliceMs);
    int r = ::poll(pfds.data(), pfds.size(), ready ? 0 : static_cast<int>(wait_ms));
    if (r < 0 && errno != EINTR) return err(errno);
    now = monotonic_ns();
    uint32_t nev = 0;
    auto emit = [&](const Sub& s, uint16_t error, uint64_t nbytes, uint16_t flags) {
      uint8_t ev[32] = {};
      std::memcpy(ev, &s.userdata, 8);
      std::memcpy(ev + 8, &error, 2);
      ev[10] = s.type;
      std::memcpy(ev + 16, &nbytes, 8);
      std::memcpy(ev + 24, &flags, 2);
      m.write(out + nev * 32ull, ev, 32);
      ++nev;
    };
    for (uint32_t i = 0; i < nsubs; ++i) {
      const Sub& s = subs[i];
      if (s.error) emit(s, s.error, 0, 0);
      else if (s.type == kEventClock && s.deadline_ns <= now) emit(s, 0, 0, 0);
      else if (s.stream != nullptr && stream_ready[i]) emit(s, 0, 0, 0);
    }
    for (size_t k = 0; r > 0 && k < pfds.size(); ++k) {
      if (pfds[k].revents == 0) continue;
      const Sub& s = subs[owners[k]];
      int avail = 0;
      if (s.type == kEventFdRead) ::ioctl(s.fd, FIONREAD, &avail);
      const uint16_t flags = (pfds[k].revents & POLLHUP) ? kEventFdReadwriteHangup : 0;
      const uint16_t e = (pfds[k].revents & POLLNVAL) ? kBadf : 0;
      emit(s, e, static_cast<uint64_t>(std::max(avail, 0)), flags);
    }
    if (nev > 0) return m.store<uint32_t>(nevents_ptr, nev) ? kSuccess : kFault;
    switch (wait_verdict()) {
      case WaitVerdict::keep_waiting: break;
      case WaitVerdict::end_guest: stop = true; return kIntr;
      case WaitVerdict::return_early:
        // The guest is asked to finish: its sleep ends now, as if its time had come (a poll
        // of descriptors alone fails with EINTR).
        for (const Sub& s : subs) {
          if (s.type == kEventClock) emit(s, 0, 0, 0);
        }
        if (nev > 0) return m.store<uint32_t>(nevents_ptr, nev) ? kSuccess : kFault;
        return kIntr;
    }
  }
}

}  // namespace wb::wasi
