//! Markdown to HTML for note bodies: pulldown-cmark events rewritten for kb (heading anchors,
//! highlighted code, callouts, resolved wikilinks and embeds, tags, math, block ids), then
//! written by pulldown-cmark's HTML writer.

use super::{esc, esc_attr};
use crate::link::{Resolution, Target};
use crate::load::Note;
use crate::parse::inline::{parse_size, scan_tags, scan_urls, split_wiki_target, strip_block_id};
use crate::parse::{self, Ev, LinkKind, LinkRef, ParsedNote, highlight, slug};
use crate::site::{NoteId, NoteKind};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd};
use std::ops::Range;

/// Everything the HTML writer needs from earlier stages.
pub struct Ctx<'a> {
    /// All notes.
    pub notes: &'a [Note],
    /// Their parse results.
    pub parsed: &'a [ParsedNote],
    /// The link graph.
    pub graph: &'a crate::link::Graph,
    /// Final titles.
    pub titles: &'a [String],
    /// Page hrefs (base path included, percent-encoded, trailing `/`).
    pub urls: &'a [String],
    /// Page identities (tags and dates, which bases read).
    pub pages: &'a [crate::site::PageMeta],
    /// Attachment hrefs.
    pub att_urls: &'a [String],
    /// Site base path, e.g. `/kb/`.
    pub base_path: &'a str,
    /// Mentions to link automatically, when enabled.
    pub autolink: Option<&'a crate::link::mentions::Mentions>,
    /// Link every mention, not only the first of each note.
    pub autolink_all: bool,
    /// Highlighted-code cache.
    pub highlight: &'a highlight::Cache,
}

use crate::link::MAX_EMBED_DEPTH;

/// Renders the full body of note `id`.
pub fn note_html(ctx: &Ctx, id: NoteId, title: &str) -> String {
    let body_len = ctx.notes[id].body_len();
    let mut stack = vec![Shown {
        note: id,
        range: 0..body_len,
    }];
    let part = Fragment {
        id,
        range: 0..body_len,
        top: true,
        skip_h1: Some(title),
    };
    render(ctx, &part, &mut stack)
}

/// Renders a byte range of a note's Markdown on its own, as an embed would (no heading ids):
/// a canvas's text card.
pub fn fragment_html(ctx: &Ctx, id: NoteId, range: Range<usize>) -> String {
    let mut stack = vec![Shown {
        note: id,
        range: range.clone(),
    }];
    let part = Fragment {
        id,
        range,
        top: false,
        skip_h1: None,
    };
    render(ctx, &part, &mut stack)
}

/// What an embed being rendered shows: a note and a byte range of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    note: NoteId,
    range: Range<usize>,
}

/// A part of a note's body to render: the whole page, or an embedded note, section or block.
struct Fragment<'t> {
    /// The note.
    id: NoteId,
    /// Byte range in its body.
    range: Range<usize>,
    /// The page itself, whose headings carry ids (an embed would repeat the host's ids).
    top: bool,
    /// The page title: a first `# H1` equal to it is left out, the page shows it already.
    skip_h1: Option<&'t str>,
}

/// Renders `part` of a note's body; `stack` holds the embeds being rendered, to stop cycles.
fn render(ctx: &Ctx, part: &Fragment, stack: &mut Vec<Shown>) -> String {
    let md = ctx.parsed[part.id].markdown(&ctx.notes[part.id]);
    let src = &md[part.range.clone()];
    let evs = parse::events(src);
    let mut w = Rewriter {
        ctx,
        part,
        evs: &evs,
        stack,
        out: Vec::with_capacity(evs.len()),
        link_close: Vec::new(),
        quote_close: Vec::new(),
        heading: None,
        skip_until_heading_end: false,
        // notes linked explicitly are not linked again by mention
        linked: ctx.graph.outgoing[part.id].iter().copied().collect(),
        pending_block_ids: Vec::new(),
        para_unwrap: Vec::new(),
    };
    let mut i = 0;
    while i < evs.len() {
        i = w.event(i);
    }
    let mut html = String::with_capacity(src.len() * 2);
    pulldown_cmark::html::push_html(&mut html, w.out.into_iter());
    if html.contains(" style=\"text-align: ") {
        html = aligned_cells(&html);
    }
    // a table scrolls sideways when it is wider than the page: reachable by keyboard
    if html.contains("<table>") {
        html = html.replace("<table>", "<table tabindex=\"0\">");
    }
    html
}

