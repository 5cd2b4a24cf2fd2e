// SPDX-License-Identifier: MIT
// Guest stdio (fds 0, 1, 2) backed by the embedder's own objects instead of host file
// descriptors: feed stdin from memory, capture stdout and stderr into strings or callbacks.
//
// The guest's fd_read on a stream-backed stdin calls read(); fd_write on stdout or stderr
// calls write(); poll_oneoff asks wait_readable(0) for fd_read subscriptions and treats
// writes as always ready. All calls come from the thread running the guest.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace wb::wasi {

class StdioStream {
 public:
  // read() result: no input yet (the guest then waits, see wait_readable).
  static constexpr int64_t kWouldBlock = -1000000;

  virtual ~StdioStream();

  // Input: copies up to `len` (> 0) bytes into `buf`. Returns how many, 0 at end of input,
  // kWouldBlock when nothing is available yet, or -errno (reported to the guest; EBADF by
  // default: not an input).
  //
  // Should not block for long: the guest can only be stopped between calls. To wait for
  // input, return kWouldBlock and override wait_readable().
  virtual int64_t read(uint8_t* buf, size_t len);

  // Waits at most `timeout` for read() to have something to return (data or end of input);
  // true if it has. The default sleeps for `timeout` and says yes, which makes a guest that
  // waits for input poll read() every few milliseconds.
  virtual bool wait_readable(std::chrono::milliseconds timeout);

  // Output: takes up to `len` bytes from `buf`; returns how many (> 0) or -errno (EBADF by
  // default: not an output).
  virtual int64_t write(const uint8_t* buf, size_t len);
};

// Input from a fixed string, then end of input.
class StringInput : public StdioStream {
 public:
  explicit StringInput(std::string data) : data_(std::move(data)) {}
  int64_t read(uint8_t* buf, size_t len) override;
  bool wait_readable(std::chrono::milliseconds) override { return true; }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Output collected in a string; str() may be called from any thread.
class StringOutput : public StdioStream {
 public:
  int64_t write(const uint8_t* buf, size_t len) override;
  std::string str() const;

 private:
  mutable std::mutex mu_;
  std::string data_;
};

// Output handed to a function, one call per guest write.
class CallbackOutput : public StdioStream {
 public:
  explicit CallbackOutput(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}
  int64_t write(const uint8_t* buf, size_t len) override;

 private:
  std::function<void(std::string_view)> sink_;
};

}  // namespace wb::wasi
