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

/// Characters percent-encoded in a URL path segment (non-ASCII is always encoded).
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

/// Percent-encodes a `/`-separated path for use in an href.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|seg| percent_encoding::utf8_percent_encode(seg, PATH_SET).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// Percent-encodes a fragment (heading id) for use after `#` in an href.
pub fn encode_fragment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, PATH_SET).to_string()
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
        assert_eq!(
            encode_path("messaging/레디스 a"),
            "messaging/%EB%A0%88%EB%94%94%EC%8A%A4%20a"
        );
        assert_eq!(encode_fragment("^abc"), "%5Eabc");
    }
}
