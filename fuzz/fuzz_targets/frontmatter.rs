//! The note reader: bytes (any encoding, any line endings) through front matter splitting
//! and YAML/TOML parsing. Shared with the regression test in `tests/fuzz_regressions.rs`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kb::fuzzing::frontmatter(data);
});
