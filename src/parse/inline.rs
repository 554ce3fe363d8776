//! Inline syntax that CommonMark does not know: `#tags`, bare URLs, `^block-id` markers and the
//! parts of a wikilink target.

/// A `#tag` found in prose: byte range of the whole `#tag` and the tag without `#`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMatch {
    /// Start of `#`.
    pub start: usize,
    /// End of the tag.
    pub end: usize,
    /// The tag, e.g. `db/nosql`.
    pub tag: String,
}

fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '/'
}

/// Finds Obsidian-style inline tags: `#` at the start or after whitespace or `(`, followed by
/// letters, digits, `_`, `-` or `/`, with at least one non-digit (so `#1` is not a tag).
pub fn scan_tags(text: &str) -> Vec<TagMatch> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c == '#' && prev.is_none_or(|p| p.is_whitespace() || p == '(') {
            let rest = &text[i + 1..];
            let len: usize = rest
                .chars()
                .take_while(|&c| tag_char(c))
                .map(char::len_utf8)
                .sum();
            let raw = rest[..len].trim_end_matches(['/', '-']);
            if !raw.is_empty()
                && !raw.starts_with('/')
                && raw
                    .chars()
                    .any(|c| !c.is_ascii_digit() && c != '/' && c != '-')
            {
                if let Some(tag) = crate::load::frontmatter::normalize_tag(raw) {
                    out.push(TagMatch {
                        start: i,
                        end: i + 1 + raw.len(),
                        tag,
                    });
                }
                // skip past the tag
                while let Some(&(j, _)) = iter.peek() {
                    if j < i + 1 + raw.len() {
                        iter.next();
                    } else {
                        break;
                    }
                }
                prev = Some('x');
                continue;
            }
        }
        prev = Some(c);
    }
    out
}

/// Finds bare `http://`, `https://` and `www.` URLs (GFM extended autolinks) as byte ranges.
pub fn scan_urls(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let starts =
            rest.starts_with("https://") || rest.starts_with("http://") || rest.starts_with("www.");
        let boundary = i == 0 || {
            let p = text[..i].chars().next_back().unwrap_or(' ');
            p.is_whitespace() || p == '(' || p == '*' || p == '_' || p == '~'
        };
        if starts && boundary {
            let mut end = i + rest
                .find(|c: char| c.is_whitespace() || c == '<')
                .unwrap_or(rest.len());
            // trailing punctuation is not part of the URL; a `)` only if unbalanced
            loop {
                let s = &text[i..end];
                let Some(last) = s.chars().next_back() else {
                    break;
                };
                if matches!(
                    last,
                    '.' | ',' | ':' | ';' | '!' | '?' | '"' | '\'' | '*' | '_' | '~'
                ) {
                    end -= last.len_utf8();
                } else if last == ')' && s.matches(')').count() > s.matches('(').count() {
                    end -= 1;
                } else {
                    break;
                }
            }
            let min = if rest.starts_with("www.") { 5 } else { 9 };
            if end - i > min {
                out.push((i, end));
                i = end;
                continue;
            }
        }
        i += text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
    }
    out
}

/// If `text` ends with an Obsidian block id marker (` ^id`), returns the text before it and the id.
pub fn strip_block_id(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_end();
    let caret = t.rfind('^')?;
    let id = &t[caret + 1..];
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let before = &t[..caret];
    if !(before.is_empty() || before.ends_with(char::is_whitespace)) {
        return None;
    }
    Some((before.trim_end(), id))
}

/// A wikilink target split into its parts: `folder/Note#Heading` -> (`folder/Note`, `Heading`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WikiTarget {
    /// The note or file name or path (empty for `[[#Heading]]`).
    pub name: String,
    /// The heading text or `^block-id` after `#`, if any.
    pub anchor: Option<String>,
}

/// Splits a wikilink destination. Nested heading paths (`Note#A#B`) keep the last part.
pub fn split_wiki_target(dest: &str) -> WikiTarget {
    use unicode_normalization::UnicodeNormalization;
    // `[[Note\|label]]` inside a table keeps the escaping backslash in the target
    let dest: String = dest.trim().trim_end_matches('\\').nfc().collect();
    match dest.split_once('#') {
        Some((name, anchor)) => {
            let anchor = anchor.rsplit('#').next().unwrap_or(anchor).trim();
            WikiTarget {
                name: name.trim().to_string(),
                anchor: (!anchor.is_empty()).then(|| anchor.to_string()),
            }
        }
        None => WikiTarget {
            name: dest,
            anchor: None,
        },
    }
}

/// Parses an embed size such as `300` or `300x200` from `![[image.png|300]]`.
pub fn parse_size(s: &str) -> Option<(u32, Option<u32>)> {
    let s = s.trim();
    match s.split_once('x') {
        Some((w, h)) => Some((w.trim().parse().ok()?, Some(h.trim().parse().ok()?))),
        None => Some((s.parse().ok()?, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        let t: Vec<String> = scan_tags("#a b #db/nosql, C# x#y #1 #데이터 (#x)")
            .into_iter()
            .map(|m| m.tag)
            .collect();
        assert_eq!(t, vec!["a", "db/nosql", "데이터", "x"]);
        assert!(scan_tags("# heading-like").is_empty());
    }

    #[test]
    fn urls() {
        let t = "see https://example.com/a_(b). and www.rust-lang.org, not xhttps://x";
        let u: Vec<&str> = scan_urls(t).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(u, vec!["https://example.com/a_(b)", "www.rust-lang.org"]);
    }

    #[test]
    fn block_ids() {
        assert_eq!(
            strip_block_id("text here ^abc-1"),
            Some(("text here", "abc-1"))
        );
        assert_eq!(strip_block_id("a^b"), None);
        assert_eq!(strip_block_id("x ^"), None);
    }

    #[test]
    fn wiki_targets() {
        assert_eq!(
            split_wiki_target("db/Redis#Use it"),
            WikiTarget {
                name: "db/Redis".into(),
                anchor: Some("Use it".into())
            }
        );
        assert_eq!(split_wiki_target("#H").name, "");
        assert_eq!(split_wiki_target("Celery\\").name, "Celery");
        assert_eq!(split_wiki_target("N#A#B").anchor.as_deref(), Some("B"));
        assert_eq!(parse_size("300x200"), Some((300, Some(200))));
        assert_eq!(parse_size("label"), None);
    }
}
