// SPDX-License-Identifier: MIT
// Loading BTF for the generators, with libbpf's messages captured instead of printed.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

struct btf;

namespace wb::gen {

struct BtfDeleter {
  void operator()(btf* b) const;
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

// The BTF of a BPF ELF object (its .BTF section) or of a raw BTF file such as
// /sys/kernel/btf/vmlinux.
Result<BtfPtr> load_btf(const std::string& path);

// While alive, libbpf's log goes into `log()` instead of stderr.
class LibbpfLogCapture {
 public:
  LibbpfLogCapture();
  ~LibbpfLogCapture();
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;
  // The last warning or error line libbpf printed, for error messages.
  std::string last_line() const;
};

}  // namespace wb::gen
