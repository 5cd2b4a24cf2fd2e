// SPDX-License-Identifier: MIT
//! A minimal reader of the BTF (`.BTF` section) of a BPF object: enough to find the maps it
//! defines and the sizes of their keys and values (see `maps.rs`). Malformed input gives
//! `None`, never a panic: the bytes come from whoever built the module.

const BTF_MAGIC: u16 = 0xeb9f;

pub(crate) const KIND_INT: u32 = 1;
pub(crate) const KIND_PTR: u32 = 2;
pub(crate) const KIND_ARRAY: u32 = 3;
pub(crate) const KIND_STRUCT: u32 = 4;
pub(crate) const KIND_UNION: u32 = 5;
pub(crate) const KIND_ENUM: u32 = 6;
const KIND_FWD: u32 = 7;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
pub(crate) const KIND_VAR: u32 = 14;
pub(crate) const KIND_DATASEC: u32 = 15;
const KIND_FLOAT: u32 = 16;
const KIND_DECL_TAG: u32 = 17;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;

/// One BTF type: its common header and where its kind-specific data starts.
#[derive(Clone, Copy)]
pub(crate) struct Type {
    pub name_off: u32,
    pub kind: u32,
    pub vlen: u32,
    /// `size` for sized kinds, `type` for the others.
    pub size_or_type: u32,
    extra: usize, // offset in Btf::types of the data after the 12-byte header
}

pub(crate) struct Btf<'a> {
    types: &'a [u8],
    strings: &'a [u8],
    index: Vec<Type>, // index[id - 1]
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

impl<'a> Btf<'a> {
    /// Parses the contents of a `.BTF` section (little-endian, as clang writes it for bpfel).
    pub(crate) fn parse(data: &'a [u8]) -> Option<Self> {
        if u16_at(data, 0)? != BTF_MAGIC {
            return None;
        }
        let hdr_len = u32_at(data, 4)? as usize;
        let type_off = u32_at(data, 8)? as usize;
        let type_len = u32_at(data, 12)? as usize;
        let str_off = u32_at(data, 16)? as usize;
        let str_len = u32_at(data, 20)? as usize;
        let types_start = hdr_len.checked_add(type_off)?;
        let strings_start = hdr_len.checked_add(str_off)?;
        let types = data.get(types_start..types_start.checked_add(type_len)?)?;
        let strings = data.get(strings_start..strings_start.checked_add(str_len)?)?;
        let mut index = Vec::new();
        let mut at = 0usize;
        while at < types.len() {
            let name_off = u32_at(types, at)?;
            let info = u32_at(types, at + 4)?;
            let size_or_type = u32_at(types, at + 8)?;
            let kind = (info >> 24) & 0x1f;
            let vlen = info & 0xffff;
            let extra = at + 12;
            let vlen = vlen as usize;
            let data_len = match kind {
                KIND_INT => 4,
                KIND_PTR | KIND_FWD | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_FUNC
                | KIND_FLOAT | KIND_TYPE_TAG => 0,
                KIND_ARRAY => 12,
                KIND_STRUCT | KIND_UNION | KIND_DATASEC => 12 * vlen,
                KIND_ENUM | KIND_FUNC_PROTO => 8 * vlen,
                KIND_VAR | KIND_DECL_TAG => 4,
                KIND_ENUM64 => 12 * vlen,
                _ => return None, // a kind this reader does not know: cannot skip it
            };
            index.push(Type { name_off, kind, vlen: vlen as u32, size_or_type, extra });
            at = extra.checked_add(data_len)?;
            if at > types.len() {
                return None;
            }
        }
        Some(Btf { types, strings, index })
    }

    pub(crate) fn type_by_id(&self, id: u32) -> Option<Type> {
        if id == 0 {
            return None;
        }
        self.index.get(id as usize - 1).copied()
    }

    pub(crate) fn name(&self, off: u32) -> Option<&'a str> {
        let rest = self.strings.get(off as usize..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        std::str::from_utf8(&rest[..end]).ok()
    }

    /// Ids of all types, in order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = u32> {
        1..=self.index.len() as u32
    }

    /// The `i`th (name_off, type, offset) triple of a struct/union member list or of a
    /// DATASEC's variables (offset is in bits for members, bytes for variables).
    pub(crate) fn member(&self, t: &Type, i: u32) -> Option<(u32, u32, u32)> {
        if i >= t.vlen {
            return None;
        }
        let at = t.extra + 12 * i as usize;
        Some((u32_at(self.types, at)?, u32_at(self.types, at + 4)?, u32_at(self.types, at + 8)?))
    }

    /// (element type, number of elements) of an ARRAY.
    pub(crate) fn array(&self, t: &Type) -> Option<(u32, u32)> {
        if t.kind != KIND_ARRAY {
            return None;
        }
        Some((u32_at(self.types, t.extra)?, u32_at(self.types, t.extra + 8)?))
    }

    /// Follows typedefs and qualifiers.
    pub(crate) fn skip_aliases(&self, mut id: u32) -> Option<u32> {
        for _ in 0..64 {
            let t = self.type_by_id(id)?;
            match t.kind {
                KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG => id = t.size_or_type,
                _ => return Some(id),
            }
        }
        None
    }

    /// The size in bytes of type `id` (as libbpf's btf__resolve_size computes it).
    pub(crate) fn size_of(&self, id: u32) -> Option<u64> {
        let id = self.skip_aliases(id)?;
        let t = self.type_by_id(id)?;
        match t.kind {
            KIND_INT | KIND_STRUCT | KIND_UNION | KIND_ENUM | KIND_ENUM64 | KIND_FLOAT | KIND_DATASEC => {
                Some(t.size_or_type as u64)
            }
            KIND_PTR => Some(8),
            KIND_ARRAY => {
                let (elem, n) = self.array(&t)?;
                self.size_of(elem)?.checked_mul(n as u64)
            }
            _ => None,
        }
    }
}
