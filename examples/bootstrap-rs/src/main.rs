// SPDX-License-Identifier: MIT
//! bootstrap in Rust: the same tool as examples/bootstrap (C), on the wasm-bpf-binding
//! crate: prints EXEC lines when processes start programs and EXIT lines when they end.
//!
//!   wasm-bpf run bootstrap-rs.wasm [-d MIN_DURATION_MS] [-v]
//!
//! The BPF object is examples/bootstrap/bootstrap.bpf.c compiled by the build, embedded at
//! build time: `wasm_bpf_add_example(... RUST_CRATE ...)` and `wasm-bpf build X.bpf.c --cargo
//! DIR` set WASM_BPF_OBJECT to its path.
use std::process::exit;
use std::time::{SystemTime, UNIX_EPOCH};

use wasm_bpf_binding::{read_plain, ObjectBuilder, Plain};

static BPF_OBJECT: &[u8] = include_bytes!(env!("WASM_BPF_OBJECT"));

/// struct event of examples/bootstrap/bootstrap.h, with its BPF layout (168 bytes).
#[repr(C, packed)]
#[derive(Clone, Copy)]
struct Event {
    pid: i32,
    ppid: i32,
    exit_code: u32,
    _pad0: [u8; 4],
    duration_ns: u64,
    comm: [u8; 16],
    filename: [u8; 127],
    exit_event: u8,
}
// SAFETY: integers and byte arrays only; every bit pattern is valid.
unsafe impl Plain for Event {}
const _: () = assert!(std::mem::size_of::<Event>() == 168);

fn c_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// HH:MM:SS of the current time (UTC: WASI has no time zones).
fn now_hms() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("{:02}:{:02}:{:02}", secs / 3600 % 24, secs / 60 % 60, secs % 60)
}

fn usage() {
    println!("bootstrap-rs: trace process starts and exits\n");
    println!("USAGE: bootstrap-rs [-d MIN_DURATION_MS] [-v]");
}

fn main() {
    let mut min_duration_ms: u64 = 0;
    let mut verbose = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-d" | "--duration" => match args.next().and_then(|v| v.parse().ok()) {
                Some(ms) => min_duration_ms = ms,
                None => {
                    eprintln!("bootstrap-rs: -d needs a number of milliseconds");
                    exit(2);
                }
            },
            "-v" | "--verbose" => verbose = true,
            "-h" | "--help" => {
                usage();
                return;
            }
            _ => {
                usage();
                exit(2);
            }
        }
    }

    let mut builder = ObjectBuilder::from_bytes(BPF_OBJECT);
    // Written into the object's .rodata before load, like skel->rodata->min_duration_ns in C.
    if let Err(e) = builder.set_global_value("min_duration_ns", &(min_duration_ms * 1_000_000)) {
        eprintln!("bootstrap-rs: cannot set min_duration_ns: {}", e);
        exit(1);
    }
    let object = match builder.load() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("bootstrap-rs: cannot load the BPF object: {}", e);
            exit(1);
        }
    };
    for program in ["handle_exec", "handle_exit"] {
        if let Err(e) = object.attach(program) {
            eprintln!("bootstrap-rs: cannot attach {}: {}", program, e);
            exit(1);
        }
    }
    let mut rb = match object.buffer("rb") {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bootstrap-rs: cannot open the ring buffer: {}", e);
            exit(1);
        }
    };
    if verbose {
        eprintln!("bootstrap-rs: attached; minimum duration {} ms", min_duration_ms);
    }

    println!("{:<8} {:<5} {:<16} {:<7} {:<7} {}", "TIME", "EVENT", "COMM", "PID", "PPID", "FILENAME/EXIT CODE");
    loop {
        let polled = rb.poll(100, |record| {
            let e: Event = match read_plain(record) {
                Some(e) => e,
                None => return 0,
            };
            let (pid, ppid, code, duration) = (e.pid, e.ppid, e.exit_code, e.duration_ns);
            let comm = c_str(&e.comm);
            if e.exit_event != 0 {
                let lived = if duration != 0 { format!(" ({}ms)", duration / 1_000_000) } else { String::new() };
                println!("{:<8} {:<5} {:<16} {:<7} {:<7} [{}]{}", now_hms(), "EXIT", comm, pid, ppid, code, lived);
            } else {
                println!("{:<8} {:<5} {:<16} {:<7} {:<7} {}", now_hms(), "EXEC", comm, pid, ppid, c_str(&e.filename));
            }
            0
        });
        match polled {
            Ok(_) => {}
            Err(e) if e.is_interrupted() => break,
            Err(e) => {
                eprintln!("bootstrap-rs: polling the ring buffer failed: {}", e);
                exit(1);
            }
        }
    }
}
