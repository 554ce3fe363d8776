//! What the parse stage knows of a note: headings, links, sections, block ids, and its
//! troubleshooting entries.

use super::diag::Diagnostic;

/// A heading of a note.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Plain text.
    pub text: String,
    /// Unique id on the page (the anchor).
    pub id: String,
    /// Byte offset of the heading in the note's body.
    pub start: usize,
    /// Byte offset where its section (up to the next heading of the same or a higher level) ends.
    pub end: usize,
    /// 1-based line in the file.
    pub line: usize,
}

/// What kind of reference a link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    /// `[[Note]]`.
    Wiki,
    /// `![[Note]]` or `![[image.png]]`.
    Embed,
    /// `[text](note.md)`.
    Markdown,
    /// `![alt](image.png)`.
    Image,
}

/// One outgoing reference found in a note.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkRef {
    /// Wikilink, embed, Markdown link or image.
    pub kind: LinkKind,
    /// Destination as written (wikilink body, or the URL of a Markdown link).
    pub dest: String,
    /// The label after `|` in a wikilink, if any.
    pub label: Option<String>,
    /// Byte offset in the body.
    pub offset: usize,
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column in the file.
    pub col: usize,
    /// Plain text of the paragraph or list item around the link (kept out of the heap until
    /// backlinks show it).
    pub context: super::spill::Spilled,
}

/// The text under one heading (the opening text before the first heading is a section too).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Section {
    /// Index into `headings`, `None` for the opening text.
    pub heading: Option<usize>,
    /// The heading id, empty for the opening text.
    pub anchor: String,
    /// Heading texts from the top level down to this one.
    pub path: Vec<String>,
    /// Plain text.
    pub text: String,
    /// 1-based line where it starts.
    pub line: usize,
}

/// A note's sections, serialized and compressed: a build holds every note's sections to the
/// end but only the search stage reads them, a note at a time ([`Sections::unpack`]).
#[derive(Debug, Clone, Default)]
pub struct Sections {
    count: usize,
    /// Bytes of the sections' plain text, summed.
    text_bytes: usize,
    packed: super::spill::Spilled,
}

impl Sections {
    /// Packs `list`.
    pub fn pack(list: &[Section]) -> Sections {
        let mut s = String::new();
        let field = |s: &mut String, f: &str| {
            s.push_str(&f.len().to_string());
            s.push(':');
            s.push_str(f);
        };
        for x in list {
            let heading = x.heading.map_or(0, |h| h + 1);
            s.push_str(&format!("{heading} {} {} ", x.line, x.path.len()));
            field(&mut s, &x.anchor);
            for p in &x.path {
                field(&mut s, p);
            }
            field(&mut s, &x.text);
        }
        Sections {
            count: list.len(),
            text_bytes: list.iter().map(|x| x.text.len()).sum(),
            packed: super::spill::Spilled::new(&s),
        }
    }

    /// The sections, in order.
    pub fn unpack(&self) -> Vec<Section> {
        let s = self.packed.unpack();
        let mut r = Reader { s: &s, at: 0 };
        let mut out = Vec::with_capacity(self.count);
        for _ in 0..self.count {
            let (Some(heading), Some(line), Some(n)) = (r.num(b' '), r.num(b' '), r.num(b' '))
            else {
                break;
            };
            let anchor = r.field().to_string();
            let path = (0..n).map(|_| r.field().to_string()).collect();
            out.push(Section {
                heading: heading.checked_sub(1),
                anchor,
                path,
                text: r.field().to_string(),
                line,
            });
        }
        out
    }

    /// The number of sections.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the note has no section.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of the sections' plain text, summed, without unpacking them (the search export
    /// sizes a note's result data by it).
    pub fn text_bytes(&self) -> usize {
        self.text_bytes
    }
}

impl From<Vec<Section>> for Sections {
    fn from(list: Vec<Section>) -> Sections {
        Sections::pack(&list)
    }
}

impl serde::Serialize for Sections {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.unpack().serialize(s)
    }
}

