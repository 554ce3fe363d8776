//! The query parser and the search engine behind `kb search` and `/_kb/search`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kb::fuzzing::query(data);
});
