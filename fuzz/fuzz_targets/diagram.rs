//! Mermaid diagrams: parse check, drawing, CSP-safe SVG.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kb::fuzzing::diagram(data);
});
