//! Slugs for URLs and heading ids. The same functions serve pages, links and search anchors,
//! so an anchor computed anywhere matches the page.

use unicode_normalization::UnicodeNormalization;

/// Slugifies one path segment for a URL: NFC, lowercase, letters and digits of any script kept
/// (Hangul stays Hangul), everything else collapses to `-`.
/// A name with nothing left (such as `[`) becomes `x` plus the hex of its bytes.
pub fn slugify_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.nfc().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        let mut hex = String::from("x");
        for b in s.bytes() {
            hex.push_str(&format!("{b:02x}"));
        }
        return hex;
    }
    out
}

/// Slugifies a note's relative path (without `.md`) into its URL path, e.g.
/// `Messaging/Redis Basics` -> `messaging/redis-basics`.
pub fn slugify_path(rel_without_ext: &str) -> String {
    rel_without_ext
        .split('/')
        .filter(|p| !p.is_empty())
        .map(slugify_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// A heading id in the GitHub style: lowercase, spaces become `-`, punctuation dropped,
/// letters of every script kept. `사용 예시` -> `사용-예시`, `Redis vs RabbitMQ` -> `redis-vs-rabbitmq`.
pub fn heading_id(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().nfc().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

/// Hands out unique heading ids within one page: the second `개념` becomes `개념-1`.
#[derive(Default)]
pub struct IdDeduper {
    seen: std::collections::HashMap<String, usize>,
}

impl IdDeduper {
    /// Returns `id`, or `id-N` if it was seen before.
    pub fn unique(&mut self, id: String) -> String {
        let Some(&start) = self.seen.get(&id) else {
            self.seen.insert(id.clone(), 0);
            return id;
        };
        let mut n = start;
        loop {
            n += 1;
            let cand = format!("{id}-{n}");
            if !self.seen.contains_key(&cand) {
                self.seen.insert(id, n);
                self.seen.insert(cand.clone(), 0);
                return cand;
            }
        }
    }
}

/// ASCII characters percent-encoded in a URL path segment.
const PATH_SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b'\'');

/// Percent-encodes the ASCII characters of `PATH_SET` in `s` and keeps every other character
/// as written: an IRI, which HTML allows in `href` and browsers send UTF-8 percent-encoded.
/// A Korean path takes a third of the bytes it takes fully percent-encoded, and links are a
/// large part of every page.
fn encode_iri(s: &str, out: &mut String) {
    for c in s.chars() {
        if c.is_ascii() {
            let mut b = [0u8; 1];
            out.extend(percent_encoding::utf8_percent_encode(
                c.encode_utf8(&mut b),
                PATH_SET,
            ));
        } else if c.is_control() || c.is_whitespace() || c == '\u{feff}' {
            let mut b = [0u8; 4];
            out.extend(percent_encoding::utf8_percent_encode(
                c.encode_utf8(&mut b),
                PATH_SET,
            ));
        } else {
            out.push(c);
        }
    }
}

/// Encodes a `/`-separated path for use in an href (an IRI: see [`encode_uri`] for a URI).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    encode_iri(path, &mut out);
    out
}

/// Encodes a fragment (heading id) for use after `#` in an href.
pub fn encode_fragment(id: &str) -> String {
    encode_path(id)
}

/// Percent-encodes every non-ASCII character (and control) of an href made by [`encode_path`]:
/// a URI, for feeds, sitemaps and machine-read output, where IRIs are not allowed everywhere.
pub fn encode_uri(href: &str) -> String {
    percent_encoding::utf8_percent_encode(href, percent_encoding::CONTROLS).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        assert_eq!(slugify_segment("Redis"), "redis");
        assert_eq!(slugify_segment("Hadoop & HDFS"), "hadoop-hdfs");
        assert_eq!(slugify_segment("스택 개요"), "스택-개요");
        assert_eq!(slugify_segment("["), "x5b");
        // NFD Hangul (as macOS writes file names) becomes NFC.
        assert_eq!(slugify_segment("\u{1112}\u{1161}\u{11ab}"), "한");
    }

    #[test]
    fn heading_ids() {
        assert_eq!(heading_id("사용 예시"), "사용-예시");
        assert_eq!(heading_id("Redis vs. RabbitMQ!"), "redis-vs-rabbitmq");
        assert_eq!(heading_id("  "), "section");
        let mut d = IdDeduper::default();
        assert_eq!(d.unique("a".into()), "a");
        assert_eq!(d.unique("a".into()), "a-1");
        assert_eq!(d.unique("a-1".into()), "a-1-1");
    }

    #[test]
    fn encoding() {
        assert_eq!(encode_path("messaging/레디스 a"), "messaging/레디스%20a");
        assert_eq!(encode_path("a\u{3000}b\u{85}#"), "a%E3%80%80b%C2%85%23");
        assert_eq!(encode_fragment("^abc"), "%5Eabc");
        assert_eq!(
            encode_uri(&encode_path("/messaging/레디스 a/")),
            "/messaging/%EB%A0%88%EB%94%94%EC%8A%A4%20a/"
        );
    }
}
