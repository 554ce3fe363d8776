//! Reads a `.canvas` file (JSON Canvas 1.0) into a [`Canvas`]: nodes, edges, and the text
//! cards' Markdown parsed like a note's, so that their links count as links and their text is
//! searched. What kb cannot draw (an unknown node type, an edge to no node, a field of the
//! wrong type) is reported at the node's place in the file and left out; the rest is drawn.

use crate::diag::{Code, Diagnostic, LineIndex};
use crate::load::Note;
use crate::site::canvas::{Canvas, Color, Edge, Node, NodeKind, Rect, Side};
use crate::site::{LinkKind, LinkRef, NoteKind, ParsedNote, Section};
use serde_json::{Map, Value};

/// The size a node without a usable width or height is drawn at.
const DEFAULT_SIZE: (f64, f64) = (250.0, 60.0);

/// Parses a canvas note (its body is the file's JSON).
pub fn parse(note: &Note) -> ParsedNote {
    let body = note.body();
    let text = body.as_str();
    let mut out = ParsedNote::default();
    let lines = LineIndex::new(text);
    let top: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.diagnostics.push(Diagnostic::error(
                Code::CanvasSyntax,
                note.display_path.clone(),
                (e.line().max(1), e.column().max(1)),
                format!("canvas is not valid JSON: {e}"),
                "fix the JSON (Obsidian writes canvases as JSON Canvas 1.0); the page shows an empty canvas",
            ));
            out.canvas = Some(Box::default());
            return out;
        }
    };
    let Some(obj) = top.as_object() else {
        out.diagnostics.push(Diagnostic::error(
            Code::CanvasSyntax,
            note.display_path.clone(),
            lines.pos(text.len() - text.trim_start().len()),
            "a canvas is a JSON object with `nodes` and `edges`",
            "write `{\"nodes\": [], \"edges\": []}` around the canvas's content",
        ));
        out.canvas = Some(Box::default());
        return out;
    };
    let mut r = Reader {
        note,
        lines,
        node_at: element_starts(text, "nodes"),
        edge_at: element_starts(text, "edges"),
        canvas: Canvas::default(),
        card: Note {
            text: Default::default(),
            body_offset: 0,
            kind: NoteKind::Markdown,
            ..note.clone()
        },
        parsed: out,
        plain: Vec::new(),
        files: Vec::new(),
    };
    for (k, v) in list(obj, "nodes").iter().enumerate() {
        r.node(k, v);
    }
    for (k, v) in list(obj, "edges").iter().enumerate() {
        r.edge(k, v);
    }
    r.finish()
}

/// The elements of a top-level array of the canvas object (absent or not an array: none).
fn list<'v>(obj: &'v Map<String, Value>, key: &str) -> &'v [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The byte offsets where the elements of the top-level array `key` start, in order, from a
/// scan of the (already valid) JSON text; serde_json's values keep no positions.
fn element_starts(text: &str, key: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    let mut last_key: Option<(usize, usize)> = None;
    let mut active = false;
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 {
                    last_key = Some((start, i.min(b.len())));
                }
            }
            c @ (b'{' | b'[') => {
                if depth == 1 && c == b'[' {
                    active = last_key.is_some_and(|(s, e)| &text[s..e] == key);
                }
                if depth == 2 && active {
                    out.push(i);
                }
                depth += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    active = false;
                }
            }
            b',' if depth == 1 => last_key = None,
            _ => {}
        }
        i += 1;
    }
    out
}

/// One pass over a canvas's nodes and edges.
struct Reader<'n> {
    note: &'n Note,
    lines: LineIndex<'n>,
    node_at: Vec<usize>,
    edge_at: Vec<usize>,
    canvas: Canvas,
    /// The note a text card is parsed as (the canvas's paths, no text).
    card: Note,
    parsed: ParsedNote,
    /// Searchable text, in node order.
    plain: Vec<String>,
    /// File nodes: (node index, link destination, line and column).
    files: Vec<(usize, String, (usize, usize))>,
}

