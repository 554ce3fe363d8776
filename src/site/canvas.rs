//! A canvas as the parse stage reads it (JSON Canvas 1.0): cards placed on a plane, groups
//! around them and edges between them. Positions are the file's own units (pixels at zoom 1).

use std::ops::Range;

/// One canvas: its nodes and edges, and the Markdown of its text cards.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Canvas {
    /// Nodes in file order (the order the spec draws them: later ones on top).
    pub nodes: Vec<Node>,
    /// Edges between nodes that exist.
    pub edges: Vec<Edge>,
    /// The text cards' Markdown, one after another: links' offsets point into it, and each
    /// text card names its range.
    pub source: String,
}

/// A rectangle on the canvas.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width (positive).
    pub width: f64,
    /// Height (positive).
    pub height: f64,
}

impl Rect {
    /// The smallest rectangle holding both.
    pub fn union(self, o: Rect) -> Rect {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        Rect {
            x,
            y,
            width: (self.x + self.width).max(o.x + o.width) - x,
            height: (self.y + self.height).max(o.y + o.height) - y,
        }
    }
}

/// A colour: one of the six presets (red, orange, yellow, green, cyan, purple) or a hex one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Color {
    /// Preset `1` to `6`.
    Preset(u8),
    /// `#rgb` or `#rrggbb`, checked.
    Hex(String),
}

/// One node.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Node {
    /// The node's id in the file.
    pub id: String,
    /// Where it is.
    pub rect: Rect,
    /// Its colour, if any.
    pub color: Option<Color>,
    /// What it shows.
    pub kind: NodeKind,
}

/// What a node shows.
#[derive(Debug, Clone, serde::Serialize)]
pub enum NodeKind {
    /// Markdown text: a byte range of [`Canvas::source`].
    Text(Range<usize>),
    /// A file of the vault: a note (its title and first lines), an image or another file.
    File {
        /// The path as written (from the vault root).
        file: String,
        /// `#heading` or `#^block` within it, if any.
        subpath: Option<String>,
        /// Index of the link it makes in the parsed note's links.
        link: usize,
    },
    /// A web page.
    Link(String),
    /// A group around other nodes, with its label.
    Group(Option<String>),
}

/// Which side of a node an edge leaves or reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Side {
    /// The top edge.
    Top,
    /// The right edge.
    Right,
    /// The bottom edge.
    Bottom,
    /// The left edge.
    Left,
}

/// An edge between two nodes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Edge {
    /// The edge's id in the file.
    pub id: String,
    /// Index of the node it leaves, in [`Canvas::nodes`].
    pub from: usize,
    /// Index of the node it reaches.
    pub to: usize,
    /// The side it leaves from, `None` for the side facing the other node.
    pub from_side: Option<Side>,
    /// The side it reaches.
    pub to_side: Option<Side>,
    /// An arrowhead where it leaves (default none).
    pub from_arrow: bool,
    /// An arrowhead where it arrives (default one).
    pub to_arrow: bool,
    /// Its colour.
    pub color: Option<Color>,
    /// Its label.
    pub label: Option<String>,
}
