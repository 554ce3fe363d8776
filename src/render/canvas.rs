//! A canvas as a picture that reads without JavaScript: one SVG in the canvas's own units,
//! groups and cards as rectangles, each card's content (Markdown, a note's title and first
//! lines, an image, a web link) in a `foreignObject`, edges as curves with arrowheads and
//! labels. Positions are SVG attributes, never inline styles, which the pages' Content
//! Security Policy forbids; `static/canvas.js` only moves the `viewBox` to pan and zoom.

use super::html::{self, Ctx};
use super::{esc, esc_attr};
use crate::link::Target;
use crate::site::NoteId;
use crate::site::canvas::{Canvas, Color, Edge, Node, NodeKind, Rect, Side};
use std::fmt::Write as _;

/// Space around the outermost nodes.
const PAD: f64 = 40.0;

/// A number for an SVG attribute: at most one decimal.
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 { "0".into() } else { format!("{r}") }
}

/// The area the nodes cover, padded (a fixed area for an empty canvas).
pub fn bounds(c: &Canvas) -> Rect {
    let r = c
        .nodes
        .iter()
        .map(|n| n.rect)
        .reduce(Rect::union)
        .unwrap_or(Rect {
            x: 0.0,
            y: 0.0,
            width: 400.0,
            height: 200.0,
        });
    Rect {
        x: r.x - PAD,
        y: r.y - PAD,
        width: r.width + 2.0 * PAD,
        height: r.height + 2.0 * PAD,
    }
}

/// The class and SVG paint attributes of a colour: presets are themed classes, a hex colour
/// is painted as written.
fn paint(c: Option<&Color>, fill_opacity: &str) -> (String, String) {
    match c {
        Some(Color::Preset(n)) => (format!(" canvas-c{n}"), String::new()),
        Some(Color::Hex(h)) => (
            String::new(),
            format!(" stroke=\"{h}\" fill=\"{h}\" fill-opacity=\"{fill_opacity}\""),
        ),
        None => (String::new(), String::new()),
    }
}

/// The canvas of note `id` as a figure: the SVG inside a focusable viewport.
pub fn canvas_html(ctx: &Ctx, id: NoteId, title: &str) -> String {
    let empty = Canvas::default();
    let c = ctx.parsed[id].canvas.as_deref().unwrap_or(&empty);
    let b = bounds(c);
    let mut s = String::with_capacity(4096 + c.source.len() * 2);
    let _ = write!(
        s,
        "<figure class=\"canvas-view\" data-canvas>\n<div class=\"canvas-viewport\" tabindex=\"0\" role=\"region\" aria-label=\"{}\">\n<svg class=\"canvas-svg\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{} {} {} {}\" width=\"{}\" height=\"{}\" data-bounds=\"{} {} {} {}\">\n",
        esc_attr(title),
        num(b.x),
        num(b.y),
        num(b.width),
        num(b.height),
        num(b.width),
        num(b.height),
        num(b.x),
        num(b.y),
        num(b.width),
        num(b.height),
    );
    s.push_str("<g class=\"canvas-groups\">\n");
    for n in &c.nodes {
        if let NodeKind::Group(label) = &n.kind {
            group(&mut s, n, label.as_deref());
        }
    }
    s.push_str("</g>\n<g class=\"canvas-edges\">\n");
    for e in &c.edges {
        edge(&mut s, c, e);
    }
    s.push_str("</g>\n<g class=\"canvas-nodes\">\n");
    for n in &c.nodes {
        if !matches!(n.kind, NodeKind::Group(_)) {
            card(&mut s, ctx, id, n);
        }
    }
    s.push_str("</g>\n<g class=\"canvas-labels\" aria-hidden=\"true\">\n");
    for e in &c.edges {
        if let Some(label) = &e.label {
            let (p, _) = curve(c, e);
            let (x, y) = p.mid();
            let _ = writeln!(
                s,
                "<text class=\"canvas-edge-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" dominant-baseline=\"middle\">{}</text>",
                num(x),
                num(y),
                esc(label)
            );
        }
    }
    s.push_str("</g>\n</svg>\n</div>\n</figure>\n");
    s
}

