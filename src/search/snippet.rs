//! Snippets: a window of the section text around the best match, measured in characters and
//! cut at word boundaries, HTML-escaped, with matches wrapped in `<mark>`.

use super::analyzer::{QueryWord, normalize};

/// Character ranges in `text` where any query token occurs (case-insensitive), merged.
pub fn match_ranges(text: &str, words: &[QueryWord]) -> Vec<(usize, usize)> {
    let hay: Vec<char> = normalize(text)
        .chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect();
    let mut ranges = Vec::new();
    for w in words {
        for t in &w.tokens {
            let needle: Vec<char> = t.chars().collect();
            if needle.is_empty() || needle.len() > hay.len() {
                continue;
            }
            let mut i = 0;
            while i + needle.len() <= hay.len() {
                if hay[i..i + needle.len()] == needle[..] {
                    let mut end = i + needle.len();
                    // a token being typed or a stem: extend to the end of the word
                    if w.prefix || t.chars().all(|c| c.is_alphanumeric() && c.is_ascii()) {
                        while end < hay.len() && hay[end].is_alphanumeric() && hay[end].is_ascii() {
                            end += 1;
                        }
                    }
                    ranges.push((i, end));
                    i = end;
                } else {
                    i += 1;
                }
            }
        }
    }
    ranges.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

fn esc(s: &str) -> String {
    crate::site::text::esc(s)
}

/// A window of about `width` characters around the densest group of matches.
pub fn snippet(text: &str, words: &[QueryWord], width: usize) -> String {
    let norm = normalize(text);
    let chars: Vec<char> = norm.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let ranges = match_ranges(&norm, words);
    // the window start that covers the most matches
    let start = if ranges.is_empty() {
        0
    } else {
        let mut best = (0usize, ranges[0].0);
        for (i, r) in ranges.iter().enumerate() {
            let n = ranges[i..]
                .iter()
                .take_while(|x| x.1 <= r.0 + width)
                .count();
            if n > best.0 {
                best = (n, r.0);
            }
        }
        best.1.saturating_sub(width / 4)
    };
    // snap to word boundaries
    let mut s = start;
    if s > 0 {
        let limit = s.saturating_sub(12);
        while s > limit && !chars[s - 1].is_whitespace() {
            s -= 1;
        }
        if s > 0 && !chars[s - 1].is_whitespace() {
            s = start;
        }
    }
    let mut e = (s + width).min(chars.len());
    if e < chars.len() {
        let limit = (e + 12).min(chars.len());
        let mut k = e;
        while k < limit && !chars[k].is_whitespace() {
            k += 1;
        }
        if k < limit {
            e = k;
        }
    }
    let mut out = String::new();
    if s > 0 {
        out.push('…');
    }
    let mut at = s;
    for &(a, b) in ranges.iter().filter(|r| r.1 > s && r.0 < e) {
        let (a, b) = (a.max(s), b.min(e));
        if a > at {
            out.push_str(&esc(&chars[at..a].iter().collect::<String>()));
        }
        out.push_str("<mark>");
        out.push_str(&esc(&chars[a..b].iter().collect::<String>()));
        out.push_str("</mark>");
        at = b;
    }
    out.push_str(&esc(&chars[at..e].iter().collect::<String>()));
    if e < chars.len() {
        out.push('…');
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analyzer::parse_query;

    #[test]
    fn marks_and_escapes() {
        let q = parse_query("redis 브로커를 ");
        let s = snippet("Celery <b> uses Redis as a 메시지 브로커 here.", &q, 160);
        assert_eq!(
            s,
            "Celery &lt;b&gt; uses <mark>Redis</mark> as a 메시지 <mark>브로커</mark> here."
        );
    }

    #[test]
    fn window_in_characters_at_word_boundaries() {
        let text = format!(
            "{} 목표 단어 Kafka 여기 {}",
            "가나다 ".repeat(100),
            "라마바 ".repeat(100)
        );
        let s = snippet(&text, &parse_query("kafka "), 40);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>Kafka</mark>"));
        assert!(s.chars().count() < 80, "{s}");
        assert!(!s.contains("가나다라"), "cut at spaces: {s}");
    }
}
