// SPDX-License-Identifier: MIT
// Finding the Wasm module in an image (docs/oci.md): one raw module layer
// (application/wasm, application/vnd.wasm.content.layer.v1+wasm, the component layer type,
// application/vnd.module.wasm.content.layer.v1+wasm), or tar / tar+gzip layers holding the
// file named by the config's Entrypoint, else the only *.wasm file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "oci/manifest.h"

namespace wb::oci {

struct ModulePlan {
  bool from_tar = false;
  std::vector<Descriptor> layers;  // one raw layer, or the tar layers in order
  std::string entrypoint;          // normalized, for tar layers; may be empty
};

// `what` names the image in messages.
Result<ModulePlan> plan_module(const Manifest& manifest, std::string_view config,
                               const std::string& what);

// The module from the contents of plan.layers (same order); checks the Wasm magic.
Result<std::string> extract_module(const ModulePlan& plan, const std::vector<std::string>& layers,
                                   const std::string& what);

// Fails unless `bytes` start with "\0asm".
Result<void> check_wasm_magic(std::string_view bytes, const std::string& what);

}  // namespace wb::oci
