//! Stage 2, parse: Markdown events of each note into plain data: headings with their ids,
//! sections with plain text for search, links and embeds with positions and context, inline
//! tags, block ids and a summary. Notes are parsed in parallel and independently.

pub use crate::site::parsed::{BlockId, Heading, LinkKind, LinkRef, ParsedNote, Section, Sections};
pub use crate::site::slug;
pub use crate::site::text::truncate_chars;

pub mod bases;
pub mod canvas;
pub mod diagram;
pub mod highlight;
pub mod inline;
pub mod math;

pub mod trouble;

use crate::diag::{Code, Diagnostic, LineIndex};
use crate::load::Note;
use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// The Markdown extensions kb enables (callouts are handled by kb itself).
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_MATH
        | Options::ENABLE_WIKILINKS
}

/// An event with its byte range in the parsed text.
pub type Ev<'a> = (Event<'a>, Range<usize>);

/// Parses Markdown into events, merging adjacent text events so inline scanners see whole runs.
pub fn events(src: &str) -> Vec<Ev<'_>> {
    let mut out: Vec<Ev> = Vec::new();
    for (ev, r) in Parser::new_ext(src, options()).into_offset_iter() {
        if let Event::Text(t) = &ev
            && let Some((Event::Text(prev), pr)) = out.last_mut()
        {
            let mut s = String::with_capacity(prev.len() + t.len());
            s.push_str(prev);
            s.push_str(t);
            *prev = CowStr::from(s);
            pr.end = r.end.max(pr.end);
            continue;
        }
        out.push((ev, r));
    }
    strong_beside_cjk(src, &mut out);
    out
}

/// The text of the fenced code block whose start tag is `evs[start]`.
fn code_block_text(evs: &[Ev], start: usize) -> String {
    let mut src = String::new();
    for (ev, _) in &evs[start + 1..] {
        match ev {
            Event::Text(t) => src.push_str(t),
            Event::End(TagEnd::CodeBlock) => break,
            _ => {}
        }
    }
    src
}

/// Reports a Mermaid block that does not parse (the page shows it as code) at its first line.
fn check_diagram(evs: &[Ev], start: usize, at: (usize, usize), note: &Note, p: &mut ParsedNote) {
    let src = code_block_text(evs, start);
    p.diagrams += 1;
    if let Err(e) = diagram::check(&src) {
        p.diagnostics.push(Diagnostic::warning(
            Code::Diagram,
            note.display_path.clone(),
            at,
            format!("Mermaid diagram not drawn: {e}"),
            "fix the diagram; the page shows its source as code",
        ));
    }
}

/// Reads a `base` block (its first line is the file's line `line`) for its problems; the
/// render stage draws it.
fn check_base(evs: &[Ev], start: usize, line: usize, note: &Note, p: &mut ParsedNote) {
    let src = code_block_text(evs, start);
    p.bases += 1;
    let (_, diags) = bases::parse_base(&src, &note.display_path, line);
    p.diagnostics.extend(diags);
}

