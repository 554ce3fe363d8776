//! The one analyzer kb uses for indexing and querying, mirrored exactly by the JavaScript
//! client (`static/search.js`); shared test vectors in `tests/search_vectors.json` keep them equal.
//!
//! Text is NFKC-normalized and lowercased, then split into runs by script:
//! - Latin, digits and other alphabetic scripts form words; a compound joined by `-`, `.` or
//!   `_` (`celery-beat`, `node.js`) or written in camelCase (`HttpSensor`) is indexed whole
//!   (`celerybeat`, `httpsensor`) and as its parts (`celery`, `beat`, `http`, `sensor`);
//!   queries use the parts only.
//! - Hangul, Han and Kana runs become overlapping character bigrams (a one-character run a
//!   unigram); a query word uses the fewest bigrams that cover it. When the indexed text has
//!   two Hangul runs separated only by spaces, the bigram across the space is indexed too, as
//!   a marked twin (`~인메`), so that `인메모리` finds `인 메모리` when few sections hold the
//!   word as written.
//! - Everything else (punctuation, emoji, symbols) separates tokens.

pub use crate::site::text::PARTICLES;

use unicode_normalization::UnicodeNormalization;

/// Script class of a character after normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Latin letters, digits and other alphabetic scripts.
    Word,
    /// Hangul syllables and jamo.
    Hangul,
    /// Han ideographs.
    Han,
    /// Hiragana and Katakana.
    Kana,
    /// Connectors inside compounds: `-`, `.`, `_`.
    Joiner,
    /// Whitespace.
    Space,
    /// Anything else.
    Other,
}

/// Classifies one (normalized) character.
pub fn class(c: char) -> Class {
    match c {
        '\u{AC00}'..='\u{D7A3}'
        | '\u{1100}'..='\u{11FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{D7B0}'..='\u{D7FF}' => Class::Hangul,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' => Class::Han,
        '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' => Class::Kana,
        '-' | '.' | '_' => Class::Joiner,
        c if c.is_whitespace() => Class::Space,
        c if c.is_alphanumeric() => Class::Word,
        // combining marks continue a word (e.g. scripts NFKC does not compose)
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}' => Class::Word,
        _ => Class::Other,
    }
}

/// NFKC normalization (full-width forms, NFD Hangul, compatibility characters).
pub fn normalize(text: &str) -> String {
    normalized(text).into_owned()
}

/// [`normalize`] without a copy for text that is already NFKC (most of it: ASCII and
/// precomposed Hangul pass the quick check).
fn normalized(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{IsNormalized, is_nfkc_quick};
    // ASCII and precomposed Hangul syllables are NFKC and order-free (combining class 0)
    let plain = |c: char| c.is_ascii() || ('\u{AC00}'..='\u{D7A3}').contains(&c);
    if text.chars().all(plain) || is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfkc().collect())
    }
}

