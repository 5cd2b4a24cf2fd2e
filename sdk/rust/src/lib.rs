// SPDX-License-Identifier: MIT
//! Rust bindings for wasm-bpf guests: a wasm32-wasi program that loads an eBPF object it
//! embeds, attaches its programs, reads its maps and polls its ring buffers through the
//! `wasm_bpf` host functions of `wasm-bpf run`.
//!
//! ```ignore
//! use wasm_bpf_binding::{BpfObject, ObjectBuilder};
//!
//! static OBJECT: &[u8] = include_bytes!("bootstrap.bpf.o");
//!
//! let mut builder = ObjectBuilder::from_bytes(OBJECT);
//! builder.set_global("min_duration_ns", &100_000_000u64.to_ne_bytes())?; // before load
//! let object: BpfObject = builder.load()?;
//! object.attach("handle_exec")?;
//! let mut events = object.buffer("rb")?;
//! loop {
//!     events.poll(100, |record| { println!("{} bytes", record.len()); 0 })?;
//! }
//! ```
//!
//! Polling passes a closure to the host through a trampoline function: the host calls the
//! function at a *table index*, so the module must export its function table. Link with
//! `-C link-arg=--export-table` (see examples/bootstrap-rs/.cargo/config.toml).

use std::ffi::CString;
use std::fmt;

mod btf;
mod elf;
pub mod maps;
pub mod sys;

pub use maps::MapDef;

/// Errno values in the guest's (WASI) numbering, as the host returns them (negated).
pub mod errno {
    pub const E2BIG: i32 = 1;
    pub const EAGAIN: i32 = 6;
    pub const EBADF: i32 = 8;
    pub const EEXIST: i32 = 20;
    pub const EFAULT: i32 = 21;
    pub const EINTR: i32 = 27;
    pub const EINVAL: i32 = 28;
    pub const ENODEV: i32 = 43;
    pub const ENOENT: i32 = 44;
    pub const ENOMEM: i32 = 48;
    pub const ENOSYS: i32 = 52;
    pub const ENOTSUP: i32 = 58;
    pub const EPERM: i32 = 63;
}

/// A failed host call: `code` is a negative errno (see [`errno`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    code: i32,
}

impl Error {
    pub fn new(code: i32) -> Self {
        Error { code }
    }
    /// The negative errno.
    pub fn code(&self) -> i32 {
        self.code
    }
    /// The poll was interrupted (Ctrl-C, or the runtime is stopping the guest).
    pub fn is_interrupted(&self) -> bool {
        self.code == -errno::EINTR
    }
    /// The key or element does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code == -errno::ENOENT
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match -self.code {
            errno::E2BIG => "argument list too long",
            errno::EAGAIN => "try again (not loaded yet?)",
            errno::EBADF => "bad handle or fd",
            errno::EEXIST => "already exists",
            errno::EFAULT => "bad address",
            errno::EINTR => "interrupted",
            errno::EINVAL => "invalid argument",
            errno::ENODEV => "no such device",
            errno::ENOENT => "not found",
            errno::ENOMEM => "out of memory",
            errno::ENOSYS => "not supported by the host",
            errno::ENOTSUP => "not supported",
            errno::EPERM => "operation not permitted",
            _ => "error",
        };
        write!(f, "{} (errno {})", name, -self.code)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn check(ret: i32) -> Result<i32> {
    if ret < 0 {
        Err(Error::new(ret))
    } else {
        Ok(ret)
    }
}

fn c_string(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(-errno::EINVAL))
}

/// Plain data that may be copied to and from maps byte for byte: integers, arrays of them,
/// and `#[repr(C)]` structs of such fields with the BPF layout.
///
/// # Safety
/// Every bit pattern must be a valid value of the type, and it must have no padding the
/// BPF side would not expect.
pub unsafe trait Plain: Copy + 'static {}

macro_rules! plain {
    ($($t:ty),*) => { $(unsafe impl Plain for $t {})* };
}
plain!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

