//! Bases at build time: every note of the site goes through a base's filters, its formulas
//! are evaluated, and each view is drawn as a table, a list or cards, sorted, grouped and
//! limited as the base says. The expression language's values are those of Obsidian Bases
//! (null, booleans, numbers, strings, dates, durations, lists, objects, files and links);
//! anything kb cannot evaluate is null, which the parse stage has reported.

use super::html::Ctx;
use super::{esc, esc_attr};
use crate::link::Target;
use crate::site::NoteId;
use crate::site::bases::{Base, BinOp, Expr, Filter, Prop, View, ViewKind};
use chrono::{DateTime, Datelike, Timelike, Utc};
use std::cmp::Ordering;
use std::fmt::Write as _;

/// Work allowed per row (expression steps): a hostile formula stops, it does not hang.
const STEPS: usize = 20_000;

/// A value of the expression language.
#[derive(Debug, Clone)]
pub enum V {
    /// No value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// Text.
    Str(String),
    /// A moment (dates without a time are midnight UTC).
    Date(DateTime<Utc>),
    /// A length of time: calendar months and milliseconds.
    Dur(i32, i64),
    /// A list.
    List(Vec<V>),
    /// Keys and values.
    Obj(Vec<(String, V)>),
    /// A note of the site.
    File(NoteId),
    /// A link as written (`[[x]]` in a property, `link("x")`), resolved from a note, with
    /// display text.
    Link(String, NoteId, Option<String>),
}

impl V {
    fn truthy(&self) -> bool {
        match self {
            V::Null => false,
            V::Bool(b) => *b,
            V::Num(n) => *n != 0.0 && !n.is_nan(),
            V::Str(s) => !s.is_empty(),
            V::List(l) => !l.is_empty(),
            V::Obj(o) => !o.is_empty(),
            _ => true,
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            V::Null => true,
            V::Str(s) => s.trim().is_empty(),
            V::List(l) => l.is_empty(),
            V::Obj(o) => o.is_empty(),
            _ => false,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            V::Num(n) => Some(*n),
            V::Bool(b) => Some(f64::from(u8::from(*b))),
            V::Str(s) => s.trim().parse().ok(),
            V::Date(d) => Some(d.timestamp_millis() as f64),
            _ => None,
        }
    }

    fn date(&self) -> Option<DateTime<Utc>> {
        match self {
            V::Date(d) => Some(*d),
            V::Str(s) => crate::load::frontmatter::parse_date(s),
            _ => None,
        }
    }
}

/// A number as text: integers without a fraction, others to at most six places.
fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = format!("{n:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn fmt_date(d: DateTime<Utc>) -> String {
    if d.hour() == 0 && d.minute() == 0 && d.second() == 0 {
        d.format("%Y-%m-%d").to_string()
    } else {
        d.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// A front matter value as a value of the language: `[[x]]` strings are links.
fn from_json(v: &serde_json::Value, from: NoteId) -> V {
    use serde_json::Value as J;
    match v {
        J::Null => V::Null,
        J::Bool(b) => V::Bool(*b),
        J::Number(n) => n.as_f64().map_or(V::Null, V::Num),
        J::String(s) => match s
            .trim()
            .strip_prefix("[[")
            .and_then(|r| r.strip_suffix("]]"))
        {
            Some(inner) => {
                let (dest, label) = match inner.split_once('|') {
                    Some((d, l)) => (d, Some(l.to_string())),
                    None => (inner, None),
                };
                V::Link(dest.to_string(), from, label)
            }
            None => V::Str(s.clone()),
        },
        J::Array(a) => V::List(a.iter().map(|x| from_json(x, from)).collect()),
        J::Object(o) => V::Obj(
            o.iter()
                .map(|(k, x)| (k.clone(), from_json(x, from)))
                .collect(),
        ),
    }
}

/// Parses `"1d"`, `"2 hours"`, `"3M"`, `"-1 week"` into months and milliseconds.
fn duration(s: &str) -> Option<(i32, i64)> {
    let s = s.trim();
    let split = s
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))))
        .map_or(s.len(), |(i, _)| i);
    let n: f64 = s[..split].trim().parse().ok()?;
    let unit = s[split..].trim();
    let ms = |k: f64| Some((0, (n * k) as i64));
    match unit {
        "y" | "year" | "years" => Some(((n * 12.0) as i32, 0)),
        "M" | "month" | "months" => Some((n as i32, 0)),
        "w" | "week" | "weeks" => ms(7.0 * 86_400_000.0),
        "d" | "day" | "days" => ms(86_400_000.0),
        "h" | "hour" | "hours" => ms(3_600_000.0),
        "m" | "minute" | "minutes" => ms(60_000.0),
        "s" | "second" | "seconds" => ms(1000.0),
        "" | "ms" => ms(1.0),
        _ => None,
    }
}

fn shift(d: DateTime<Utc>, (months, ms): (i32, i64), sign: i32) -> V {
    let m = months * sign;
    let d = if m >= 0 {
        d.checked_add_months(chrono::Months::new(m as u32))
    } else {
        d.checked_sub_months(chrono::Months::new(m.unsigned_abs()))
    };
    d.and_then(|d| d.checked_add_signed(chrono::TimeDelta::milliseconds(ms * i64::from(sign))))
        .map_or(V::Null, V::Date)
}

