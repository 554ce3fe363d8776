//! The site model: the data the stages pass, at the bottom of the crate. It imports nothing
//! above it; every stage imports it (and earlier stages), and only the driver
//! ([`crate::pipeline`]), the dev server and the commands import several stages.

pub mod bases;
pub mod canvas;
pub mod config;
pub mod diag;
pub mod folders;
pub mod graph;
pub mod history;
pub mod note;
pub mod parsed;
pub mod sink;
pub mod slug;
pub mod spill;
pub mod text;

pub use config::Config;
pub use diag::{Code, Diagnostic, Severity};
pub use folders::{Folder, Folders};
pub use graph::{Backlink, Graph, Resolution, Resolver, Target};
pub use note::{Attachment, FrontMatter, Note, NoteKind};
pub use parsed::{BlockId, Heading, LinkKind, LinkRef, ParsedNote, Section};
pub use sink::{Files, MemSink, Sink};

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// A note's number in a site: its place in [`Site::notes`] and in every per-note table
/// (`parsed`, `pages`, `trouble`, the graph's lists), which index with it directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct NoteId(pub u32);

impl NoteId {
    /// The place in a per-note table.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// Every id of a site of `n` notes, in order.
    pub fn all(n: usize) -> impl Iterator<Item = NoteId> {
        (0..n as u32).map(NoteId)
    }
}

impl From<usize> for NoteId {
    fn from(i: usize) -> Self {
        NoteId(i as u32)
    }
}

impl std::fmt::Display for NoteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> std::ops::Index<NoteId> for [T] {
    type Output = T;
    fn index(&self, id: NoteId) -> &T {
        &self[id.index()]
    }
}

impl<T> std::ops::IndexMut<NoteId> for [T] {
    fn index_mut(&mut self, id: NoteId) -> &mut T {
        &mut self[id.index()]
    }
}

impl<T> std::ops::Index<NoteId> for Vec<T> {
    type Output = T;
    fn index(&self, id: NoteId) -> &T {
        &self[id.index()]
    }
}

impl<T> std::ops::IndexMut<NoteId> for Vec<T> {
    fn index_mut(&mut self, id: NoteId) -> &mut T {
        &mut self[id.index()]
    }
}

/// What a command asks of the pipeline.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Knowledge base root (holds kb.toml, notes/, templates/, static/).
    pub root: PathBuf,
    /// The configuration, with command-line overrides applied.
    pub config: Config,
    /// Include notes with `draft: true`.
    pub drafts: bool,
    /// Dates from the notes' Git history, read once.
    pub history: history::Shared,
}

impl BuildOptions {
    /// The notes folder.
    pub fn notes_dir(&self) -> PathBuf {
        self.root.join(&self.config.notes_dir)
    }

    /// The cache folder (`.kb/cache`), safe to delete.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join(".kb").join("cache")
    }

    /// The search index folder (`.kb/index`).
    pub fn index_dir(&self) -> PathBuf {
        self.root.join(".kb").join("index")
    }

    /// The output folder.
    pub fn output_dir(&self) -> PathBuf {
        let p = Path::new(&self.config.output_dir);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        }
    }
}

/// Per-note facts derived from the front matter, the parse and the file: the page's identity.
#[derive(Debug, Clone)]
pub struct PageMeta {
    /// Final title: front matter, else first `# H1`, else the file name.
    pub title: String,
    /// URL path below the base, e.g. `messaging/redis/` (not encoded).
    pub slug: String,
    /// Full href: base path plus the percent-encoded slug.
    pub href: String,
    /// Category: front matter, else the folder, else empty.
    pub category: String,
    /// Front matter tags followed by inline tags, deduplicated.
    pub tags: Vec<String>,
    /// Creation date: `date` (or `created`), else the first commit, else the file's time.
    pub date: Option<DateTime<Utc>>,
    /// Last update: `updated` (or `modified`), else the last commit, else `date`, else the
    /// file's modification time.
    pub updated: Option<DateTime<Utc>>,
    /// Description: front matter, else the first paragraph.
    pub description: String,
}

/// Everything the stages produced, kept together for rendering, checking and serving.
pub struct Site {
    /// Options the site was built with.
    pub opts: BuildOptions,
    /// Loaded notes (drafts removed unless asked for).
    pub notes: Vec<Note>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// Parse results, parallel to `notes`.
    pub parsed: Vec<ParsedNote>,
    /// Page identities, parallel to `notes`.
    pub pages: Vec<PageMeta>,
    /// The link graph.
    pub graph: Graph,
    /// All diagnostics so far.
    pub diagnostics: Vec<Diagnostic>,
    /// Troubleshooting entries, parallel to `notes`.
    pub trouble: Vec<Vec<parsed::Entry>>,
}

/// URL paths kb's own pages use: a note may not be published at one of these.
pub const RESERVED: &[&str] = &[
    "tags",
    "static",
    "search",
    "graph",
    "_kb",
    "troubleshooting",
    folders::FOLDERS,
];

/// Folders whose whole content kb writes: no note may be published below them.
pub const RESERVED_TREES: &[&str] = &[
    "tags",
    "static",
    "search",
    "_kb",
    "troubleshooting",
    folders::FOLDERS,
];

impl Site {
    /// The folders of the site's notes (see [`Folders`]).
    pub fn folders(&self) -> Folders {
        let of: Vec<&str> = self.notes.iter().map(|n| n.folder.as_str()).collect();
        let stems: Vec<&str> = self.notes.iter().map(|n| n.stem.as_str()).collect();
        Folders::new(&of, &stems, &self.pages)
    }

    /// The troubleshooting entries of note `i` (found once, when the site is linked).
    pub fn trouble_entries(&self, i: NoteId) -> &[parsed::Entry] {
        self.trouble.get(i.index()).map_or(&[], Vec::as_slice)
    }

    /// The note shown on the home page: `home` from kb.toml, else `index.md`, `README.md` or
    /// `Home.md` (any case) at the notes root.
    pub fn home_note(&self) -> Option<NoteId> {
        let find = |rel: &str| {
            self.notes
                .iter()
                .position(|n| n.rel_path.eq_ignore_ascii_case(rel))
                .map(NoteId::from)
        };
        match &self.opts.config.home {
            Some(h) => {
                let h = h.trim_start_matches("./").trim_start_matches('/');
                find(h).or_else(|| find(&format!("{h}.md")))
            }
            None => ["index.md", "README.md", "Home.md"]
                .into_iter()
                .find_map(find),
        }
    }
}

/// The title of a note: front matter, else the first `# H1`, else the file name.
pub fn title_of(n: &Note, p: &ParsedNote) -> String {
    n.front
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| p.h1.clone().filter(|t| !t.is_empty()))
        .unwrap_or_else(|| n.name().to_string())
}
