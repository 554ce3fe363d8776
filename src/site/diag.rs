//! Diagnostics: every problem kb finds, as `path:line:col: severity: message` plus a hint,
//! coloured on a terminal (NO_COLOR honoured) and as JSON for scripts.

use serde::{Deserialize, Serialize};
use std::io::Write;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something to look at; the build succeeds.
    Warning,
    /// The build exits with status 1 (the rest of the site is still written).
    Error,
}

impl Severity {
    /// The lowercase name used in the text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The part of kb that reports a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Reading the notes folder, the notes and their front matter.
    Load,
    /// Parsing a note's Markdown.
    Parse,
    /// Giving pages their URLs and resolving links and embeds: done again by every relink.
    Link,
    /// The search index.
    Index,
    /// Rendering and writing the pages.
    Render,
    /// Outside the stages: configuration, caches and `kb check`'s own findings.
    Other,
}

/// Declares [`Code`] from one row per code: variant, name, stage and severity.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $stage:ident, $severity:ident;)*) => {
        /// A stable machine-readable diagnostic code; its name (such as `broken-link`) is what
        /// the text and `kb check --json` show.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code.
            pub const ALL: &[Code] = &[$(Code::$variant),*];

            /// The code's name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The stage that reports it.
            pub fn stage(self) -> Stage {
                match self {
                    $(Code::$variant => Stage::$stage,)*
                }
            }

            /// The severity it is always reported with (before strict mode), `None` when that
            /// depends on the case.
            pub fn severity(self) -> Option<Severity> {
                match self {
                    $(Code::$variant => codes!(@severity $severity),)*
                }
            }
        }
    };
    (@severity warning) => { Some(Severity::Warning) };
    (@severity error) => { Some(Severity::Error) };
    (@severity depends) => { None };
}

codes! {
    /// A folder links back to one of its parents.
    SymlinkLoop = "symlink-loop", Load, warning;
    /// A folder entry or a note that cannot be read.
    Unreadable = "unreadable", Load, depends;
    /// Something in the notes folder that is neither a file nor a folder.
    NotAFile = "not-a-file", Load, warning;
    /// A file name that is not valid UTF-8.
    FileNameEncoding = "file-name-encoding", Load, warning;
    /// A symlink pointing outside the notes folder.
    SymlinkOutside = "symlink-outside", Load, warning;
    /// A note over the size limit.
    NoteTooLarge = "note-too-large", Load, error;
    /// A `.md` file holding NUL bytes early on.
    BinaryFile = "binary-file", Load, error;
    /// A note that is not valid UTF-8.
    InvalidUtf8 = "invalid-utf8", Load, error;
    /// A NUL byte in a note.
    NulByte = "nul-byte", Load, warning;
    /// A note without content.
    EmptyNote = "empty-note", Load, warning;
    /// Front matter whose closing fence is missing.
    FrontmatterUnclosed = "frontmatter-unclosed", Load, error;
    /// Front matter that is not valid YAML or TOML.
    FrontmatterSyntax = "frontmatter-syntax", Load, error;
    /// Front matter that is not a map of keys.
    FrontmatterNotMap = "frontmatter-not-map", Load, error;
    /// A `date` or `updated` that is not a date.
    FrontmatterDate = "frontmatter-date", Load, warning;
    /// A front matter key with a value of the wrong type.
    FrontmatterType = "frontmatter-type", Load, warning;
    /// A Mermaid diagram that does not draw.
    Diagram = "diagram", Parse, warning;
    /// A formula that does not convert to MathML.
    Math = "math", Parse, warning;
    /// A code fence that is never closed.
    UnclosedCodeFence = "unclosed-code-fence", Parse, warning;
    /// A canvas that is not valid JSON, or not a JSON Canvas object.
    CanvasSyntax = "canvas-syntax", Parse, error;
    /// A canvas node or edge kb cannot draw (unknown type, missing field, edge to no node).
    Canvas = "canvas", Parse, warning;
    /// A base (a `.base` file or a `base` block) that is not valid YAML or not a map.
    BaseSyntax = "base-syntax", Parse, error;
    /// A part of a base kb does not support or cannot read (it is left out; the rest shows).
    Base = "base", Parse, warning;
    /// A link to no note.
    BrokenLink = "broken-link", Link, warning;
    /// An embed of no note.
    BrokenEmbed = "broken-embed", Link, warning;
    /// A link to a heading or block the note does not have.
    BrokenAnchor = "broken-anchor", Link, warning;
    /// A link or embed of a file that is not there.
    MissingAttachment = "missing-attachment", Link, warning;
    /// A link that several notes answer to.
    AmbiguousLink = "ambiguous-link", Link, warning;
    /// Embeds that embed each other.
    EmbedCycle = "embed-cycle", Link, error;
    /// Embeds nested deeper than kb draws.
    EmbedDepth = "embed-depth", Link, warning;
    /// A note whose URL is one kb uses for its own pages.
    ReservedUrl = "reserved-url", Link, warning;
    /// Notes that would be published at the same URL.
    DuplicateUrl = "duplicate-url", Link, error;
    /// A search index that cannot be opened.
    Index = "index", Index, warning;
    /// A page template that fails.
    Template = "template", Render, error;
    /// A page or file that cannot be written.
    Write = "write", Render, error;
    /// A problem in kb.toml.
    Config = "config", Other, error;
    /// `home` in kb.toml names no note.
    HomeMissing = "home-missing", Other, warning;
    /// A cache that cannot be saved.
    Cache = "cache", Other, warning;
    /// A note with no links in or out.
    Orphan = "orphan", Other, warning;
    /// An attachment the site leaves out.
    Unpublished = "unpublished", Other, warning;
    /// A troubleshooting entry missing a part.
    TroubleIncomplete = "trouble-incomplete", Other, warning;
    /// A mention of a note that is not linked.
    UnlinkedMention = "unlinked-mention", Other, warning;
    /// A built site over a static host's limit (files, size, file size).
    HostLimit = "host-limit", Other, warning;
}

