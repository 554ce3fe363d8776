//! What the load stage reads: notes and attachments, with their front matter.

use serde_json::{Map, Value};
use std::path::PathBuf;

/// One Markdown note as read from disk.
#[derive(Debug, Clone)]
pub struct Note {
    /// Path relative to the notes folder, NFC, `/`-separated, with the `.md` extension.
    pub rel_path: String,
    /// Path as shown in diagnostics, e.g. `notes/messaging/Redis.md`.
    pub display_path: String,
    /// Where the file is on disk.
    pub fs_path: PathBuf,
    /// File name without `.md`.
    pub stem: String,
    /// Folder relative to the notes folder (`""` at the top level).
    pub folder: String,
    /// The whole file, with line endings normalized to `\n` and any BOM removed.
    pub text: String,
    /// Byte offset of the Markdown body (after the front matter).
    pub body_offset: usize,
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
    /// The Markdown body after the front matter.
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
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
