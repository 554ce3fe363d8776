//! Reads a base (Obsidian Bases: a `.base` file, or a `base` code block in a note): the YAML
//! of filters, formulas, properties and views, and the expression language of its filters
//! and formulas (a small hand-written recursive-descent parser). What kb does not support or
//! cannot read is reported at its place in the file and left out; the rest is kept.

use crate::diag::{Code, Diagnostic, LineIndex};
use crate::load::Note;
use crate::site::bases::{Base, BinOp, Expr, Filter, Prop, Sort, View, ViewKind};
use crate::site::{ParsedNote, Section};
use serde_json::{Map, Value};

/// Nesting beyond this (parentheses, filter groups) is refused: hostile input stays cheap.
const MAX_DEPTH: usize = 64;

/// The functions and methods kb evaluates (anything else is reported and yields null).
pub const FUNCTIONS: &[&str] = &[
    // global
    "if",
    "date",
    "duration",
    "now",
    "today",
    "number",
    "list",
    "link",
    "min",
    "max",
    "file",
    // any value
    "isTruthy",
    "isType",
    "toString",
    "isEmpty",
    // strings
    "contains",
    "containsAll",
    "containsAny",
    "startsWith",
    "endsWith",
    "lower",
    "upper",
    "title",
    "trim",
    "replace",
    "repeat",
    "reverse",
    "slice",
    "split",
    // numbers
    "abs",
    "ceil",
    "floor",
    "round",
    "toFixed",
    // lists
    "filter",
    "map",
    "join",
    "sort",
    "unique",
    "flat",
    "reduce",
    // dates
    "format",
    "time",
    "relative",
    // files
    "hasTag",
    "inFolder",
    "hasLink",
    "hasProperty",
    "asLink",
    // objects
    "keys",
    "values",
];

/// Parses a base's YAML. `origin` is the file's line where the YAML starts (1 for a `.base`
/// file, the line after the fence for a block); diagnostics are placed in the file.
pub fn parse_base(yaml: &str, path: &str, origin: usize) -> (Base, Vec<Diagnostic>) {
    let mut r = Reader {
        yaml,
        lines: LineIndex::new(yaml),
        path,
        origin,
        diags: Vec::new(),
    };
    let base = r.base();
    (base, r.diags)
}

/// Parses a `.base` file into a parsed note: no links or text of its own; the views are drawn
/// when the site is rendered.
pub fn parse(note: &Note) -> ParsedNote {
    let (base, diagnostics) = parse_base(&note.body(), &note.display_path, 1);
    let names: Vec<String> = base.views.iter().map(|v| v.name.clone()).collect();
    // each view answers to `[[x.base#View]]` as a heading would
    let mut ids = crate::site::slug::IdDeduper::default();
    let headings = names
        .iter()
        .map(|n| crate::site::Heading {
            level: 2,
            text: n.clone(),
            id: ids.unique(crate::site::slug::heading_id(n)),
            start: 0,
            end: 0,
            line: 1,
        })
        .collect();
    ParsedNote {
        bases: 1,
        headings,
        diagnostics,
        sections: vec![Section {
            heading: None,
            anchor: String::new(),
            path: Vec::new(),
            text: names.join("\n"),
            line: 1,
        }]
        .into(),
        ..Default::default()
    }
}

struct Reader<'y> {
    yaml: &'y str,
    lines: LineIndex<'y>,
    path: &'y str,
    origin: usize,
    diags: Vec<Diagnostic>,
}

