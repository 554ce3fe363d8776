//! Canvases (JSON Canvas): any bytes as a `.canvas` file through read, parse (the text cards
//! as Markdown), link, render and search documents. Shared with `tests/fuzz_regressions.rs`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kb::fuzzing::canvas(data);
});
