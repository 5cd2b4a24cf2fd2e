// SPDX-License-Identifier: MIT
// `wasm-bpf pull`: a reference from its registry into the local store (or a file).
#pragma once

#include <string>

#include "common/result.h"
#include "oci/client_options.h"
#include "oci/reference.h"
#include "oci/store.h"

namespace wb::oci {

struct PullResult {
  std::string digest;       // what the reference resolved to (an index's digest for an index)
  StoredImage image;        // as stored (empty when written to a file)
  std::string module_path;  // the module in the store, or the output file
};

// Pulls `ref`: resolves an image index to its wasip1/wasm manifest, downloads and verifies
// every blob, finds the module (docs/oci.md) and records the image in the store.
// With a non-empty `output` the module is written to that file instead and the store is not
// touched. On failure nothing is left behind.
Result<PullResult> pull_image(const Reference& ref, const ClientOptions& options,
                              const std::string& output = "");

}  // namespace wb::oci