/// One pass over a fragment's events, rewriting them for kb into `out`.
struct Rewriter<'r, 'e> {
    ctx: &'r Ctx<'r>,
    part: &'r Fragment<'r>,
    evs: &'e [Ev<'e>],
    stack: &'r mut Vec<Shown>,
    out: Vec<Event<'e>>,
    /// Closing markup of the open links (a broken one is a `span`).
    link_close: Vec<&'static str>,
    /// Closing markup of the open blockquotes and callouts.
    quote_close: Vec<&'static str>,
    /// Inside a heading: its id, if it gets one.
    heading: Option<Option<String>>,
    /// Inside the `# H1` left out of the page.
    skip_until_heading_end: bool,
    /// Notes already linked, which mentions do not link again.
    linked: std::collections::HashSet<NoteId>,
    /// Text events whose trailing `^block-id` is to be left out.
    pending_block_ids: Vec<BlockIdMarker>,
    /// Ends of paragraphs replaced by the embed they hold.
    para_unwrap: Vec<usize>,
}

/// A `^block-id` at the end of a paragraph or list item.
struct BlockIdMarker {
    /// Index of the text event holding it.
    text_event: usize,
    /// That text without the marker.
    rest: String,
    /// The id without `^`.
    id: String,
}

impl<'e> Rewriter<'_, 'e> {
    /// Rewrites the event at `i`; returns the index of the next event to look at.
    fn event(&mut self, i: usize) -> usize {
        let evs = self.evs;
        let (ev, r) = &evs[i];
        let abs = self.part.range.start + r.start;
        match ev {
            Event::Start(Tag::Heading { level, .. }) => return self.heading_start(i, *level, abs),
            Event::End(TagEnd::Heading(level)) => self.heading_end(*level),
            _ if self.skip_until_heading_end => {}
            Event::Start(Tag::CodeBlock(kind)) => return self.code_block(i, kind),
            Event::Start(Tag::BlockQuote(_)) => return self.block_quote(i),
            Event::End(TagEnd::BlockQuote(_)) => {
                let close = self.quote_close.pop().unwrap_or("</blockquote>\n");
                self.out.push(Event::Html(close.into()));
            }
            Event::Start(Tag::Paragraph) | Event::Start(Tag::Item) => self.block_start(i),
            Event::End(TagEnd::Paragraph) if self.para_unwrap.last() == Some(&i) => {
                self.para_unwrap.pop();
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let (open, close, replace_label) =
                    open_link(self.ctx, self.part.id, abs, link_type, dest_url, title);
                self.out.push(Event::InlineHtml(open.into()));
                self.link_close.push(close);
                if let Some(label) = replace_label {
                    self.out.push(Event::Text(label.into()));
                    // on to the link's end event, which closes it
                    return find_end(evs, i).unwrap_or(i);
                }
            }
            Event::End(TagEnd::Link) => {
                let close = self.link_close.pop().unwrap_or("</a>");
                self.out.push(Event::InlineHtml(close.into()));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                ..
            }) => return self.image(i, abs, link_type, dest_url, title),
            Event::InlineMath(m) | Event::DisplayMath(m) => {
                let display = matches!(ev, Event::DisplayMath(_));
                self.out
                    .push(Event::InlineHtml(math_html(m, display).into()));
            }
            Event::Text(t) => self.text(i, t),
            Event::TaskListMarker(done) => self.out.push(Event::InlineHtml(
                format!(
                    "<input type=\"checkbox\" disabled{} aria-label=\"{}\">",
                    if *done { " checked" } else { "" },
                    esc_attr(&task_label(&evs[i + 1..]))
                )
                .into(),
            )),
            other => self.out.push(other.clone()),
        }
        i + 1
    }

    /// Opens a heading, with its id on the page itself; leaves out a first `# H1` repeating
    /// the page title.
    fn heading_start(&mut self, i: usize, level: HeadingLevel, abs: usize) -> usize {
        let parsed = &self.ctx.parsed[self.part.id];
        if let Some(title) = self.part.skip_h1
            && i == 0
            && level == HeadingLevel::H1
            && self.part.top
            && parsed.h1.as_deref() == Some(title)
        {
            self.skip_until_heading_end = true;
            return i + 1;
        }
        let lvl = level as u8;
        // headings are in source order: binary search, not a scan per heading
        let hid = parsed
            .headings
            .binary_search_by_key(&abs, |h| h.start)
            .ok()
            .filter(|_| self.part.top)
            .map(|k| parsed.headings[k].id.clone());
        match &hid {
            Some(hid) => self.out.push(Event::Html(
                format!("<h{lvl} id=\"{}\">", esc_attr(hid)).into(),
            )),
            None => self.out.push(Event::Html(format!("<h{lvl}>").into())),
        }
        self.heading = Some(hid);
        i + 1
    }

    /// Closes a heading, with a copy-link anchor when it has an id (kb.js copies the link of
    /// any `a.anchor`: no attribute repeated on every heading of every page says so).
    fn heading_end(&mut self, level: HeadingLevel) {
        if self.skip_until_heading_end {
            self.skip_until_heading_end = false;
            return;
        }
        let lvl = level as u8;
        match self.heading.take().flatten() {
            Some(hid) => self.out.push(Event::Html(
                format!(
                    "<a class=\"anchor\" href=\"#{}\" aria-label=\"#\"></a></h{lvl}>\n",
                    esc_attr(&slug::encode_fragment(&hid))
                )
                .into(),
            )),
            None => self.out.push(Event::Html(format!("</h{lvl}>\n").into())),
        }
    }

    /// A code block as highlighted code, or a Mermaid diagram as its drawing; returns the
    /// index after the block.
    fn code_block(&mut self, i: usize, kind: &CodeBlockKind) -> usize {
        let lang = match kind {
            CodeBlockKind::Fenced(info) => info
                .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                .next()
                .unwrap_or("")
                .to_string(),
            CodeBlockKind::Indented => String::new(),
        };
        let mut code = String::new();
        let mut j = i + 1;
        while j < self.evs.len() {
            match &self.evs[j].0 {
                Event::End(TagEnd::CodeBlock) => break,
                Event::Text(t) => code.push_str(t),
                _ => {}
            }
            j += 1;
        }
        if let Some(figure) = diagram_html(self.ctx, self.part.id, &lang, &code) {
            self.out.push(Event::Html(figure.into()));
            return j + 1;
        }
        if lang == "base" {
            let html = super::bases::block_html(self.ctx, self.part.id, &code);
            self.out.push(Event::Html(html.into()));
            return j + 1;
        }
        let inner = self
            .ctx
            .highlight
            .highlight(&code, &lang)
            .unwrap_or_else(|| esc(&code));
        let (cls, label) = if lang.is_empty() {
            (String::new(), String::new())
        } else {
            (
                format!(" class=\"language-{}\"", esc_attr(&lang)),
                format!(" data-lang=\"{}\"", esc_attr(&lang)),
            )
        };
        self.out.push(Event::Html(
            // a long line scrolls the block sideways: focusable, so the keyboard can scroll it
            format!("<pre class=\"code\" tabindex=\"0\"{label}><code{cls}>{inner}</code></pre>\n")
                .into(),
        ));
        j + 1
    }

    /// Opens a blockquote, or a callout when it starts with `[!type]`; returns the index of
    /// the next event to look at (a callout's title line is consumed).
    fn block_quote(&mut self, i: usize) -> usize {
        let Some(c) = callout_header(self.evs, i) else {
            self.out.push(Event::Html("<blockquote>\n".into()));
            self.quote_close.push("</blockquote>\n");
            return i + 1;
        };
        let kind = c.kind.to_lowercase();
        let title = if c.title.is_empty() {
            default_callout_title(&kind)
        } else {
            c.title.clone()
        };
        let icon = super::icons::callout_icon(&kind);
        if let Some(open) = c.fold {
            self.out.push(Event::Html(format!(
                "<details class=\"callout\" data-callout=\"{k}\"{o}><summary class=\"callout-title\">{icon}<span>{t}</span></summary><div class=\"callout-content\">\n",
                k = esc_attr(&kind), o = if open { " open" } else { "" }, t = esc(&title)
            ).into()));
            self.quote_close.push("</div></details>\n");
        } else {
            self.out.push(Event::Html(format!(
                "<div class=\"callout\" data-callout=\"{k}\"><div class=\"callout-title\">{icon}<span>{t}</span></div><div class=\"callout-content\">\n",
                k = esc_attr(&kind), t = esc(&title)
            ).into()));
            self.quote_close.push("</div></div>\n");
        }
        if c.reopen_paragraph {
            self.out.push(Event::Start(Tag::Paragraph));
        }
        c.resume
    }

    /// Opens a paragraph or list item: with the id of a trailing `^block-id`, or not at all
    /// for a paragraph holding only an embed (the embed is a block of its own).
    fn block_start(&mut self, i: usize) {
        let ev = &self.evs[i].0;
        let is_para = matches!(ev, Event::Start(Tag::Paragraph));
        if is_para && let Some(end) = lone_embed_end(self.evs, i) {
            self.para_unwrap.push(end);
            return;
        }
        match trailing_block_id(self.evs, i) {
            Some(marker) => {
                let tag = if is_para { "p" } else { "li" };
                self.out.push(Event::Html(
                    format!("<{tag} id=\"^{}\">", esc_attr(&marker.id)).into(),
                ));
                self.pending_block_ids.push(marker);
            }
            None => self.out.push(ev.clone()),
        }
    }

    /// An image or embed, up to its end event; returns the index after it.
    fn image(&mut self, i: usize, abs: usize, lt: &LinkType, dest: &str, title: &str) -> usize {
        let end = find_end(self.evs, i).unwrap_or(i);
        let alt: String = self.evs[i + 1..end]
            .iter()
            .filter_map(|(e, _)| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let (ctx, id) = (self.ctx, self.part.id);
        let html = image_or_embed(ctx, id, abs, lt, dest, title, &alt, self.stack);
        self.out.push(Event::Html(html.into()));
        end + 1
    }

    /// Prose text with tags, URLs and mentions linked; plain text in headings and links.
    fn text(&mut self, i: usize, t: &str) {
        let without_marker;
        let text = match self
            .pending_block_ids
            .iter()
            .position(|m| m.text_event == i)
        {
            Some(p) => {
                without_marker = self.pending_block_ids.remove(p).rest;
                &without_marker
            }
            None => t,
        };
        if self.heading.is_some() || !self.link_close.is_empty() {
            self.out.push(Event::Text(CowStr::from(text.to_string())));
        } else {
            let html = inline_text(self.ctx, self.part.id, text, &mut self.linked);
            self.out.push(Event::InlineHtml(html.into()));
        }
    }
}