impl Reader<'_> {
    fn pos(&self, starts: &[usize], k: usize) -> (usize, usize) {
        starts.get(k).map_or((1, 1), |&o| self.lines.pos(o))
    }

    fn warn(&mut self, pos: (usize, usize), msg: String, hint: &str) {
        self.parsed.diagnostics.push(Diagnostic::warning(
            Code::Canvas,
            self.note.display_path.clone(),
            pos,
            msg,
            hint,
        ));
    }

    /// Reads node `k`; a node kb cannot draw is reported and left out.
    fn node(&mut self, k: usize, v: &Value) {
        let pos = self.pos(&self.node_at, k);
        let Some(o) = v.as_object() else {
            return self.warn(
                pos,
                "a canvas node is not a JSON object; it was left out".into(),
                "each entry of `nodes` is an object with `id`, `type`, `x`, `y`, `width` and `height`",
            );
        };
        let id = match o.get("id").and_then(Value::as_str) {
            Some(id) if !self.canvas.nodes.iter().any(|n| n.id == id) => id.to_string(),
            Some(id) => {
                return self.warn(
                    pos,
                    format!("a second node has the id `{id}`; it was left out"),
                    "give every node its own id",
                );
            }
            None => {
                return self.warn(
                    pos,
                    "a canvas node has no `id`; it was left out".into(),
                    "give the node a string `id`, unique in the canvas",
                );
            }
        };
        let ty = o.get("type").and_then(Value::as_str).unwrap_or("");
        let kind = match ty {
            "text" => {
                let text = str_field(o, "text");
                self.text_node(&text, pos)
            }
            "file" => {
                let file = str_field(o, "file");
                if file.is_empty() {
                    return self.warn(
                        pos,
                        format!("file node `{id}` names no `file`; it was left out"),
                        "set `file` to the path of a file of the vault",
                    );
                }
                let subpath = o
                    .get("subpath")
                    .and_then(Value::as_str)
                    .filter(|s| s.starts_with('#') && s.len() > 1)
                    .map(str::to_string);
                let dest = format!("{file}{}", subpath.as_deref().unwrap_or(""));
                self.files.push((self.canvas.nodes.len(), dest, pos));
                self.plain.push(file.clone());
                NodeKind::File {
                    file,
                    subpath,
                    link: 0,
                }
            }
            "link" => {
                let url = str_field(o, "url");
                self.plain.push(url.clone());
                NodeKind::Link(url)
            }
            "group" => {
                let label = o
                    .get("label")
                    .and_then(Value::as_str)
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string);
                self.plain.extend(label.clone());
                NodeKind::Group(label)
            }
            other => {
                return self.warn(
                    pos,
                    format!("node `{id}` has the unknown type `{other}`; it was left out"),
                    "JSON Canvas 1.0 nodes are `text`, `file`, `link` or `group`",
                );
            }
        };
        let rect = self.rect(o, &id, pos);
        let color = self.color(o, pos);
        self.canvas.nodes.push(Node {
            id,
            rect,
            color,
            kind,
        });
    }

    /// A text node's Markdown, parsed as a note of its own: its links, tags and problems
    /// become the canvas's, placed at the node.
    fn text_node(&mut self, text: &str, pos: (usize, usize)) -> NodeKind {
        let start = self.canvas.source.len();
        self.canvas.source.push_str(text);
        let end = self.canvas.source.len();
        self.canvas.source.push_str("\n\n");
        let card = Note {
            text: text.into(),
            ..self.card.clone()
        };
        let p = crate::parse::parse_note(&card);
        for mut l in p.links {
            l.offset += start;
            (l.line, l.col) = pos;
            self.parsed.links.push(l);
        }
        for t in p.tags {
            if !self.parsed.tags.contains(&t) {
                self.parsed.tags.push(t);
            }
        }
        for mut d in p.diagnostics {
            (d.line, d.col) = pos;
            self.parsed.diagnostics.push(d);
        }
        self.parsed.diagrams += p.diagrams;
        if self.parsed.summary.is_empty() {
            self.parsed.summary = p.summary;
        }
        self.plain.extend(
            p.sections
                .unpack()
                .into_iter()
                .map(|s| s.text)
                .filter(|t| !t.is_empty()),
        );
        NodeKind::Text(start..end)
    }

    fn rect(&mut self, o: &Map<String, Value>, id: &str, pos: (usize, usize)) -> Rect {
        let num = |k: &str| o.get(k).and_then(Value::as_f64).filter(|v| v.is_finite());
        let (x, y) = (num("x"), num("y"));
        let (w, h) = (
            num("width").filter(|&w| w > 0.0),
            num("height").filter(|&h| h > 0.0),
        );
        if x.is_none() || y.is_none() || w.is_none() || h.is_none() {
            self.warn(
                pos,
                format!("node `{id}` lacks a number for `x`, `y`, `width` or `height`"),
                "it is drawn at the origin or at a default size; give it a position and a size",
            );
        }
        // far-away or huge nodes would make the drawing unusable: kept within a large plane
        const LIMIT: f64 = 1e6;
        Rect {
            x: x.unwrap_or(0.0).clamp(-LIMIT, LIMIT),
            y: y.unwrap_or(0.0).clamp(-LIMIT, LIMIT),
            width: w.unwrap_or(DEFAULT_SIZE.0).min(LIMIT),
            height: h.unwrap_or(DEFAULT_SIZE.1).min(LIMIT),
        }
    }

    fn color(&mut self, o: &Map<String, Value>, pos: (usize, usize)) -> Option<Color> {
        let c = o.get("color")?;
        let parsed = c.as_str().and_then(parse_color);
        if parsed.is_none() {
            self.warn(
                pos,
                format!("`color` {c} is neither a preset (\"1\" to \"6\") nor a hex colour"),
                "write a preset such as \"4\" or a colour such as \"#3a7bd5\"; it is drawn uncoloured",
            );
        }
        parsed
    }

    /// Reads edge `k`; an edge to a node that is not there is reported and left out.
    fn edge(&mut self, k: usize, v: &Value) {
        let pos = self.pos(&self.edge_at, k);
        let Some(o) = v.as_object() else {
            return self.warn(
                pos,
                "a canvas edge is not a JSON object; it was left out".into(),
                "each entry of `edges` is an object with `id`, `fromNode` and `toNode`",
            );
        };
        let id = str_field(o, "id");
        let find = |key: &str| {
            let want = o.get(key).and_then(Value::as_str)?;
            self.canvas.nodes.iter().position(|n| n.id == want)
        };
        let (Some(from), Some(to)) = (find("fromNode"), find("toNode")) else {
            let missing = ["fromNode", "toNode"]
                .into_iter()
                .find(|key| find(key).is_none())
                .unwrap_or("fromNode");
            let name = o.get(missing).and_then(Value::as_str).unwrap_or("");
            return self.warn(
                pos,
                format!("edge `{id}` joins no node: `{missing}` is `{name}`, which the canvas does not have; it was left out"),
                "point `fromNode` and `toNode` at the ids of nodes of this canvas",
            );
        };
        let side = |key: &str| match o.get(key).and_then(Value::as_str) {
            Some("top") => Some(Side::Top),
            Some("right") => Some(Side::Right),
            Some("bottom") => Some(Side::Bottom),
            Some("left") => Some(Side::Left),
            _ => None,
        };
        let end = |key: &str, default: bool| match o.get(key).and_then(Value::as_str) {
            Some("arrow") => true,
            Some("none") => false,
            _ => default,
        };
        let label = o
            .get("label")
            .and_then(Value::as_str)
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string);
        self.plain.extend(label.clone());
        let color = self.color(o, pos);
        self.canvas.edges.push(Edge {
            id,
            from,
            to,
            from_side: side("fromSide"),
            to_side: side("toSide"),
            from_arrow: end("fromEnd", false),
            to_arrow: end("toEnd", true),
            color,
            label,
        });
    }

    /// File nodes' links come after the text cards' (links stay in offset order), then the
    /// searchable text becomes the canvas's one section.
    fn finish(mut self) -> ParsedNote {
        let base = self.canvas.source.len();
        for (k, (node, dest, (line, col))) in
            std::mem::take(&mut self.files).into_iter().enumerate()
        {
            if let NodeKind::File { link, .. } = &mut self.canvas.nodes[node].kind {
                *link = self.parsed.links.len();
            }
            self.parsed.links.push(LinkRef {
                kind: LinkKind::Wiki,
                dest,
                label: None,
                offset: base + k,
                line,
                col,
                context: Default::default(),
            });
        }
        let text = self.plain.join("\n");
        if !text.is_empty() {
            self.parsed.sections = vec![Section {
                heading: None,
                anchor: String::new(),
                path: Vec::new(),
                text,
                line: 1,
            }]
            .into();
        }
        self.parsed.canvas = Some(Box::new(self.canvas));
        self.parsed
    }
}

