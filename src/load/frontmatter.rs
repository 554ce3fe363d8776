//! Front matter: YAML between `---` lines or TOML between `+++` lines, read into typed fields
//! with a diagnostic (and the field ignored) for every wrong type.

pub use crate::site::note::FrontMatter;

use crate::diag::{Code, Diagnostic, line_col};
use serde_json::{Map, Value};

/// The result of splitting a file into front matter and body.
#[derive(Debug, Default)]
pub struct Split<'a> {
    /// The front matter text, without its fences.
    pub raw: Option<&'a str>,
    /// `true` for TOML (`+++`), `false` for YAML.
    pub toml: bool,
    /// Byte offset of the front matter text in the file.
    pub raw_offset: usize,
    /// Byte offset where the Markdown body starts.
    pub body_offset: usize,
}

/// Splits front matter from the body. Returns an error diagnostic for an unclosed fence
/// (the whole file is then treated as body).
pub fn split<'a>(text: &'a str, path: &str) -> (Split<'a>, Option<Diagnostic>) {
    let first_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    let first = text[..first_end].trim_end();
    let (fence, toml) = match first {
        "---" => ("---", false),
        "+++" => ("+++", true),
        _ => return (Split::default(), None),
    };
    let mut pos = first_end;
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i + 1)
            .unwrap_or(text.len());
        let line = text[pos..end].trim_end();
        if line == fence || (!toml && line == "...") {
            return (
                Split {
                    raw: Some(&text[first_end..pos]),
                    toml,
                    raw_offset: first_end,
                    body_offset: end,
                },
                None,
            );
        }
        pos = end;
    }
    let d = Diagnostic::error(
        Code::FrontmatterUnclosed,
        path,
        (1, 1),
        format!("front matter opened with `{fence}` is never closed"),
        format!("add a line containing only `{fence}` after the last front matter key"),
    );
    (Split::default(), Some(d))
}

/// Parses front matter text into typed fields. Problems become diagnostics; fields with the
/// wrong type are skipped, everything else is kept.
pub fn parse(split: &Split, file_text: &str, path: &str) -> (FrontMatter, Vec<Diagnostic>) {
    let Some(raw) = split.raw else {
        return (FrontMatter::default(), Vec::new());
    };
    let src = Source {
        raw,
        file_text,
        raw_offset: split.raw_offset,
        path,
    };
    let value = if raw.trim().is_empty() {
        Ok(Value::Object(Map::new()))
    } else if split.toml {
        src.toml_value()
    } else {
        src.yaml_value()
    };
    let map = match value.and_then(|v| src.map(v)) {
        Ok(map) => map,
        Err(d) => return (FrontMatter::default(), vec![*d]),
    };
    let mut fields = Fields {
        src: &src,
        fm: FrontMatter::default(),
        diags: Vec::new(),
    };
    for (key, v) in map {
        fields.read(key, v);
    }
    (fields.fm, fields.diags)
}

/// The front matter text of one file, and where it is.
struct Source<'a> {
    raw: &'a str,
    file_text: &'a str,
    /// Byte offset of `raw` in `file_text`.
    raw_offset: usize,
    path: &'a str,
}

