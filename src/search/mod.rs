//! Stage 4, index: the analyzer shared with the JavaScript client, the tantivy index in
//! `.kb/index`, kb's query semantics, snippets, and the static export in `public/search/`.

pub mod analyzer;
pub mod export;
pub mod index;
pub mod operators;
pub mod phonetic;
pub mod rangecode;
pub mod snippet;