fn bytes_of<T: Plain>(v: &T) -> &[u8] {
    // SAFETY: T is Plain: any byte view of it is fine.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }
}

fn bytes_of_mut<T: Plain>(v: &mut T) -> &mut [u8] {
    // SAFETY: T is Plain: every byte pattern written is a valid T.
    unsafe { std::slice::from_raw_parts_mut(v as *mut T as *mut u8, std::mem::size_of::<T>()) }
}

/// Reads a `T` from the start of `bytes` (e.g. a ring buffer record); None if too short.
pub fn read_plain<T: Plain>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < std::mem::size_of::<T>() {
        return None;
    }
    // SAFETY: T is Plain and the source holds size_of::<T>() bytes; read_unaligned copes with
    // any alignment.
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr() as *const T) })
}

/// A BPF ELF object before it is loaded: global variables in `.rodata` and `.data` can be
/// changed here, in the object's bytes, the way C skeletons write `skel->rodata->x`.
pub struct ObjectBuilder {
    bytes: Vec<u8>,
}

impl ObjectBuilder {
    /// Copies the object (usually `include_bytes!` of a `.bpf.o`).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        ObjectBuilder { bytes: bytes.to_vec() }
    }

    /// Sets global variable `name` (a `const volatile` in `.rodata`, or a variable in
    /// `.data`) to `value`, which must have exactly the variable's size. Variables in `.bss`
    /// have no bytes in the file: set those after load through the `.bss` map.
    pub fn set_global(&mut self, name: &str, value: &[u8]) -> Result<()> {
        let (off, size) = elf::find_global(&self.bytes, name)?;
        if size != value.len() {
            return Err(Error::new(-errno::EINVAL));
        }
        self.bytes[off..off + size].copy_from_slice(value);
        Ok(())
    }

    /// [`set_global`](Self::set_global) for a plain value.
    pub fn set_global_value<T: Plain>(&mut self, name: &str, value: &T) -> Result<()> {
        self.set_global(name, bytes_of(value))
    }

    /// The current bytes of global `name`.
    pub fn global(&self, name: &str) -> Result<&[u8]> {
        let (off, size) = elf::find_global(&self.bytes, name)?;
        Ok(&self.bytes[off..off + size])
    }

    /// Loads the object into the kernel (through the host).
    pub fn load(self) -> Result<BpfObject> {
        BpfObject::load(&self.bytes)
    }
}

/// A BPF object loaded by the host. Dropping it detaches its programs and closes it.
pub struct BpfObject {
    handle: u64,
    maps: Vec<MapDef>, // what the object says about its maps: the sizes the host will copy
}

