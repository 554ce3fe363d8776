//! Search operators, mirrored exactly by the JavaScript client (`splitOperators` in
//! `static/search.js`; the shared vectors in `tests/search_vectors.json` keep them equal).
//!
//! A query is split at whitespace, except inside double quotes. Items that are operators are
//! taken off; the rest is the query the words come from:
//! - `tag:x` keeps the notes tagged `x` or with a tag nested below it (`tag:db` keeps `db/nosql`);
//! - `path:x` keeps the notes whose path has a folder or file name starting with `x` (`x` may
//!   name nested folders: `path:db/red`);
//! - `"exact phrase"` keeps the sections whose title, heading or text holds the phrase (case,
//!   punctuation and spacing aside); its words are also scored as query words (a quote never
//!   closed is an ordinary character);
//! - `-word`, `-"phrase"`, `-tag:x`, `-path:x` leave out what the operator without `-` keeps;
//! - `in:troubleshooting` and `-in:troubleshooting` as before (the last one wins).
//!
//! Tag and path filters read reserved terms of the index's `filter` field ([`filter_terms`]),
//! which no query word can produce: `#` + tag and `/` + path.

use super::analyzer::{Class, class, normalize};

/// What a query's operators ask for, and the query without them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operators {
    /// The query without its operators; a phrase's text stays (its words are scored).
    pub rest: String,
    /// `in:troubleshooting` (true) or `-in:troubleshooting` (false).
    pub trouble: Option<bool>,
    /// Tags every result has (lowercase, without `#`).
    pub tags: Vec<String>,
    /// Tags no result has.
    pub not_tags: Vec<String>,
    /// Path prefixes every result's path has at a folder or file name (lowercase).
    pub paths: Vec<String>,
    /// Path prefixes no result's path has.
    pub not_paths: Vec<String>,
    /// Phrases every result section holds ([`squeeze`]d).
    pub phrases: Vec<String>,
    /// Phrases no result section holds ([`squeeze`]d).
    pub not_phrases: Vec<String>,
    /// Words no result section holds (as typed; each is parsed like a query word).
    pub not_words: Vec<String>,
}

impl Operators {
    /// Whether a result set is narrowed to a set of notes or sections the operators name
    /// (so that a query of operators alone can list them).
    pub fn lists(&self) -> bool {
        self.trouble == Some(true) || !self.tags.is_empty() || !self.paths.is_empty()
    }
}

/// The prefix of the reserved filter terms of tags.
pub const TAG_MARK: char = '#';
/// The prefix of the reserved filter terms of paths.
pub const PATH_MARK: char = '/';

/// A tag as a tag filter compares it: NFKC, lowercase, no leading `#` nor trailing `/`.
pub fn tag_key(tag: &str) -> String {
    normalize(tag)
        .to_lowercase()
        .trim_start_matches(TAG_MARK)
        .trim_end_matches('/')
        .to_string()
}

/// A path prefix as a path filter compares it: NFKC, lowercase, no leading `/`.
pub fn path_key(path: &str) -> String {
    normalize(path)
        .to_lowercase()
        .trim_start_matches(PATH_MARK)
        .to_string()
}

/// The reserved terms of a note's `filter` field: `#` + each of its tags and of the tags they
/// are nested in (`db/nosql` gives `#db/nosql` and `#db`), and `/` + its path from the start of
/// each folder or file name (`a/b/c.md` gives `/a/b/c.md`, `/b/c.md`, `/c.md`). Sorted, unique.
pub fn filter_terms(path: &str, tags: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in tags.split_whitespace() {
        let key = tag_key(tag);
        for (i, c) in key.char_indices() {
            if c == '/' && i > 0 {
                out.push(format!("{TAG_MARK}{}", &key[..i]));
            }
        }
        if !key.is_empty() {
            out.push(format!("{TAG_MARK}{key}"));
        }
    }
    let p = path_key(path);
    let mut start = 0;
    for (i, c) in p.char_indices() {
        if c == '/' {
            if i > start {
                out.push(format!("{PATH_MARK}{}", &p[start..]));
            }
            start = i + 1;
        }
    }
    if start < p.len() {
        out.push(format!("{PATH_MARK}{}", &p[start..]));
    }
    out.sort();
    out.dedup();
    out
}

/// Text as phrases compare it: NFKC, lowercase, every run of characters that are not letters,
/// digits or CJK replaced by one space, trimmed (`Node.js — Redis` gives `node js redis`).
pub fn squeeze(text: &str) -> String {
    let lower = normalize(text).to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut gap = false;
    for c in lower.chars() {
        match class(c) {
            Class::Word | Class::Hangul | Class::Han | Class::Kana => {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push(c);
            }
            _ => gap = true,
        }
    }
    out
}

/// Whether one of `texts` holds the squeezed `phrase` (the texts are squeezed here).
pub fn holds_phrase(texts: &[&str], phrase: &str) -> bool {
    texts.iter().any(|t| squeeze(t).contains(phrase))
}