/// Turns `**text**` that CommonMark leaves as literal asterisks into strong emphasis, as
/// Obsidian does: a closing `**` after punctuation and before a letter (`**"인용"**는`,
/// `**Redis(레디스)**를`) is not right-flanking by the spec, which Korean text meets all the
/// time. Only text read straight from the source is paired (no escapes in it), and only
/// within one block.
fn strong_beside_cjk<'a>(src: &'a str, evs: &mut Vec<Ev<'a>>) {
    // the `**` runs pulldown-cmark left as text: (event, byte offset in its text, block)
    // the container a run sits in: a new number for every block and every inline element,
    // so a pair never straddles a boundary and the events stay well nested
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut next = 0usize;
    let mut inside: Vec<usize> = vec![0];
    for (k, (ev, r)) in evs.iter().enumerate() {
        match ev {
            Event::Start(t) => {
                next += 1;
                if is_inline(t) {
                    inside.push(next);
                } else {
                    inside = vec![next];
                }
            }
            Event::End(t) => {
                next += 1;
                if is_inline_end(t) && inside.len() > 1 {
                    inside.pop();
                } else {
                    inside = vec![next];
                }
            }
            Event::Text(t) if t.contains("**") && src.get(r.clone()) == Some(&**t) => {
                let block = inside.last().copied().unwrap_or(0);
                let mut at = 0;
                while let Some(i) = t[at..].find("**") {
                    runs.push((k, at + i, block));
                    at += i + 2;
                }
            }
            _ => {}
        }
    }
    // pair them in order: an opening run before a non-space, a closing one after a non-space
    let mut pairs: Vec<((usize, usize), (usize, usize))> = Vec::new();
    let mut open: Option<(usize, usize, usize)> = None;
    for &(k, at, b) in &runs {
        let Event::Text(t) = &evs[k].0 else { continue };
        let before = t[..at].chars().next_back();
        let after = t[at + 2..].chars().next();
        match open {
            // at the edge of a text run the neighbour is inline code or a link: not a space
            Some((ok, oat, ob))
                if ob == b
                    && before.is_none_or(|c| !c.is_whitespace())
                    && (ok, oat + 2) != (k, at) =>
            {
                pairs.push(((ok, oat), (k, at)));
                open = None;
            }
            _ if after.is_none_or(|c| !c.is_whitespace() && c != '*') => open = Some((k, at, b)),
            _ => open = None,
        }
    }
    if pairs.is_empty() {
        return;
    }
    let mut cuts: std::collections::BTreeMap<usize, Vec<(usize, bool)>> = Default::default();
    for ((ok, oat), (ck, cat)) in pairs {
        cuts.entry(ok).or_default().push((oat, true));
        cuts.entry(ck).or_default().push((cat, false));
    }
    let old = std::mem::take(evs);
    for (k, (ev, r)) in old.into_iter().enumerate() {
        let (Some(marks), Event::Text(t)) = (cuts.get_mut(&k), &ev) else {
            evs.push((ev, r));
            continue;
        };
        marks.sort_unstable();
        let mut from = 0;
        for &(at, opening) in marks.iter() {
            if at > from {
                evs.push((
                    Event::Text(CowStr::from(t[from..at].to_string())),
                    r.start + from..r.start + at,
                ));
            }
            let tag = if opening {
                Event::Start(Tag::Strong)
            } else {
                Event::End(TagEnd::Strong)
            };
            evs.push((tag, r.start + at..r.start + at + 2));
            from = at + 2;
        }
        if from < t.len() {
            evs.push((
                Event::Text(CowStr::from(t[from..].to_string())),
                r.start + from..r.end,
            ));
        }
    }
}

fn is_inline(t: &Tag) -> bool {
    matches!(
        t,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
    )
}

fn is_inline_end(t: &TagEnd) -> bool {
    matches!(
        t,
        TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image
    )
}

impl ParsedNote {
    /// Finds a heading by link text (`[[Note#Heading]]`): by id, then by slug, then by text.
    pub fn find_heading(&self, anchor: &str) -> Option<&Heading> {
        let slug = slug::heading_id(anchor);
        let lower = anchor.trim().to_lowercase();
        self.headings
            .iter()
            .find(|h| h.id == anchor)
            .or_else(|| self.headings.iter().find(|h| h.id == slug))
            .or_else(|| {
                self.headings
                    .iter()
                    .find(|h| h.text.to_lowercase() == lower)
            })
            .or_else(|| {
                self.headings
                    .iter()
                    .find(|h| slug::heading_id(&h.text) == slug)
            })
            .or_else(|| {
                // Obsidian writes a heading's `: # | ^ % [ ] \` as spaces in links
                let loose = loose_heading(anchor);
                self.headings
                    .iter()
                    .find(|h| loose_heading(&h.text) == loose)
            })
    }
}