impl BpfObject {
    /// Loads the ELF object `bytes`. The host reports no reason on failure (`-EINVAL` here);
    /// `wasm-bpf run -v` shows libbpf's log.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        // SAFETY: the host reads bytes[0..len) during the call.
        let handle = unsafe { sys::wasm_load_bpf_object(bytes.as_ptr() as usize as u32, bytes.len() as i32) };
        if handle == 0 {
            Err(Error::new(-errno::EINVAL))
        } else {
            Ok(BpfObject { handle, maps: maps::map_defs(bytes) })
        }
    }

    /// The maps the object defines, with their key and value sizes.
    pub fn map_defs(&self) -> &[MapDef] {
        &self.maps
    }

    /// The host's handle of this object.
    pub fn handle(&self) -> u64 {
        self.handle
    }

    /// Attaches program `program` (its C function name) where its section says
    /// (tracepoints, kprobes, uprobes with a path, tp_btf, ...).
    pub fn attach(&self, program: &str) -> Result<()> {
        let name = c_string(program)?;
        // SAFETY: a NUL-terminated string that lives through the call.
        check(unsafe { sys::wasm_attach_bpf_program(self.handle, name.as_ptr() as usize as u32, 0) }).map(|_| ())
    }

    /// Attaches program `program` to `target`: an interface for xdp, tc ("IFNAME" or
    /// "IFNAME:egress") and socket filters, a cgroup path for cgroup programs (a guest path,
    /// inside a directory preopened with `wasm-bpf run --dir`, else ENOTCAPABLE).
    pub fn attach_to(&self, program: &str, target: &str) -> Result<()> {
        let name = c_string(program)?;
        let target = c_string(target)?;
        // SAFETY: NUL-terminated strings that live through the call.
        check(unsafe {
            sys::wasm_attach_bpf_program(self.handle, name.as_ptr() as usize as u32, target.as_ptr() as usize as u32)
        })
        .map(|_| ())
    }

    /// Attaches cgroup program `program` to the cgroup directory open as `cgroup_fd` (a
    /// directory preopened with `wasm-bpf run --dir`).
    pub fn attach_cgroup_fd(&self, program: &str, cgroup_fd: i32) -> Result<()> {
        let name = c_string(program)?;
        // SAFETY: a NUL-terminated string that lives through the call.
        check(unsafe { sys::wasm_attach_bpf_program_fd(self.handle, name.as_ptr() as usize as u32, cgroup_fd) })
            .map(|_| ())
    }

    /// The map called `name` (".rodata", ".data", ".bss" for global data).
    pub fn map(&self, name: &str) -> Result<Map<'_>> {
        let cname = c_string(name)?;
        // SAFETY: a NUL-terminated string that lives through the call.
        let fd = check(unsafe { sys::wasm_bpf_map_fd_by_name(self.handle, cname.as_ptr() as usize as u32) })?;
        Ok(Map { _object: self, fd, def: self.maps.iter().find(|d| d.name == name).cloned() })
    }

    /// A poller of the ring buffer or perf event array called `map_name`. The host starts
    /// reading the map at once (perf event records are only kept from then on); records
    /// already waiting are kept for the first [`Buffer::poll`].
    pub fn buffer(&self, map_name: &str) -> Result<Buffer<'_>> {
        let map = self.map(map_name)?;
        let fd = map.fd;
        let mut buffer = Buffer { object: self, fd, data: vec![0u8; Buffer::DEFAULT_MAX_RECORD], pending: Vec::new() };
        let mut early = Vec::new();
        buffer.poll_host(0, &mut |record: &[u8]| {
            early.push(record.to_vec());
            0
        })?;
        buffer.pending = early;
        Ok(buffer)
    }
}

impl Drop for BpfObject {
    fn drop(&mut self) {
        // SAFETY: the handle is ours and closed once.
        unsafe {
            sys::wasm_close_bpf_object(self.handle);
        }
    }
}

/// A map of a loaded object.
///
/// The host copies a whole key and a whole value of the map's sizes between the kernel and
/// guest memory, so every key and value passed here must have exactly those sizes (read from
/// the object: [`MapDef`]); others are refused with `-EINVAL` before the host is called.
/// Maps whose sizes the object does not tell for sure are refused with `-ENOTSUP`, and so
/// are lookups and updates of per-CPU maps: their values hold one entry per possible CPU of
/// the host, a number the guest cannot know (use [`Map::lookup_bytes_unchecked`]).
pub struct Map<'a> {
    _object: &'a BpfObject,
    fd: i32,
    def: Option<MapDef>,
}

impl<'a> Map<'a> {
    pub fn fd(&self) -> i32 {
        self.fd
    }

    /// What the object says about this map (None: not defined in the object's BTF or ELF
    /// sections as this crate reads them).
    pub fn def(&self) -> Option<&MapDef> {
        self.def.as_ref()
    }

    fn operate(&self, cmd: i32, key: *const u8, value: *mut u8, next_key: *mut u8, flags: u64) -> i32 {
        // SAFETY: the callers pass buffers of at least the map's key and value sizes, or null
        // where the command takes none (the host checks them against guest memory too).
        unsafe {
            sys::wasm_bpf_map_operate(
                self.fd,
                cmd,
                key as usize as u32,
                value as usize as u32,
                next_key as usize as u32,
                flags,
            )
        }
    }