/// For a paragraph at `para` holding only a wikilink embed, the index of its end event.
fn lone_embed_end(evs: &[Ev], para: usize) -> Option<usize> {
    let Some((
        Event::Start(Tag::Image {
            link_type: LinkType::WikiLink { .. },
            ..
        }),
        _,
    )) = evs.get(para + 1)
    else {
        return None;
    };
    let end_img = find_end(evs, para + 1)?;
    matches!(
        evs.get(end_img + 1),
        Some((Event::End(TagEnd::Paragraph), _))
    )
    .then_some(end_img + 1)
}

/// The `^block-id` marker ending the block opened at `start`, if there is one.
fn trailing_block_id(evs: &[Ev], start: usize) -> Option<BlockIdMarker> {
    let end = find_end(evs, start)?;
    let last_text = (start + 1..end)
        .rev()
        .find(|&k| !matches!(evs[k].0, Event::End(_) | Event::SoftBreak))?;
    let Event::Text(t) = &evs[last_text].0 else {
        return None;
    };
    let (rest, id) = strip_block_id(t)?;
    Some(BlockIdMarker {
        text_event: last_text,
        rest: rest.to_string(),
        id: id.to_string(),
    })
}

/// Table cells as classes instead of pulldown-cmark's `style="text-align: ..."`, which the
/// page's Content-Security-Policy blocks (the alignment was lost).
fn aligned_cells(html: &str) -> String {
    let mut out = html.to_string();
    for cell in ["th", "td"] {
        for align in ["left", "center", "right"] {
            out = out.replace(
                &format!("<{cell} style=\"text-align: {align}\">"),
                &format!("<{cell} class=\"align-{align}\">"),
            );
        }
    }
    out
}

