// SPDX-License-Identifier: MIT
//! The raw host functions of the `wasm_bpf` import module, with the exact wasm types of the
//! binary contract (docs/abi.md of the wasm-bpf repository): pointers are `u32` offsets
//! into this module's memory, object handles are `u64`.
//!
//! Prefer the safe API of the crate root; these are for callers that manage memory
//! themselves.

/// `cmd` values of [`wasm_bpf_map_operate`].
pub const BPF_MAP_LOOKUP_ELEM: i32 = 1;
pub const BPF_MAP_UPDATE_ELEM: i32 = 2;
pub const BPF_MAP_DELETE_ELEM: i32 = 3;
pub const BPF_MAP_GET_NEXT_KEY: i32 = 4;

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "wasm_bpf")]
extern "C" {
    /// Opens and loads the BPF ELF object at `obj_buf[0..obj_len]`; a handle, 0 on failure.
    pub fn wasm_load_bpf_object(obj_buf: u32, obj_len: i32) -> u64;
    /// Attaches the program named `name` (a C string); `attach_target` 0 or "" attaches by
    /// section name, otherwise it names an interface or a cgroup path (a guest path inside a
    /// preopened directory).
    pub fn wasm_attach_bpf_program(obj: u64, name: u32, attach_target: u32) -> i32;
    /// Attaches a cgroup program to the cgroup directory open as guest fd `target_fd`.
    pub fn wasm_attach_bpf_program_fd(obj: u64, name: u32, target_fd: i32) -> i32;
    /// The fd of the map `name` (a C string) of the object, or a negative errno.
    pub fn wasm_bpf_map_fd_by_name(obj: u64, name: u32) -> i32;
    /// Polls a ring buffer or perf event array; each record is copied to `data` and passed
    /// to the function at table index `sample_func`: `extern "C" fn(ctx: u32, data: u32,
    /// size: u32) -> i32`.
    pub fn wasm_bpf_buffer_poll(
        obj: u64,
        map_fd: i32,
        sample_func: i32,
        ctx: u32,
        data: u32,
        max_size: i32,
        timeout_ms: i32,
    ) -> i32;
    /// Map lookup (1), update (2), delete (3), get next key (4).
    pub fn wasm_bpf_map_operate(map_fd: i32, cmd: i32, key: u32, value: u32, next_key: u32, flags: u64) -> i32;
    /// Detaches every program of the object and closes it.
    pub fn wasm_close_bpf_object(obj: u64) -> i32;
}

/// Outside wasm32 (e.g. `cargo test` on the build machine) every host function fails with
/// -ENOSYS, so that the pure parts of the crate can be tested.
#[cfg(not(target_arch = "wasm32"))]
mod host_stubs {
    const ENOSYS: i32 = 52;
    pub unsafe fn wasm_load_bpf_object(_: u32, _: i32) -> u64 {
        0
    }
    pub unsafe fn wasm_attach_bpf_program(_: u64, _: u32, _: u32) -> i32 {
        -ENOSYS
    }
    pub unsafe fn wasm_attach_bpf_program_fd(_: u64, _: u32, _: i32) -> i32 {
        -ENOSYS
    }
    pub unsafe fn wasm_bpf_map_fd_by_name(_: u64, _: u32) -> i32 {
        -ENOSYS
    }
    pub unsafe fn wasm_bpf_buffer_poll(_: u64, _: i32, _: i32, _: u32, _: u32, _: i32, _: i32) -> i32 {
        -ENOSYS
    }
    pub unsafe fn wasm_bpf_map_operate(_: i32, _: i32, _: u32, _: u32, _: u32, _: u64) -> i32 {
        -ENOSYS
    }
    pub unsafe fn wasm_close_bpf_object(_: u64) -> i32 {
        -ENOSYS
    }
}
#[cfg(not(target_arch = "wasm32"))]
pub use host_stubs::*;