    /// Ok if `key` has the map's key size.
    fn check_key(&self, key: &[u8]) -> Result<()> {
        match self.def.as_ref().and_then(|d| d.key_size) {
            None => Err(Error::new(-errno::ENOTSUP)),
            Some(size) if size == key.len() => Ok(()),
            Some(_) => Err(Error::new(-errno::EINVAL)),
        }
    }

    /// Ok if `key` and `value` have the map's sizes and the host copies exactly that much.
    fn check_key_value(&self, key: &[u8], value: &[u8]) -> Result<()> {
        self.check_key(key)?;
        let def = self.def.as_ref().ok_or(Error::new(-errno::ENOTSUP))?;
        if def.is_per_cpu() {
            return Err(Error::new(-errno::ENOTSUP));
        }
        match def.value_size {
            None => Err(Error::new(-errno::ENOTSUP)),
            Some(size) if size == value.len() => Ok(()),
            Some(_) => Err(Error::new(-errno::EINVAL)),
        }
    }

    fn found(ret: i32) -> Result<bool> {
        match check(ret) {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Copies the value of `key` into `value` (both exactly the map's sizes); Ok(false) if
    /// the key is not there.
    pub fn lookup_bytes(&self, key: &[u8], value: &mut [u8]) -> Result<bool> {
        self.check_key_value(key, value)?;
        Self::found(self.operate(sys::BPF_MAP_LOOKUP_ELEM, key.as_ptr(), value.as_mut_ptr(), std::ptr::null_mut(), 0))
    }

    /// [`lookup_bytes`](Self::lookup_bytes) without the size checks, for per-CPU maps and
    /// maps this crate cannot size.
    ///
    /// # Safety
    /// `key` must hold at least the map's key size and `value` at least what the host writes:
    /// the value size, or for per-CPU maps the value size rounded up to 8, times the number
    /// of possible CPUs of the host.
    pub unsafe fn lookup_bytes_unchecked(&self, key: &[u8], value: &mut [u8]) -> Result<bool> {
        Self::found(self.operate(sys::BPF_MAP_LOOKUP_ELEM, key.as_ptr(), value.as_mut_ptr(), std::ptr::null_mut(), 0))
    }

    /// Sets `key` to `value` (both exactly the map's sizes); `flags` is BPF_ANY (0),
    /// BPF_NOEXIST (1) or BPF_EXIST (2).
    pub fn update_bytes(&self, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
        self.check_key_value(key, value)?;
        check(self.operate(sys::BPF_MAP_UPDATE_ELEM, key.as_ptr(), value.as_ptr() as *mut u8, std::ptr::null_mut(), flags))
            .map(|_| ())
    }

    /// [`update_bytes`](Self::update_bytes) without the size checks.
    ///
    /// # Safety
    /// `key` and `value` must hold at least what the host reads (see
    /// [`lookup_bytes_unchecked`](Self::lookup_bytes_unchecked)).
    pub unsafe fn update_bytes_unchecked(&self, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
        check(self.operate(sys::BPF_MAP_UPDATE_ELEM, key.as_ptr(), value.as_ptr() as *mut u8, std::ptr::null_mut(), flags))
            .map(|_| ())
    }

    /// Deletes `key` (exactly the map's key size); Ok(false) if it was not there.
    pub fn delete_bytes(&self, key: &[u8]) -> Result<bool> {
        self.check_key(key)?;
        Self::found(self.operate(sys::BPF_MAP_DELETE_ELEM, key.as_ptr(), std::ptr::null_mut(), std::ptr::null_mut(), 0))
    }

    /// The key after `key` (None: the first key) into `next`, both exactly the map's key size;
    /// Ok(false) after the last one.
    pub fn next_key_bytes(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<bool> {
        self.check_key(next)?;
        if let Some(k) = key {
            self.check_key(k)?;
        }
        let k = key.map_or(std::ptr::null(), |k| k.as_ptr());
        Self::found(self.operate(sys::BPF_MAP_GET_NEXT_KEY, k, std::ptr::null_mut(), next.as_mut_ptr(), 0))
    }

    /// The value of `key`, if any. `K` and `V` must have the map's key and value sizes.
    pub fn lookup<K: Plain, V: Plain>(&self, key: &K) -> Result<Option<V>> {
        // SAFETY: V is Plain: all-zero bytes are a valid V until the host fills it in.
        let mut value: V = unsafe { std::mem::zeroed() };
        Ok(if self.lookup_bytes(bytes_of(key), bytes_of_mut(&mut value))? { Some(value) } else { None })
    }

    pub fn update<K: Plain, V: Plain>(&self, key: &K, value: &V, flags: u64) -> Result<()> {
        self.update_bytes(bytes_of(key), bytes_of(value), flags)
    }

    pub fn delete<K: Plain>(&self, key: &K) -> Result<bool> {
        self.delete_bytes(bytes_of(key))
    }

    /// Iterates over the keys (with the host's get-next-key); deleting the current key while
    /// iterating restarts from the first key, as with libbpf. `K` must have the map's key
    /// size (else the first item is the error).
    pub fn keys<K: Plain>(&self) -> Keys<'_, 'a, K> {
        Keys { map: self, last: None, done: false }
    }
}

/// Iterator of [`Map::keys`].
pub struct Keys<'m, 'a, K: Plain> {
    map: &'m Map<'a>,
    last: Option<K>,
    done: bool,
}

impl<'m, 'a, K: Plain> Iterator for Keys<'m, 'a, K> {
    type Item = Result<K>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        // SAFETY: K is Plain: all-zero bytes are a valid K until the host fills it in.
        let mut next: K = unsafe { std::mem::zeroed() };
        let found = match &self.last {
            Some(k) => self.map.next_key_bytes(Some(bytes_of(k)), bytes_of_mut(&mut next)),
            None => self.map.next_key_bytes(None, bytes_of_mut(&mut next)),
        };
        match found {
            Ok(true) => {
                self.last = Some(next);
                Some(Ok(next))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Polls a ring buffer or perf event array of a loaded object.
pub struct Buffer<'a> {
    object: &'a BpfObject,
    fd: i32,
    data: Vec<u8>,
    pending: Vec<Vec<u8>>, // records read while the buffer was being set up
}

type Callback<'c> = &'c mut dyn FnMut(&[u8]) -> i32;

/// Called by the host through the function table for every record; `ctx` is the address of
/// the closure being polled with.
extern "C" fn trampoline(ctx: u32, data: u32, size: u32) -> i32 {
    // SAFETY: ctx is the address of a `Callback` on the stack of `Buffer::poll`, which is
    // still running (the host calls back synchronously); data[0..size) is in our buffer.
    unsafe {
        let callback = &mut *(ctx as usize as *mut Callback<'_>);
        let record = std::slice::from_raw_parts(data as usize as *const u8, size as usize);
        callback(record)
    }
}

impl<'a> Buffer<'a> {
    /// The longest record passed on whole; longer ones are cut (see `set_max_record_size`).
    pub const DEFAULT_MAX_RECORD: usize = 64 * 1024;

    pub fn set_max_record_size(&mut self, size: usize) {
        self.data.resize(size.max(1), 0);
    }

    /// Waits up to `timeout_ms` (negative: until a record arrives) and passes every record,
    /// in order, to `callback`; a negative return from it stops the poll and is returned as
    /// the error. Ok(number of records), Ok(0) on timeout.
    pub fn poll<F: FnMut(&[u8]) -> i32>(&mut self, timeout_ms: i32, mut callback: F) -> Result<usize> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            for (i, record) in pending.iter().enumerate() {
                let status = callback(record);
                if status < 0 {
                    self.pending = pending[i + 1..].to_vec();
                    return Err(Error::new(status));
                }
            }
            return Ok(pending.len());
        }
        self.poll_host(timeout_ms, &mut callback)
    }

    fn poll_host(&mut self, timeout_ms: i32, callback: &mut dyn FnMut(&[u8]) -> i32) -> Result<usize> {
        let mut cb: Callback<'_> = callback;
        let ctx = &mut cb as *mut Callback<'_> as usize as u32;
        // On wasm32 a function pointer is the function's index in the module's table.
        let sample = trampoline as extern "C" fn(u32, u32, u32) -> i32 as usize as i32;
        // SAFETY: ctx and data outlive the call; the host writes at most data.len() bytes.
        let n = unsafe {
            sys::wasm_bpf_buffer_poll(
                self.object.handle,
                self.fd,
                sample,
                ctx,
                self.data.as_mut_ptr() as usize as u32,
                self.data.len() as i32,
                timeout_ms,
            )
        };
        check(n).map(|n| n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_names_the_errno() {
        assert_eq!(Error::new(-errno::ENOENT).to_string(), "not found (errno 44)");
        assert!(Error::new(-errno::EINTR).is_interrupted());
    }

    #[test]
    fn read_plain_needs_enough_bytes() {
        assert_eq!(read_plain::<u32>(&[1, 0, 0, 0, 9]), Some(1));
        assert_eq!(read_plain::<u64>(&[1, 2, 3]), None);
    }

    /// With WASM_BPF_TEST_OBJECT naming examples/bootstrap's bootstrap.bpf.o (the ctest
    /// run sets it): its .rodata global can be read and patched, unknown names are ENOENT.
    #[test]
    fn set_global_patches_rodata_of_a_real_object() {
        let path = match std::env::var("WASM_BPF_TEST_OBJECT") {
            Ok(p) => p,
            Err(_) => return,
        };
        let bytes = std::fs::read(path).expect("the test object");
        let mut b = ObjectBuilder::from_bytes(&bytes);
        assert_eq!(b.global("min_duration_ns").unwrap(), &[0u8; 8]);
        b.set_global_value("min_duration_ns", &0x0102_0304_0506_0708u64).unwrap();
        assert_eq!(b.global("min_duration_ns").unwrap(), &0x0102_0304_0506_0708u64.to_ne_bytes());
        assert_eq!(b.set_global("min_duration_ns", &[1, 2]), Err(Error::new(-errno::EINVAL)));
        assert_eq!(b.set_global("no_such_global", &[0]), Err(Error::new(-errno::ENOENT)));
    }

    /// A loaded object as far as the safe API can tell (the host calls are stubs here: they
    /// fail with -ENOSYS, which shows that a call got past the checks).
    fn object_with(maps: Vec<MapDef>) -> BpfObject {
        BpfObject { handle: 7, maps }
    }

    fn def(name: &str, map_type: u32, key: Option<usize>, value: Option<usize>) -> MapDef {
        MapDef { name: name.to_string(), map_type, key_size: key, value_size: value }
    }

    fn map_of<'a>(object: &'a BpfObject, name: &str) -> Map<'a> {
        Map { _object: object, fd: 3, def: object.maps.iter().find(|d| d.name == name).cloned() }
    }

    const EINVAL: Error = Error { code: -errno::EINVAL };
    const ENOTSUP: Error = Error { code: -errno::ENOTSUP };
    const ENOSYS: Error = Error { code: -errno::ENOSYS };

    #[test]
    fn typed_map_calls_need_the_map_sizes() {
        let object = object_with(vec![def("h", maps::BPF_MAP_TYPE_HASH, Some(4), Some(8))]);
        let map = map_of(&object, "h");
        // an 8-byte value would be written into a 1-byte local
        assert_eq!(map.lookup::<u32, u8>(&1), Err(EINVAL));
        assert_eq!(map.lookup::<u16, u64>(&1), Err(EINVAL));
        assert_eq!(map.update::<u32, [u8; 4]>(&1, &[0; 4], 0), Err(EINVAL));
        assert_eq!(map.delete::<u64>(&1), Err(EINVAL));
        assert_eq!(map.keys::<u8>().next(), Some(Err(EINVAL)));
        // the right sizes reach the host
        assert_eq!(map.lookup::<u32, u64>(&1), Err(ENOSYS));
        assert_eq!(map.update::<u32, u64>(&1, &2, 0), Err(ENOSYS));
        assert_eq!(map.delete::<u32>(&1), Err(ENOSYS));
        assert_eq!(map.keys::<u32>().next(), Some(Err(ENOSYS)));
    }

    #[test]
    fn byte_map_calls_need_the_map_sizes() {
        let object = object_with(vec![def("h", maps::BPF_MAP_TYPE_HASH, Some(4), Some(8))]);
        let map = map_of(&object, "h");
        let mut small = [0u8; 1];
        let mut value = [0u8; 8];
        let mut next = [0u8; 4];
        assert_eq!(map.lookup_bytes(&[0; 4], &mut small), Err(EINVAL));
        assert_eq!(map.lookup_bytes(&[0; 3], &mut value), Err(EINVAL));
        assert_eq!(map.lookup_bytes(&[0; 4], &mut [0u8; 16]), Err(EINVAL));
        assert_eq!(map.next_key_bytes(None, &mut small), Err(EINVAL));
        assert_eq!(map.next_key_bytes(Some(&[0; 2]), &mut next), Err(EINVAL));
        assert_eq!(map.update_bytes(&[0; 4], &[0; 7], 0), Err(EINVAL));
        assert_eq!(map.delete_bytes(&[0; 5]), Err(EINVAL));
        assert_eq!(map.lookup_bytes(&[0; 4], &mut value), Err(ENOSYS));
        assert_eq!(map.next_key_bytes(None, &mut next), Err(ENOSYS));
        assert_eq!(map.next_key_bytes(Some(&[0; 4]), &mut next), Err(ENOSYS));
    }

    #[test]
    fn per_cpu_and_unknown_maps_are_refused() {
        let object = object_with(vec![
            def("pc", maps::BPF_MAP_TYPE_PERCPU_ARRAY, Some(4), Some(8)),
            def("unsized", maps::BPF_MAP_TYPE_HASH, Some(4), None),
        ]);
        let pc = map_of(&object, "pc");
        // a per-CPU lookup writes one value per possible CPU of the host
        assert_eq!(pc.lookup::<u32, u64>(&0), Err(ENOTSUP));
        assert_eq!(pc.update::<u32, u64>(&0, &1, 0), Err(ENOTSUP));
        assert_eq!(pc.keys::<u32>().next(), Some(Err(ENOSYS))); // keys are plain
        let mut many = [0u8; 8 * 64];
        // SAFETY: the stub host writes nothing.
        assert_eq!(unsafe { pc.lookup_bytes_unchecked(&[0; 4], &mut many) }, Err(ENOSYS));
        let unsized_map = map_of(&object, "unsized");
        assert_eq!(unsized_map.lookup::<u32, u64>(&0), Err(ENOTSUP));
        assert_eq!(unsized_map.delete::<u32>(&0), Err(ENOSYS));
        let unknown = map_of(&object, "not_in_the_object");
        assert_eq!(unknown.delete::<u32>(&0), Err(ENOTSUP));
        assert_eq!(unknown.lookup::<u32, u32>(&0), Err(ENOTSUP));
    }

    fn find<'d>(defs: &'d [MapDef], name: &str) -> &'d MapDef {
        defs.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("no map {} in {:?}", name, defs))
    }

    /// examples/bootstrap's object (WASM_BPF_TEST_OBJECT, set by the ctest run).
    #[test]
    fn map_sizes_of_the_bootstrap_object() {
        let path = match std::env::var("WASM_BPF_TEST_OBJECT") {
            Ok(p) => p,
            Err(_) => return,
        };
        let defs = maps::map_defs(&std::fs::read(path).expect("the test object"));
        assert_eq!(find(&defs, "exec_start"), &def("exec_start", maps::BPF_MAP_TYPE_HASH, Some(4), Some(8)));
        assert_eq!(find(&defs, "rb"), &def("rb", maps::BPF_MAP_TYPE_RINGBUF, Some(0), Some(0)));
        assert_eq!(find(&defs, ".rodata"), &def(".rodata", maps::BPF_MAP_TYPE_ARRAY, Some(4), Some(8)));
    }

    /// sdk/c/tests/check.bpf.o (WASM_BPF_TEST_CHECK_OBJECT): struct values, global data of
    /// every kind, sizes left out or given as numbers, a per-CPU map.
    #[test]
    fn map_sizes_of_the_sdk_check_object() {
        let path = match std::env::var("WASM_BPF_TEST_CHECK_OBJECT") {
            Ok(p) => p,
            Err(_) => return,
        };
        let defs = maps::map_defs(&std::fs::read(path).expect("the test object"));
        assert_eq!(find(&defs, "values"), &def("values", maps::BPF_MAP_TYPE_HASH, Some(4), Some(40)));
        assert_eq!(find(&defs, "events"), &def("events", maps::BPF_MAP_TYPE_RINGBUF, Some(0), Some(0)));
        assert_eq!(find(&defs, "perf_events"), &def("perf_events", maps::BPF_MAP_TYPE_PERF_EVENT_ARRAY, Some(4), Some(4)));
        assert_eq!(find(&defs, "per_cpu"), &def("per_cpu", maps::BPF_MAP_TYPE_PERCPU_ARRAY, Some(4), Some(8)));
        assert!(find(&defs, "per_cpu").is_per_cpu());
        assert_eq!(find(&defs, "sized"), &def("sized", 9, Some(6), Some(12)));
        assert_eq!(find(&defs, ".rodata"), &def(".rodata", maps::BPF_MAP_TYPE_ARRAY, Some(4), Some(40)));
        assert_eq!(find(&defs, ".data"), &def(".data", maps::BPF_MAP_TYPE_ARRAY, Some(4), Some(16)));
        assert_eq!(find(&defs, ".bss"), &def(".bss", maps::BPF_MAP_TYPE_ARRAY, Some(4), Some(16)));
        assert_eq!(defs.len(), 8, "{:?}", defs);
    }

    #[test]
    fn map_defs_of_bad_bytes_are_empty() {
        assert!(maps::map_defs(b"not an object").is_empty());
        assert!(maps::map_defs(&[]).is_empty());
        let mut elf = b"\x7fELF\x02\x01".to_vec();
        elf.resize(64, 0xff);
        assert!(maps::map_defs(&elf).is_empty());
        // a corrupted copy of a real object must not panic
        if let Ok(path) = std::env::var("WASM_BPF_TEST_CHECK_OBJECT") {
            let bytes = std::fs::read(path).expect("the test object");
            for step in [1usize, 7, 61] {
                let mut bad = bytes.clone();
                for i in (0..bad.len()).step_by(step) {
                    bad[i] = bad[i].wrapping_mul(31).wrapping_add(i as u8);
                }
                let _ = maps::map_defs(&bad);
                let _ = maps::map_defs(&bytes[..bytes.len() / 2]);
            }
        }
    }

    #[test]
    fn set_global_rejects_non_elf() {
        let mut b = ObjectBuilder::from_bytes(b"not an object");
        assert_eq!(b.set_global("x", &[0]), Err(Error::new(-errno::EINVAL)));
    }
}
