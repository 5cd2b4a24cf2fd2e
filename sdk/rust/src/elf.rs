// SPDX-License-Identifier: MIT
//! Reading a BPF ELF object: its sections (for `maps.rs`), and patching global variables before
//! it is loaded, what C skeletons do with `skel->rodata->x = v`. The variable is found by
//! name in the symbol table; its bytes are in `.rodata`, `.data` or a custom
//! `.rodata.*`/`.data.*` section of the file.

use crate::Error;

const SHT_SYMTAB: u32 = 2;
const SHT_NOBITS: u32 = 8;

struct Section {
    name_off: u32,
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
    entsize: u64,
}

/// A section with its name (see `named_sections`).
pub(crate) struct NamedSection {
    pub name: String,
    pub offset: u64,
    pub size: u64,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

fn sections(elf: &[u8]) -> Option<Vec<Section>> {
    // ELF64, little-endian (what clang -target bpf writes)
    if elf.get(0..4)? != b"\x7fELF" || *elf.get(4)? != 2 || *elf.get(5)? != 1 {
        return None;
    }
    let shoff = u64_at(elf, 0x28)? as usize;
    let shentsize = u16_at(elf, 0x3a)? as usize;
    let shnum = u16_at(elf, 0x3c)? as usize;
    if shentsize != 64 {
        return None;
    }
    let mut out = Vec::with_capacity(shnum);
    for i in 0..shnum {
        let h = shoff.checked_add(i.checked_mul(64)?)?;
        out.push(Section {
            name_off: u32_at(elf, h)?,
            kind: u32_at(elf, h + 4)?,
            offset: u64_at(elf, h + 24)?,
            size: u64_at(elf, h + 32)?,
            link: u32_at(elf, h + 40)?,
            entsize: u64_at(elf, h + 56)?,
        });
    }
    Some(out)
}

/// Every section of the ELF object with its name (from the section header string table).
pub(crate) fn named_sections(elf: &[u8]) -> Option<Vec<NamedSection>> {
    let secs = sections(elf)?;
    let shstrndx = u16_at(elf, 0x3e)? as usize;
    let names = secs.get(shstrndx)?;
    let mut out = Vec::with_capacity(secs.len());
    for s in &secs {
        let start = (names.offset as usize).checked_add(s.name_off as usize)?;
        let rest = elf.get(start..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        let name = String::from_utf8_lossy(&rest[..end]).into_owned();
        out.push(NamedSection { name, offset: s.offset, size: s.size });
    }
    Some(out)
}

/// Where the bytes of global `name` are in the file: (offset, size).
pub(crate) fn find_global(elf: &[u8], name: &str) -> Result<(usize, usize), Error> {
    let bad = Error::new(-crate::errno::EINVAL);
    let secs = sections(elf).ok_or(bad)?;
    let symtab = secs.iter().find(|s| s.kind == SHT_SYMTAB).ok_or(bad)?;
    let strtab = secs.get(symtab.link as usize).ok_or(bad)?;
    let entsize = if symtab.entsize == 0 { 24 } else { symtab.entsize as usize };
    let count = symtab.size as usize / entsize;
    for i in 0..count {
        let at = symtab.offset as usize + i * entsize;
        let name_off = u32_at(elf, at).ok_or(bad)? as usize;
        let shndx = u16_at(elf, at + 6).ok_or(bad)? as usize;
        let value = u64_at(elf, at + 8).ok_or(bad)? as usize;
        let size = u64_at(elf, at + 16).ok_or(bad)? as usize;
        let start = strtab.offset as usize + name_off;
        let rest = elf.get(start..).ok_or(bad)?;
        let end = rest.iter().position(|&c| c == 0).ok_or(bad)?;
        if &rest[..end] != name.as_bytes() || size == 0 {
            continue;
        }
        let sec = secs.get(shndx).ok_or(bad)?;
        if sec.kind == SHT_NOBITS {
            // .bss has no bytes in the file: write it through its map after load
            return Err(Error::new(-crate::errno::ENOTSUP));
        }
        let off = (sec.offset as usize).checked_add(value).ok_or(bad)?;
        if off.checked_add(size).map_or(true, |e| e > elf.len()) || value + size > sec.size as usize {
            return Err(bad);
        }
        return Ok((off, size));
    }
    Err(Error::new(-crate::errno::ENOENT))
}
