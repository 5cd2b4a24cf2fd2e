// SPDX-License-Identifier: MIT
// The BPF objects a module carries: ELF images of BPF code inside its data segments, where
// the SDKs' build steps embed them (an `unsigned char x_bpf_o[]` array). Found by their ELF
// header (64-bit, EM_BPF); an object's size is where its last section or its section table
// ends. For `wasm-bpf inspect`, before a module is run.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "bpf/object_facts.h"
#include "bpf/policy.h"
#include "common/result.h"

namespace wb::bpf {

// The embedded objects of `wasm` (a module's bytes), in the order of its data segments.
Result<std::vector<std::vector<uint8_t>>> embedded_bpf_objects(std::span<const uint8_t> wasm);

// What one embedded object would do, as the host would judge it at load time.
struct ObjectDescription {
  size_t size = 0;
  std::string problem;  // why it could not be read (then nothing else is set)
  ObjectFacts facts;
  std::vector<Refusal> refused;  // what `policy` refuses
};

// Every embedded object of `wasm`, described (checked, opened by libbpf, never loaded).
Result<std::vector<ObjectDescription>> describe_embedded_objects(std::span<const uint8_t> wasm, const Policy& policy);

}  // namespace wb::bpf