/// Moment-style date formats (`YYYY-MM-DD HH:mm`), the tokens Bases users write.
fn format_date(d: DateTime<Utc>, f: &str) -> String {
    const TOKENS: &[(&str, &str)] = &[
        ("YYYY", "%Y"),
        ("YY", "%y"),
        ("MMMM", "%B"),
        ("MMM", "%b"),
        ("MM", "%m"),
        ("M", "%-m"),
        ("DD", "%d"),
        ("D", "%-d"),
        ("dddd", "%A"),
        ("ddd", "%a"),
        ("HH", "%H"),
        ("H", "%-H"),
        ("hh", "%I"),
        ("h", "%-I"),
        ("mm", "%M"),
        ("ss", "%S"),
        ("A", "%p"),
    ];
    let mut out = String::new();
    let mut rest = f;
    'outer: while !rest.is_empty() {
        for (t, c) in TOKENS {
            if let Some(r) = rest.strip_prefix(t) {
                out.push_str(c);
                rest = r;
                continue 'outer;
            }
        }
        let ch = rest.chars().next().unwrap_or(' ');
        if ch == '%' {
            out.push_str("%%");
        } else {
            out.push(ch);
        }
        rest = &rest[ch.len_utf8()..];
    }
    d.format(&out).to_string()
}

/// Evaluates expressions for one row (a note) of a base.
struct Eval<'a> {
    ctx: &'a Ctx<'a>,
    base: &'a Base,
    row: NoteId,
    this: NoteId,
    locals: Vec<(&'static str, V)>,
    steps: usize,
    /// Formulas being evaluated (a formula that uses itself is null).
    formulas: Vec<usize>,
}

impl<'a> Eval<'a> {
    fn new(ctx: &'a Ctx<'a>, base: &'a Base, row: NoteId, this: NoteId) -> Self {
        Eval {
            ctx,
            base,
            row,
            this,
            locals: Vec::new(),
            steps: 0,
            formulas: Vec::new(),
        }
    }

    fn filter(&mut self, f: &Filter) -> bool {
        match f {
            Filter::And(l) => l.iter().all(|f| self.filter(f)),
            Filter::Or(l) => l.iter().any(|f| self.filter(f)),
            Filter::Not(l) => !l.iter().any(|f| self.filter(f)),
            Filter::Expr(e) => self.eval(e).truthy(),
        }
    }

    /// The value of a property for the row.
    fn prop(&mut self, p: &Prop) -> V {
        match p {
            Prop::File(f) => self.file_field(self.row, f),
            Prop::Note(n) => self.note_prop(self.row, n),
            Prop::Formula(n) => self.formula(n),
        }
    }

    fn formula(&mut self, name: &str) -> V {
        let Some(k) = self.base.formulas.iter().position(|(n, _)| n == name) else {
            return V::Null;
        };
        if self.formulas.contains(&k) {
            return V::Null;
        }
        self.formulas.push(k);
        let v = self.eval(&self.base.formulas[k].1);
        self.formulas.pop();
        v
    }

    /// A front matter property of note `id` (the keys kb reads itself included).
    fn note_prop(&self, id: NoteId, name: &str) -> V {
        let f = &self.ctx.notes[id].front;
        let s = |o: &Option<String>| o.clone().map_or(V::Null, V::Str);
        let list = |l: &[String]| V::List(l.iter().cloned().map(V::Str).collect());
        match name {
            "title" => s(&f.title),
            "description" => s(&f.description),
            "tags" => list(&f.tags),
            "aliases" => list(&f.aliases),
            "category" => s(&f.category),
            "date" => s(&f.date),
            "updated" => s(&f.updated),
            "created" => s(&f.created),
            "modified" => s(&f.modified),
            "lang" => s(&f.lang),
            "draft" => V::Bool(f.draft),
            _ => f.extra.get(name).map_or(V::Null, |v| from_json(v, id)),
        }
    }

    fn file_field(&self, id: NoteId, field: &str) -> V {
        let n = &self.ctx.notes[id];
        let p = &self.ctx.pages[id];
        let file = n.rel_path.rsplit('/').next().unwrap_or(&n.rel_path);
        match field {
            "name" => V::Str(file.to_string()),
            "basename" => V::Str(n.name().to_string()),
            "path" => V::Str(n.rel_path.clone()),
            "folder" => V::Str(n.folder.clone()),
            "ext" => V::Str(
                file.rsplit_once('.')
                    .map(|(_, e)| e.to_string())
                    .unwrap_or_default(),
            ),
            "size" => V::Num(n.text.len() as f64),
            "tags" => V::List(p.tags.iter().cloned().map(V::Str).collect()),
            "links" => V::List(
                self.ctx.graph.outgoing[id]
                    .iter()
                    .map(|&t| V::File(t))
                    .collect(),
            ),
            "ctime" => p.date.map_or(V::Null, V::Date),
            "mtime" => p.updated.map_or(V::Null, V::Date),
            "properties" => V::Obj(
                n.front
                    .extra
                    .iter()
                    .map(|(k, v)| (k.clone(), from_json(v, id)))
                    .collect(),
            ),
            "file" => V::File(id),
            _ => V::Null,
        }
    }

    /// The note a link or a file value names, if any.
    fn target(&self, v: &V) -> Option<NoteId> {
        let (dest, from) = match v {
            V::File(id) => return Some(*id),
            V::Link(d, f, _) => (d.as_str(), *f),
            V::Str(s) => (s.as_str(), self.row),
            _ => return None,
        };
        let name = dest.trim().trim_start_matches("[[").trim_end_matches("]]");
        let name = name.split('|').next().unwrap_or(name);
        let t = crate::parse::inline::split_wiki_target(name);
        match crate::link::resolve_parts(
            &self.ctx.graph.resolver,
            self.ctx.notes,
            self.ctx.parsed,
            from,
            &t.name,
            None,
            false,
        )
        .target
        {
            Target::Note { id, .. } => Some(id),
            _ => None,
        }
    }

