//! Diagnostics: every problem kb finds, as `path:line:col: severity: message` plus a hint,
//! coloured on a terminal (NO_COLOR honoured) and as JSON for scripts.

use serde::Serialize;
use std::io::Write;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
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

/// One finding about one place in one file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// A stable machine-readable code such as `broken-link`.
    pub code: &'static str,
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
    #[serde(skip_serializing_if = "String::is_empty")]
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
        code: &'static str,
        path: impl Into<String>,
        (line, col): (usize, usize),
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
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
        code: &'static str,
        path: impl Into<String>,
        pos: (usize, usize),
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, code, path, pos, message, hint)
    }

    /// Shorthand for a warning.
    pub fn warning(
        code: &'static str,
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
    diags.sort_by(|a, b| {
        (a.path.as_str(), a.line, a.col, a.code, a.message.as_str()).cmp(&(
            b.path.as_str(),
            b.line,
            b.col,
            b.code,
            b.message.as_str(),
        ))
    });
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
    fn headline_format() {
        let d = Diagnostic::error("x", "notes/a.md", (3, 4), "bad", "fix");
        assert_eq!(d.headline(), "notes/a.md:3:4: error: bad");
    }

    #[test]
    fn plain_output_without_colour() {
        let d = Diagnostic::warning("x", "notes/a.md", (1, 2), "m", "h");
        let mut buf = Vec::new();
        let mut s = anstream::StripStream::new(&mut buf);
        write_one(&mut s, &d).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "notes/a.md:1:2: warning: m\n  hint: h\n"
        );
    }
}