impl Reader<'_> {
    /// The place of `needle` (a key or an expression as written) in the file, or of the
    /// base's first line.
    fn at(&self, needle: &str) -> (usize, usize) {
        let (l, c) = match self.yaml.find(needle).filter(|_| !needle.is_empty()) {
            Some(o) => self.lines.pos(o),
            None => (1, 1),
        };
        (self.origin + l - 1, c)
    }

    fn warn(&mut self, pos: (usize, usize), msg: String, hint: &str) {
        self.diags
            .push(Diagnostic::warning(Code::Base, self.path, pos, msg, hint));
    }

    fn base(&mut self) -> Base {
        let value = match serde_saphyr::from_str::<Value>(self.yaml) {
            Ok(v) => v,
            Err(e) => {
                let pos = e
                    .location()
                    .filter(|l| l.line() > 0)
                    .map(|l| {
                        (
                            self.origin + l.line() as usize - 1,
                            l.column().max(1) as usize,
                        )
                    })
                    .unwrap_or((self.origin, 1));
                let raw = e.to_string();
                let msg = crate::diag::parser_message(&raw);
                self.diags.push(Diagnostic::error(
                    Code::BaseSyntax,
                    self.path,
                    pos,
                    format!("base is not valid YAML: {msg}"),
                    "fix the YAML (quote expressions holding `:` or `#`); the base shows every note in one table",
                ));
                return Base::default();
            }
        };
        let obj = match value {
            Value::Object(o) => o,
            Value::Null => Map::new(),
            _ => {
                self.diags.push(Diagnostic::error(
                    Code::BaseSyntax,
                    self.path,
                    (self.origin, 1),
                    "a base is a map of `filters`, `formulas`, `properties` and `views`",
                    "write the base as YAML keys; it shows every note in one table",
                ));
                return Base::default();
            }
        };
        let mut base = Base::default();
        for (k, v) in &obj {
            match k.as_str() {
                "filters" => base.filters = self.filter(v, 0),
                "formulas" => base.formulas = self.formulas(v),
                "properties" => base.display = self.display(v),
                "views" => base.views = self.views(v),
                "summaries" => self.warn(
                    self.at("summaries"),
                    "kb does not compute summaries; they are left out".into(),
                    "the rows are shown without the summary line",
                ),
                other => self.warn(
                    self.at(other),
                    format!("unknown key `{other}` in a base; it is left out"),
                    "a base has `filters`, `formulas`, `properties`, `summaries` and `views`",
                ),
            }
        }
        base
    }

    /// An expression written in the YAML, or `None` (reported) when it does not parse.
    fn expr(&mut self, src: &str) -> Option<Expr> {
        match parse_expr(src) {
            Ok(e) => {
                let mut unknown = Vec::new();
                unknown_functions(&e, &mut unknown);
                for f in unknown {
                    self.warn(
                        self.at(src),
                        format!("kb does not know the function `{f}`; it gives null"),
                        "see the Bases functions kb supports in the README",
                    );
                }
                Some(e)
            }
            Err((offset, msg)) => {
                let (l, c) = self.at(src);
                self.warn(
                    (l, c + src[..offset.min(src.len())].chars().count()),
                    format!("cannot read the expression `{src}`: {msg}; it is left out"),
                    "check the quotes, parentheses and operators of the expression",
                );
                None
            }
        }
    }

    fn filter(&mut self, v: &Value, depth: usize) -> Option<Filter> {
        if depth > MAX_DEPTH {
            self.warn(
                (self.origin, 1),
                "filters nest too deep; the deepest are left out".into(),
                "flatten the filter groups",
            );
            return None;
        }
        match v {
            Value::String(s) => self.expr(s).map(Filter::Expr),
            Value::Bool(b) => Some(Filter::Expr(Expr::Bool(*b))),
            Value::Object(o) if o.len() == 1 => {
                let (k, list) = o.iter().next()?;
                let items: Vec<Filter> = match list {
                    Value::Array(a) => a.iter().filter_map(|f| self.filter(f, depth + 1)).collect(),
                    other => self.filter(other, depth + 1).into_iter().collect(),
                };
                match k.as_str() {
                    "and" => Some(Filter::And(items)),
                    "or" => Some(Filter::Or(items)),
                    "not" => Some(Filter::Not(items)),
                    other => {
                        self.warn(
                            self.at(other),
                            format!("unknown filter group `{other}`; it is left out"),
                            "a filter group is `and`, `or` or `not`",
                        );
                        None
                    }
                }
            }
            other => {
                self.warn(
                    (self.origin, 1),
                    format!("a filter is a string or an `and`/`or`/`not` group, not {other}; it is left out"),
                    "write the filter as an expression string such as 'file.hasTag(\"book\")'",
                );
                None
            }
        }
    }

    fn formulas(&mut self, v: &Value) -> Vec<(String, Expr)> {
        let Some(o) = v.as_object() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, src) in o {
            let src = match src {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if let Some(e) = self.expr(&src) {
                out.push((name.clone(), e));
            }
        }
        out
    }

    fn display(&self, v: &Value) -> Vec<(Prop, String)> {
        let Some(o) = v.as_object() else {
            return Vec::new();
        };
        o.iter()
            .filter_map(|(k, cfg)| {
                let name = cfg.get("displayName")?.as_str()?;
                Some((Prop::parse(k), name.to_string()))
            })
            .collect()
    }

    fn views(&mut self, v: &Value) -> Vec<View> {
        let Some(list) = v.as_array() else {
            return Vec::new();
        };
        list.iter()
            .enumerate()
            .filter_map(|(k, v)| self.view(k, v.as_object()?))
            .collect()
    }

    fn view(&mut self, k: usize, o: &Map<String, Value>) -> Option<View> {
        let name = o
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("View {}", k + 1));
        let ty = o.get("type").and_then(Value::as_str).unwrap_or("table");
        let kind = match ty {
            "table" => ViewKind::Table,
            "list" => ViewKind::List,
            "cards" => ViewKind::Cards,
            other => {
                self.warn(
                    self.at(other),
                    format!("kb does not draw the view type `{other}`; view `{name}` is shown as a table"),
                    "kb draws `table`, `list` and `cards` views",
                );
                ViewKind::Table
            }
        };
        let props = |key: &str| -> Vec<Prop> {
            o.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(Prop::parse)
                        .collect()
                })
                .unwrap_or_default()
        };
        let sort_of = |v: &Value| -> Option<Sort> {
            let prop = v.get("property").and_then(Value::as_str)?;
            let desc = v
                .get("direction")
                .and_then(Value::as_str)
                .is_some_and(|d| d.eq_ignore_ascii_case("desc"));
            Some(Sort {
                prop: Prop::parse(prop),
                desc,
            })
        };
        let filters = o.get("filters").and_then(|f| self.filter(f, 0));
        Some(View {
            kind,
            name,
            filters,
            order: props("order"),
            sort: o
                .get("sort")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(sort_of).collect())
                .unwrap_or_default(),
            limit: o
                .get("limit")
                .and_then(Value::as_u64)
                .map(|l| l.min(1 << 20) as usize),
            group_by: o.get("groupBy").and_then(sort_of),
        })
    }
}

