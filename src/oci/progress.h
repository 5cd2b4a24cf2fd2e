// SPDX-License-Identifier: MIT
// The progress of one blob transfer, told to a Reporter (reporter.h): started when made,
// finished when finish() is called or it goes out of scope. Without a reporter it does nothing.
#pragma once

#include <cstdint>
#include <string>

#include "oci/reporter.h"

namespace wb::oci {

// "512 B", "40.0 KiB", "3.4 MiB"
std::string format_bytes(std::uint64_t bytes);

class Progress {
 public:
  Progress(std::string label, std::uint64_t total, Reporter* reporter);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::uint64_t done);
  void finish();

 private:
  std::string label_;
  std::uint64_t done_ = 0;
  Reporter* reporter_ = nullptr;
  bool finished_ = false;
};

}  // namespace wb::oci