impl Source<'_> {
    /// 1-based (line, column) in the file of byte `rel` of the front matter.
    fn at(&self, rel: usize) -> (usize, usize) {
        line_col(self.file_text, self.raw_offset + rel)
    }

    /// Where `key` is written, for diagnostics about its value.
    fn key_pos(&self, key: &str) -> (usize, usize) {
        let raw = self.raw;
        raw.find(&format!("{key}:"))
            .or_else(|| raw.find(&format!("{key} =")))
            .or_else(|| raw.find(key))
            .map(|rel| self.at(rel))
            .unwrap_or(self.at(0))
    }

    /// The TOML front matter as JSON, or the syntax error.
    fn toml_value(&self) -> Result<Value, Box<Diagnostic>> {
        match toml::from_str::<toml::Table>(self.raw) {
            Ok(t) => Ok(toml_to_json(toml::Value::Table(t))),
            Err(e) => {
                let pos = e.span().map(|s| self.at(s.start)).unwrap_or(self.at(0));
                Err(Diagnostic::error(
                    Code::FrontmatterSyntax,
                    self.path,
                    pos,
                    format!("invalid TOML front matter: {}", e.message().trim()),
                    "fix the TOML syntax; the note is built without its front matter",
                )
                .into())
            }
        }
    }

    /// The YAML front matter as JSON, or the syntax error.
    fn yaml_value(&self) -> Result<Value, Box<Diagnostic>> {
        serde_saphyr::from_str::<Value>(self.raw).map_err(|e| Box::new(self.yaml_error(&e)))
    }

    /// A YAML error at its place in the file, in kb's words.
    fn yaml_error(&self, e: &serde_saphyr::Error) -> Diagnostic {
        let (line, col) = match e.location() {
            Some(l) if l.line() > 0 => {
                let (l0, _) = self.at(0);
                (l0 + l.line() as usize - 1, l.column().max(1) as usize)
            }
            _ => self.at(0),
        };
        let raw = e.to_string();
        let msg = crate::diag::parser_message(&raw);
        // the parser's own error kinds, under its snippet and alias wrappers
        let mut kind = e;
        while let serde_saphyr::Error::WithSnippet { error, .. }
        | serde_saphyr::Error::AliasError { error, .. } = kind
        {
            kind = error;
        }
        let (msg, hint) = if let serde_saphyr::Error::Budget { .. } = kind {
            (
                "invalid YAML front matter: aliases expand to too many values (a YAML alias bomb?)"
                    .to_string(),
                "front matter needs no anchors or aliases (`&name`, `*name`); write the values out; the note is built without its front matter",
            )
        } else if let serde_saphyr::Error::DuplicateMappingKey { key, .. } = kind {
            (
                format!(
                    "invalid YAML front matter: the key `{}` appears twice",
                    key.as_deref().unwrap_or("?")
                ),
                "keep one of the two lines; the note is built without its front matter",
            )
        } else {
            (
                format!("invalid YAML front matter: {msg}"),
                "fix the YAML syntax (quote values containing `:` or `#`); the note is built without its front matter",
            )
        };
        Diagnostic::error(Code::FrontmatterSyntax, self.path, (line, col), msg, hint)
    }

    /// The front matter's keys, or an error when it is not a map (nothing counts as empty).
    fn map(&self, value: Value) -> Result<Map<String, Value>, Box<Diagnostic>> {
        match value {
            Value::Object(m) => Ok(m),
            Value::Null => Ok(Map::new()),
            other => Err(Diagnostic::error(
                Code::FrontmatterNotMap,
                self.path,
                self.at(0),
                format!(
                    "front matter must be a map of `key: value` pairs, found {}",
                    kind(&other)
                ),
                "write front matter as `title: ...` lines, one key per line",
            )
            .into()),
        }
    }
}

/// The typed fields read so far, and the problems found.
struct Fields<'s> {
    src: &'s Source<'s>,
    fm: FrontMatter,
    diags: Vec<Diagnostic>,
}

impl Fields<'_> {
    /// Reads one key; an unknown one goes to `extra`.
    fn read(&mut self, key: String, v: Value) {
        match key.as_str() {
            "title" | "description" | "category" => self.text(&key, &v),
            "date" | "updated" => self.date(&key, &v),
            // the names other Obsidian tools write: used when they hold a date, else kept as extra
            "created" | "date created" | "modified" | "date modified" | "lastmod"
            | "last_modified"
                if scalar_string(&v).is_some_and(|s| parse_date(&s).is_some()) =>
            {
                let s = scalar_string(&v);
                if matches!(key.as_str(), "created" | "date created") {
                    self.fm.created = s;
                } else {
                    self.fm.modified = s;
                }
            }
            "tags" | "aliases" | "tag" | "alias" => self.list(&key, &v),
            "lang" => self.lang(&key, &v),
            "draft" => match v {
                Value::Bool(b) => self.fm.draft = b,
                Value::Null => {}
                other => self.wrong_type(&key, &other, "true or false"),
            },
            _ => {
                self.fm.extra.insert(key, v);
            }
        }
    }

    /// `title`, `description` or `category`.
    fn text(&mut self, key: &str, v: &Value) {
        match scalar_string(v) {
            Some(s) => {
                let s = Some(s);
                match key {
                    "title" => self.fm.title = s,
                    "description" => self.fm.description = s,
                    _ => self.fm.category = s,
                }
            }
            None if v.is_null() => {}
            None => self.wrong_type(key, v, "a string"),
        }
    }

    /// `date` or `updated`.
    fn date(&mut self, key: &str, v: &Value) {
        match scalar_string(v) {
            Some(s) if parse_date(&s).is_none() => self.diags.push(Diagnostic::warning(
                Code::FrontmatterDate,
                self.src.path,
                self.src.key_pos(key),
                format!("`{key}` is not a date: `{s}`"),
                "write dates as YYYY-MM-DD or RFC 3339 (2024-05-01T09:30:00+09:00)",
            )),
            // `date` and `updated` win over the other spellings, whatever their order
            Some(s) if key == "date" => self.fm.date = Some(s),
            Some(s) => self.fm.updated = Some(s),
            None if v.is_null() => {}
            None => self.wrong_type(key, v, "a date"),
        }
    }

    /// `tags` or `aliases` (or `tag`, `alias`): a list, or one comma-separated string.
    fn list(&mut self, key: &str, v: &Value) {
        let list: Vec<String> = match v {
            Value::Array(items) => {
                let mut out = Vec::new();
                for it in items {
                    match scalar_string(it) {
                        Some(s) => out.push(s),
                        None => self.wrong_type(key, it, "a list of strings"),
                    }
                }
                out
            }
            Value::String(s) => s
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            Value::Null => vec![],
            other => return self.wrong_type(key, other, "a list of strings"),
        };
        if key.starts_with("tag") {
            self.fm.tags.extend(
                list.iter()
                    .filter_map(|t| normalize_tag(t.trim_start_matches('#'))),
            );
        } else {
            self.fm.aliases.extend(list);
        }
    }

    /// `lang`: a language tag such as `en` or `ko-KR`.
    fn lang(&mut self, key: &str, v: &Value) {
        match scalar_string(v) {
            Some(l)
                if !l.is_empty()
                    && l.len() <= 35
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                self.fm.lang = Some(l)
            }
            None if v.is_null() => {}
            _ => self.wrong_type(key, v, "a language tag"),
        }
    }

    fn wrong_type(&mut self, key: &str, v: &Value, want: &str) {
        let d = wrong_type(self.src.path, self.src.key_pos(key), key, v, want);
        self.diags.push(d);
    }
}