/// Collects the names of called functions kb does not evaluate.
fn unknown_functions(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Call(callee, args) => {
            let name = match &**callee {
                Expr::Ident(n) => Some(n),
                Expr::Member(obj, n) => {
                    unknown_functions(obj, out);
                    Some(n)
                }
                other => {
                    unknown_functions(other, out);
                    None
                }
            };
            if let Some(n) = name
                && !FUNCTIONS.contains(&n.as_str())
                && !out.contains(n)
            {
                out.push(n.clone());
            }
            for a in args {
                unknown_functions(a, out);
            }
        }
        Expr::List(items) => items.iter().for_each(|i| unknown_functions(i, out)),
        Expr::Member(a, _) | Expr::Not(a) | Expr::Neg(a) => unknown_functions(a, out),
        Expr::Index(a, b) | Expr::Bin(_, a, b) => {
            unknown_functions(a, out);
            unknown_functions(b, out);
        }
        _ => {}
    }
}

/// A token of the expression language, with its byte offset.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    /// Punctuation and operators.
    Op(&'static str),
}

const OPS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "(", ")", "[", "]",
    ".", ",",
];

fn tokens(src: &str) -> Result<Vec<(Tok, usize)>, (usize, String)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'"' || c == b'\'' {
            let start = i;
            let mut s = String::new();
            i += 1;
            loop {
                let Some(ch) = src[i..].chars().next() else {
                    return Err((start, "a string is never closed".into()));
                };
                i += ch.len_utf8();
                match ch {
                    '\\' => {
                        let Some(n) = src[i..].chars().next() else {
                            return Err((start, "a string is never closed".into()));
                        };
                        i += n.len_utf8();
                        s.push(match n {
                            'n' => '\n',
                            't' => '\t',
                            o => o,
                        });
                    }
                    q if q as u32 == c as u32 => break,
                    o => s.push(o),
                }
            }
            out.push((Tok::Str(s), start));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            let n = src[start..i]
                .parse::<f64>()
                .map_err(|_| (start, format!("`{}` is not a number", &src[start..i])))?;
            out.push((Tok::Num(n), start));
        } else if c == b'_' || c == b'$' || c.is_ascii_alphabetic() || c >= 0x80 {
            let start = i;
            while let Some(ch) = src[i..].chars().next() {
                if ch == '_' || ch == '$' || ch.is_alphanumeric() {
                    i += ch.len_utf8();
                } else {
                    break;
                }
            }
            if i == start {
                let ch = src[start..].chars().next().unwrap_or('?');
                return Err((start, format!("unexpected `{ch}`")));
            }
            out.push((Tok::Ident(src[start..i].to_string()), start));
        } else if let Some(op) = OPS.iter().find(|op| src[i..].starts_with(**op)) {
            out.push((Tok::Op(op), i));
            i += op.len();
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            return Err((i, format!("unexpected `{ch}`")));
        }
    }
    Ok(out)
}