/// A heading as Obsidian compares it with a link's `#heading`: the characters a link cannot
/// hold as spaces, runs of white space as one, no case.
fn loose_heading(s: &str) -> String {
    let spaced: String = s
        .chars()
        .map(|c| match c {
            ':' | '#' | '|' | '^' | '%' | '[' | ']' | '\\' => ' ',
            c => c,
        })
        .collect();
    spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether a Markdown link destination points outside the site (has a scheme) or is empty.
pub fn is_external(dest: &str) -> bool {
    let d = dest.trim();
    if d.is_empty() || d.starts_with("//") {
        return true;
    }
    match d.find(':') {
        Some(i) => {
            let scheme = &d[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !d[..i].contains('/')
        }
        None => false,
    }
}

const SUMMARY_CHARS: usize = 300;
const CONTEXT_CHARS: usize = 240;

/// Parses one note's body: Markdown, or a canvas's JSON.
pub fn parse_note(note: &Note) -> ParsedNote {
    match note.kind {
        crate::site::NoteKind::Canvas => canvas::parse(note),
        crate::site::NoteKind::Base => bases::parse(note),
        _ => parse_markdown(note),
    }
}

/// Parses a Markdown note's body.
fn parse_markdown(note: &Note) -> ParsedNote {
    let text = note.source();
    let evs = events(text.get(note.body_offset..).unwrap_or_default());
    let mut parser = NoteParser::new(note, &text);
    for (k, (ev, r)) in evs.iter().enumerate() {
        match ev {
            Event::Start(tag) => parser.start(&evs, k, tag, r),
            Event::End(end) => parser.end(end, r),
            Event::Text(t) => parser.text(t),
            Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                if matches!(ev, Event::InlineMath(_) | Event::DisplayMath(_)) {
                    parser.check_math(t, r.start);
                }
                parser.code(t);
            }
            Event::SoftBreak | Event::HardBreak => parser.line_break(),
            _ => {}
        }
    }
    parser.finish()
}

/// A heading whose text is being collected.
struct OpenHeading {
    level: u8,
    /// Byte offset in the body.
    start: usize,
    text: String,
    /// The id written as `{#id}`.
    explicit_id: Option<String>,
}

/// The state of one pass over a note's events.
struct NoteParser<'n> {
    note: &'n Note,
    /// The note's source, decompressed once for the whole pass.
    text: &'n str,
    lines: LineIndex<'n>,
    p: ParsedNote,
    ids: slug::IdDeduper,
    heading: Option<OpenHeading>,
    code_depth: usize,
    /// Per open link or image: its index in `p.links`, `None` for one kb does not track.
    link_stack: Vec<Option<usize>>,
    /// Plain text of the current block, for link contexts, block ids and the summary.
    block_text: String,
    /// Links in the current block: (index in `p.links`, offset in `block_text`).
    block_links: Vec<(usize, usize)>,
    section: Section,
    /// The sections closed so far (packed into `p` at the end).
    sections: Vec<Section>,
    /// Level and text of the headings above the current one.
    heading_path: Vec<(u8, String)>,
    /// Still at the first block, before any other element (a `# H1` here is the note's h1).
    first_block: bool,
    summary_done: bool,
    quote_depth: usize,
    /// Starts of the open paragraphs, list items and table cells.
    block_starts: Vec<usize>,
}

