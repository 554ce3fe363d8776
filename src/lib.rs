//! kb turns a folder of Markdown notes into a fast, cross-linked, searchable static site.
//!
//! The build is one pipeline, one direction, with a module per stage:
//! [`load`] -> [`parse`] -> [`link`] -> [`render`] -> [`write`], driven by [`pipeline`].
//! [`cmd`] holds one file per command.

pub mod cmd;
pub mod engine;
pub mod fuzzing;
pub mod link;
pub mod load;
pub mod parse;
pub mod pipeline;
pub mod progress;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod write;

pub use site::{config, diag};
