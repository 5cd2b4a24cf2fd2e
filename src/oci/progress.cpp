// SPDX-License-Identifier: MIT
#include "oci/progress.h"

#include "oci/client_options.h"

#include <cstdio>

namespace wb::oci {

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (v >= 1024.0 && unit < 3) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

Progress::Progress(std::string label, std::uint64_t total, Reporter* reporter)
    : label_(std::move(label)), reporter_(reporter) {
  if (reporter_ != nullptr) reporter_->transfer_started(label_, total);
}

Progress::~Progress() { finish(); }

void Progress::update(std::uint64_t done) {
  done_ = done;
  if (reporter_ != nullptr && !finished_) reporter_->transfer_progress(label_, done);
}

void Progress::finish() {
  if (reporter_ == nullptr || finished_) return;
  finished_ = true;
  reporter_->transfer_finished(label_, done_);
}

Reporter::~Reporter() = default;
void Reporter::transfer_started(const std::string&, std::uint64_t) {}
void Reporter::transfer_progress(const std::string&, std::uint64_t) {}
void Reporter::transfer_finished(const std::string&, std::uint64_t) {}
void Reporter::status(const std::string&) {}
void Reporter::warning(const std::string&) {}

Reporter& reporter_of(const ClientOptions& options) {
  static Reporter silent;
  return options.reporter ? *options.reporter : silent;
}

}  // namespace wb::oci