impl<'n> NoteParser<'n> {
    /// The note's body (after the front matter).
    fn body(&self) -> &'n str {
        self.text.get(self.note.body_offset..).unwrap_or_default()
    }

    fn new(note: &'n Note, text: &'n str) -> Self {
        let lines = LineIndex::new(text);
        let first_line = lines.pos(note.body_offset).0;
        NoteParser {
            note,
            text,
            lines,
            p: ParsedNote::default(),
            ids: slug::IdDeduper::default(),
            heading: None,
            code_depth: 0,
            link_stack: Vec::new(),
            block_text: String::new(),
            block_links: Vec::new(),
            sections: Vec::new(),
            section: Section {
                heading: None,
                anchor: String::new(),
                path: vec![],
                text: String::new(),
                line: first_line,
            },
            heading_path: Vec::new(),
            first_block: true,
            summary_done: false,
            quote_depth: 0,
            block_starts: Vec::new(),
        }
    }

    /// 1-based (line, column) in the file of byte `off` of the body.
    fn pos(&self, off: usize) -> (usize, usize) {
        self.lines.pos(self.note.body_offset + off)
    }

    /// Ends the current block: its links get their context.
    fn flush(&mut self) {
        for &(i, at) in &self.block_links {
            self.p.links[i].context = context_window(&self.block_text, at).as_str().into();
        }
        self.block_links.clear();
        self.block_text.clear();
    }

    /// The start of a block or inline element, event `k` of `evs`.
    fn start(&mut self, evs: &[Ev], k: usize, tag: &Tag, r: &Range<usize>) {
        match tag {
            Tag::Paragraph | Tag::Item | Tag::TableCell | Tag::BlockQuote(_) | Tag::List(_) => {
                self.flush();
                if matches!(tag, Tag::Paragraph | Tag::Item | Tag::TableCell) {
                    self.block_starts.push(r.start);
                }
                if matches!(tag, Tag::BlockQuote(_)) {
                    self.quote_depth += 1;
                }
                self.section.text.push(' ');
            }
            Tag::Heading { level, id, .. } => {
                self.flush();
                self.heading = Some(OpenHeading {
                    level: *level as u8,
                    start: r.start,
                    text: String::new(),
                    explicit_id: id.as_ref().map(|s| s.to_string()),
                });
            }
            Tag::CodeBlock(kind) => self.code_block_start(evs, k, kind, r),
            Tag::Link { .. } | Tag::Image { .. } => self.link_start(tag, r.start),
            _ => {}
        }
        if !matches!(tag, Tag::Heading { .. }) && self.first_block && !matches!(tag, Tag::Paragraph)
        {
            self.first_block = false;
        }
    }

    /// A code block: Mermaid diagrams and fences are checked.
    fn code_block_start(&mut self, evs: &[Ev], k: usize, kind: &CodeBlockKind, r: &Range<usize>) {
        self.code_depth += 1;
        let body = self.body();
        if let CodeBlockKind::Fenced(info) = kind
            && info
                .split_whitespace()
                .next()
                .is_some_and(|l| l.eq_ignore_ascii_case("mermaid"))
        {
            check_diagram(evs, k, self.pos(r.start), self.note, &mut self.p);
        }
        if let CodeBlockKind::Fenced(info) = kind
            && info.split_whitespace().next() == Some("base")
        {
            check_base(evs, k, self.pos(r.start).0 + 1, self.note, &mut self.p);
        }
        if let CodeBlockKind::Fenced(_) = kind {
            check_fence(
                &body[r.clone()],
                r.end == body.len() || body[r.end..].trim().is_empty(),
                self.pos(r.start),
                self.note,
                &mut self.p,
            );
        }
        self.section.text.push('\n');
    }

    /// Records a link or image kb tracks, at byte `start` of the body.
    fn link_start(&mut self, tag: &Tag, start: usize) {
        let recorded = link_kind(tag).map(|(kind, dest, piped)| {
            let (line, col) = self.pos(start);
            self.p.links.push(LinkRef {
                kind,
                dest: dest.to_string(),
                // a piped wikilink's label is collected from its text
                label: piped.then(String::new),
                offset: start,
                line,
                col,
                context: Default::default(),
            });
            self.block_links
                .push((self.p.links.len() - 1, self.block_text.len()));
            self.p.links.len() - 1
        });
        self.link_stack.push(recorded);
    }

    /// The end of a block or inline element.
    fn end(&mut self, end: &TagEnd, r: &Range<usize>) {
        match end {
            TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell => self.block_end(end, r.end),
            TagEnd::BlockQuote(_) => {
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.flush();
            }
            TagEnd::List(_) => self.flush(),
            TagEnd::Heading(_) => self.heading_end(),
            TagEnd::CodeBlock => {
                self.code_depth = self.code_depth.saturating_sub(1);
                self.section.text.push('\n');
            }
            TagEnd::Link | TagEnd::Image => {
                self.link_stack.pop();
            }
            _ => {}
        }
    }

    /// The end of a paragraph, list item or table cell at byte `end_offset`: its block id, and the
    /// summary from the first paragraph outside quotes.
    fn block_end(&mut self, end: &TagEnd, end_offset: usize) {
        let start = self.block_starts.pop().unwrap_or(end_offset);
        if let Some((_, id)) = inline::strip_block_id(&self.block_text) {
            self.p.block_ids.push(BlockId {
                id: id.to_string(),
                line: self.pos(start).0,
                start,
                end: end_offset,
            });
        }
        if matches!(end, TagEnd::Paragraph) {
            if !self.summary_done && self.quote_depth == 0 && !self.block_text.trim().is_empty() {
                let t = match inline::strip_block_id(&self.block_text) {
                    Some((t, _)) => t,
                    None => self.block_text.trim(),
                };
                self.p.summary = truncate_chars(t, SUMMARY_CHARS);
                self.summary_done = true;
            }
            self.first_block = false;
        }
        self.flush();
        self.section.text.push(' ');
    }

    /// The end of a heading: it gets its unique id and opens a new section.
    fn heading_end(&mut self) {
        let Some(h) = self.heading.take() else {
            return;
        };
        let text = h.text.trim().to_string();
        let id = self
            .ids
            .unique(h.explicit_id.unwrap_or_else(|| slug::heading_id(&text)));
        if h.level == 1 && self.p.headings.is_empty() && self.first_block && self.p.h1.is_none() {
            self.p.h1 = Some(text.clone());
        }
        self.first_block = false;
        let line = self.pos(h.start).0;
        // close the previous section, open this heading's
        let prev = std::mem::replace(
            &mut self.section,
            Section {
                heading: Some(self.p.headings.len()),
                anchor: id.clone(),
                path: vec![],
                text: String::new(),
                line,
            },
        );
        if prev.heading.is_some() || !prev.text.trim().is_empty() {
            self.sections.push(finish_section(prev));
        }
        self.heading_path.retain(|(l, _)| *l < h.level);
        self.heading_path.push((h.level, text.clone()));
        self.section.path = self.heading_path.iter().map(|(_, t)| t.clone()).collect();
        self.p.headings.push(Heading {
            level: h.level,
            text,
            id,
            start: h.start,
            end: self.note.body_len(),
            line,
        });
        self.flush();
    }

    /// Text: into the heading, the section, the block and a piped link's label; `#tags` in
    /// prose outside links are collected.
    fn text(&mut self, t: &str) {
        if let Some(h) = self.heading.as_mut() {
            h.text.push_str(t);
            return;
        }
        self.section.text.push_str(t);
        if self.code_depth > 0 {
            return;
        }
        let mut in_image = false;
        if let Some(Some(li)) = self.link_stack.last() {
            let l = &mut self.p.links[*li];
            if let Some(label) = l.label.as_mut() {
                label.push_str(t);
            }
            in_image = matches!(l.kind, LinkKind::Embed | LinkKind::Image);
        }
        if !in_image {
            self.block_text.push_str(t);
        }
        if self.link_stack.is_empty() {
            for m in inline::scan_tags(t) {
                if !self.p.tags.contains(&m.tag) {
                    self.p.tags.push(m.tag);
                }
            }
        }
    }

    /// Reports a formula at byte `start` that does not convert to MathML.
    fn check_math(&mut self, tex: &str, start: usize) {
        if let Err(e) = math::check(tex) {
            self.p.diagnostics.push(Diagnostic::warning(
                Code::Math,
                self.note.display_path.clone(),
                self.pos(start),
                format!("formula not converted: {e}"),
                "fix the TeX; the page shows the formula as source",
            ));
        }
    }

    /// Inline code or a formula's source, as text.
    fn code(&mut self, t: &str) {
        if let Some(h) = self.heading.as_mut() {
            h.text.push_str(t);
            return;
        }
        self.section.text.push_str(t);
        self.block_text.push_str(t);
    }

    fn line_break(&mut self) {
        if let Some(h) = self.heading.as_mut() {
            h.text.push(' ');
        } else {
            self.section.text.push(' ');
            self.block_text.push(' ');
        }
    }

    /// Closes the last block and section, and ends each heading's section at the next heading
    /// of the same or a higher level.
    fn finish(mut self) -> ParsedNote {
        self.flush();
        let mut p = self.p;
        let mut sections = self.sections;
        if self.section.heading.is_some() || !self.section.text.trim().is_empty() {
            sections.push(finish_section(self.section));
        }
        p.sections = Sections::pack(&sections);
        // a build holds every note's parse to the end: no spare capacity
        p.links.shrink_to_fit();
        p.headings.shrink_to_fit();
        p.block_ids.shrink_to_fit();
        let body_len = self.note.body_len();
        let n = p.headings.len();
        for i in 0..n {
            let level = p.headings[i].level;
            let end = p.headings[i + 1..]
                .iter()
                .find(|h| h.level <= level)
                .map(|h| h.start)
                .unwrap_or(body_len);
            p.headings[i].end = end;
        }
        p
    }
}