/// A node's rectangle in its colour (`opacity` of the fill, corner radius `rx`).
fn rect(s: &mut String, kind: &str, n: &Node, (opacity, rx): (&str, u8)) {
    let r = n.rect;
    let (class, attrs) = paint(n.color.as_ref(), opacity);
    let _ = writeln!(
        s,
        "<rect class=\"{kind}{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{rx}\"{attrs}/>",
        num(r.x),
        num(r.y),
        num(r.width),
        num(r.height)
    );
}

fn group(s: &mut String, n: &Node, label: Option<&str>) {
    let r = n.rect;
    rect(s, "canvas-group", n, ("0.08", 8));
    if let Some(l) = label {
        let _ = writeln!(
            s,
            "<text class=\"canvas-group-label\" x=\"{}\" y=\"{}\">{}</text>",
            num(r.x + 4.0),
            num(r.y - 10.0),
            esc(l)
        );
    }
}

/// A card: its rectangle, then its content in a `foreignObject` of the same place.
fn card(s: &mut String, ctx: &Ctx, id: NoteId, n: &Node) {
    let r = n.rect;
    rect(s, "canvas-card-bg", n, ("0.1", 6));
    let (kind, body) = match &n.kind {
        NodeKind::Text(range) => ("text", html::fragment_html(ctx, id, range.clone())),
        NodeKind::File { file, link, .. } => ("file", file_card(ctx, id, file, *link)),
        NodeKind::Link(url) => ("link", link_card(url)),
        NodeKind::Group(_) => return,
    };
    let _ = writeln!(
        s,
        "<foreignObject x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><div class=\"canvas-card canvas-{kind}\" data-node=\"{}\" tabindex=\"0\">{body}</div></foreignObject>",
        num(r.x),
        num(r.y),
        num(r.width),
        num(r.height),
        esc_attr(&n.id)
    );
}

/// A file card: a note's title (its link) and first lines, an image, or a link to the file.
fn file_card(ctx: &Ctx, id: NoteId, file: &str, link: usize) -> String {
    let Some(res) = ctx.graph.resolutions[id].get(link) else {
        return String::new();
    };
    let href = |t: NoteId, anchor: Option<&str>| match anchor {
        Some(a) => format!("{}#{}", ctx.urls[t], crate::site::slug::encode_fragment(a)),
        None => ctx.urls[t].clone(),
    };
    match &res.target {
        Target::Note { id: t, anchor } => {
            let n = &ctx.notes[*t];
            let lines = n
                .front
                .description
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or(&ctx.parsed[*t].summary);
            format!(
                "<a class=\"internal canvas-file-title\" href=\"{}\">{}</a><p class=\"canvas-file-lines\">{}</p>",
                esc_attr(&href(*t, anchor.as_deref())),
                esc(&ctx.titles[*t]),
                esc(lines)
            )
        }
        Target::Attachment(a) => {
            let url = &ctx.att_urls[*a];
            let name = file.rsplit('/').next().unwrap_or(file);
            let ext = name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            if html::IMAGE_EXT.contains(&ext.as_str()) {
                format!(
                    "<img src=\"{}\" alt=\"{}\" loading=\"lazy\">",
                    esc_attr(url),
                    esc_attr(name)
                )
            } else {
                format!(
                    "<a class=\"attachment canvas-file-title\" href=\"{}\">{}</a>",
                    esc_attr(url),
                    esc(name)
                )
            }
        }
        Target::Broken => format!(
            "<span class=\"broken-link\" title=\"{}\">{}</span>",
            esc_attr(&format!("not found: {file}")),
            esc(file)
        ),
    }
}

