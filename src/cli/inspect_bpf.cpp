// SPDX-License-Identifier: MIT
#include "cli/inspect_bpf.h"

#include <set>

#include "bpf/embedded_objects.h"

namespace wb::cli {

using nlohmann::ordered_json;

Result<ordered_json> describe_module_bpf(std::span<const uint8_t> wasm) {
  auto objects = bpf::describe_embedded_objects(wasm, bpf::Policy{});
  if (!objects) return objects.error();
  ordered_json out = ordered_json::array();
  for (const bpf::ObjectDescription& d : *objects) {
    ordered_json o;
    o["size"] = d.size;
    if (!d.problem.empty()) {
      o["problem"] = d.problem;
      out.push_back(o);
      continue;
    }
    o["arch"] = d.facts.arch.empty() ? ordered_json() : ordered_json(d.facts.arch);
    ordered_json programs = ordered_json::array();
    for (const bpf::ProgramFacts& p : d.facts.programs) {
      programs.push_back({{"name", p.name}, {"section", p.section}, {"type", bpf::program_type_name(p.type)}});
    }
    o["programs"] = programs;
    ordered_json code = ordered_json::array();
    for (const bpf::SectionCalls& c : d.facts.calls) {
      ordered_json helpers = ordered_json::array();
      for (int32_t id : c.helpers) helpers.push_back(bpf::helper_name(id));
      ordered_json s = {{"section", c.section}, {"helpers", helpers}};
      if (c.kfunc_calls != 0) s["kfuncCalls"] = c.kfunc_calls;
      code.push_back(s);
    }
    o["code"] = code;
    ordered_json maps = ordered_json::array();
    uint64_t memory = 0;
    for (const bpf::MapFacts& m : d.facts.maps) {
      maps.push_back({{"name", m.name},
                      {"type", bpf::map_type_name(m.type)},
                      {"keySize", m.key_size},
                      {"valueSize", m.value_size},
                      {"maxEntries", m.max_entries},
                      {"memory", m.memory}});
      memory += m.memory;
    }
    o["maps"] = maps;
    o["mapMemory"] = memory;
    ordered_json refused = ordered_json::array();
    std::set<std::string> flags;
    for (const bpf::Refusal& r : d.refused) {
      refused.push_back({{"what", r.what}, {"allowWith", r.allow}});
      flags.insert(r.allow);
    }
    // What `run` refuses with no --allow flags, and the flags that let it through.
    o["policy"] = {{"refusedByDefault", refused}, {"runWith", ordered_json(flags)}};
    out.push_back(o);
  }
  return out;
}

}  // namespace wb::cli
