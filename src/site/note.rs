//! What the load stage reads: notes and attachments, with their front matter.

use serde_json::{Map, Value};
use std::path::PathBuf;

/// What kind of file a note is: Markdown, or one of Obsidian's two other views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteKind {
    /// A `.md` note.
    #[default]
    Markdown,
    /// A `.canvas` file (JSON Canvas 1.0): its page draws the cards and edges.
    Canvas,
    /// A `.base` file (Obsidian Bases, YAML): its page shows the views it describes.
    Base,
}

impl NoteKind {
    /// The kind of the file at `path` (by extension, any case), `None` for an attachment.
    pub fn of_path(path: &str) -> Option<NoteKind> {
        let file = path.rsplit('/').next().unwrap_or(path);
        let (_, ext) = file.rsplit_once('.')?;
        [
            ("md", NoteKind::Markdown),
            ("canvas", NoteKind::Canvas),
            ("base", NoteKind::Base),
        ]
        .into_iter()
        .find(|(e, _)| ext.eq_ignore_ascii_case(e))
        .map(|(_, k)| k)
    }
}

/// One note as read from disk: a Markdown file, a canvas or a base.
#[derive(Debug, Clone)]
pub struct Note {
    /// Path relative to the notes folder, NFC, `/`-separated, with the `.md` extension.
    pub rel_path: String,
    /// Path as shown in diagnostics, e.g. `notes/messaging/Redis.md`.
    pub display_path: String,
    /// Where the file is on disk.
    pub fs_path: PathBuf,
    /// File name without `.md` (a canvas or a base keeps its extension, as Obsidian links
    /// them: `[[Plan.canvas]]`).
    pub stem: String,
    /// Markdown, canvas or base.
    pub kind: NoteKind,
    /// Folder relative to the notes folder (`""` at the top level).
    pub folder: String,
    /// The whole file, with line endings normalized to `\n` and any BOM removed, held
    /// compressed (a build keeps every note's source to the end).
    pub text: super::spill::Spilled,
    /// Byte offset of the Markdown body (after the front matter).
    pub body_offset: usize,
    /// The 1-based line the body starts on.
    pub body_line: usize,
    /// Parsed front matter.
    pub front: FrontMatter,
    /// File modification time.
    pub modified: Option<chrono::DateTime<chrono::Utc>>,
    /// The first commit that added the file (under any earlier name), from Git history.
    pub committed_first: Option<chrono::DateTime<chrono::Utc>>,
    /// The last commit that touched the file, unless it has uncommitted changes.
    pub committed_last: Option<chrono::DateTime<chrono::Utc>>,
}

impl Note {
    /// The whole file, decompressed.
    pub fn source(&self) -> String {
        self.text.unpack()
    }

    /// The Markdown body after the front matter (a canvas's JSON, a base's YAML).
    pub fn body(&self) -> String {
        let mut text = self.text.unpack();
        text.replace_range(..self.body_offset.min(text.len()), "");
        text
    }

    /// About the first `len` bytes of the body (a character cut at the end is dropped).
    pub fn body_head(&self, len: usize) -> String {
        self.text.slice(self.body_offset, len)
    }

    /// The length of the body in bytes.
    pub fn body_len(&self) -> usize {
        self.text.len().saturating_sub(self.body_offset)
    }

    /// The file name without its extension, the title a note without one gets.
    pub fn name(&self) -> &str {
        match self.kind {
            NoteKind::Markdown => &self.stem,
            _ => self
                .stem
                .rsplit_once('.')
                .map_or(self.stem.as_str(), |(n, _)| n),
        }
    }

    /// The path its address is made from: without `.md`, or with the extension of a canvas
    /// or a base (so that `Plan.canvas` and `Plan.md` have two addresses).
    pub fn address_path(&self) -> &str {
        match self.kind {
            NoteKind::Markdown => self
                .rel_path
                .get(..self.rel_path.len().saturating_sub(3))
                .unwrap_or(&self.rel_path),
            _ => &self.rel_path,
        }
    }
}

/// A non-Markdown file under the notes folder, copied to the site as is.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Path relative to the notes folder, NFC, `/`-separated.
    pub rel_path: String,
    /// Where the file is on disk.
    pub fs_path: PathBuf,
    /// Whether it is copied to the site (decided once links are resolved: a vault built in
    /// place publishes only what notes link or embed, and the folders kb.toml names).
    pub published: bool,
}

/// The front matter keys kb understands; anything else lands in `extra`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FrontMatter {
    /// Page title.
    pub title: Option<String>,
    /// One-line description, shown on the home page and in previews.
    pub description: Option<String>,
    /// Tags, normalized (no leading `#`, NFC).
    pub tags: Vec<String>,
    /// Other names the note can be linked by.
    pub aliases: Vec<String>,
    /// Category overriding the folder.
    pub category: Option<String>,
    /// Creation date, as written (`YYYY-MM-DD` or RFC 3339).
    pub date: Option<String>,
    /// Last-updated date, as written.
    pub updated: Option<String>,
    /// Creation date under another tool's name (`created`, `date created`), used without `date`.
    pub created: Option<String>,
    /// Update date under another tool's name (`modified`, `lastmod`, ...), used without `updated`.
    pub modified: Option<String>,
    /// Language of the note's text (`<html lang>` of its page), e.g. `en` or `ko`.
    pub lang: Option<String>,
    /// Drafts are built only with `--drafts`.
    pub draft: bool,
    /// Unknown keys, passed to templates as `extra`.
    pub extra: Map<String, Value>,
}