/// One whitespace-separated item of a query, or a quoted phrase (`quoted`; `closed` when its
/// closing quote was typed).
struct Item {
    text: String,
    negated: bool,
    quoted: bool,
    closed: bool,
}

/// Splits a query into items: whitespace separates them except inside double quotes; a quote
/// at the start of an item (after an optional `-`) opens a phrase that runs to the next quote.
/// A quote never closed is an ordinary character (a phrase being typed is searched as words).
fn items(q: &str) -> Vec<Item> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let negated = chars[i] == '-' && chars.get(i + 1) == Some(&'"');
        let q0 = i + usize::from(negated);
        let close = (q0 + 1..chars.len()).find(|&j| chars[j] == '"');
        if let (true, Some(end)) = (chars[q0] == '"', close) {
            out.push(Item {
                text: chars[q0 + 1..end].iter().collect(),
                negated,
                quoted: true,
                closed: true,
            });
            i = end + 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        out.push(Item {
            text: chars[start..i].iter().collect(),
            negated: false,
            quoted: false,
            closed: false,
        });
    }
    out
}

/// The value of `name:` at the start of `word` (any case), if it has one.
fn value_of<'a>(word: &'a str, name: &str) -> Option<&'a str> {
    let head = word.get(..name.len())?;
    head.eq_ignore_ascii_case(name).then(|| &word[name.len()..])
}

/// Splits the operators off a query (see the module documentation). An operator with an empty
/// value (`tag:` being typed) is dropped; `-` alone or followed by `-` (`--force`) is a word.
pub fn split_operators(q: &str) -> Operators {
    let mut ops = Operators::default();
    let mut rest: Vec<String> = Vec::new();
    let mut ends_complete = q.ends_with(char::is_whitespace);
    for item in items(q) {
        ends_complete = q.ends_with(char::is_whitespace) || item.closed;
        if item.quoted {
            let p = squeeze(&item.text);
            if p.is_empty() {
                continue;
            }
            if item.negated {
                ops.not_phrases.push(p);
            } else {
                ops.phrases.push(p);
                rest.push(item.text.split_whitespace().collect::<Vec<_>>().join(" "));
            }
            continue;
        }
        let w = item.text.as_str();
        let (neg, body) = match w.strip_prefix('-') {
            Some(b) if !b.is_empty() && !b.starts_with('-') => (true, b),
            _ => (false, w),
        };
        if body.eq_ignore_ascii_case("in:troubleshooting") {
            ops.trouble = Some(!neg);
        } else if let Some(v) = value_of(body, "tag:") {
            let key = tag_key(v);
            match (key.is_empty(), neg) {
                (true, _) => {}
                (false, false) => ops.tags.push(key),
                (false, true) => ops.not_tags.push(key),
            }
        } else if let Some(v) = value_of(body, "path:") {
            let key = path_key(v);
            match (key.is_empty(), neg) {
                (true, _) => {}
                (false, false) => ops.paths.push(key),
                (false, true) => ops.not_paths.push(key),
            }
        } else if neg {
            ops.not_words.push(body.to_string());
        } else {
            rest.push(w.to_string());
        }
    }
    ops.rest = rest.join(" ");
    // a query being typed keeps its trailing space (the last word is then complete), and so
    // does one ending with a closed phrase
    if ends_complete && !ops.rest.is_empty() {
        ops.rest.push(' ');
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_taken_off() {
        let o = split_operators("tag:#DB/ redis -tag:old path:/Notes/Msg -path:tmp 메모리 ");
        assert_eq!(o.rest, "redis 메모리 ");
        assert_eq!(o.tags, ["db"]);
        assert_eq!(o.not_tags, ["old"]);
        assert_eq!(o.paths, ["notes/msg"]);
        assert_eq!(o.not_paths, ["tmp"]);
        let o =
            split_operators("\"Redis  Cluster\" -\"pub sub\" -kafka --force - in:troubleshooting");
        assert_eq!(o.rest, "Redis Cluster --force -");
        assert_eq!(o.phrases, ["redis cluster"]);
        assert_eq!(o.not_phrases, ["pub sub"]);
        assert_eq!(o.not_words, ["kafka"]);
        assert_eq!(o.trouble, Some(true));
        assert!(o.lists());
        // a closed phrase at the end is complete; an open quote is an ordinary character
        assert_eq!(split_operators("\"a b\"").rest, "a b ");
        assert_eq!(split_operators("\"a b").rest, "\"a b");
        assert!(split_operators("\"a b").phrases.is_empty());
        assert_eq!(split_operators("tag: path: \"\"").rest, "");
    }

    #[test]
    fn filter_terms_cover_nested_tags_and_names() {
        assert_eq!(
            filter_terms("Msg/Redis Cluster.md", "DB/NoSQL #x"),
            [
                "#db",
                "#db/nosql",
                "#x",
                "/msg/redis cluster.md",
                "/redis cluster.md"
            ]
        );
        assert_eq!(filter_terms("a//b.md", ""), ["/a//b.md", "/b.md"]);
        assert_eq!(
            squeeze("Node.js — Redis!  클러스터"),
            "node js redis 클러스터"
        );
    }
}