    fn eq(&self, a: &V, b: &V) -> bool {
        match (a, b) {
            (V::Null, V::Null) => true,
            (V::Null, _) | (_, V::Null) => false,
            (V::Bool(x), V::Bool(y)) => x == y,
            (V::Num(x), V::Num(y)) => x == y,
            (V::Str(x), V::Str(y)) => x == y,
            (V::Date(x), V::Date(y)) => x == y,
            (V::Date(_), V::Str(_)) | (V::Str(_), V::Date(_)) => {
                a.date().is_some() && a.date() == b.date()
            }
            (V::List(x), V::List(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| self.eq(a, b))
            }
            (V::File(_) | V::Link(..), V::File(_) | V::Link(..)) => {
                match (self.target(a), self.target(b)) {
                    (Some(x), Some(y)) => x == y,
                    _ => match (a, b) {
                        (V::Link(x, ..), V::Link(y, ..)) => x == y,
                        _ => false,
                    },
                }
            }
            (V::Link(..), V::Str(s)) | (V::Str(s), V::Link(..)) => {
                let link = if matches!(a, V::Link(..)) { a } else { b };
                self.target(link).is_some() && self.target(link) == self.target(&V::Str(s.clone()))
                    || matches!(link, V::Link(d, ..) if d == s)
            }
            _ => false,
        }
    }

    fn eval(&mut self, e: &Expr) -> V {
        self.steps += 1;
        if self.steps > STEPS {
            return V::Null;
        }
        match e {
            Expr::Null => V::Null,
            Expr::Bool(b) => V::Bool(*b),
            Expr::Num(n) => V::Num(*n),
            Expr::Str(s) => V::Str(s.clone()),
            Expr::List(l) => V::List(l.iter().map(|x| self.eval(x)).collect()),
            Expr::Ident(name) => self.ident(name),
            Expr::Member(obj, field) => self.member(obj, field),
            Expr::Index(obj, i) => {
                let key = self.eval(i);
                match (&**obj, key) {
                    (Expr::Ident(n), V::Str(k)) if n == "note" => self.note_prop(self.row, &k),
                    (Expr::Ident(n), V::Str(k)) if n == "formula" => self.formula(&k),
                    (_, key) => {
                        let v = self.eval(obj);
                        index(&v, &key)
                    }
                }
            }
            Expr::Call(callee, args) => self.call(callee, args),
            Expr::Not(a) => V::Bool(!self.eval(a).truthy()),
            Expr::Neg(a) => self.eval(a).num().map_or(V::Null, |n| V::Num(-n)),
            Expr::Bin(op, a, b) => self.binary(*op, a, b),
        }
    }

