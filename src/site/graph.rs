//! The output of the link stage: what each link resolves to, the graph and backlinks, and
//! the name tables links are resolved with.

use super::NoteId;
use super::diag::Diagnostic;
use std::collections::HashMap;

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A note, with the anchor id on its page (a heading id or `^block`), if any.
    Note {
        /// The note.
        id: NoteId,
        /// Resolved anchor id.
        anchor: Option<String>,
    },
    /// A file under the notes folder.
    Attachment(usize),
    /// Nothing matched.
    Broken,
}

/// The result of resolving one link.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// Where it goes.
    pub target: Target,
    /// Set when the note was found but the `#anchor` was not.
    pub missing_anchor: Option<String>,
    /// Other notes with the same name when the name was ambiguous.
    pub ambiguous: Vec<NoteId>,
}

/// Name tables for resolving links, built once per build.
#[derive(Debug, Default)]
pub struct Resolver {
    pub(crate) by_path: HashMap<String, NoteId>,
    pub(crate) by_stem: HashMap<String, Vec<NoteId>>,
    pub(crate) by_name: HashMap<String, Vec<NoteId>>,
    pub(crate) att_by_path: HashMap<String, usize>,
    pub(crate) att_by_name: HashMap<String, Vec<usize>>,
    pub(crate) path_len: Vec<(usize, String)>,
}

/// A note that links here, with the text around the link.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Backlink {
    /// The linking note.
    pub from: NoteId,
    /// Index of the first link into the linking note's `ParsedNote::links` (its context is
    /// the text around the link).
    pub link: usize,
}

/// The output of the link stage.
#[derive(Debug, Default)]
pub struct Graph {
    /// Name tables, kept for rendering.
    pub resolver: Resolver,
    /// Per note: the distinct notes it links to or embeds, in first-link order.
    pub outgoing: Vec<Vec<NoteId>>,
    /// Per note: the notes linking to it.
    pub backlinks: Vec<Vec<Backlink>>,
    /// Per note: for each of its links, the resolution (same order as `ParsedNote::links`).
    pub resolutions: Vec<Vec<Resolution>>,
    /// Broken links, missing anchors, ambiguous names, embed cycles.
    pub diagnostics: Vec<Diagnostic>,
}
