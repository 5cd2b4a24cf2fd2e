// SPDX-License-Identifier: MIT
// `wasm-bpf push`: a module file to a registry as a single-layer artifact.
#pragma once

#include <functional>
#include <map>
#include <string_view>
#include <string>

#include "common/result.h"
#include "oci/client_options.h"
#include "oci/manifest.h"
#include "oci/reference.h"

namespace wb::oci {

struct PushRequest {
  std::string module_path;
  Reference reference;  // needs a tag
  PushFormat format = PushFormat::cncf;
  std::map<std::string, std::string> annotations;
  ImagePlatform platform;  // PushFormat::image
  // Checks that the module is one a runtime will accept (the caller's engine decodes and
  // validates it): "" or why not. Unset: only the magic number is checked.
  std::function<std::string(std::string_view module)> validate;
};

// Returns the digest of the pushed manifest.
Result<std::string> push_module(const PushRequest& request, const ClientOptions& options);

// Pushes the image stored under `source` in the local store (options' store), unchanged (the
// same manifest, so the same digest), to `target` (which needs a tag): `wasm-bpf push REF`
// after a pull, load or tag. Returns the digest of the pushed manifest.
Result<std::string> push_stored(const Reference& source, const Reference& target, const ClientOptions& options);

}  // namespace wb::oci
