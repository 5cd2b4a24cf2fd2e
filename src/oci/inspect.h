// SPDX-License-Identifier: MIT
// `wasm-bpf inspect`: the manifest, config, annotations, size and digest of an image, as JSON.
#pragma once

#include <string>

#include "common/result.h"
#include "oci/client_options.h"
#include "oci/reference.h"

namespace wb::oci {

// From the local store if `ref` is there, otherwise from its registry (nothing is stored).
Result<std::string> inspect_image(const Reference& ref, const ClientOptions& options);

}  // namespace wb::oci
