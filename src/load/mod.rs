//! Stage 1, load: walk `notes/`, read every Markdown file and its front matter, and list the
//! attachments (every other file). Output is plain data: [`Vault`].

pub use crate::site::note::{Attachment, Note};

pub mod frontmatter;
pub mod history;

use crate::diag::{Code, Diagnostic, line_col};
use crate::site::{BuildOptions, NoteKind};

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Everything the load stage found.
#[derive(Debug, Default)]
pub struct Vault {
    /// Notes sorted by `rel_path`.
    pub notes: Vec<Note>,
    /// Attachments sorted by `rel_path`.
    pub attachments: Vec<Attachment>,
    /// Problems found while loading.
    pub diagnostics: Vec<Diagnostic>,
}

/// Options for [`load`].
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The notes folder.
    pub notes_dir: PathBuf,
    /// How the notes folder is shown in diagnostics (e.g. `notes`).
    pub display_prefix: String,
    /// Skip (with an error) notes larger than this.
    pub max_note_bytes: u64,
    /// Files and folders under the notes folder that are never read (relative, `/`-separated):
    /// kb's own output, cache, kb.toml and theme folders when the notes folder holds them.
    pub exclude: Vec<String>,
    /// Created and updated dates from Git history, read once on first use and shared by
    /// every load of the same knowledge base.
    pub history: history::Shared,
}

impl LoadOptions {
    /// Whether a path relative to the notes folder is kb's own (output, cache, config, theme)
    /// or hidden, and so never a note or an attachment.
    pub fn excluded(&self, rel: &str) -> bool {
        rel.split('/').any(|c| is_hidden(std::ffi::OsStr::new(c)))
            || self.exclude.iter().any(|x| {
                rel == x
                    || rel
                        .strip_prefix(x.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
    }
}

/// Walks the notes folder and reads every note in parallel.
pub fn load(opts: &LoadOptions) -> Vault {
    // the texts of a site loaded before go away with it, not with this one
    crate::site::spill::renew();
    let mut diags = Vec::new();
    let (md_files, attachments) = walk(opts, &mut diags);
    let results: Vec<(Option<Note>, Vec<Diagnostic>)> = md_files
        .into_par_iter()
        .map(|(rel, fs)| read_note(opts, rel, fs))
        .collect();
    let mut notes = Vec::with_capacity(results.len());
    for (n, d) in results {
        diags.extend(d);
        if let Some(n) = n {
            notes.push(n);
        }
    }
    notes.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    Vault {
        notes,
        attachments,
        diagnostics: diags,
    }
}

/// Normalizes a path relative to the notes folder: NFC, `/` separators.
pub fn rel_string(rel: &Path) -> String {
    let s: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().nfc().collect::<String>())
        .collect();
    s.join("/")
}

fn display(opts: &LoadOptions, rel: &str) -> String {
    if opts.display_prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{}/{}", opts.display_prefix.trim_end_matches('/'), rel)
    }
}

/// Whether a folder or file is never read as a note or attachment (hidden, `node_modules`).
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let s = name.to_string_lossy();
    s.starts_with('.') || s == "node_modules"
}

