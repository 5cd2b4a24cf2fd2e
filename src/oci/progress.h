// SPDX-License-Identifier: MIT
// Transfer progress on stderr ("label  1.2 MiB / 3.4 MiB  2.0 MiB/s"), redrawn in place at most
// ten times a second. Disabled progress prints nothing (stderr is not a terminal).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace wb::oci {

// "512 B", "40.0 KiB", "3.4 MiB"
std::string format_bytes(std::uint64_t bytes);

class Progress {
 public:
  Progress(std::string label, std::uint64_t total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::uint64_t done);
  // Draws the final state and ends the line (also done by the destructor).
  void finish();

 private:
  void draw(bool final);

  std::string label_;
  std::uint64_t total_ = 0;
  std::uint64_t done_ = 0;
  bool enabled_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace wb::oci