fn str_field(o: &Map<String, Value>, key: &str) -> String {
    o.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A preset (`"1"` to `"6"`) or a hex colour (`#rgb`, `#rrggbb`).
pub fn parse_color(s: &str) -> Option<Color> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u8>() {
        return (1..=6).contains(&n).then_some(Color::Preset(n));
    }
    let hex = s.strip_prefix('#')?;
    (matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| Color::Hex(format!("#{}", hex.to_ascii_lowercase())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas(json: &str) -> ParsedNote {
        let (n, _) = crate::load::note_from_bytes(
            "notes/c.canvas",
            "c.canvas".into(),
            "c.canvas".into(),
            json.as_bytes().to_vec(),
            None,
        );
        parse(&n.unwrap())
    }

    #[test]
    fn every_node_kind_and_edges() {
        let p = canvas(
            r##"{"nodes":[
  {"id":"a","type":"text","text":"See [[Redis]] #db","x":0,"y":0,"width":200,"height":100,"color":"4"},
  {"id":"b","type":"file","file":"db/Redis.md","subpath":"#Usage","x":300,"y":0,"width":200,"height":100},
  {"id":"c","type":"link","url":"https://example.org","x":0,"y":200,"width":200,"height":100,"color":"#AbC"},
  {"id":"g","type":"group","label":"Stores","x":-20,"y":-20,"width":600,"height":400}
],"edges":[
  {"id":"e1","fromNode":"a","fromSide":"right","toNode":"b","toSide":"left","label":"uses"},
  {"id":"e2","fromNode":"c","toNode":"a","fromEnd":"arrow","toEnd":"none"}
]}"##,
        );
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let c = p.canvas.as_ref().unwrap();
        assert_eq!(c.nodes.len(), 4);
        assert_eq!(c.nodes[0].color, Some(Color::Preset(4)));
        assert_eq!(c.nodes[2].color, Some(Color::Hex("#abc".into())));
        let dests: Vec<&str> = p.links.iter().map(|l| l.dest.as_str()).collect();
        assert_eq!(dests, ["Redis", "db/Redis.md#Usage"]);
        assert_eq!(p.links[0].line, 2);
        assert!(p.links.windows(2).all(|w| w[0].offset < w[1].offset));
        assert_eq!(p.tags, ["db"]);
        let e = &c.edges;
        assert_eq!(
            (e[0].from, e[0].to, e[0].to_arrow, e[0].from_arrow),
            (0, 1, true, false)
        );
        assert_eq!((e[1].from_arrow, e[1].to_arrow), (true, false));
        assert_eq!(e[0].from_side, Some(Side::Right));
        let sections = p.sections.unpack();
        assert!(sections[0].text.contains("Stores") && sections[0].text.contains("uses"));
    }

    #[test]
    fn problems_are_placed_and_the_rest_kept() {
        let p = canvas(
            "{\"nodes\":[\n {\"id\":\"a\",\"type\":\"text\",\"text\":\"x\",\"x\":0,\"y\":0,\"width\":10,\"height\":10},\n {\"id\":\"b\",\"type\":\"sticker\"}\n],\n\"edges\":[\n {\"id\":\"e\",\"fromNode\":\"a\",\"toNode\":\"zz\"}]}",
        );
        let c = p.canvas.as_ref().unwrap();
        assert_eq!((c.nodes.len(), c.edges.len()), (1, 0));
        let d: Vec<(usize, usize, Code)> = p
            .diagnostics
            .iter()
            .map(|d| (d.line, d.col, d.code))
            .collect();
        assert_eq!(d, [(3, 2, Code::Canvas), (6, 2, Code::Canvas)]);
        assert!(p.diagnostics[0].message.contains("sticker"));
        assert!(p.diagnostics[1].message.contains("`zz`"));
    }

    #[test]
    fn invalid_json_is_placed() {
        let p = canvas("{\"nodes\": [\n  {\"id\": \"a\",,}\n]}");
        assert_eq!(p.diagnostics.len(), 1);
        let d = &p.diagnostics[0];
        assert_eq!((d.code, d.line), (Code::CanvasSyntax, 2));
        assert!(p.canvas.unwrap().nodes.is_empty());
        for bad in ["[]", "42", "", "{\"nodes\": {\"a\": 1}, \"edges\": 7}"] {
            let p = canvas(bad);
            assert!(p.canvas.is_some(), "{bad}");
        }
    }

    #[test]
    fn element_starts_skip_strings_and_nesting() {
        let t = r#"{"edges":[{"a":"[{"}],"nodes":[{"x":{"y":[1]}}, {"s":"\"}"}]}"#;
        let s = element_starts(t, "nodes");
        assert_eq!(s.len(), 2);
        assert!(t[s[1]..].starts_with("{\"s\""));
        assert_eq!(element_starts(t, "edges").len(), 1);
    }
}