/// A web link card: the address, linked unless its scheme could run code.
fn link_card(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return format!("<span class=\"canvas-url\">{}</span>", esc(url));
    }
    let shown = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .trim_end_matches('/');
    format!(
        "<a class=\"external canvas-url\" href=\"{}\" rel=\"noopener\">{}</a>",
        esc_attr(url.trim()),
        esc(shown)
    )
}

/// A cubic Bézier curve.
struct Curve {
    p: [(f64, f64); 4],
}

impl Curve {
    fn mid(&self) -> (f64, f64) {
        let [a, b, c, d] = self.p;
        (
            (a.0 + 3.0 * b.0 + 3.0 * c.0 + d.0) / 8.0,
            (a.1 + 3.0 * b.1 + 3.0 * c.1 + d.1) / 8.0,
        )
    }
}

/// The point of a side's middle and the way out of the node there.
fn anchor(r: Rect, side: Side) -> ((f64, f64), (f64, f64)) {
    match side {
        Side::Top => ((r.x + r.width / 2.0, r.y), (0.0, -1.0)),
        Side::Right => ((r.x + r.width, r.y + r.height / 2.0), (1.0, 0.0)),
        Side::Bottom => ((r.x + r.width / 2.0, r.y + r.height), (0.0, 1.0)),
        Side::Left => ((r.x, r.y + r.height / 2.0), (-1.0, 0.0)),
    }
}

/// The side of `r` facing `o`, for an edge that names none.
fn facing(r: Rect, o: Rect) -> Side {
    let dx = (o.x + o.width / 2.0) - (r.x + r.width / 2.0);
    let dy = (o.y + o.height / 2.0) - (r.y + r.height / 2.0);
    if dx.abs() >= dy.abs() {
        if dx >= 0.0 { Side::Right } else { Side::Left }
    } else if dy >= 0.0 {
        Side::Bottom
    } else {
        Side::Top
    }
}

/// An edge's curve (leaving and reaching its sides straight out), and the direction it
/// arrives in.
fn curve(c: &Canvas, e: &Edge) -> (Curve, (f64, f64)) {
    let (a, b) = (c.nodes[e.from].rect, c.nodes[e.to].rect);
    let (p0, n0) = anchor(a, e.from_side.unwrap_or_else(|| facing(a, b)));
    let (p3, n3) = anchor(b, e.to_side.unwrap_or_else(|| facing(b, a)));
    let dist = ((p3.0 - p0.0).powi(2) + (p3.1 - p0.1).powi(2)).sqrt();
    let k = (dist / 2.0).clamp(30.0, 150.0);
    let p1 = (p0.0 + n0.0 * k, p0.1 + n0.1 * k);
    let p2 = (p3.0 + n3.0 * k, p3.1 + n3.1 * k);
    (
        Curve {
            p: [p0, p1, p2, p3],
        },
        (-n3.0, -n3.1),
    )
}

/// An arrowhead with its tip at `tip`, pointing along `dir` (a unit vector).
fn arrow(tip: (f64, f64), dir: (f64, f64)) -> String {
    const LEN: f64 = 12.0;
    const HALF: f64 = 6.0;
    let base = (tip.0 - dir.0 * LEN, tip.1 - dir.1 * LEN);
    let perp = (-dir.1, dir.0);
    format!(
        "{},{} {},{} {},{}",
        num(tip.0),
        num(tip.1),
        num(base.0 + perp.0 * HALF),
        num(base.1 + perp.1 * HALF),
        num(base.0 - perp.0 * HALF),
        num(base.1 - perp.1 * HALF)
    )
}

