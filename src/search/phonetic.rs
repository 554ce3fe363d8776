//! Korean spellings of names the notes write in Latin letters (카프카 for Kafka): a phonetic
//! key, the consonant skeleton of a word with the correspondences of Korean loanwords, computed
//! for the index's Latin terms at build time and for a Hangul query word at query time.
//! The JavaScript client mirrors [`hangul_key`] and [`IRREGULAR`] (`static/search.js`).
//!
//! Key symbols: `P` (b p f v ㅂ ㅃ ㅍ), `T` (d t ㄷ ㄸ ㅌ), `K` (c g k q ㄱ ㄲ ㅋ), `S` (s soft c
//! sh ㅅ ㅆ), `J` (j z ch dg ㅈ ㅉ ㅊ), `R` (l r ㄹ), `M`, `N` (n ng ㄴ, final ㅇ); vowels, h, w
//! and y (ㅇ and ㅎ) leave none, a Latin r before a consonant or at the end leaves none (server
//! 서버), th gives both `S` and `T` (python 파이썬, github 깃허브), -tion gives `SN` (션), x gives
//! `KS` (엑스), and a symbol repeated next to itself counts once.

use super::analyzer::{Class, class};

/// The prefix of the reserved `filter` field terms that hold a phonetic key and a Latin term:
/// `%` + key + `=` + term (`%KPK=kafka`).
pub const KEY_MARK: char = '%';
/// Separates the key from the term in a key term.
pub const KEY_SEP: char = '=';
/// A key shared by more Latin terms than this is not used (it would flood the results).
pub const MAX_KEY_TERMS: usize = 3;
/// Symbols a key has at least to be used: two-symbol keys match unrelated words (차트 and jwt).
const MIN_KEY: usize = 3;

/// Names whose Korean spelling the key does not reach (letters read out, dropped syllables):
/// Hangul word, Latin term.
pub const IRREGULAR: &[(&str, &str)] = &[
    ("몽고디비", "mongodb"),
    ("몽고", "mongodb"),
    ("엔진엑스", "nginx"),
    ("그래프큐엘", "graphql"),
    ("마이에스큐엘", "mysql"),
    ("포스트그레스큐엘", "postgresql"),
    ("에이더블유에스", "aws"),
    ("케이팔에스", "k8s"),
    ("제이쿼리", "jquery"),
    ("뷰", "vue"),
];

const INITIAL: [&str; 19] = [
    "K", "K", "N", "T", "T", "R", "M", "P", "P", "S", "S", "", "J", "J", "J", "K", "T", "P", "",
];
const FINAL: [&str; 28] = [
    "", "K", "K", "K", "N", "N", "N", "T", "R", "K", "M", "P", "R", "R", "P", "R", "M", "P", "P",
    "T", "T", "N", "T", "T", "K", "T", "P", "T",
];

/// Removes adjacent repeats of a symbol.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// The key of a word of Hangul syllables (`None` for anything else, or a key too short).
pub fn hangul_key(word: &str) -> Option<String> {
    let mut raw = String::new();
    for c in word.chars() {
        let code = c as u32;
        if !(0xAC00..=0xD7A3).contains(&code) {
            return None;
        }
        let i = (code - 0xAC00) as usize;
        raw.push_str(INITIAL[i / 588]);
        raw.push_str(FINAL[i % 28]);
    }
    let key = collapse(&raw);
    (key.len() >= MIN_KEY).then_some(key)
}

fn vowel(b: Option<&u8>) -> bool {
    matches!(b, Some(b'a' | b'e' | b'i' | b'o' | b'u' | b'y'))
}

