// SPDX-License-Identifier: MIT
//! The maps a BPF object defines, with the sizes of their keys and values, read from the
//! object itself: BTF-defined maps (`struct {...} name SEC(".maps")`) from the `.maps` DATASEC
//! of its BTF, global data maps (`.rodata`, `.data`, `.bss`, ...) from its ELF sections.
//!
//! The host copies whole keys and values of the map's sizes in and out of guest memory, so
//! the safe map API checks every buffer against these sizes first (a smaller buffer would be
//! overrun). Sizes it cannot be sure of are left unknown, and the safe API refuses those maps.

use crate::btf::{self, Btf};
use crate::elf;

pub const BPF_MAP_TYPE_HASH: u32 = 1;
pub const BPF_MAP_TYPE_ARRAY: u32 = 2;
pub const BPF_MAP_TYPE_PROG_ARRAY: u32 = 3;
pub const BPF_MAP_TYPE_PERF_EVENT_ARRAY: u32 = 4;
pub const BPF_MAP_TYPE_PERCPU_HASH: u32 = 5;
pub const BPF_MAP_TYPE_PERCPU_ARRAY: u32 = 6;
pub const BPF_MAP_TYPE_CGROUP_ARRAY: u32 = 8;
pub const BPF_MAP_TYPE_LRU_PERCPU_HASH: u32 = 10;
pub const BPF_MAP_TYPE_ARRAY_OF_MAPS: u32 = 12;
pub const BPF_MAP_TYPE_HASH_OF_MAPS: u32 = 13;
pub const BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: u32 = 21;
pub const BPF_MAP_TYPE_RINGBUF: u32 = 27;

/// What the object says about one map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapDef {
    /// The name the host finds it by: the variable's name, or the section (".rodata").
    pub name: String,
    /// BPF_MAP_TYPE_*; BPF_MAP_TYPE_ARRAY for global data.
    pub map_type: u32,
    /// Key and value sizes in bytes; None where the object does not tell them for sure.
    pub key_size: Option<usize>,
    pub value_size: Option<usize>,
}

impl MapDef {
    /// Per-CPU maps: a lookup writes one value per possible CPU of the host (each rounded up
    /// to 8 bytes), a number the guest cannot know.
    pub fn is_per_cpu(&self) -> bool {
        matches!(
            self.map_type,
            BPF_MAP_TYPE_PERCPU_HASH
                | BPF_MAP_TYPE_PERCPU_ARRAY
                | BPF_MAP_TYPE_LRU_PERCPU_HASH
                | BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
        )
    }
}

/// The map definitions of the ELF object `elf`; empty if it has none that can be read.
pub(crate) fn map_defs(elf: &[u8]) -> Vec<MapDef> {
    let mut out = Vec::new();
    let secs = match elf::named_sections(elf) {
        Some(s) => s,
        None => return out,
    };
    for s in &secs {
        if is_global_data(&s.name) {
            out.push(MapDef {
                name: s.name.clone(),
                map_type: BPF_MAP_TYPE_ARRAY,
                key_size: Some(4),
                value_size: Some(s.size as usize).filter(|&n| n > 0),
            });
        }
    }
    let btf = secs
        .iter()
        .find(|s| s.name == ".BTF")
        .and_then(|s| elf.get(s.offset as usize..(s.offset as usize).checked_add(s.size as usize)?))
        .and_then(Btf::parse);
    if let Some(btf) = btf {
        btf_maps(&btf, &mut out);
    }
    out
}

/// Sections libbpf turns into global data maps (an ARRAY of one value, the section's bytes).
fn is_global_data(name: &str) -> bool {
    let is_or_under = |base: &str| name == base || (name.starts_with(base) && name[base.len()..].starts_with('.'));
    // ".rodata.str1.1"-style string literal sections are not addressable by name
    (is_or_under(".rodata") && !name.starts_with(".rodata.str") && !name.starts_with(".rodata.cst"))
        || is_or_under(".data")
        || is_or_under(".bss")
}

/// The maps of the `.maps` DATASEC: each variable is a struct whose members encode the map
/// (`__uint(type, T)` is a pointer to an array of T elements, `__type(key, K)` a pointer
/// to K).
fn btf_maps(btf: &Btf<'_>, out: &mut Vec<MapDef>) {
    let datasec = btf.ids().filter_map(|id| btf.type_by_id(id)).find(|t| {
        t.kind == btf::KIND_DATASEC && btf.name(t.name_off) == Some(".maps")
    });
    let datasec = match datasec {
        Some(d) => d,
        None => return,
    };
    for i in 0..datasec.vlen {
        let var = match btf.member(&datasec, i).and_then(|(type_id, _, _)| btf.type_by_id(type_id)) {
            Some(v) if v.kind == btf::KIND_VAR => v,
            _ => continue,
        };
        let name = match btf.name(var.name_off) {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => continue,
        };
        if let Some(def) = map_def(btf, name, var.size_or_type) {
            out.retain(|d| d.name != def.name);
            out.push(def);
        }
    }
}

fn map_def(btf: &Btf<'_>, name: String, struct_id: u32) -> Option<MapDef> {
    let st = btf.type_by_id(btf.skip_aliases(struct_id)?)?;
    if st.kind != btf::KIND_STRUCT {
        return None;
    }
    let mut map_type = None;
    let (mut key, mut value, mut key_size, mut value_size) = (None, None, None, None);
    let mut inner_maps = false;
    for i in 0..st.vlen {
        let (name_off, type_id, _) = btf.member(&st, i)?;
        let member = btf.name(name_off).unwrap_or("");
        // Every member is a pointer: to an array (a number) or to a type (a size).
        let ptr = btf.type_by_id(btf.skip_aliases(type_id)?)?;
        if ptr.kind != btf::KIND_PTR {
            continue;
        }
        let target = ptr.size_or_type;
        let number = || btf.type_by_id(btf.skip_aliases(target)?).and_then(|t| btf.array(&t)).map(|(_, n)| n as usize);
        match member {
            "type" => map_type = number(),
            "key_size" => key_size = number(),
            "value_size" => value_size = number(),
            "key" => key = btf.size_of(target).map(|s| s as usize),
            "value" => value = btf.size_of(target).map(|s| s as usize),
            "values" => inner_maps = true, // __array(values, ...): map-in-map or prog array
            _ => {}
        }
    }
    let map_type = map_type? as u32;
    let mut key_size = key.or(key_size);
    let mut value_size = value.or(value_size);
    match map_type {
        // No key or value at all.
        BPF_MAP_TYPE_RINGBUF => return Some(MapDef { name, map_type, key_size: Some(0), value_size: Some(0) }),
        // The kernel creates these only with 4-byte keys (indices) and values (fds, ids), and
        // map-in-map and program arrays declare their values as `__array(values, ...)`.
        BPF_MAP_TYPE_PERF_EVENT_ARRAY | BPF_MAP_TYPE_PROG_ARRAY | BPF_MAP_TYPE_CGROUP_ARRAY
        | BPF_MAP_TYPE_ARRAY_OF_MAPS | BPF_MAP_TYPE_HASH_OF_MAPS => {
            if key_size.unwrap_or(0) == 0 && map_type != BPF_MAP_TYPE_HASH_OF_MAPS {
                key_size = Some(4);
            }
            if value_size.unwrap_or(0) == 0 || inner_maps {
                value_size = Some(4);
            }
        }
        _ => {}
    }
    // A size of 0 is not one the kernel accepts for these: unknown.
    let key_size = key_size.filter(|&s| s > 0);
    let value_size = value_size.filter(|&s| s > 0);
    Some(MapDef { name, map_type, key_size, value_size })
}