/// Parses one expression; an error gives the byte offset and what is wrong.
pub fn parse_expr(src: &str) -> Result<Expr, (usize, String)> {
    let toks = tokens(src)?;
    let mut p = ExprParser {
        toks,
        at: 0,
        end: src.len(),
        depth: 0,
    };
    let e = p.or()?;
    match p.toks.get(p.at) {
        None => Ok(e),
        Some((t, o)) => Err((*o, format!("unexpected {}", describe(t)))),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("number {n}"),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Ident(i) => format!("`{i}`"),
        Tok::Op(o) => format!("`{o}`"),
    }
}

struct ExprParser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    end: usize,
    depth: usize,
}

type PResult = Result<Expr, (usize, String)>;

impl ExprParser {
    fn peek_op(&self) -> Option<&'static str> {
        match self.toks.get(self.at) {
            Some((Tok::Op(o), _)) => Some(o),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn offset(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |t| t.1)
    }

    fn expect(&mut self, op: &str) -> Result<(), (usize, String)> {
        if self.eat(op) {
            Ok(())
        } else {
            Err((self.offset(), format!("expected `{op}`")))
        }
    }

    /// Left-associative binary operators of one precedence level.
    fn level(&mut self, ops: &[(&str, BinOp)], next: fn(&mut Self) -> PResult) -> PResult {
        let mut left = next(self)?;
        'outer: loop {
            for (s, op) in ops {
                if self.eat(s) {
                    let right = next(self)?;
                    left = Expr::Bin(*op, Box::new(left), Box::new(right));
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn or(&mut self) -> PResult {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((self.offset(), "the expression nests too deep".into()));
        }
        let e = self.level(&[("||", BinOp::Or)], Self::and);
        self.depth -= 1;
        e
    }

    fn and(&mut self) -> PResult {
        self.level(&[("&&", BinOp::And)], Self::equality)
    }

    fn equality(&mut self) -> PResult {
        self.level(&[("==", BinOp::Eq), ("!=", BinOp::Ne)], Self::comparison)
    }

    fn comparison(&mut self) -> PResult {
        self.level(
            &[
                ("<=", BinOp::Le),
                (">=", BinOp::Ge),
                ("<", BinOp::Lt),
                (">", BinOp::Gt),
            ],
            Self::additive,
        )
    }

    fn additive(&mut self) -> PResult {
        self.level(
            &[("+", BinOp::Add), ("-", BinOp::Sub)],
            Self::multiplicative,
        )
    }

    fn multiplicative(&mut self) -> PResult {
        self.level(
            &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Rem)],
            Self::unary,
        )
    }

