//! The search analyzer: normalisation, script runs, Hangul bigrams, particles, snippets.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kb::fuzzing::analyzer(data);
});
