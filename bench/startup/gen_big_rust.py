#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes a Rust crate whose wasm32-wasi build is a large guest (about 2 MB of code with the
# default count): many distinct functions, all reachable through a table, of which a run
# calls a few (as a real tool does: argument parsing, one mode, formatting). For measuring
# load and compile times of big modules (bench/startup/big_guest.sh).
#
#   gen_big_rust.py DIR [FUNCTIONS]
import os
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 6000
os.makedirs(os.path.join(out, "src"), exist_ok=True)
with open(os.path.join(out, "Cargo.toml"), "w") as f:
    f.write('[package]\nname = "big_guest"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
            '[dependencies]\n\n[profile.release]\nopt-level = 2\ndebug = false\nstrip = "debuginfo"\n')
with open(os.path.join(out, "src", "main.rs"), "w") as f:
    f.write("use std::collections::BTreeMap;\n\n")
    for i in range(n):
        k = (i * 2654435761) & 0xFFFFFFFF
        f.write(f"""#[inline(never)]
fn f{i}(x: u64, log: &mut BTreeMap<u64, String>) -> u64 {{
    let mut a = x ^ {k};
    for j in 0..(x % {i % 7 + 3}) {{
        a = a.wrapping_mul(6364136223846793005).wrapping_add(j ^ {i});
        if a % {i % 5 + 3} == 0 {{
            log.insert(a % 97, format!("f{i}: {{}} {{:x}}", j, a));
        }}
    }}
    match a % {i % 4 + 5} {{
        0 => a >> {i % 13 + 1},
        1 => a.rotate_left({i % 31 + 1}),
        2 => a ^ {k * 7 & 0xFFFFFFFF},
        3 => log.len() as u64 + {i},
        _ => a / {i % 9 + 2},
    }}
}}
""")
    f.write("static FNS: [fn(u64, &mut BTreeMap<u64, String>) -> u64; %d] = [\n" % n)
    for i in range(n):
        f.write(f"    f{i},\n")
    f.write("];\n\n")
    f.write("""fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut log = BTreeMap::new();
    let mut acc = 0u64;
    for i in 0..count.min(FNS.len()) {
        acc = acc.wrapping_add(FNS[(i * 7919) % FNS.len()](acc ^ i as u64, &mut log));
    }
    println!("{} functions called: {:x}, {} entries", count, acc, log.len());
}
""")
