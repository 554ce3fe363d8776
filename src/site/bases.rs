//! A base (Obsidian Bases) as the parse stage reads it from a `.base` file or a `base` code
//! block: filters, formulas, display names and views, with every expression parsed.

/// One base.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Base {
    /// Filters every view applies.
    pub filters: Option<Filter>,
    /// Formula properties by name, in file order.
    pub formulas: Vec<(String, Expr)>,
    /// Display names of properties (`status`, `note.status`, `formula.x`, `file.name`).
    pub display: Vec<(Prop, String)>,
    /// The views, in order (a base without views shows one table).
    pub views: Vec<View>,
}

/// A filter: a statement, or `and` / `or` / `not` over a list of filters.
#[derive(Debug, Clone, serde::Serialize)]
pub enum Filter {
    /// Every filter holds.
    And(Vec<Filter>),
    /// At least one holds.
    Or(Vec<Filter>),
    /// None holds.
    Not(Vec<Filter>),
    /// An expression, true when its value is truthy.
    Expr(Expr),
}

/// How a view draws its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ViewKind {
    /// One row per note, one column per property.
    Table,
    /// A bulleted list.
    List,
    /// A grid of cards.
    Cards,
}

/// A property a view names: of the file, of the note (front matter) or a formula.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Prop {
    /// `file.name`, `file.mtime`, ...
    File(String),
    /// A front matter key (`note.x` or plain `x`).
    Note(String),
    /// `formula.x`.
    Formula(String),
}

impl Prop {
    /// Reads a property name as written in `order`, `sort` or `properties`.
    pub fn parse(name: &str) -> Prop {
        let name = name.trim();
        match name.split_once('.') {
            Some(("file", rest)) => Prop::File(rest.to_string()),
            Some(("note", rest)) => Prop::Note(rest.to_string()),
            Some(("formula", rest)) => Prop::Formula(rest.to_string()),
            _ => Prop::Note(name.to_string()),
        }
    }

    /// The name a column shows when the base gives it none.
    pub fn default_label(&self) -> String {
        match self {
            Prop::File(f) if f == "name" => "file name".into(),
            Prop::File(f) => format!("file {f}"),
            Prop::Note(n) | Prop::Formula(n) => n.clone(),
        }
    }
}

/// A sort key or grouping: a property and a direction.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sort {
    /// The property.
    pub prop: Prop,
    /// Largest (or latest, or Z) first.
    pub desc: bool,
}

/// One view.
#[derive(Debug, Clone, serde::Serialize)]
pub struct View {
    /// Table, list or cards.
    pub kind: ViewKind,
    /// Its name, shown above it.
    pub name: String,
    /// Filters of this view only (and-ed with the base's).
    pub filters: Option<Filter>,
    /// The properties shown, in order.
    pub order: Vec<Prop>,
    /// Sort keys, most significant first.
    pub sort: Vec<Sort>,
    /// At most this many rows.
    pub limit: Option<usize>,
    /// Rows grouped by a property's value.
    pub group_by: Option<Sort>,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    And,
    /// `||`
    Or,
}

/// An expression of the Bases formula language.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Expr {
    /// `null`
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A quoted string.
    Str(String),
    /// A bare name: a note property, or `file`, `note`, `formula`, `this`, `value`, ...
    Ident(String),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `a.b`
    Member(Box<Expr>, String),
    /// `a[b]`
    Index(Box<Expr>, Box<Expr>),
    /// `f(args)` or `a.f(args)`: the callee is an `Ident` or a `Member`.
    Call(Box<Expr>, Vec<Expr>),
    /// `!a`
    Not(Box<Expr>),
    /// `-a`
    Neg(Box<Expr>),
    /// `a op b`
    Bin(BinOp, Box<Expr>, Box<Expr>),
}