impl Code {
    /// Whether `--strict` (or `strict = true`) makes it an error.
    pub fn strict_error(self) -> bool {
        matches!(
            self,
            Code::BrokenLink | Code::BrokenEmbed | Code::BrokenAnchor | Code::MissingAttachment
        )
    }

    /// Whether the dev server keeps it across a relink; the link stage's codes are found
    /// again by the relink itself.
    pub fn survives_relink(self) -> bool {
        self.stage() != Stage::Link
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// the quoted name: a Diagnostic's debug form shows the code as the output does
impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code {name}")))
    }
}

/// One finding about one place in one file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// A stable machine-readable code such as `broken-link`.
    pub code: Code,
    /// Path as shown to the user, e.g. `notes/redis.md`.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    #[serde(rename = "column")]
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it (printed after the message).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub hint: String,
    /// The link target or name involved, when there is one.
    pub target: Option<String>,
    /// The closest existing name, when one is close enough.
    pub suggestion: Option<String>,
}

impl Diagnostic {
    /// Creates a diagnostic without target or suggestion.
    pub fn new(
        severity: Severity,
        code: Code,
        path: impl Into<String>,
        (line, col): (usize, usize),
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        debug_assert!(
            code.severity().is_none_or(|s| s == severity),
            "{code} is never a {}",
            severity.as_str()
        );
        Diagnostic {
            severity,
            code,
            path: path.into(),
            line,
            col,
            message: message.into(),
            hint: hint.into(),
            target: None,
            suggestion: None,
        }
    }

    /// Shorthand for an error.
    pub fn error(
        code: Code,
        path: impl Into<String>,
        pos: (usize, usize),
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, code, path, pos, message, hint)
    }

    /// Shorthand for a warning.
    pub fn warning(
        code: Code,
        path: impl Into<String>,
        pos: (usize, usize),
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, path, pos, message, hint)
    }

    /// Attaches the link target involved.
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Attaches a suggestion.
    pub fn with_suggestion(mut self, s: Option<String>) -> Self {
        self.suggestion = s;
        self
    }

    /// The plain one-line form `path:line:col: severity: message`.
    pub fn headline(&self) -> String {
        format!(
            "{}:{}:{}: {}: {}",
            self.path,
            self.line,
            self.col,
            self.severity.as_str(),
            self.message
        )
    }
}

/// Sorts diagnostics by path, line and column so output is stable across runs.
pub fn sort(diags: &mut [Diagnostic]) {
    // codes compare by name, so ties order alphabetically
    fn key(d: &Diagnostic) -> (&str, usize, usize, &'static str, &str) {
        (
            d.path.as_str(),
            d.line,
            d.col,
            d.code.as_str(),
            d.message.as_str(),
        )
    }
    diags.sort_by(|a, b| key(a).cmp(&key(b)));
}

/// Prints diagnostics to stderr, coloured when stderr is a terminal and NO_COLOR is unset.
pub fn print(diags: &[Diagnostic]) {
    let mut out = anstream::stderr().lock();
    for d in diags {
        let _ = write_one(&mut out, d);
    }
}

fn write_one(out: &mut impl Write, d: &Diagnostic) -> std::io::Result<()> {
    use anstyle::{AnsiColor, Style};
    let bold = Style::new().bold();
    let sev = match d.severity {
        Severity::Error => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
        Severity::Warning => Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
    };
    let dim = Style::new().fg_color(Some(AnsiColor::Cyan.into()));
    writeln!(
        out,
        "{bold}{}:{}:{}:{bold:#} {sev}{}:{sev:#} {}",
        d.path,
        d.line,
        d.col,
        d.severity.as_str(),
        d.message
    )?;
    if !d.hint.is_empty() {
        writeln!(out, "  {dim}hint:{dim:#} {}", d.hint)?;
    }
    Ok(())
}