    fn ident(&mut self, name: &str) -> V {
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| *n == name) {
            return v.clone();
        }
        match name {
            "file" => V::File(self.row),
            "this" => V::File(self.this),
            "note" => V::Obj(
                self.ctx.notes[self.row]
                    .front
                    .extra
                    .iter()
                    .map(|(k, v)| (k.clone(), from_json(v, self.row)))
                    .collect(),
            ),
            _ => self.note_prop(self.row, name),
        }
    }

    fn member(&mut self, obj: &Expr, field: &str) -> V {
        match obj {
            Expr::Ident(n) if n == "note" && !self.locals.iter().any(|(l, _)| l == n) => {
                return self.note_prop(self.row, field);
            }
            Expr::Ident(n) if n == "formula" => return self.formula(field),
            _ => {}
        }
        let v = self.eval(obj);
        match &v {
            V::File(id) => self.file_field(*id, field),
            V::Date(d) => match field {
                "year" => V::Num(f64::from(d.year())),
                "month" => V::Num(f64::from(d.month())),
                "day" => V::Num(f64::from(d.day())),
                "hour" => V::Num(f64::from(d.hour())),
                "minute" => V::Num(f64::from(d.minute())),
                "second" => V::Num(f64::from(d.second())),
                "millisecond" => V::Num(f64::from(d.timestamp_subsec_millis())),
                _ => V::Null,
            },
            V::Str(s) if field == "length" => V::Num(s.chars().count() as f64),
            V::List(l) if field == "length" => V::Num(l.len() as f64),
            _ => index(&v, &V::Str(field.to_string())),
        }
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr) -> V {
        match op {
            BinOp::And => {
                let x = self.eval(a);
                return if x.truthy() { self.eval(b) } else { x };
            }
            BinOp::Or => {
                let x = self.eval(a);
                return if x.truthy() { x } else { self.eval(b) };
            }
            _ => {}
        }
        let (x, y) = (self.eval(a), self.eval(b));
        match op {
            BinOp::Eq => V::Bool(self.eq(&x, &y)),
            BinOp::Ne => V::Bool(!self.eq(&x, &y)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match compare(&x, &y) {
                Some(o) => V::Bool(match op {
                    BinOp::Lt => o == Ordering::Less,
                    BinOp::Le => o != Ordering::Greater,
                    BinOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }),
                None => V::Bool(false),
            },
            _ => arithmetic(op, x, y, self),
        }
    }

    /// Evaluates `body` once per element of `list`, with `value` and `index` bound.
    fn each(&mut self, list: &[V], body: &Expr, mut f: impl FnMut(&V, V) -> bool) {
        for (i, v) in list.iter().enumerate() {
            self.locals.push(("value", v.clone()));
            self.locals.push(("index", V::Num(i as f64)));
            let r = self.eval(body);
            self.locals.truncate(self.locals.len() - 2);
            if !f(v, r) {
                break;
            }
        }
    }

    fn call(&mut self, callee: &Expr, args: &[Expr]) -> V {
        match callee {
            Expr::Ident(name) => self.global(name, args),
            Expr::Member(obj, name) => {
                let target = self.eval(obj);
                self.method(target, name, args)
            }
            _ => V::Null,
        }
    }

    fn global(&mut self, name: &str, args: &[Expr]) -> V {
        if name == "if" {
            let c = args.first().map(|c| self.eval(c)).unwrap_or(V::Null);
            let branch = if c.truthy() { args.get(1) } else { args.get(2) };
            return branch.map_or(V::Null, |b| self.eval(b));
        }
        let a: Vec<V> = args.iter().map(|x| self.eval(x)).collect();
        let first = a.first().cloned().unwrap_or(V::Null);
        let text = |v: &V| self.show_text(v);
        match name {
            "date" => first.date().map_or(V::Null, V::Date),
            "duration" => duration(&text(&first)).map_or(V::Null, |(m, ms)| V::Dur(m, ms)),
            "now" => V::Date(Utc::now()),
            "today" => V::Date(
                Utc::now()
                    .date_naive()
                    .and_hms_opt(0, 0, 0)
                    .map_or_else(Utc::now, |d| d.and_utc()),
            ),
            "number" => first.num().map_or(V::Null, V::Num),
            "list" => match first {
                V::List(_) => first,
                V::Null => V::List(Vec::new()),
                other => V::List(vec![other]),
            },
            "link" => match first {
                V::File(id) => V::File(id),
                other => V::Link(text(&other), self.row, a.get(1).map(text)),
            },
            "file" => self.target(&first).map_or(V::Null, V::File),
            "min" | "max" => {
                let nums = a.iter().filter_map(V::num);
                let r = if name == "min" {
                    nums.reduce(f64::min)
                } else {
                    nums.reduce(f64::max)
                };
                r.map_or(V::Null, V::Num)
            }
            _ => V::Null,
        }
    }

    fn method(&mut self, target: V, name: &str, args: &[Expr]) -> V {
        // the list methods whose argument is evaluated per element
        if let V::List(l) = &target {
            match (name, args.first()) {
                ("filter", Some(body)) => {
                    let mut out = Vec::new();
                    self.each(l, body, |v, r| {
                        if r.truthy() {
                            out.push(v.clone());
                        }
                        true
                    });
                    return V::List(out);
                }
                ("map", Some(body)) => {
                    let mut out = Vec::new();
                    self.each(l, body, |_, r| {
                        out.push(r);
                        true
                    });
                    return V::List(out);
                }
                ("reduce", Some(body)) => {
                    let mut acc = args.get(1).map_or(V::Null, |a| self.eval(a));
                    for (i, v) in l.iter().enumerate() {
                        self.locals.push(("value", v.clone()));
                        self.locals.push(("index", V::Num(i as f64)));
                        self.locals.push(("acc", acc));
                        acc = self.eval(body);
                        self.locals.truncate(self.locals.len() - 3);
                    }
                    return acc;
                }
                _ => {}
            }
        }
        let a: Vec<V> = args.iter().map(|x| self.eval(x)).collect();
        match name {
            "isTruthy" => return V::Bool(target.truthy()),
            "isEmpty" => return V::Bool(target.is_empty()),
            "toString" => return V::Str(self.show_text(&target)),
            "isType" => {
                let t = match &target {
                    V::Null => "null",
                    V::Bool(_) => "boolean",
                    V::Num(_) => "number",
                    V::Str(_) => "string",
                    V::Date(_) => "date",
                    V::Dur(..) => "duration",
                    V::List(_) => "list",
                    V::Obj(_) => "object",
                    V::File(_) => "file",
                    V::Link(..) => "link",
                };
                return V::Bool(a.first().is_some_and(|x| self.show_text(x) == t));
            }
            _ => {}
        }
        match target {
            V::File(id) => self.file_method(id, name, &a),
            V::Str(s) => string_method(&s, name, &a, self),
            V::Num(n) => number_method(n, name, &a),
            V::List(l) => self.list_method(l, name, &a),
            V::Date(d) => match name {
                "format" => V::Str(format_date(
                    d,
                    &a.first().map(|f| self.show_text(f)).unwrap_or_default(),
                )),
                "date" => d
                    .date_naive()
                    .and_hms_opt(0, 0, 0)
                    .map_or(V::Null, |x| V::Date(x.and_utc())),
                "time" => V::Str(d.format("%H:%M:%S").to_string()),
                "relative" => V::Str(relative(d)),
                _ => V::Null,
            },
            V::Obj(o) => match name {
                "keys" => V::List(o.into_iter().map(|(k, _)| V::Str(k)).collect()),
                "values" => V::List(o.into_iter().map(|(_, v)| v).collect()),
                _ => V::Null,
            },
            V::Link(..) => match name {
                "asFile" => self.target(&target).map_or(V::Null, V::File),
                "linksTo" => V::Bool(a.first().is_some_and(|x| self.eq(&target, x))),
                _ => V::Null,
            },
            _ => V::Null,
        }
    }

    fn file_method(&mut self, id: NoteId, name: &str, a: &[V]) -> V {
        match name {
            "hasTag" => {
                let tags = &self.ctx.pages[id].tags;
                V::Bool(a.iter().any(|t| {
                    let t = self.show_text(t);
                    let t = t.trim_start_matches('#');
                    tags.iter().any(|x| {
                        x.eq_ignore_ascii_case(t)
                            || (x.len() > t.len()
                                && x.is_char_boundary(t.len())
                                && x[..t.len()].eq_ignore_ascii_case(t)
                                && x[t.len()..].starts_with('/'))
                    })
                }))
            }
            "inFolder" => {
                let folder = &self.ctx.notes[id].folder;
                V::Bool(a.iter().any(|f| {
                    let f = self.show_text(f);
                    let f = f.trim_matches('/');
                    f.is_empty()
                        || folder == f
                        || folder.strip_prefix(f).is_some_and(|r| r.starts_with('/'))
                }))
            }
            "hasLink" => V::Bool(a.iter().any(|x| {
                let t = match x {
                    V::Str(s) => self.target(&V::Link(s.clone(), id, None)),
                    other => self.target(other),
                };
                t.is_some_and(|t| self.ctx.graph.outgoing[id].contains(&t))
            })),
            "hasProperty" => V::Bool(a.iter().any(|p| {
                let p = self.show_text(p);
                !matches!(self.note_prop(id, &p), V::Null)
            })),
            "asLink" => match a.first() {
                Some(d) => V::Link(
                    self.ctx.notes[id].rel_path.clone(),
                    id,
                    Some(self.show_text(d)),
                ),
                None => V::File(id),
            },
            _ => V::Null,
        }
    }

    fn list_method(&mut self, l: Vec<V>, name: &str, a: &[V]) -> V {
        let has = |x: &V, l: &[V]| l.iter().any(|y| self.eq(x, y));
        match name {
            "contains" => V::Bool(a.first().is_some_and(|x| has(x, &l))),
            "containsAll" => V::Bool(a.iter().all(|x| has(x, &l))),
            "containsAny" => V::Bool(a.iter().any(|x| has(x, &l))),
            "join" => {
                let sep = a
                    .first()
                    .map(|s| self.show_text(s))
                    .unwrap_or_else(|| ",".into());
                V::Str(
                    l.iter()
                        .map(|v| self.show_text(v))
                        .collect::<Vec<_>>()
                        .join(&sep),
                )
            }
            "reverse" => V::List(l.into_iter().rev().collect()),
            "slice" => {
                let n = l.len() as i64;
                let at = |v: Option<&V>, d: i64| {
                    let i = v.and_then(V::num).map_or(d, |x| x as i64);
                    (if i < 0 { n + i } else { i }).clamp(0, n) as usize
                };
                let (s, e) = (at(a.first(), 0), at(a.get(1), n));
                V::List(if s < e { l[s..e].to_vec() } else { Vec::new() })
            }
            "sort" => {
                let mut l = l;
                l.sort_by(|x, y| compare(x, y).unwrap_or(Ordering::Equal));
                V::List(l)
            }
            "unique" => {
                let mut out: Vec<V> = Vec::new();
                for v in l {
                    if !has(&v, &out) {
                        out.push(v);
                    }
                }
                V::List(out)
            }
            "flat" => V::List(
                l.into_iter()
                    .flat_map(|v| match v {
                        V::List(inner) => inner,
                        other => vec![other],
                    })
                    .collect(),
            ),
            _ => V::Null,
        }
    }

    /// A value as plain text (joins, concatenation, `toString`).
    fn show_text(&self, v: &V) -> String {
        match v {
            V::Null => String::new(),
            V::Bool(b) => b.to_string(),
            V::Num(n) => fmt_num(*n),
            V::Str(s) => s.clone(),
            V::Date(d) => fmt_date(*d),
            V::Dur(m, ms) => {
                if *m != 0 {
                    format!("{m} months")
                } else {
                    format!("{} s", ms / 1000)
                }
            }
            V::List(l) => l
                .iter()
                .map(|x| self.show_text(x))
                .collect::<Vec<_>>()
                .join(", "),
            V::Obj(o) => o
                .iter()
                .map(|(k, x)| format!("{k}: {}", self.show_text(x)))
                .collect::<Vec<_>>()
                .join(", "),
            V::File(id) => self.ctx.notes[*id].name().to_string(),
            V::Link(d, _, label) => label.clone().unwrap_or_else(|| d.clone()),
        }
    }

    /// A value as HTML for a cell: files and links become links.
    fn show(&self, v: &V) -> String {
        match v {
            V::File(id) => note_link(self.ctx, *id, self.ctx.notes[*id].name()),
            V::Link(dest, _, label) => {
                let shown = label.as_deref().unwrap_or(dest);
                if dest.starts_with("https://") || dest.starts_with("http://") {
                    return format!(
                        "<a class=\"external\" href=\"{}\" rel=\"noopener\">{}</a>",
                        esc_attr(dest),
                        esc(shown)
                    );
                }
                match self.target(v) {
                    Some(id) => note_link(
                        self.ctx,
                        id,
                        label.as_deref().unwrap_or(&self.ctx.titles[id]),
                    ),
                    None => format!("<span class=\"broken-link\">{}</span>", esc(shown)),
                }
            }
            V::List(l) => l
                .iter()
                .map(|x| self.show(x))
                .collect::<Vec<_>>()
                .join(", "),
            V::Bool(b) => format!("<span class=\"base-bool\">{b}</span>"),
            V::Str(u)
                if (u.starts_with("https://") || u.starts_with("http://"))
                    && !u.contains(char::is_whitespace) =>
            {
                format!(
                    "<a class=\"external\" href=\"{}\" rel=\"noopener\">{}</a>",
                    esc_attr(u),
                    esc(u)
                )
            }
            other => esc(&self.show_text(other)),
        }
    }
}