/// Reads what [`Sections::pack`] wrote.
struct Reader<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    /// A decimal number ended by `end`.
    fn num(&mut self, end: u8) -> Option<usize> {
        let rest = self.s.get(self.at..)?;
        let k = rest.bytes().position(|b| b == end)?;
        self.at += k + 1;
        rest[..k].parse().ok()
    }

    /// A field written as its length, `:`, and its bytes.
    fn field(&mut self) -> &'a str {
        let Some(len) = self.num(b':') else {
            return "";
        };
        let f = self.s.get(self.at..self.at + len).unwrap_or_default();
        self.at += len;
        f
    }
}

/// An Obsidian `^block-id` marker and the block (paragraph or list item) it names.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BlockId {
    /// The id without `^`.
    pub id: String,
    /// 1-based line.
    pub line: usize,
    /// Byte range of the block in the body.
    pub start: usize,
    /// End of the block.
    pub end: usize,
}

/// Everything the parse stage knows about a note.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ParsedNote {
    /// Text of the first `# H1`, if the body starts with one.
    pub h1: Option<String>,
    /// All headings in order.
    pub headings: Vec<Heading>,
    /// Links, embeds and images in order.
    pub links: Vec<LinkRef>,
    /// Inline `#tags` in prose, in order, deduplicated.
    pub tags: Vec<String>,
    /// Sections for search, compressed: only the search stage reads them.
    pub sections: Sections,
    /// The first paragraph as plain text (at most about 300 characters).
    pub summary: String,
    /// `^block-id` markers.
    pub block_ids: Vec<BlockId>,
    /// Problems found in the Markdown.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of Mermaid blocks.
    pub diagrams: usize,
    /// A canvas's cards and edges (its text cards' Markdown is what `links` point into).
    pub canvas: Option<Box<super::canvas::Canvas>>,
    /// Number of bases it shows (`base` blocks; 1 for a `.base` file): its page reads every
    /// note.
    pub bases: usize,
}

impl ParsedNote {
    /// The Markdown the note's links and headings point into: its body, or a canvas's text
    /// cards.
    pub fn markdown<'a>(&'a self, note: &'a super::Note) -> std::borrow::Cow<'a, str> {
        match &self.canvas {
            Some(c) => std::borrow::Cow::Borrowed(c.source.as_str()),
            None => std::borrow::Cow::Owned(note.body()),
        }
    }

    /// The length of [`ParsedNote::markdown`] in bytes.
    pub fn markdown_len(&self, note: &super::Note) -> usize {
        self.canvas
            .as_ref()
            .map_or(note.body_len(), |c| c.source.len())
    }
}

/// The patterns kb recognises, as kb.toml names them.
pub const PATTERNS: &[&str] = &["headings", "shape", "callouts"];

/// What to recognise (from kb.toml).
#[derive(Debug, Clone)]
pub struct Options {
    /// Section names besides [`HEADINGS`].
    pub extra_headings: Vec<String>,
    /// The enabled patterns, a subset of [`PATTERNS`].
    pub patterns: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            extra_headings: Vec::new(),
            patterns: PATTERNS.iter().map(|p| p.to_string()).collect(),
        }
    }
}

/// One troubleshooting entry of a note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// Heading id of the entry's section (the section holding it, for a callout).
    pub anchor: String,
    /// Usually the error: the section's heading or the callout's title.
    pub title: String,
    /// 1-based line in the file.
    pub line: usize,
    /// The symptom line, where written.
    pub symptom: Option<String>,
    /// The cause line, where written.
    pub cause: Option<String>,
    /// The fix line, where written.
    pub fix: Option<String>,
    /// Byte range of the entry in the note's body (its section, or its callout).
    pub range: std::ops::Range<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_pack_and_unpack_unchanged() {
        let list = vec![
            Section {
                heading: None,
                anchor: String::new(),
                path: vec![],
                text: "12:34 여는 글 5: 6".into(),
                line: 1,
            },
            Section {
                heading: Some(0),
                anchor: "3:a b".into(),
                path: vec!["개념".into(), "".into(), "9:x".into()],
                text: String::new(),
                line: 7,
            },
        ];
        let packed = Sections::pack(&list);
        assert_eq!(packed.len(), 2);
        let back = packed.unpack();
        assert_eq!(back.len(), 2);
        for (a, b) in list.iter().zip(&back) {
            assert_eq!(
                (a.heading, &a.anchor, &a.path, &a.text, a.line),
                (b.heading, &b.anchor, &b.path, &b.text, b.line)
            );
        }
        assert!(Sections::default().unpack().is_empty());
    }
}