/// What a link or image event records: its kind, destination and whether it is a piped
/// wikilink; `None` for links kb does not track (external URLs, autolinks, `#`).
fn link_kind<'t>(tag: &'t Tag) -> Option<(LinkKind, &'t str, bool)> {
    let (link_type, dest, image) = match tag {
        Tag::Link {
            link_type,
            dest_url,
            ..
        } => (link_type, dest_url.as_ref(), false),
        Tag::Image {
            link_type,
            dest_url,
            ..
        } => (link_type, dest_url.as_ref(), true),
        _ => return None,
    };
    match link_type {
        LinkType::WikiLink { has_pothole } => Some((
            if image {
                LinkKind::Embed
            } else {
                LinkKind::Wiki
            },
            dest,
            *has_pothole,
        )),
        LinkType::Autolink | LinkType::Email => None,
        _ if is_external(dest) || (!image && dest == "#") => None,
        _ => Some((
            if image {
                LinkKind::Image
            } else {
                LinkKind::Markdown
            },
            dest,
            false,
        )),
    }
}

/// The text around a link: about `CONTEXT_CHARS` characters of its paragraph, centred on the
/// link and cut at spaces, with `…` where it was cut.
pub fn context_window(text: &str, at: usize) -> String {
    let at = crate::diag::floor_char_boundary(text, at);
    let before: Vec<char> = text[..at].chars().collect();
    let after: Vec<char> = text[at..].chars().collect();
    let half = CONTEXT_CHARS / 2;
    let take_before = before
        .len()
        .min(half.max(CONTEXT_CHARS.saturating_sub(after.len())));
    let take_after = after.len().min(CONTEXT_CHARS - take_before);
    let mut start = before.len() - take_before;
    if start > 0 {
        // move forward to a word start
        if let Some(k) = before[start..].iter().position(|c| c.is_whitespace()) {
            start += k + 1;
        }
    }
    let mut end = take_after;
    if end < after.len()
        && let Some(k) = after[..end].iter().rposition(|c| c.is_whitespace())
    {
        end = k;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&before[start..]);
    out.extend(&after[..end]);
    let mut out = out.trim().to_string();
    if end < after.len() {
        out.push('…');
    }
    out
}

