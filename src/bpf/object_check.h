// SPDX-License-Identifier: MIT
// Checks of a BPF ELF object before libbpf sees it. Debian's libbpf 1.1 trusts parts of an
// object that a guest controls entirely: a BTF type id out of range, a modifier chain that
// loops, a .BTF.ext record naming a type that is not there make it dereference NULL or loop
// for ever while it opens or loads the object. A module must get an error for such an object,
// never crash or hang the runtime: what libbpf relies on is checked here first.
//
// Checked: the ELF header and section table (every section inside the file, links and
// indices in range), symbol tables (names, section indices), relocations (symbol indices,
// offsets inside their sections), .BTF (header, every type's size and kind, every type id
// and name it refers to, FUNC -> FUNC_PROTO, DATASEC -> VAR/FUNC, decl tag components,
// no cycles through typedefs and modifiers) and .BTF.ext (headers, record sizes, section
// names, type ids, access strings).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace wb::bpf {

// "" if `object` may be handed to libbpf, else what is wrong with it (for the user).
std::string check_bpf_object(std::span<const uint8_t> object);

}  // namespace wb::bpf
