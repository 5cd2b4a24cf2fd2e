// SPDX-License-Identifier: MIT
//! A wasm32-wasi guest built with Rust's std, for the wasm-bpf WASI tests.
//!
//! Usage: rust_guest DIR [WORDS...]
//!
//! Writes DIR/rust_out.txt, reads it back, reads the environment variable WB_RUST_GREETING,
//! counts WORDS in a HashMap, checks Instant and SystemTime, prints one line per step and
//! exits with status 3 (or 1 with an "error:" line if a step fails).

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CONTENT: &str = "written by rust\nsecond line\n";

fn fail(what: &str, err: impl std::fmt::Display) -> ! {
    println!("error: {}: {}", what, err);
    process::exit(1);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: rust_guest DIR [WORDS...]");
        process::exit(64);
    }
    println!("args: {}", args[1..].join(" "));

    // Files in the preopened directory.
    let dir = Path::new(&args[1]);
    let path = dir.join("rust_out.txt");
    {
        let mut f = fs::File::create(&path).unwrap_or_else(|e| fail("create", e));
        f.write_all(CONTENT.as_bytes()).unwrap_or_else(|e| fail("write", e));
        f.sync_all().unwrap_or_else(|e| fail("sync", e));
    }
    let mut back = String::new();
    fs::File::open(&path)
        .and_then(|mut f| f.read_to_string(&mut back))
        .unwrap_or_else(|e| fail("read back", e));
    if back != CONTENT {
        fail("read back", format!("content {:?}", back));
    }
    let meta = fs::metadata(&path).unwrap_or_else(|e| fail("metadata", e));
    println!("file: {} bytes, {} lines", meta.len(), back.lines().count());
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| fail("read_dir", e))
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| fail("read_dir entry", e));
    names.sort();
    println!("dir: {}", names.join(","));

    // Environment: only what wasm-bpf was told to pass.
    match std::env::var("WB_RUST_GREETING") {
        Ok(v) => println!("env: WB_RUST_GREETING={}", v),
        Err(_) => println!("env: WB_RUST_GREETING unset"),
    }
    println!("env count: {}", std::env::vars().count());

    // Collections: a deterministic summary of the word counts.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in &args[2..] {
        *counts.entry(w.as_str()).or_insert(0) += 1;
    }
    let mut keys: Vec<_> = counts.iter().collect();
    keys.sort();
    let summary: Vec<String> = keys.iter().map(|(k, v)| format!("{}={}", k, v)).collect();
    println!("words: {}", summary.join(","));
    let squares: HashMap<u32, u64> = (0..1000u32).map(|i| (i, u64::from(i) * u64::from(i))).collect();
    let total: u64 = squares.values().sum();
    println!("squares: {} entries, sum {}", squares.len(), total);

    // Time: a monotonic Instant across a 20 ms sleep, and a plausible wall clock.
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    let slept = start.elapsed();
    println!("instant: {}", if slept >= Duration::from_millis(20) { "ok" } else { "too short" });
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_else(|e| fail("system time", e));
    println!("systemtime: {}", if since_epoch.as_secs() > 1_600_000_000 { "ok" } else { "wrong" });

    std::io::stdout().flush().unwrap_or_else(|e| fail("flush", e));
    process::exit(3);
}