/// Prints a one-line summary such as `2 errors, 1 warning`.
pub fn summary(diags: &[Diagnostic]) -> String {
    let e = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let w = diags.len() - e;
    let plural = |n: usize, s: &str| {
        if n == 1 {
            format!("{n} {s}")
        } else {
            format!("{n} {s}s")
        }
    };
    format!("{}, {}", plural(e, "error"), plural(w, "warning"))
}

/// Whether any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// Converts a byte offset into a 1-based (line, column) pair; the column counts characters.
/// The first line of a parser's error message without its own `error:` prefix and `line N
/// column M:` position: a diagnostic states the position in the file itself.
pub fn parser_message(raw: &str) -> &str {
    let msg = raw.lines().next().unwrap_or("syntax error").trim();
    let msg = msg.strip_prefix("error:").unwrap_or(msg).trim();
    match msg.find(": ") {
        Some(i) if msg[..i].starts_with("line ") => &msg[i + 2..],
        _ => msg,
    }
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Maps byte offsets to (line, column) quickly for many lookups in one text.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(after_newlines(text.as_bytes()));
        LineIndex { text, starts }
    }

    /// 1-based (line, column in characters) of a byte offset.
    pub fn pos(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let col = self.text[self.starts[line]..offset].chars().count() + 1;
        (line + 1, col)
    }
}

fn after_newlines(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    b.iter()
        .enumerate()
        .filter(|(_, c)| **c == b'\n')
        .map(|(i, _)| i + 1)
}

/// The largest char boundary not after `i`.
pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let t = "ab\n한글x";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 3 + 6), (2, 3));
        let idx = LineIndex::new(t);
        assert_eq!(idx.pos(3 + 6), (2, 3));
        assert_eq!(idx.pos(1), (1, 2));
    }

    #[test]
    fn codes_serialize_as_their_names() {
        for &c in Code::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            let name: String = serde_json::from_str(&json).unwrap();
            assert_eq!(Code::ALL.iter().find(|k| k.as_str() == name), Some(&c));
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(format!("{c:?}"), format!("{:?}", c.as_str()));
        }
    }

    #[test]
    fn code_names_are_unique_and_unchanged() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "a name is used twice");
        // `kb check --json` prints these: scripts depend on them
        let mut expected = vec![
            "ambiguous-link",
            "binary-file",
            "broken-anchor",
            "broken-embed",
            "broken-link",
            "cache",
            "config",
            "diagram",
            "duplicate-url",
            "embed-cycle",
            "embed-depth",
            "empty-note",
            "file-name-encoding",
            "frontmatter-date",
            "frontmatter-not-map",
            "frontmatter-syntax",
            "frontmatter-type",
            "frontmatter-unclosed",
            "home-missing",
            "host-limit",
            "canvas",
            "canvas-syntax",
            "base",
            "base-syntax",
            "index",
            "invalid-utf8",
            "math",
            "missing-attachment",
            "not-a-file",
            "note-too-large",
            "nul-byte",
            "orphan",
            "reserved-url",
            "symlink-loop",
            "symlink-outside",
            "template",
            "trouble-incomplete",
            "unclosed-code-fence",
            "unlinked-mention",
            "unpublished",
            "unreadable",
            "write",
        ];
        expected.sort_unstable();
        assert_eq!(names, expected);
    }

    #[test]
    fn strict_mode_raises_broken_links_and_attachments_only() {
        let strict: Vec<&str> = Code::ALL
            .iter()
            .filter(|c| c.strict_error())
            .map(|c| c.as_str())
            .collect();
        assert_eq!(
            strict,
            [
                "broken-link",
                "broken-embed",
                "broken-anchor",
                "missing-attachment"
            ]
        );
        // only warnings need raising
        for &c in Code::ALL.iter().filter(|c| c.strict_error()) {
            assert_eq!(c.severity(), Some(Severity::Warning), "{c}");
        }
    }

    #[test]
    fn a_relink_reports_the_link_and_url_codes_again() {
        let mut found_again: Vec<&str> = Code::ALL
            .iter()
            .filter(|c| !c.survives_relink())
            .map(|c| c.as_str())
            .collect();
        found_again.sort_unstable();
        assert_eq!(
            found_again,
            [
                "ambiguous-link",
                "broken-anchor",
                "broken-embed",
                "broken-link",
                "duplicate-url",
                "embed-cycle",
                "embed-depth",
                "missing-attachment",
                "reserved-url",
            ]
        );
    }

    #[test]
    fn headline_format() {
        let d = Diagnostic::error(Code::Write, "notes/a.md", (3, 4), "bad", "fix");
        assert_eq!(d.headline(), "notes/a.md:3:4: error: bad");
    }

    #[test]
    fn plain_output_without_colour() {
        let d = Diagnostic::warning(Code::Orphan, "notes/a.md", (1, 2), "m", "h");
        let mut buf = Vec::new();
        let mut s = anstream::StripStream::new(&mut buf);
        write_one(&mut s, &d).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "notes/a.md:1:2: warning: m\n  hint: h\n"
        );
    }
}
