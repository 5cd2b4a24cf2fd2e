// SPDX-License-Identifier: MIT
#include "wasi/stdio_stream.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace wb::wasi {

StdioStream::~StdioStream() = default;

int64_t StdioStream::read(uint8_t*, size_t) { return -EBADF; }

bool StdioStream::wait_readable(std::chrono::milliseconds timeout) {
  if (timeout.count() > 0) std::this_thread::sleep_for(timeout);
  return true;
}

int64_t StdioStream::write(const uint8_t*, size_t) { return -EBADF; }

int64_t StringInput::read(uint8_t* buf, size_t len) {
  const size_t n = std::min(len, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, n);
  pos_ += n;
  return static_cast<int64_t>(n);
}

int64_t StringOutput::write(const uint8_t* buf, size_t len) {
  std::lock_guard<std::mutex> lock(mu_);
  data_.append(reinterpret_cast<const char*>(buf), len);
  return static_cast<int64_t>(len);
}

std::string StringOutput::str() const {
  std::lock_guard<std::mutex> lock(mu_);
  return data_;
}

int64_t CallbackOutput::write(const uint8_t* buf, size_t len) {
  if (sink_) sink_(std::string_view(reinterpret_cast<const char*>(buf), len));
  return static_cast<int64_t>(len);
}

}  // namespace wb::wasi