fn finish_section(mut s: Section) -> Section {
    let mut out = String::with_capacity(s.text.len());
    let mut space = false;
    for c in s.text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    s.text = out;
    s
}

/// Reports a fenced code block whose closing fence is missing.
fn check_fence(block: &str, at_end: bool, pos: (usize, usize), note: &Note, p: &mut ParsedNote) {
    let first = block.lines().next().unwrap_or("").trim_start();
    let ch = match first.chars().next() {
        Some(c @ ('`' | '~')) => c,
        _ => return,
    };
    let n = first.chars().take_while(|&c| c == ch).count();
    let lines: Vec<&str> = block.lines().collect();
    let closed = lines.len() > 1 && {
        let last = lines[lines.len() - 1].trim();
        last.len() >= n && last.chars().all(|c| c == ch)
    };
    if !closed && at_end {
        p.diagnostics.push(Diagnostic::warning(
            Code::UnclosedCodeFence,
            note.display_path.clone(),
            pos,
            format!(
                "code block opened with {} is never closed",
                ch.to_string().repeat(n)
            ),
            format!(
                "add a line with {} where the code ends; everything after it is shown as code",
                ch.to_string().repeat(n)
            ),
        ));
    }
}

/// The text of one line of inline Markdown without its markup (`**x**`, `` `x` ``,
/// `[label](url)`, `[[Note|label]]` become `x`, `x`, `label`, `label`), for descriptions.
pub fn plain_inline(md: &str) -> String {
    if !md.contains(['*', '_', '`', '[', '<', '~', '\\', '&', '!', '#', '\n', '>']) {
        return md.to_string();
    }
    let mut out = String::with_capacity(md.len());
    for (ev, _) in events(md) {
        match ev {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first non-empty line of a parser's error message (diagram and TeX errors span lines),
/// or `fallback`.
pub fn first_line(s: &str, fallback: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(fallback)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn html(src: &str) -> String {
        let mut out = String::new();
        pulldown_cmark::html::push_html(&mut out, events(src).into_iter().map(|(e, _)| e));
        out
    }

    #[test]
    fn plain_descriptions() {
        assert_eq!(plain_inline("plain 텍스트"), "plain 텍스트");
        assert_eq!(
            plain_inline(
                "**Redis**를 [[Celery|셀러리]] 브로커로, `noeviction` [문서](https://x.io)"
            ),
            "Redis를 셀러리 브로커로, noeviction 문서"
        );
        assert_eq!(plain_inline("# 제목\n- a\n- b"), "제목 a b");
    }

    #[test]
    fn strong_before_hangul_after_punctuation() {
        assert_eq!(
            html("핵심은 **\"인간은 몰입한다\"**는 것이다."),
            "<p>핵심은 <strong>\"인간은 몰입한다\"</strong>는 것이다.</p>\n"
        );
        assert_eq!(
            html("**Redis(레디스)**를 쓴다"),
            "<p><strong>Redis(레디스)</strong>를 쓴다</p>\n"
        );
        assert_eq!(
            html("2. **`run.py`**로 집계"),
            "<ol start=\"2\">\n<li><strong><code>run.py</code></strong>로 집계</li>\n</ol>\n"
        );
        // what CommonMark already reads, or must keep literal, is left alone
        assert_eq!(html("**a** b"), "<p><strong>a</strong> b</p>\n");
        assert_eq!(html("a ** b ** c"), "<p>a ** b ** c</p>\n");
        assert_eq!(html("\\*\\*x\\*\\*는"), "<p>**x**는</p>\n");
        assert_eq!(html("`**x**`는"), "<p><code>**x**</code>는</p>\n");
        // never across a block or an inline element
        assert_eq!(
            html("[**\"a\"](x)**는"),
            "<p><a href=\"x\">**\"a\"</a>**는</p>\n"
        );
        assert_eq!(
            html("**\"a\"\n\n\"b\"**는"),
            "<p>**\"a\"</p>\n<p>\"b\"**는</p>\n"
        );
    }

    fn note(text: &str) -> Note {
        crate::load::note_from_bytes(
            "notes/t.md",
            "t.md".into(),
            PathBuf::new(),
            text.as_bytes().to_vec(),
            None,
        )
        .0
        .unwrap()
    }

    #[test]
    fn headings_links_sections() {
        let n = note(
            "---\ntitle: T\n---\nIntro with [[Redis|레디스]] and #tag/x.\n\n## 개념\n\nSee [x](other.md#a) ![[Pic.png|300]]\n\n### Sub {#custom}\n\n```python\n# not a tag\n```\n\n## 개념\n",
        );
        let p = parse_note(&n);
        assert_eq!(
            p.headings.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            vec!["개념", "custom", "개념-1"]
        );
        assert_eq!(p.headings[0].line, 6);
        assert_eq!(p.tags, vec!["tag/x"]);
        assert_eq!(p.links.len(), 3);
        assert_eq!(p.links[0].dest, "Redis");
        assert_eq!(p.links[0].label.as_deref(), Some("레디스"));
        assert_eq!((p.links[0].line, p.links[0].col), (4, 12));
        assert!(p.links[0].context.unpack().starts_with("Intro with 레디스"));
        assert_eq!(p.links[1].kind, LinkKind::Markdown);
        assert_eq!(p.links[2].kind, LinkKind::Embed);
        assert_eq!(p.links[2].label.as_deref(), Some("300"));
        let sections = p.sections.unpack();
        assert_eq!(sections[0].anchor, "");
        assert_eq!(sections[2].path, vec!["개념", "Sub"]);
        assert!(p.summary.starts_with("Intro"));
        // section of the first 개념 ends where the second starts
        assert_eq!(p.headings[0].end, p.headings[2].start);
    }

    #[test]
    fn unpiped_wikilink_has_no_label() {
        let p = parse_note(&note("[[Redis#Use]] and [[A|b]]"));
        assert_eq!(p.links[0].label, None);
        assert_eq!(p.links[1].label.as_deref(), Some("b"));
    }

    #[test]
    fn h1_detected() {
        let p = parse_note(&note("# Title here\n\ntext"));
        assert_eq!(p.h1.as_deref(), Some("Title here"));
        let p = parse_note(&note("text\n\n# Later"));
        assert_eq!(p.h1, None);
    }

    #[test]
    fn unclosed_fence_warns_with_line() {
        let p = parse_note(&note("a\n\n```rust\nfn x() {}\n"));
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].line, 3);
        let p = parse_note(&note("```\nx\n```\n"));
        assert!(p.diagnostics.is_empty());
    }

    #[test]
    fn block_ids_found() {
        let p = parse_note(&note("para one ^abc\n\n- item ^def\n"));
        assert_eq!(
            p.block_ids
                .iter()
                .map(|b| b.id.as_str())
                .collect::<Vec<_>>(),
            vec!["abc", "def"]
        );
    }

    #[test]
    fn external_detection() {
        assert!(is_external("https://x"));
        assert!(is_external("mailto:a@b"));
        assert!(!is_external("redis.md"));
        assert!(!is_external("../a b.md#x"));
    }
}