fn wrong_type(path: &str, pos: (usize, usize), key: &str, v: &Value, want: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::FrontmatterType,
        path,
        pos,
        format!("`{key}` should be {want}, found {}", kind(v)),
        format!("the value is ignored; write e.g. `{key}: {}`", example(key)),
    )
    .with_target(key.to_string())
}

fn example(key: &str) -> &'static str {
    match key {
        "tags" | "tag" => "[redis, storage/cache]",
        "aliases" | "alias" => "[레디스, Redis]",
        "draft" => "true",
        "date" | "updated" => "2024-05-01",
        "lang" => "en",
        _ => "\"text\"",
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Normalizes a tag: NFC, trimmed, inner spaces become `-`, no empty path segments.
pub fn normalize_tag(t: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let t: String = t.trim().nfc().collect();
    let parts: Vec<String> = t
        .split('/')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join("-"))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or RFC 3339 into a UTC timestamp.
pub fn parse_date(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(text: &str) -> (FrontMatter, Vec<Diagnostic>) {
        let (s, d) = split(text, "a.md");
        assert!(d.is_none());
        parse(&s, text, "a.md")
    }

    #[test]
    fn yaml_keys() {
        let (f, d) = fm(
            "---\ntitle: Redis\ntags: [a, b/c]\naliases: 레디스\nfoo: 1\ndate: 2024-01-02\n---\nbody",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(f.title.as_deref(), Some("Redis"));
        assert_eq!(f.tags, vec!["a", "b/c"]);
        assert_eq!(f.aliases, vec!["레디스"]);
        assert_eq!(f.extra["foo"], 1);
        assert_eq!(f.date.as_deref(), Some("2024-01-02"));
    }

    #[test]
    fn toml_keys() {
        let (f, d) = fm("+++\ntitle = \"Kafka\"\ndate = 2024-01-02\n+++\nbody");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(f.title.as_deref(), Some("Kafka"));
        assert_eq!(f.date.as_deref(), Some("2024-01-02"));
    }

    #[test]
    fn wrong_type_is_reported_at_key() {
        let (f, d) = fm("---\ntitle: x\ntags: 5\n---\n");
        assert!(f.tags.is_empty());
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].col), (3, 1));
        assert!(d[0].message.contains("tags"));
    }

    #[test]
    fn not_a_map() {
        let (_, d) = fm("---\n- a\n- b\n---\n");
        assert_eq!(d[0].code, Code::FrontmatterNotMap);
    }

    #[test]
    fn syntax_error_has_line() {
        let (_, d) = fm("---\ntitle: x\ntags: [a, b\nfoo: ]\n---\n");
        assert_eq!(d[0].code, Code::FrontmatterSyntax);
        assert!(d[0].line >= 2, "{:?}", d[0]);
    }

    #[test]
    fn unclosed() {
        let (s, d) = split("---\ntitle: x\nbody\n", "a.md");
        assert!(s.raw.is_none());
        assert_eq!(d.unwrap().code, Code::FrontmatterUnclosed);
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut y =
            String::from("---\na: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            y.push_str(&format!("b{i}: &b{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        y.push_str("---\n");
        let (_, d) = fm(&y);
        assert_eq!(d.len(), 1, "{d:?}");
    }
}