    fn unary(&mut self) -> PResult {
        if self.eat("!") {
            return self.nested(|p| p.unary()).map(|e| Expr::Not(Box::new(e)));
        }
        if self.eat("-") {
            return self.nested(|p| p.unary()).map(|e| Expr::Neg(Box::new(e)));
        }
        self.postfix()
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> PResult) -> PResult {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((self.offset(), "the expression nests too deep".into()));
        }
        let e = f(self);
        self.depth -= 1;
        e
    }

    fn args(&mut self, close: &str) -> Result<Vec<Expr>, (usize, String)> {
        let mut args = Vec::new();
        if self.eat(close) {
            return Ok(args);
        }
        loop {
            args.push(self.or()?);
            if self.eat(close) {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn postfix(&mut self) -> PResult {
        let mut e = self.primary()?;
        loop {
            if self.eat(".") {
                match self.toks.get(self.at) {
                    Some((Tok::Ident(name), _)) => {
                        e = Expr::Member(Box::new(e), name.clone());
                        self.at += 1;
                    }
                    _ => return Err((self.offset(), "expected a name after `.`".into())),
                }
            } else if self.eat("(") {
                let args = self.args(")")?;
                e = Expr::Call(Box::new(e), args);
            } else if self.eat("[") {
                let i = self.or()?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(i));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> PResult {
        let Some((t, o)) = self.toks.get(self.at).cloned() else {
            return Err((self.end, "the expression ends too early".into()));
        };
        self.at += 1;
        match t {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Ident(i) => Ok(match i.as_str() {
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                "null" => Expr::Null,
                _ => Expr::Ident(i),
            }),
            Tok::Op("(") => {
                let e = self.or()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Op("[") => self.args("]").map(Expr::List),
            other => Err((o, format!("unexpected {}", describe(&other)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_parse_with_precedence() {
        let e = parse_expr("file.hasTag(\"a\", 'b') && !(price > 2.5 || x == null)").unwrap();
        let Expr::Bin(BinOp::And, l, r) = e else {
            panic!("{e:?}")
        };
        assert!(matches!(*l, Expr::Call(_, ref a) if a.len() == 2));
        assert!(matches!(*r, Expr::Not(_)));
        assert_eq!(
            parse_expr("1 + 2 * 3").unwrap(),
            Expr::Bin(
                BinOp::Add,
                Box::new(Expr::Num(1.0)),
                Box::new(Expr::Bin(
                    BinOp::Mul,
                    Box::new(Expr::Num(2.0)),
                    Box::new(Expr::Num(3.0))
                ))
            )
        );
        assert!(parse_expr("[album, creator].filter(value.isTruthy()).join(' - ')").is_ok());
        assert!(parse_expr("note[\"가격\"][0]").is_ok());
    }

    #[test]
    fn bad_expressions_say_where() {
        assert_eq!(parse_expr("a +").unwrap_err().0, 3);
        assert_eq!(parse_expr("f(1,").unwrap_err().0, 4);
        assert_eq!(parse_expr("'open").unwrap_err().0, 0);
        assert_eq!(parse_expr("a # b").unwrap_err().0, 2);
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(parse_expr(&deep).is_err());
        let deep = format!("{}1", "!".repeat(500));
        assert!(parse_expr(&deep).is_err());
    }

    #[test]
    fn a_base_reads_and_reports_what_it_leaves_out() {
        let yaml = "filters:\n  and:\n    - file.hasTag(\"book\")\n    - 'status != \"done\"'\nformulas:\n  ppu: \"(price / age\"\n  x: shout(1)\nproperties:\n  status:\n    displayName: Status\nviews:\n  - type: table\n    name: Books\n    limit: 5\n    order: [file.name, status, formula.x]\n    sort:\n      - property: file.mtime\n        direction: DESC\n    groupBy:\n      property: status\n  - type: map\n    name: Where\n";
        let (b, d) = parse_base(yaml, "notes/b.base", 1);
        let Some(Filter::And(f)) = &b.filters else {
            panic!("{:?}", b.filters)
        };
        assert_eq!(f.len(), 2);
        assert_eq!(b.formulas.len(), 1);
        assert_eq!(b.display, [(Prop::Note("status".into()), "Status".into())]);
        assert_eq!(b.views.len(), 2);
        let v = &b.views[0];
        assert_eq!(
            (v.kind, v.limit, v.order.len()),
            (ViewKind::Table, Some(5), 3)
        );
        assert!(v.sort[0].desc && v.sort[0].prop == Prop::File("mtime".into()));
        assert_eq!(b.views[1].kind, ViewKind::Table);
        let msgs: Vec<(usize, &str)> = d.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert_eq!(msgs[0].0, 6);
        assert!(msgs[0].1.contains("expected `)`"));
        assert_eq!(msgs[1].0, 7);
        assert!(msgs[1].1.contains("`shout`"));
        assert_eq!(msgs[2].0, 21);
        assert!(msgs[2].1.contains("`map`"));
        let (_, d) = parse_base("views: [\n", "b.base", 10);
        assert_eq!((d[0].code, d[0].line >= 10), (Code::BaseSyntax, true));
    }
}