fn lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// Splits one compound part at camelCase boundaries: `HttpSensor` -> [`Http`, `Sensor`],
/// `HTTPServer` -> [`HTTP`, `Server`]. Digits stay with their neighbours.
fn camel_parts(part: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in part.iter().enumerate() {
        if i > 0 && !cur.is_empty() {
            let prev = part[i - 1];
            let next = part.get(i + 1).copied();
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(|n| n.is_lowercase()));
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Emits the tokens of one compound (a run of word characters with inner joiners).
fn compound_tokens(chars: &[char], query: bool, out: &mut TokenBuf) {
    // the common case, a plain word: one part, no camelCase boundary
    if !chars.iter().any(|&c| class(c) == Class::Joiner) {
        let mut camel = camel_parts(chars);
        if camel.len() == 1 {
            out.push(&lower(&camel.pop().unwrap_or_default()));
            return;
        }
    }
    let parts: Vec<&[char]> = chars
        .split(|&c| class(c) == Class::Joiner)
        .filter(|p| !p.is_empty())
        .collect();
    let mut pieces: Vec<String> = Vec::new();
    for p in &parts {
        let camel = camel_parts(p);
        if camel.len() > 1 {
            if !query {
                pieces.push(lower(&p.iter().collect::<String>()));
            }
            pieces.extend(camel.iter().map(|s| lower(s)));
        } else {
            pieces.push(lower(&p.iter().collect::<String>()));
        }
    }
    if parts.len() > 1 && !query {
        let joined: String = parts.iter().flat_map(|p| p.iter()).collect();
        out.push(&lower(&joined));
    }
    if query && parts.len() == 1 && pieces.is_empty() {
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    for p in pieces {
        if !seen.contains(&p) {
            out.push(&p);
            seen.push(p);
        }
    }
}

/// The bigrams of a CJK run (a unigram for a one-character run): all overlapping ones for
/// indexing; for a query, the fewest that cover every character (positions 0, 2, 4, .. and the
/// last), since a section holding the word holds all of its bigrams anyway, and each bigram a
/// query skips is a posting list the browser does not download (`데이터베이스` reads 데이, 터베,
/// 이스 instead of five lists).
fn bigrams(run: &[char], query: bool, out: &mut TokenBuf) {
    if run.len() == 1 {
        out.push_chars(&run[..1]);
        return;
    }
    let last = run.len() - 2;
    for (i, w) in run.windows(2).enumerate() {
        if query && i % 2 == 1 && i != last {
            continue;
        }
        out.push_chars(w);
    }
}

/// Marks a bigram that spans the space between two Hangul runs (`인 메모리` also gives
/// `~인메`), so that a word typed without its space still finds the spaced one: a query word
/// that fewer than [`TWIN_RETRY_BELOW`] sections hold as written also looks up the marked twins
/// of its bigrams, at [`CROSS_WEIGHT`] of the score, and a word matched that way ranks below
/// words matched as written. Kept apart from the bigrams as written, the twins also stay out
/// of prefix expansions (`가` does not expand to the 가많 of "Redis가 많다").
pub const CROSS_MARK: char = '~';

/// A word held as written by fewer sections than this is also looked up through the
/// cross-space twins of its bigrams (those sections still rank first).
pub const TWIN_RETRY_BELOW: usize = 10;

/// The share of the score a cross-space bigram earns (a power of two, so that scaling a field
/// weight by it is exact in f32 and the JavaScript client gets the same scores).
pub const CROSS_WEIGHT: f32 = 0.5;

/// The cross-space twin of a query token: `~` + the token when it is two Hangul syllables.
pub fn cross_term(token: &str) -> Option<String> {
    let mut cs = token.chars();
    match (cs.next(), cs.next(), cs.next()) {
        (Some(a), Some(b), None) if class(a) == Class::Hangul && class(b) == Class::Hangul => {
            Some(format!("{CROSS_MARK}{token}"))
        }
        _ => None,
    }
}

/// Marks, inside a query, a term a word reaches other than as written: the halves of a Latin
/// word the notes write spaced (`elasticsearch` -> `elastic`, `search`) and the joined form of
/// two Latin words (`pub sub` -> `pubsub`). It is looked up without the mark, scores at
/// [`CROSS_WEIGHT`], and a word matched only through such terms ranks below words matched as
/// written. No index term starts with it.
pub const ALT_MARK: char = '\u{1}';

/// Characters each half of a split Latin word has at least.
pub const SPLIT_MIN: usize = 2;

/// A term marked with [`ALT_MARK`].
pub fn alt_term(term: &str) -> String {
    format!("{ALT_MARK}{term}")
}

/// Tokens in one string: the index tokenizer reuses it for every field value instead of
/// allocating a string per token.
#[derive(Debug, Default)]
pub struct TokenBuf {
    text: String,
    ends: Vec<usize>,
}

impl TokenBuf {
    fn push(&mut self, t: &str) {
        self.text.push_str(t);
        self.ends.push(self.text.len());
    }

    fn push_chars(&mut self, cs: &[char]) {
        self.text.extend(cs);
        self.ends.push(self.text.len());
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Token `i` (`i < len()`).
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Tokenizes `text` into this buffer, replacing what it held (see [`tokens`]).
    pub fn fill(&mut self, text: &str, query: bool) {
        self.text.clear();
        self.ends.clear();
        tokens_into(text, query, self);
    }
}

/// Tokenizes text for indexing (`query = false`) or one query word (`query = true`).
pub fn tokens(text: &str, query: bool) -> Vec<String> {
    let mut buf = TokenBuf::default();
    buf.fill(text, query);
    (0..buf.len()).map(|i| buf.get(i).to_string()).collect()
}

fn tokens_into(text: &str, query: bool, out: &mut TokenBuf) {
    let norm = normalized(text);
    let chars: Vec<char> = norm.chars().collect();
    // Hangul text gives about two bytes of tokens per byte
    out.text.reserve(norm.len() * 2);
    out.ends.reserve(chars.len());
    let mut i = 0;
    // end of the previous Hangul run and whether only spaces followed it
    let mut last_hangul: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match class(c) {
            Class::Word => {
                let start = i;
                while i < chars.len() {
                    let k = class(chars[i]);
                    let joins = k == Class::Joiner
                        && i + 1 < chars.len()
                        && class(chars[i + 1]) == Class::Word
                        && i > start;
                    if k == Class::Word || joins {
                        i += 1;
                    } else {
                        break;
                    }
                }
                compound_tokens(&chars[start..i], query, out);
                last_hangul = None;
            }
            k @ (Class::Hangul | Class::Han | Class::Kana) => {
                let start = i;
                while i < chars.len() && class(chars[i]) == k {
                    i += 1;
                }
                // Hangul, Han and Kana have no case: the run is already lowercase
                let run = &chars[start..i];
                if k == Class::Hangul
                    && !query
                    && let Some(prev) = last_hangul
                {
                    out.push_chars(&[CROSS_MARK, prev, run[0]]);
                }
                bigrams(run, query, out);
                last_hangul = if k == Class::Hangul {
                    run.last().copied()
                } else {
                    None
                };
            }
            Class::Space => {
                i += 1;
            }
            _ => {
                i += 1;
                last_hangul = None;
            }
        }
    }
}

fn syllables(s: &str) -> usize {
    s.chars().count()
}

/// Removes a trailing Korean particle from a query word: `브로커를` -> `브로커`,
/// `Redis를` -> `Redis`. A pure Hangul word keeps at least two syllables.
pub fn strip_particle(word: &str) -> String {
    let w = normalize(word);
    let tail_start = w
        .char_indices()
        .rev()
        .take_while(|(_, c)| class(*c) == Class::Hangul)
        .last()
        .map(|(i, _)| i);
    let Some(ts) = tail_start else { return w };
    let tail = &w[ts..];
    if ts == 0 {
        for p in PARTICLES {
            if let Some(stem) = tail.strip_suffix(p)
                && syllables(stem) >= 2
            {
                return stem.to_string();
            }
        }
        w
    } else if PARTICLES.contains(&tail)
        && w[..ts]
            .chars()
            .next_back()
            .is_some_and(|c| class(c) == Class::Word)
    {
        w[..ts].to_string()
    } else {
        w
    }
}

/// A query split into words, each with its tokens.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueryWord {
    /// The word as typed (normalized).
    pub text: String,
    /// Its tokens; a word matches a section containing all of them.
    pub tokens: Vec<String>,
    /// The last token is expanded by prefix (the word being typed, or a one-syllable word).
    pub prefix: bool,
}

/// Parses a query into words: whitespace-separated, particles stripped, tokens per word; the
/// last word is "being typed" unless the query ends with whitespace. The operators of
/// [`split_operators`](super::operators::split_operators) are taken off before.
pub fn parse_query(q: &str) -> Vec<QueryWord> {
    let q = normalize(q);
    let typing = !q.ends_with(char::is_whitespace);
    let words: Vec<&str> = q.split_whitespace().collect();
    let n = words.len();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let stripped = strip_particle(w);
        let toks = tokens(&stripped, true);
        if toks.is_empty() {
            continue;
        }
        let one_syllable = toks.len() == 1
            && syllables(&toks[0]) == 1
            && toks[0].chars().all(|c| class(c) == Class::Hangul);
        out.push(QueryWord {
            text: w.to_string(),
            prefix: one_syllable || (typing && i + 1 == n),
            tokens: toks,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_compounds() {
        assert_eq!(
            tokens("HttpSensor", false),
            vec!["httpsensor", "http", "sensor"]
        );
        assert_eq!(
            tokens("celery-beat", false),
            vec!["celerybeat", "celery", "beat"]
        );
        assert_eq!(
            tokens("node.js v2", false),
            vec!["nodejs", "node", "js", "v2"]
        );
        assert_eq!(tokens("HttpSensor", true), vec!["http", "sensor"]);
        assert_eq!(tokens("Redis.", false), vec!["redis"]);
        assert_eq!(
            tokens("HTTPServer", false),
            vec!["httpserver", "http", "server"]
        );
    }

    #[test]
    fn hangul_bigrams_and_space_joins() {
        assert_eq!(
            tokens("메시지 브로커", false),
            vec!["메시", "시지", "~지브", "브로", "로커"]
        );
        assert_eq!(
            tokens("메시지 브로커", true),
            vec!["메시", "시지", "브로", "로커"]
        );
        assert_eq!(
            tokens("인 메모리", false),
            vec!["인", "~인메", "메모", "모리"]
        );
        assert_eq!(tokens("Redis를", false), vec!["redis", "를"]);
    }

    #[test]
    fn normalization() {
        // full-width Latin, NFD Hangul
        assert_eq!(tokens("ＲＥＤＩＳ", false), vec!["redis"]);
        assert_eq!(
            tokens("\u{1112}\u{1161}\u{11ab}\u{1100}\u{1173}\u{11af}", false),
            vec!["한글"]
        );
        assert_eq!(tokens("🚀 Kafka✨", false), vec!["kafka"]);
    }

    #[test]
    fn particles() {
        assert_eq!(strip_particle("브로커를"), "브로커");
        assert_eq!(strip_particle("서버에서"), "서버");
        assert_eq!(strip_particle("Redis를"), "Redis");
        assert_eq!(strip_particle("구가"), "구가");
        assert_eq!(strip_particle("데이터"), "데이터");
    }

    #[test]
    fn queries() {
        let q = parse_query("redis 브로커를 엘라");
        assert_eq!(q.len(), 3);
        assert_eq!(q[1].tokens, vec!["브로", "로커"]);
        assert!(!q[0].prefix && q[2].prefix);
        let q = parse_query("인 ");
        assert!(q[0].prefix, "one syllable expands");
    }
}