fn note_link(ctx: &Ctx, id: NoteId, label: &str) -> String {
    format!(
        "<a class=\"internal\" href=\"{}\">{}</a>",
        esc_attr(&ctx.urls[id]),
        esc(label)
    )
}

fn relative(d: DateTime<Utc>) -> String {
    let secs = (Utc::now() - d).num_seconds();
    let (n, unit) = match secs.abs() {
        s if s < 3600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s if s < 30 * 86_400 => (s / 86_400, "day"),
        s if s < 365 * 86_400 => (s / (30 * 86_400), "month"),
        s => (s / (365 * 86_400), "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if secs >= 0 {
        format!("{n} {unit}{plural} ago")
    } else {
        format!("in {n} {unit}{plural}")
    }
}

fn index(v: &V, key: &V) -> V {
    match (v, key) {
        (V::List(l), k) => k
            .num()
            .map(|i| if i < 0.0 { l.len() as f64 + i } else { i })
            .and_then(|i| l.get(i as usize))
            .cloned()
            .unwrap_or(V::Null),
        (V::Obj(o), V::Str(k)) => o
            .iter()
            .find(|(n, _)| n == k)
            .map_or(V::Null, |(_, v)| v.clone()),
        _ => V::Null,
    }
}

/// How two values order, when they can be compared.
fn compare(a: &V, b: &V) -> Option<Ordering> {
    match (a, b) {
        (V::Null, _) | (_, V::Null) => None,
        (V::Num(x), V::Num(y)) => x.partial_cmp(y),
        (V::Str(x), V::Str(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase()).then(x.cmp(y))),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Date(_), _) | (_, V::Date(_)) => Some(a.date()?.cmp(&b.date()?)),
        (V::Num(_), V::Str(_)) | (V::Str(_), V::Num(_)) => a.num()?.partial_cmp(&b.num()?),
        (V::List(x), V::List(y)) => Some(x.len().cmp(&y.len())),
        _ => None,
    }
}