/// The key of a lowercase ASCII word, `th` read as `th`.
fn latin_key_with(b: &[u8], th: &str) -> String {
    let mut raw = String::new();
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let digraphs: [(&[u8], &str); 9] = [
            (b"tion", "SN"),
            (b"tch", "J"),
            (b"ch", "J"),
            (b"sh", "S"),
            (b"ph", "P"),
            (b"ck", "K"),
            (b"qu", "K"),
            (b"dg", "J"),
            (b"dj", "J"),
        ];
        if let Some((d, k)) = digraphs.iter().find(|(d, _)| rest.starts_with(d)) {
            raw.push_str(k);
            i += d.len();
            continue;
        }
        if rest.starts_with(b"th") {
            raw.push_str(th);
            i += 2;
            continue;
        }
        if rest.starts_with(b"gh") {
            i += 2;
            continue;
        }
        if rest.starts_with(b"ng") {
            raw.push('N');
            if vowel(b.get(i + 2)) {
                raw.push('K');
            }
            i += 2;
            continue;
        }
        raw.push_str(match b[i] {
            b'x' => "KS",
            b'c' if matches!(b.get(i + 1), Some(b'e' | b'i' | b'y')) => "S",
            b'c' | b'g' | b'k' | b'q' => "K",
            b'j' | b'z' => "J",
            b's' => "S",
            b't' | b'd' => "T",
            b'b' | b'p' | b'f' | b'v' => "P",
            b'l' => "R",
            b'r' if vowel(b.get(i + 1)) => "R",
            b'm' => "M",
            b'n' => "N",
            _ => "",
        });
        i += 1;
    }
    collapse(&raw)
}

/// The keys of a Latin term of three or more ASCII letters: one, or two when it has `th`.
pub fn latin_keys(term: &str) -> Vec<String> {
    let b = term.as_bytes();
    if b.len() < 3 || !b.iter().all(u8::is_ascii_lowercase) {
        return Vec::new();
    }
    let mut keys = vec![latin_key_with(b, "S")];
    if term.contains("th") {
        keys.push(latin_key_with(b, "T"));
        keys.sort();
        keys.dedup();
    }
    keys.retain(|k| k.len() >= MIN_KEY);
    keys
}

/// The key terms of a section: `%key=term` for each Latin token of `texts` with a key.
pub fn key_terms(texts: &[&str]) -> Vec<String> {
    let mut buf = super::analyzer::TokenBuf::default();
    let mut latin: std::collections::BTreeSet<String> = Default::default();
    for text in texts {
        buf.fill(text, false);
        for i in 0..buf.len() {
            let t = buf.get(i);
            if t.len() >= 3 && t.bytes().all(|b| b.is_ascii_lowercase()) && !latin.contains(t) {
                latin.insert(t.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for t in latin {
        for k in latin_keys(&t) {
            out.push(format!("{KEY_MARK}{k}{KEY_SEP}{t}"));
        }
    }
    out.sort();
    out
}

/// Whether a query word is one Hangul word the phonetic key applies to (two syllables or more).
pub fn is_hangul_word(word: &str) -> bool {
    word.chars().count() >= 2 && word.chars().all(|c| class(c) == Class::Hangul)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loanwords_share_their_key() {
        for (ko, en) in [
            ("레디스", "redis"),
            ("카프카", "kafka"),
            ("엘라스틱서치", "elasticsearch"),
            ("젠킨스", "jenkins"),
            ("리액트", "react"),
            ("쿠버네티스", "kubernetes"),
            ("파이썬", "python"),
            ("깃허브", "github"),
            ("스프링", "spring"),
            ("리눅스", "linux"),
            ("자바스크립트", "javascript"),
            ("장고", "django"),
            ("노션", "notion"),
            ("주키퍼", "zookeeper"),
        ] {
            let k = hangul_key(ko).unwrap();
            assert!(
                latin_keys(en).contains(&k),
                "{ko} {k} vs {en} {:?}",
                latin_keys(en)
            );
        }
        assert_eq!(hangul_key("카프카"), Some("KPK".into()));
        assert_ne!(hangul_key("레디스"), latin_keys("kafka").first().cloned());
        // keys of one or two symbols are too ambiguous (차트 would find jwt)
        assert_eq!(hangul_key("뷰"), None);
        assert_eq!(hangul_key("차트"), None);
        assert_eq!(hangul_key("redis"), None);
        assert!(latin_keys("ab").is_empty() && latin_keys("café").is_empty());
        assert_eq!(key_terms(&["Kafka 카프카 x"]), ["%KPK=kafka"]);
    }
}
