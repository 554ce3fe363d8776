//! One note through the whole pipeline: read, parse (Markdown, wikilinks, embeds, tags),
//! link against a small vault, render its page and its search documents.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kb::fuzzing::note(data);
});
