// SPDX-License-Identifier: MIT
#include "gen/type_selection.h"

#include <bpf/btf.h>

#include "gen/wasm_layout.h"

namespace wb::gen {

Result<std::vector<uint32_t>> select_types(const btf* b, const WasmLayoutPrinter& printer,
                                           const std::vector<std::string>& names) {
  std::vector<uint32_t> out;
  const uint32_t n = btf__type_cnt(b);
  if (names.empty()) {
    for (uint32_t id = 1; id < n; ++id)
      if (printer.is_definable(id)) out.push_back(id);
    return out;
  }
  for (const std::string& want : names) {
    uint32_t found = 0;
    for (uint32_t id = 1; id < n && found == 0; ++id) {
      const btf_type* t = btf__type_by_id(b, id);
      if (want != btf__name_by_offset(b, t->name_off)) continue;
      if (printer.is_definable(id)) {
        found = id;
      } else if (btf_is_typedef(t)) {
        uint32_t target = t->type;
        for (int guard = 0; guard < 64 && target != 0 && !printer.is_definable(target); ++guard) {
          const btf_type* tt = btf__type_by_id(b, target);
          if (btf_is_mod(tt) || btf_is_typedef(tt))
            target = tt->type;
          else
            break;
        }
        if (target != 0 && printer.is_definable(target)) found = target;
      }
    }
    if (found == 0) return make_error("no struct, union, enum or typedef named '" + want + "' in the BTF");
    out.push_back(found);
  }
  return out;
}

}  // namespace wb::gen
