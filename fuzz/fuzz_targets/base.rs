//! Bases (Obsidian Bases): any bytes as a `.base` file through read, parse (YAML and the
//! expression language), link and render (every view evaluated over a small vault). Shared
//! with `tests/fuzz_regressions.rs`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kb::fuzzing::base(data);
});