/// Whether a file under the notes folder is a note (`.md`, any case) rather than an attachment.
pub fn is_note_path(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

/// Whether a file under the notes folder becomes a page: a note, a canvas or a base.
pub fn is_page_path(p: &Path) -> bool {
    p.to_str()
        .and_then(crate::site::NoteKind::of_path)
        .is_some()
}

/// Lists Markdown files (relative path, disk path) and attachments, skipping hidden entries, loops and symlinks that
/// leave the notes folder.
pub fn walk(
    opts: &LoadOptions,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<(String, PathBuf)>, Vec<Attachment>) {
    let root = &opts.notes_dir;
    let canon_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
    let mut md = Vec::new();
    let mut att = Vec::new();
    let outside = std::cell::RefCell::new(Vec::new());
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if is_hidden(e.file_name())
                || e.path()
                    .strip_prefix(root)
                    .is_ok_and(|r| opts.excluded(&rel_string(r)))
            {
                return false;
            }
            if e.path_is_symlink() && !inside(&canon_root, e.path()) {
                outside.borrow_mut().push(e.path().to_path_buf());
                return false;
            }
            true
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(rel_string)
                    .unwrap_or_default();
                let (code, msg, hint) = if e.loop_ancestor().is_some() {
                    (
                        Code::SymlinkLoop,
                        "symlink loop: this folder links back to one of its parents".to_string(),
                        "remove the symlink or point it somewhere else; it was skipped",
                    )
                } else {
                    (
                        Code::Unreadable,
                        format!(
                            "cannot read: {}",
                            e.io_error()
                                .map(|x| x.to_string())
                                .unwrap_or_else(|| e.to_string())
                        ),
                        "check the permissions; the entry was skipped",
                    )
                };
                diags.push(Diagnostic::warning(
                    code,
                    display(opts, &rel),
                    (1, 1),
                    msg,
                    hint,
                ));
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        if !entry.file_type().is_file() {
            // a named pipe or device would block or never end: never opened
            if let Ok(rel) = entry.path().strip_prefix(root) {
                diags.push(Diagnostic::warning(
                    Code::NotAFile,
                    display(opts, &rel_string(rel)),
                    (1, 1),
                    "not a regular file (a named pipe, socket or device); it was skipped",
                    "kb only reads regular files; move it out of the notes folder",
                ));
            }
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel_s = rel_string(rel);
        if entry.file_name().to_str().is_none() {
            diags.push(Diagnostic::warning(
                Code::FileNameEncoding,
                display(opts, &rel_s),
                (1, 1),
                "file name is not valid UTF-8",
                "rename the file; it is published under a lossy name",
            ));
        }
        if is_page_path(rel) {
            md.push((rel_s, entry.path().to_path_buf()));
        } else {
            att.push(Attachment {
                rel_path: rel_s,
                fs_path: entry.path().to_path_buf(),
                published: true,
            });
        }
    }
    for p in outside.take() {
        let rel = p.strip_prefix(root).map(rel_string).unwrap_or_default();
        diags.push(Diagnostic::warning(
            Code::SymlinkOutside,
            display(opts, &rel),
            (1, 1),
            "symlink points outside the notes folder",
            "kb only publishes files inside the notes folder; it was skipped",
        ));
    }
    (md, att)
}

fn inside(canon_root: &Path, p: &Path) -> bool {
    match std::fs::canonicalize(p) {
        Ok(c) => c.starts_with(canon_root),
        Err(_) => false,
    }
}

/// Reads one note: size and binary checks, UTF-8, line endings, front matter.
pub fn read_note(opts: &LoadOptions, rel: String, fs: PathBuf) -> (Option<Note>, Vec<Diagnostic>) {
    let disp = display(opts, &rel);
    let skipped = |d: Diagnostic| (None, vec![d]);
    let unreadable = |e: std::io::Error| {
        Diagnostic::error(
            Code::Unreadable,
            disp.clone(),
            (1, 1),
            format!("cannot read note: {e}"),
            "check the file's permissions",
        )
    };
    let meta = match std::fs::metadata(&fs) {
        Ok(m) => m,
        Err(e) => return skipped(unreadable(e)),
    };
    if meta.len() > opts.max_note_bytes {
        return skipped(Diagnostic::error(
            Code::NoteTooLarge,
            disp.clone(),
            (1, 1),
            format!(
                "note is {:.1} MiB, larger than the {:.1} MiB limit; it was skipped",
                meta.len() as f64 / 1048576.0,
                opts.max_note_bytes as f64 / 1048576.0
            ),
            "split the note, or raise `max_note_bytes` in kb.toml",
        ));
    }
    let bytes = match std::fs::read(&fs) {
        Ok(b) => b,
        Err(e) => return skipped(unreadable(e)),
    };
    let modified = meta
        .modified()
        .ok()
        .map(chrono::DateTime::<chrono::Utc>::from);
    let (first, last) = opts
        .history
        .get_or_init(|| history::History::read(&opts.notes_dir))
        .get(&rel);
    let (mut note, diags) = note_from_bytes(&disp, rel, fs, bytes, modified);
    if let Some(n) = &mut note {
        n.committed_first = first;
        n.committed_last = last;
    }
    (note, diags)
}

/// Builds a [`Note`] from raw bytes (shared with tests and the fuzzer).
pub fn note_from_bytes(
    disp: &str,
    rel: String,
    fs: PathBuf,
    bytes: Vec<u8>,
    modified: Option<chrono::DateTime<chrono::Utc>>,
) -> (Option<Note>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let probe = &bytes[..bytes.len().min(8192)];
    let nuls = probe.iter().filter(|&&b| b == 0).count();
    if nuls > 8 || (nuls > 0 && std::str::from_utf8(probe).is_err()) {
        diags.push(Diagnostic::error(
            Code::BinaryFile,
            disp,
            (1, 1),
            "this .md file looks binary (it contains NUL bytes); it was skipped",
            "rename it so it does not end in .md, or replace it with text",
        ));
        return (None, diags);
    }
    let mut text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            diags.push(Diagnostic::error(
                Code::InvalidUtf8,
                disp,
                line_col(&prefix, prefix.len()),
                "note is not valid UTF-8; invalid bytes were replaced with U+FFFD",
                "re-save the file as UTF-8 (for example `iconv -f cp949 -t utf-8`)",
            ));
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    if text.contains('\0') {
        let at = text.find('\0').unwrap_or(0);
        diags.push(Diagnostic::warning(
            Code::NulByte,
            disp,
            line_col(&text, at),
            "note contains NUL bytes; they were replaced with U+FFFD",
            "remove the stray control characters",
        ));
        text = text.replace('\0', "\u{fffd}");
    }
    let kind = NoteKind::of_path(&rel).unwrap_or_default();
    // a canvas is JSON and a base is YAML through and through: no front matter
    let (front, body_offset) = if kind == NoteKind::Markdown {
        let (split, d) = frontmatter::split(&text, disp);
        diags.extend(d);
        let (front, d) = frontmatter::parse(&split, &text, disp);
        diags.extend(d);
        (front, split.body_offset)
    } else {
        (Default::default(), 0)
    };
    if text[body_offset..].trim().is_empty() && front.title.is_none() {
        diags.push(Diagnostic::warning(
            Code::EmptyNote,
            disp,
            (1, 1),
            "note is empty",
            "write something, or delete the file; its page shows only the file name",
        ));
    }
    let file = rel.rsplit('/').next().unwrap_or(&rel);
    let stem = if kind == NoteKind::Markdown
        && file.len() > 3
        && file.is_char_boundary(file.len() - 3)
        && file[file.len() - 3..].eq_ignore_ascii_case(".md")
    {
        file[..file.len() - 3].to_string()
    } else {
        file.to_string()
    };
    let folder = rel
        .rsplit_once('/')
        .map(|(f, _)| f.to_string())
        .unwrap_or_default();
    let note = Note {
        display_path: disp.to_string(),
        rel_path: rel,
        fs_path: fs,
        stem,
        kind,
        folder,
        body_line: line_col(&text, body_offset).0,
        text: crate::site::spill::Spilled::new(&text),
        body_offset,
        front,
        modified,
        committed_first: None,
        committed_last: None,
    };
    (Some(note), diags)
}

/// Options for the load stage derived from the build options.
pub fn load_options(opts: &BuildOptions) -> LoadOptions {
    LoadOptions {
        notes_dir: opts.notes_dir(),
        display_prefix: opts.config.display_prefix(),
        max_note_bytes: opts.config.max_note_bytes,
        exclude: own_files(opts),
        history: opts.history.clone(),
    }
}

/// kb's own files and folders that lie inside the notes folder (all of them when a vault is
/// built in place), relative to it: never read as notes or attachments.
fn own_files(opts: &BuildOptions) -> Vec<String> {
    let notes = absolute(&opts.notes_dir());
    let root = &opts.root;
    let mut own = vec![opts.output_dir(), root.join(".kb"), root.join("kb.toml")];
    if opts.config.in_place() {
        own.extend([root.join("templates"), root.join("static")]);
    }
    let mut rels: Vec<String> = own
        .iter()
        .filter_map(|p| {
            absolute(p)
                .strip_prefix(&notes)
                .ok()
                .map(crate::load::rel_string)
        })
        .filter(|r| !r.is_empty())
        .collect();
    rels.extend(obsidian_excluded(&opts.notes_dir()));
    rels
}

/// What the vault's Obsidian settings keep out of the vault's content: the core Templates
/// plugin's folder (`.obsidian/templates.json`) and the "Excluded files" path filters
/// (`userIgnoreFilters` in `.obsidian/app.json`; regular expressions, written `/.../`, are not
/// read).
fn obsidian_excluded(notes: &Path) -> Vec<String> {
    let read = |name: &str| -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(notes.join(".obsidian").join(name)).ok()?;
        serde_json::from_str(&text).ok()
    };
    let mut out = Vec::new();
    if let Some(folder) = read("templates.json")
        .as_ref()
        .and_then(|v| v.get("folder")?.as_str().map(str::to_string))
    {
        out.push(folder);
    }
    if let Some(filters) = read("app.json")
        .as_ref()
        .and_then(|v| v.get("userIgnoreFilters")?.as_array().cloned())
    {
        out.extend(
            filters
                .iter()
                .filter_map(|f| f.as_str())
                .map(str::to_string),
        );
    }
    out.into_iter()
        .filter(|f| !(f.starts_with('/') && f.ends_with('/') && f.len() > 1))
        .map(|f| f.trim_matches('/').trim_start_matches("./").to_string())
        .filter(|f| !f.is_empty() && !f.split('/').any(|c| c == ".."))
        .collect()
}

