// SPDX-License-Identifier: MIT
// `wasm-bpf save` and `wasm-bpf load`: images of the local store as a tar of an OCI image
// layout (oci-layout, index.json, blobs/sha256/...), the format `skopeo copy oci-archive:`
// and `docker load` of OCI archives understand. index.json names each image by its full
// reference in org.opencontainers.image.ref.name.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "oci/client_options.h"
#include "oci/reference.h"

namespace wb::oci {

// Writes the stored image `ref` to `output` (atomically).
Result<void> save_image(const Reference& ref, const std::string& output,
                        const ClientOptions& options);

// Imports every image of the archive `input`; returns their references. Entries whose
// ref.name is not a full reference (e.g. a bare tag, as skopeo writes) need `name`, which
// also renames a single-image archive.
Result<std::vector<std::string>> load_images(const std::string& input, const std::string& name,
                                             const ClientOptions& options);

}  // namespace wb::oci