fn edge(s: &mut String, c: &Canvas, e: &Edge) {
    let (cv, arrive) = curve(c, e);
    let [p0, p1, p2, p3] = cv.p;
    let (class, _) = paint(e.color.as_ref(), "1");
    let color = match &e.color {
        Some(Color::Hex(h)) => format!(" stroke=\"{h}\" fill=\"{h}\""),
        _ => String::new(),
    };
    let name = |k: usize| match &c.nodes[k].kind {
        NodeKind::Group(Some(l)) => l.clone(),
        NodeKind::File { file, .. } => file.clone(),
        NodeKind::Link(u) => u.clone(),
        NodeKind::Text(r) => crate::site::text::truncate_chars(c.source[r.clone()].trim(), 40),
        NodeKind::Group(None) => c.nodes[k].id.clone(),
    };
    let desc = match &e.label {
        Some(l) => format!("{} → {}: {l}", name(e.from), name(e.to)),
        None => format!("{} → {}", name(e.from), name(e.to)),
    };
    let _ = write!(
        s,
        "<g class=\"canvas-edge{class}\" data-from=\"{}\" data-to=\"{}\"{color}><title>{}</title><path d=\"M{},{} C{},{} {},{} {},{}\" fill=\"none\"/>",
        esc_attr(&c.nodes[e.from].id),
        esc_attr(&c.nodes[e.to].id),
        esc(&desc),
        num(p0.0),
        num(p0.1),
        num(p1.0),
        num(p1.1),
        num(p2.0),
        num(p2.1),
        num(p3.0),
        num(p3.1)
    );
    if e.to_arrow {
        let _ = write!(
            s,
            "<polygon class=\"canvas-arrow\" points=\"{}\"/>",
            arrow(p3, arrive)
        );
    }
    if e.from_arrow {
        // the curve leaves along the side's normal: an arrowhead there points back into it
        let (dx, dy) = (p0.0 - p1.0, p0.1 - p1.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let _ = write!(
            s,
            "<polygon class=\"canvas-arrow\" points=\"{}\"/>",
            arrow(p0, (dx / len, dy / len))
        );
    }
    s.push_str("</g>\n");
}

/// `![[x.canvas]]` in a note: a card linking to the canvas, with a small drawing of its
/// nodes and edges (no text, so it stays small and cannot nest).
pub fn embed_card(ctx: &Ctx, id: NoteId) -> String {
    let empty = Canvas::default();
    let c = ctx.parsed[id].canvas.as_deref().unwrap_or(&empty);
    let b = bounds(c);
    let mut s = format!(
        "<div class=\"embed canvas-embed\"><div class=\"embed-title\"><a href=\"{}\" class=\"internal\">{}</a></div>",
        esc_attr(&ctx.urls[id]),
        esc(&ctx.titles[id])
    );
    let _ = write!(
        s,
        "<a class=\"canvas-thumb\" href=\"{}\" tabindex=\"-1\" aria-hidden=\"true\"><svg viewBox=\"{} {} {} {}\" width=\"100%\" height=\"160\" preserveAspectRatio=\"xMidYMid meet\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"{}\">",
        esc_attr(&ctx.urls[id]),
        num(b.x),
        num(b.y),
        num(b.width),
        num(b.height),
        // about two pixels at the thumbnail's size
        num((b.width / 300.0).max(b.height / 80.0).max(1.0))
    );
    for n in &c.nodes {
        let r = n.rect;
        let attrs = match &n.color {
            Some(Color::Hex(h)) => format!(" stroke=\"{h}\""),
            _ => String::new(),
        };
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"{attrs}/>",
            num(r.x),
            num(r.y),
            num(r.width),
            num(r.height)
        );
    }
    for e in &c.edges {
        let [p0, p1, p2, p3] = curve(c, e).0.p;
        let _ = write!(
            s,
            "<path d=\"M{},{} C{},{} {},{} {},{}\" opacity=\"0.6\"/>",
            num(p0.0),
            num(p0.1),
            num(p1.0),
            num(p1.1),
            num(p2.0),
            num(p2.1),
            num(p3.0),
            num(p3.1)
        );
    }
    s.push_str("</svg></a></div>\n");
    s
}