/// A path made absolute and canonical as far as it exists (the output folder may not yet).
fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => absolute(parent).join(name),
        _ => std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_cannot_be_read_is_an_error_not_a_panic() {
        // (root reads files with mode 000, so a folder stands in for an unreadable file)
        let tmp = tempfile::tempdir().unwrap();
        let opts = LoadOptions {
            notes_dir: tmp.path().to_path_buf(),
            display_prefix: "notes".into(),
            max_note_bytes: 1 << 20,
            exclude: vec![],
            history: Default::default(),
        };
        std::fs::create_dir(tmp.path().join("x.md")).unwrap();
        let (note, diags) = read_note(&opts, "x.md".into(), tmp.path().join("x.md"));
        assert!(note.is_none());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].path, "notes/x.md");
        assert!(
            diags[0].message.starts_with("cannot read note: "),
            "{diags:?}"
        );
        let (note, diags) = read_note(&opts, "gone.md".into(), tmp.path().join("gone.md"));
        assert!(note.is_none() && diags[0].code == Code::Unreadable);
    }

    fn mk(bytes: &[u8]) -> (Option<Note>, Vec<Diagnostic>) {
        note_from_bytes(
            "notes/a.md",
            "a.md".into(),
            PathBuf::from("a.md"),
            bytes.to_vec(),
            None,
        )
    }

    #[test]
    fn invalid_utf8_is_reported_and_kept() {
        let (n, d) = mk(b"hello\nwor\xffld");
        assert!(n.is_some());
        assert_eq!(d[0].code, Code::InvalidUtf8);
        assert_eq!((d[0].line, d[0].col), (2, 4));
    }

    #[test]
    fn binary_is_skipped() {
        let (n, d) = mk(&[0u8, 159, 146, 150, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(n.is_none());
        assert_eq!(d[0].code, Code::BinaryFile);
    }

    #[test]
    fn bom_and_crlf() {
        let (n, d) = mk("\u{feff}---\r\ntitle: x\r\n---\r\nbody\rline".as_bytes());
        let n = n.unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(n.front.title.as_deref(), Some("x"));
        assert_eq!(n.body(), "body\nline");
    }

    #[test]
    fn empty_note_warns() {
        let (n, d) = mk(b"");
        assert!(n.is_some());
        assert_eq!(d[0].code, Code::EmptyNote);
    }

    #[test]
    fn stem_and_folder() {
        let (n, _) = note_from_bytes(
            "notes/db/Redis.md",
            "db/Redis.md".into(),
            PathBuf::new(),
            b"x".to_vec(),
            None,
        );
        let n = n.unwrap();
        assert_eq!(n.stem, "Redis");
        assert_eq!(n.folder, "db");
    }
}