/// The text of a task list item (up to its nested lists), which names its checkbox for
/// assistive technology.
fn task_label(evs: &[Ev]) -> String {
    let mut out = String::new();
    for (e, _) in evs {
        match e {
            Event::End(TagEnd::Item) | Event::Start(Tag::List(_)) => break,
            Event::Text(t) | Event::Code(t) => out.push_str(t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
        if out.len() > 200 {
            break;
        }
    }
    crate::parse::truncate_chars(out.trim(), 120)
}

/// Index of the event closing the container opened at `start`.
fn find_end(evs: &[Ev], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, (e, _)) in evs.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

struct CalloutHeader {
    kind: String,
    title: String,
    fold: Option<bool>,
    resume: usize,
    reopen_paragraph: bool,
}

/// Recognizes `> [!type]± title` at the start of a blockquote.
fn callout_header(evs: &[Ev], bq: usize) -> Option<CalloutHeader> {
    if !matches!(evs.get(bq + 1), Some((Event::Start(Tag::Paragraph), _))) {
        return None;
    }
    let mut line = String::new();
    let mut k = bq + 2;
    let mut reopen = false;
    while k < evs.len() {
        match &evs[k].0 {
            Event::Text(t) => {
                if let Some(nl) = t.find('\n') {
                    // a text run crossing the line end (rare): keep the rest
                    line.push_str(&t[..nl]);
                    break;
                }
                line.push_str(t);
            }
            Event::Code(t) => line.push_str(t),
            Event::SoftBreak | Event::HardBreak => {
                reopen = true;
                break;
            }
            Event::End(TagEnd::Paragraph) => break,
            _ => {}
        }
        k += 1;
    }
    let rest = line.trim_start().strip_prefix("[!")?;
    let close = rest.find(']')?;
    let kind = &rest[..close];
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let mut after = &rest[close + 1..];
    let fold = match after.chars().next() {
        Some('-') => {
            after = &after[1..];
            Some(false)
        }
        Some('+') => {
            after = &after[1..];
            Some(true)
        }
        _ => None,
    };
    // continue after the title line (with only a title, after the whole first paragraph)
    let resume = k + 1;
    Some(CalloutHeader {
        kind: kind.to_string(),
        title: after.trim().to_string(),
        fold,
        resume,
        reopen_paragraph: reopen,
    })
}

fn default_callout_title(kind: &str) -> String {
    let mut c = kind.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The link stage's resolution of the link at byte `abs` of note `id`; links the parse stage
/// did not see (inside an embedded fragment parsed on its own) are resolved now.
fn resolution(ctx: &Ctx, id: NoteId, abs: usize, kind: LinkKind, dest: &str) -> Resolution {
    let links = &ctx.parsed[id].links;
    if let Ok(k) = links.binary_search_by_key(&abs, |l| l.offset) {
        return ctx.graph.resolutions[id][k].clone();
    }
    let l = LinkRef {
        kind,
        dest: dest.to_string(),
        label: None,
        offset: 0,
        line: 0,
        col: 0,
        context: Default::default(),
    };
    crate::link::resolve(&ctx.graph.resolver, ctx.notes, ctx.parsed, id, &l)
}

fn note_href(ctx: &Ctx, target: NoteId, anchor: Option<&str>, from: Option<NoteId>) -> String {
    match anchor {
        Some(a) if Some(target) == from => format!("#{}", slug::encode_fragment(a)),
        Some(a) => format!("{}#{}", ctx.urls[target], slug::encode_fragment(a)),
        None => ctx.urls[target].clone(),
    }
}

/// A Mermaid block as its drawn figure (cached with highlighted code); `None` for another
/// language or a diagram that does not draw (it stays code; the parse stage reported it).
fn diagram_html(ctx: &Ctx, id: NoteId, lang: &str, code: &str) -> Option<String> {
    if !lang.eq_ignore_ascii_case("mermaid") {
        return None;
    }
    let svg = ctx.highlight.cached(code, "\0mermaid-svg", || {
        crate::parse::diagram::render(code).ok()
    })?;
    Some(format!(
        "<figure class=\"diagram\">{}</figure>\n",
        link_diagram(ctx, id, &svg)
    ))
}

/// Links the nodes of a diagram that Obsidian links (`class X internal-link`): a node whose
/// label names a note becomes a link to it.
fn link_diagram(ctx: &Ctx, id: NoteId, svg: &str) -> String {
    if !svg.contains("internal-link") {
        return svg.to_string();
    }
    let mut out = String::with_capacity(svg.len() + 256);
    let mut rest = svg;
    while let Some(at) = rest.find("<g ") {
        let end = rest[at..]
            .find('>')
            .map(|e| at + e)
            .unwrap_or(rest.len() - 1);
        let tag = &rest[at..=end];
        out.push_str(&rest[..at]);
        rest = &rest[end + 1..];
        if !tag.contains("internal-link") {
            out.push_str(tag);
            continue;
        }
        // the node's label: the text of its first <text>
        let label = rest
            .find("<text")
            .and_then(|t| {
                let body = &rest[t..];
                let gt = body.find('>')?;
                let mut text = String::new();
                let mut inner = &body[gt + 1..body.find("</text>")?];
                while let Some(lt) = inner.find('<') {
                    text.push_str(&inner[..lt]);
                    inner = &inner[inner[lt..]
                        .find('>')
                        .map(|x| lt + x + 1)
                        .unwrap_or(inner.len())..];
                }
                text.push_str(inner);
                Some(text)
            })
            .unwrap_or_default();
        let label = label
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"");
        let r = resolution(ctx, id, usize::MAX, LinkKind::Wiki, label.trim());
        match r.target {
            crate::link::Target::Note { id: t, .. } => {
                out.push_str(&format!(
                    "<a class=\"internal\" href=\"{}\">",
                    esc_attr(&ctx.urls[t])
                ));
                out.push_str(tag);
                // close the link after this group
                let mut depth = 1usize;
                let mut k = 0usize;
                let bytes = rest.as_bytes();
                while k < bytes.len() && depth > 0 {
                    if bytes[k..].starts_with(b"<g ") || bytes[k..].starts_with(b"<g>") {
                        depth += 1;
                    } else if bytes[k..].starts_with(b"</g>") {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    k += 1;
                }
                out.push_str(&rest[..k.min(rest.len())]);
                out.push_str("</g></a>");
                rest = &rest[(k + 4).min(rest.len())..];
            }
            _ => out.push_str(tag),
        }
    }
    out.push_str(rest);
    out
}

/// A formula as MathML in a `span.math` (a block one centred by the theme), or its TeX source
/// when it does not convert (the parse stage has reported it).
fn math_html(tex: &str, display: bool) -> String {
    let class = if display {
        "math math-display"
    } else {
        "math math-inline"
    };
    match crate::parse::math::to_mathml(tex, display) {
        Ok(mathml) => format!("<span class=\"{class}\">{mathml}</span>"),
        Err(_) if display => format!("<span class=\"{class} math-error\">$${}$$</span>", esc(tex)),
        Err(_) => format!("<span class=\"{class} math-error\">${}$</span>", esc(tex)),
    }
}

/// Schemes kb refuses to turn into a clickable link.
fn unsafe_scheme(dest: &str) -> bool {
    let d: String = dest
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    d.starts_with("javascript:") || d.starts_with("vbscript:") || d.starts_with("data:text/html")
}

/// Opening and closing markup for a link, and a label to show instead of the link's text.
fn open_link(
    ctx: &Ctx,
    id: NoteId,
    abs: usize,
    lt: &LinkType,
    dest: &str,
    title: &str,
) -> (String, &'static str, Option<String>) {
    let title_attr = title_attr(title);
    let kind = match lt {
        LinkType::WikiLink { .. } => LinkKind::Wiki,
        LinkType::Autolink | LinkType::Email => {
            return (
                format!(
                    "<a href=\"{}\" class=\"external\"{title_attr}>",
                    esc_attr(&absolute_href(lt, dest))
                ),
                "</a>",
                None,
            );
        }
        _ if unsafe_scheme(dest) => {
            return ("<span class=\"unsafe-link\">".into(), "</span>", None);
        }
        _ if parse::is_external(dest) => {
            return (
                format!(
                    "<a href=\"{}\" class=\"external\" rel=\"noopener\"{title_attr}>",
                    esc_attr(dest)
                ),
                "</a>",
                None,
            );
        }
        _ if dest.starts_with('#') && dest.len() == 1 => {
            return (format!("<a href=\"#\"{title_attr}>"), "</a>", None);
        }
        _ => LinkKind::Markdown,
    };
    let res = resolution(ctx, id, abs, kind, dest);
    let label = match lt {
        LinkType::WikiLink { has_pothole: false } => Some(wiki_display(dest)),
        _ => None,
    };
    match res.target {
        Target::Note { id: t, ref anchor } => {
            let href = note_href(ctx, t, anchor.as_deref(), Some(id));
            (
                format!(
                    "<a href=\"{}\" class=\"internal\"{title_attr}>",
                    esc_attr(&href)
                ),
                "</a>",
                label,
            )
        }
        Target::Attachment(a) => (
            format!(
                "<a href=\"{}\" class=\"attachment\"{title_attr}>",
                esc_attr(&ctx.att_urls[a])
            ),
            "</a>",
            label,
        ),
        Target::Broken => (
            format!(
                "<span class=\"broken-link\" title=\"{}\">",
                esc_attr(&format!("not found: {dest}"))
            ),
            "</span>",
            label,
        ),
    }
}

fn absolute_href(lt: &LinkType, dest: &str) -> String {
    match lt {
        LinkType::Email if !dest.starts_with("mailto:") => format!("mailto:{dest}"),
        _ => dest.to_string(),
    }
}

/// How an unpiped wikilink shows: `Note`, `Note > Heading` or `Heading`.
fn wiki_display(dest: &str) -> String {
    let t = split_wiki_target(dest);
    let name = t.name.strip_suffix(".md").unwrap_or(&t.name).to_string();
    match (name.is_empty(), t.anchor) {
        (true, Some(a)) => a.trim_start_matches('^').to_string(),
        (false, Some(a)) => format!("{name} > {}", a.trim_start_matches('^')),
        (_, None) => name,
    }
}

/// Extensions shown as images.
pub const IMAGE_EXT: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp", "ico",
];
const AUDIO_EXT: &[&str] = &["mp3", "wav", "ogg", "m4a", "flac", "webm"];
const VIDEO_EXT: &[&str] = &["mp4", "mov", "mkv", "ogv"];

fn ext_of(path: &str) -> String {
    path.rsplit('/')
        .next()
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn image_or_embed(
    ctx: &Ctx,
    id: NoteId,
    abs: usize,
    lt: &LinkType,
    dest: &str,
    title: &str,
    alt: &str,
    stack: &mut Vec<Shown>,
) -> String {
    let wiki = matches!(lt, LinkType::WikiLink { .. });
    if !wiki && parse::is_external(dest) {
        if unsafe_scheme(dest) {
            return String::new();
        }
        return format!(
            "<img src=\"{}\" alt=\"{}\"{} loading=\"lazy\">",
            esc_attr(dest),
            esc_attr(alt),
            title_attr(title)
        );
    }
    let kind = if wiki {
        LinkKind::Embed
    } else {
        LinkKind::Image
    };
    let res = resolution(ctx, id, abs, kind, dest);
    let piped = matches!(lt, LinkType::WikiLink { has_pothole: true });
    match res.target {
        Target::Attachment(a) => {
            let url = &ctx.att_urls[a];
            let (size, alt) = if piped {
                match parse_size(alt) {
                    Some((w, h)) => (
                        format!(
                            " width=\"{w}\"{}",
                            h.map(|h| format!(" height=\"{h}\"")).unwrap_or_default()
                        ),
                        String::new(),
                    ),
                    None => (String::new(), alt.to_string()),
                }
            } else if wiki {
                (String::new(), String::new())
            } else {
                (String::new(), alt.to_string())
            };
            let ext = ext_of(&split_wiki_target(dest).name);
            if IMAGE_EXT.contains(&ext.as_str()) {
                format!(
                    "<img src=\"{}\" alt=\"{}\"{size}{} loading=\"lazy\">",
                    esc_attr(url),
                    esc_attr(&alt),
                    title_attr(title)
                )
            } else if AUDIO_EXT.contains(&ext.as_str()) {
                format!("<audio controls src=\"{}\"></audio>", esc_attr(url))
            } else if VIDEO_EXT.contains(&ext.as_str()) {
                format!("<video controls src=\"{}\"{size}></video>", esc_attr(url))
            } else {
                format!(
                    "<a class=\"attachment\" href=\"{}\">{}</a>",
                    esc_attr(url),
                    esc(&split_wiki_target(dest).name)
                )
            }
        }
        Target::Note { id: t, .. } if wiki && ctx.notes[t].kind == NoteKind::Canvas => {
            super::canvas::embed_card(ctx, t)
        }
        Target::Note { id: t, .. } if wiki && ctx.notes[t].kind == NoteKind::Base => {
            super::bases::embed_html(ctx, t, id, split_wiki_target(dest).anchor.as_deref())
        }
        Target::Note { id: t, ref anchor } if wiki => {
            embed_note(ctx, t, anchor.as_deref(), stack, dest)
        }
        Target::Note { id: t, ref anchor } => {
            let href = note_href(ctx, t, anchor.as_deref(), Some(id));
            format!(
                "<a href=\"{}\" class=\"internal\">{}</a>",
                esc_attr(&href),
                esc(if alt.is_empty() { &ctx.titles[t] } else { alt })
            )
        }
        Target::Broken => format!(
            "<span class=\"broken-link broken-embed\" title=\"{}\">{}</span>",
            esc_attr(&format!("not found: {dest}")),
            esc(if alt.is_empty() || wiki { dest } else { alt })
        ),
    }
}

fn title_attr(t: &str) -> String {
    if t.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", esc_attr(t))
    }
}

/// Transcludes a note, a section or a block, with a link to the source.
fn embed_note(
    ctx: &Ctx,
    t: NoteId,
    anchor: Option<&str>,
    stack: &mut Vec<Shown>,
    dest: &str,
) -> String {
    let href = note_href(ctx, t, anchor, None);
    let parsed = &ctx.parsed[t];
    let (range, label) = match anchor {
        Some(a) if a.starts_with('^') => {
            match parsed.block_ids.iter().find(|b| format!("^{}", b.id) == a) {
                Some(b) => (b.start..b.end, ctx.titles[t].clone()),
                None => (0..ctx.notes[t].body_len(), ctx.titles[t].clone()),
            }
        }
        Some(a) => match parsed.headings.iter().find(|h| h.id == a) {
            Some(h) => (h.start..h.end, format!("{} › {}", ctx.titles[t], h.text)),
            None => (0..ctx.notes[t].body_len(), ctx.titles[t].clone()),
        },
        None => (0..ctx.notes[t].body_len(), ctx.titles[t].clone()),
    };
    let head = format!(
        "<div class=\"embed\"><div class=\"embed-title\"><a href=\"{}\" class=\"internal\">{}</a></div>",
        esc_attr(&href),
        esc(&label)
    );
    let node = Shown {
        note: t,
        range: range.clone(),
    };
    if stack.contains(&node) || stack.len() > MAX_EMBED_DEPTH {
        return format!(
            "{head}<p class=\"embed-cycle\">{}</p></div>\n",
            esc(&format!("![[{dest}]]"))
        );
    }
    stack.push(node);
    let part = Fragment {
        id: t,
        range,
        top: false,
        skip_h1: None,
    };
    let inner = render(ctx, &part, stack);
    stack.pop();
    format!("{head}<div class=\"embed-content\">{inner}</div></div>\n")
}

/// Escapes prose text and turns `#tags`, bare URLs and (optionally) note mentions into links.
fn inline_text(
    ctx: &Ctx,
    id: NoteId,
    text: &str,
    linked: &mut std::collections::HashSet<NoteId>,
) -> String {
    #[derive(PartialEq)]
    enum K {
        Tag(String),
        Url,
        Mention(NoteId),
    }
    let mut spans: Vec<(usize, usize, K)> = Vec::new();
    for m in scan_tags(text) {
        spans.push((m.start, m.end, K::Tag(m.tag)));
    }
    for (a, b) in scan_urls(text) {
        if !spans.iter().any(|(s, e, _)| a < *e && *s < b) {
            spans.push((a, b, K::Url));
        }
    }
    if let Some(m) = ctx.autolink {
        let found = if ctx.autolink_all {
            m.find_all(text, id, linked)
        } else {
            m.find(text, id, linked)
        };
        for (a, b, target) in found {
            if !spans.iter().any(|(s, e, _)| a < *e && *s < b) {
                spans.push((a, b, K::Mention(target)));
            }
        }
    }
    if spans.is_empty() {
        return esc(text);
    }
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (a, b, k) in spans {
        if a < at {
            continue;
        }
        out.push_str(&esc(&text[at..a]));
        let s = &text[a..b];
        match k {
            K::Tag(tag) => out.push_str(&format!(
                "<a class=\"tag\" href=\"{}tags/{}/\">{}</a>",
                ctx.base_path,
                esc_attr(&slug::encode_path(&slug::slugify_path(&tag))),
                esc(s)
            )),
            K::Url => {
                let href = if s.starts_with("www.") {
                    format!("http://{s}")
                } else {
                    s.to_string()
                };
                out.push_str(&format!(
                    "<a href=\"{}\" class=\"external\" rel=\"noopener\">{}</a>",
                    esc_attr(&href),
                    esc(s)
                ));
            }
            K::Mention(t) => {
                if !ctx.autolink_all {
                    linked.insert(t);
                }
                out.push_str(&format!(
                    "<a href=\"{}\" class=\"internal mention\">{}</a>",
                    esc_attr(&ctx.urls[t]),
                    esc(s)
                ));
            }
        }
        at = b;
    }
    out.push_str(&esc(&text[at..]));
    out
}