fn arithmetic(op: BinOp, x: V, y: V, ev: &Eval) -> V {
    match (op, &x, &y) {
        (BinOp::Add | BinOp::Sub, V::Date(d), other) => {
            let sign = if op == BinOp::Add { 1 } else { -1 };
            match other {
                V::Dur(m, ms) => shift(*d, (*m, *ms), sign),
                V::Str(s) => duration(s).map_or(V::Null, |dur| shift(*d, dur, sign)),
                V::Num(ms) => shift(*d, (0, *ms as i64), sign),
                V::Date(e) if op == BinOp::Sub => V::Num((*d - *e).num_milliseconds() as f64),
                _ => V::Null,
            }
        }
        (BinOp::Add, V::Str(_), _) | (BinOp::Add, _, V::Str(_)) => {
            V::Str(format!("{}{}", ev.show_text(&x), ev.show_text(&y)))
        }
        (BinOp::Add, V::List(a), V::List(b)) => V::List(a.iter().chain(b).cloned().collect()),
        _ => {
            let (Some(a), Some(b)) = (x.num(), y.num()) else {
                return V::Null;
            };
            let r = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                _ => a % b,
            };
            if r.is_finite() { V::Num(r) } else { V::Null }
        }
    }
}

fn string_method(s: &str, name: &str, a: &[V], ev: &Eval) -> V {
    let arg = |k: usize| a.get(k).map(|v| ev.show_text(v)).unwrap_or_default();
    let args: Vec<String> = a.iter().map(|v| ev.show_text(v)).collect();
    match name {
        "contains" => V::Bool(s.contains(&arg(0))),
        "containsAll" => V::Bool(args.iter().all(|x| s.contains(x.as_str()))),
        "containsAny" => V::Bool(args.iter().any(|x| s.contains(x.as_str()))),
        "startsWith" => V::Bool(s.starts_with(&arg(0))),
        "endsWith" => V::Bool(s.ends_with(&arg(0))),
        "lower" => V::Str(s.to_lowercase()),
        "upper" => V::Str(s.to_uppercase()),
        "title" => V::Str(
            s.split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| {
                            f.to_uppercase()
                                .chain(c.flat_map(char::to_lowercase))
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect::<Vec<String>>()
                .join(" "),
        ),
        "trim" => V::Str(s.trim().to_string()),
        "replace" if !arg(0).is_empty() => V::Str(s.replacen(&arg(0), &arg(1), 1)),
        "repeat" => {
            let n = a.first().and_then(V::num).unwrap_or(0.0).clamp(0.0, 1000.0) as usize;
            V::Str(s.repeat(n.min(100_000 / s.len().max(1))))
        }
        "reverse" => V::Str(s.chars().rev().collect()),
        "slice" => {
            let chars: Vec<char> = s.chars().collect();
            let n = chars.len() as i64;
            let at = |v: Option<&V>, d: i64| {
                let i = v.and_then(V::num).map_or(d, |x| x as i64);
                (if i < 0 { n + i } else { i }).clamp(0, n) as usize
            };
            let (st, e) = (at(a.first(), 0), at(a.get(1), n));
            V::Str(if st < e {
                chars[st..e].iter().collect()
            } else {
                String::new()
            })
        }
        "split" => {
            let sep = arg(0);
            let limit = a
                .get(1)
                .and_then(V::num)
                .map_or(usize::MAX, |n| n.max(0.0) as usize);
            let parts: Vec<V> = if sep.is_empty() {
                s.chars()
                    .map(|c| V::Str(c.to_string()))
                    .take(limit)
                    .collect()
            } else {
                s.split(sep.as_str())
                    .map(|p| V::Str(p.to_string()))
                    .take(limit)
                    .collect()
            };
            V::List(parts)
        }
        _ => V::Null,
    }
}

fn number_method(n: f64, name: &str, a: &[V]) -> V {
    let digits = a.first().and_then(V::num).unwrap_or(0.0).clamp(0.0, 15.0) as i32;
    match name {
        "abs" => V::Num(n.abs()),
        "ceil" => V::Num(n.ceil()),
        "floor" => V::Num(n.floor()),
        "round" => {
            let k = 10f64.powi(digits);
            V::Num((n * k).round() / k)
        }
        "toFixed" => V::Str(format!("{n:.*}", digits as usize)),
        _ => V::Null,
    }
}

/// The rows of one view: the notes its filters and the base's select, sorted and limited,
/// with the base's `this`.
fn rows(ctx: &Ctx, base: &Base, view: &View, this: NoteId) -> Vec<NoteId> {
    let mut rows: Vec<(NoteId, Vec<V>)> = Vec::new();
    for i in NoteId::all(ctx.notes.len()) {
        let mut ev = Eval::new(ctx, base, i, this);
        let keep = base.filters.as_ref().is_none_or(|f| ev.filter(f))
            && view.filters.as_ref().is_none_or(|f| ev.filter(f));
        if keep {
            let keys = view
                .group_by
                .iter()
                .chain(&view.sort)
                .map(|s| ev.prop(&s.prop))
                .collect();
            rows.push((i, keys));
        }
    }
    let dirs: Vec<bool> = view
        .group_by
        .iter()
        .chain(&view.sort)
        .map(|s| s.desc)
        .collect();
    // empty values last whatever the direction; ties keep the notes' path order
    rows.sort_by(|(a, ka), (b, kb)| {
        for ((x, y), desc) in ka.iter().zip(kb).zip(&dirs) {
            let o = match (x.is_empty(), y.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => {
                    let o = compare(x, y).unwrap_or(Ordering::Equal);
                    if *desc { o.reverse() } else { o }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        ctx.notes[*a].rel_path.cmp(&ctx.notes[*b].rel_path)
    });
    let mut ids: Vec<NoteId> = rows.into_iter().map(|(i, _)| i).collect();
    if let Some(l) = view.limit {
        ids.truncate(l);
    }
    ids
}

/// A column's header: the base's display name, else the property's own.
fn label(base: &Base, p: &Prop) -> String {
    base.display
        .iter()
        .find(|(q, _)| q == p)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| p.default_label())
}

/// A cell: the note's name (linked) for `file.name`, else the property's value.
fn cell(ev: &mut Eval, p: &Prop) -> String {
    match p {
        Prop::File(f) if f == "name" || f == "basename" => {
            note_link(ev.ctx, ev.row, ev.ctx.notes[ev.row].name())
        }
        _ => {
            let v = ev.prop(p);
            ev.show(&v)
        }
    }
}

/// Draws one view.
fn view_html(ctx: &Ctx, base: &Base, view: &View, this: NoteId, id: Option<&str>) -> String {
    let ids = rows(ctx, base, view, this);
    let order: Vec<Prop> = if view.order.is_empty() {
        vec![Prop::File("name".into())]
    } else {
        view.order.clone()
    };
    let kind = match view.kind {
        ViewKind::Table => "table",
        ViewKind::List => "list",
        ViewKind::Cards => "cards",
    };
    let id = id.map_or(String::new(), |i| format!(" id=\"{}\"", esc_attr(i)));
    let mut s = format!(
        "<section class=\"base-view base-{kind}\"{id} aria-label=\"{}\">\n<p class=\"base-view-title\">{} <span class=\"count\">{}</span></p>\n",
        esc_attr(&view.name),
        esc(&view.name),
        ids.len()
    );
    // consecutive rows with the same group value share a group
    let mut groups: Vec<(String, Vec<NoteId>)> = Vec::new();
    for id in ids {
        let g = match &view.group_by {
            Some(g) => {
                let mut ev = Eval::new(ctx, base, id, this);
                let v = ev.prop(&g.prop);
                ev.show_text(&v)
            }
            None => String::new(),
        };
        match groups.last_mut() {
            Some((name, members)) if *name == g => members.push(id),
            _ => groups.push((g, vec![id])),
        }
    }
    match view.kind {
        ViewKind::Table => table(&mut s, ctx, base, &order, &groups, view, this),
        _ => items(&mut s, ctx, base, &order, &groups, view, this),
    }
    s.push_str("</section>\n");
    s
}

#[allow(clippy::too_many_arguments)]
fn table(
    s: &mut String,
    ctx: &Ctx,
    base: &Base,
    order: &[Prop],
    groups: &[(String, Vec<NoteId>)],
    view: &View,
    this: NoteId,
) {
    let _ = write!(
        s,
        "<div class=\"base-table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"{}\"><table class=\"base-table\">\n<thead><tr>",
        esc_attr(&view.name)
    );
    for p in order {
        let _ = write!(s, "<th scope=\"col\">{}</th>", esc(&label(base, p)));
    }
    s.push_str("</tr></thead>\n");
    for (g, ids) in groups {
        s.push_str("<tbody>");
        if view.group_by.is_some() {
            let _ = write!(
                s,
                "<tr class=\"base-group\"><th scope=\"colgroup\" colspan=\"{}\">{}</th></tr>",
                order.len(),
                if g.is_empty() {
                    "—".to_string()
                } else {
                    esc(g)
                }
            );
        }
        for &id in ids {
            let mut ev = Eval::new(ctx, base, id, this);
            let _ = write!(
                s,
                "<tr data-path=\"{}\">",
                esc_attr(&ctx.notes[id].rel_path)
            );
            for p in order {
                let _ = write!(s, "<td>{}</td>", cell(&mut ev, p));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n");
    }
    s.push_str("</table></div>\n");
}

#[allow(clippy::too_many_arguments)]
fn items(
    s: &mut String,
    ctx: &Ctx,
    base: &Base,
    order: &[Prop],
    groups: &[(String, Vec<NoteId>)],
    view: &View,
    this: NoteId,
) {
    let (list, item) = match view.kind {
        ViewKind::Cards => ("base-cards", "base-card"),
        _ => ("base-list", "base-item"),
    };
    for (g, ids) in groups {
        if view.group_by.is_some() {
            let _ = writeln!(
                s,
                "<p class=\"base-group-title\">{}</p>",
                if g.is_empty() {
                    "—".to_string()
                } else {
                    esc(g)
                }
            );
        }
        let _ = writeln!(s, "<ul class=\"{list}\">");
        for &id in ids {
            let mut ev = Eval::new(ctx, base, id, this);
            let _ = write!(
                s,
                "<li class=\"{item}\" data-path=\"{}\">",
                esc_attr(&ctx.notes[id].rel_path)
            );
            // the first property names the item; the others follow as label: value
            let mut first = true;
            for p in order {
                let value = cell(&mut ev, p);
                if first {
                    let _ = write!(s, "<span class=\"base-item-title\">{value}</span>");
                    first = false;
                } else if !value.is_empty() {
                    let _ = write!(
                        s,
                        " <span class=\"base-prop\"><span class=\"base-prop-name\">{}</span> {value}</span>",
                        esc(&label(base, p))
                    );
                }
            }
            s.push_str("</li>\n");
        }
        s.push_str("</ul>\n");
    }
}

/// Draws a base's views (every view, or the one named `only`); `ids` gives the views of a
/// base's own page their anchors.
fn base_html(ctx: &Ctx, base: &Base, this: NoteId, only: Option<&str>, ids: bool) -> String {
    let default = [View {
        kind: ViewKind::Table,
        name: "Notes".into(),
        filters: None,
        order: Vec::new(),
        sort: Vec::new(),
        limit: None,
        group_by: None,
    }];
    let views: &[View] = if base.views.is_empty() {
        &default
    } else {
        &base.views
    };
    let picked: Vec<&View> = match only {
        Some(name) => views
            .iter()
            .filter(|v| v.name == name || crate::site::slug::heading_id(&v.name) == name)
            .take(1)
            .collect(),
        None => views.iter().collect(),
    };
    let picked = if picked.is_empty() {
        vec![&views[0]]
    } else {
        picked
    };
    let mut s = String::from("<div class=\"base\">\n");
    let mut dedup = crate::site::slug::IdDeduper::default();
    for v in picked {
        let id = ids.then(|| dedup.unique(crate::site::slug::heading_id(&v.name)));
        s.push_str(&view_html(ctx, base, v, this, id.as_deref()));
    }
    s.push_str("</div>\n");
    s
}

/// The page of a `.base` file: its views over the site's notes.
pub fn page_html(ctx: &Ctx, id: NoteId) -> String {
    let n = &ctx.notes[id];
    let (base, _) = crate::parse::bases::parse_base(&n.body(), &n.display_path, 1);
    base_html(ctx, &base, id, None, true)
}

/// A `base` block of note `id`, drawn where it is written (`this` is the note).
pub fn block_html(ctx: &Ctx, id: NoteId, yaml: &str) -> String {
    let (base, _) = crate::parse::bases::parse_base(yaml, &ctx.notes[id].display_path, 1);
    base_html(ctx, &base, id, None, false)
}

/// `![[x.base]]` (or `![[x.base#View]]`) in note `host`: the views, with `this` the host.
pub fn embed_html(ctx: &Ctx, base_note: NoteId, host: NoteId, view: Option<&str>) -> String {
    let n = &ctx.notes[base_note];
    let (base, _) = crate::parse::bases::parse_base(&n.body(), &n.display_path, 1);
    format!(
        "<div class=\"embed base-embed\"><div class=\"embed-title\">{}</div><div class=\"embed-content\">{}</div></div>\n",
        note_link(ctx, base_note, &ctx.titles[base_note]),
        base_html(ctx, &base, host, view, false)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(duration("1d"), Some((0, 86_400_000)));
        assert_eq!(duration("2 hours"), Some((0, 7_200_000)));
        assert_eq!(duration("3M"), Some((3, 0)));
        assert_eq!(duration("1y"), Some((12, 0)));
        assert_eq!(duration("-1 week"), Some((0, -604_800_000)));
        assert_eq!(duration("soon"), None);
        let d = crate::load::frontmatter::parse_date("2024-12-01").unwrap();
        let V::Date(later) = shift(d, (1, 4 * 3_600_000 + 3 * 60_000), 1) else {
            panic!()
        };
        assert_eq!(fmt_date(later), "2025-01-01 04:03");
        assert_eq!(
            format_date(later, "YYYY/MM/DD HH:mm [%]"),
            "2025/01/01 04:03 [%]"
        );
        assert_eq!(fmt_date(d), "2024-12-01");
    }

    #[test]
    fn numbers_and_comparisons() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(1.0 / 3.0), "0.333333");
        assert_eq!(
            number_method(1.23456, "round", &[V::Num(2.0)]).num(),
            Some(1.23)
        );
        let V::Str(s) = number_method(2.0, "toFixed", &[V::Num(2.0)]) else {
            panic!()
        };
        assert_eq!(s, "2.00");
        assert_eq!(
            compare(&V::Num(2.0), &V::Str("10".into())),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(&V::Str("b".into()), &V::Str("A".into())),
            Some(Ordering::Greater)
        );
        let d = |s: &str| V::Date(crate::load::frontmatter::parse_date(s).unwrap());
        assert_eq!(
            compare(&d("2024-01-02"), &V::Str("2024-01-01".into())),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(&V::Null, &V::Num(1.0)), None);
        assert_eq!(
            index(&V::List(vec![V::Num(1.0), V::Num(2.0)]), &V::Num(-1.0)).num(),
            Some(2.0)
        );
    }
}
