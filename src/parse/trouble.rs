//! Troubleshooting entries: the fixes a knowledge base holds, recognised without
//! configuration. Three patterns, each of which kb.toml can turn off:
//! - `headings`: the subsections of a section named like 트러블슈팅, 문제 해결, Troubleshooting,
//!   Known issues or FAQ (one entry each; the section itself when it has none);
//! - `shape`: any other section whose body names at least two of symptom, cause and fix
//!   (증상/원인/해결, Symptom/Cause/Fix or Solution), as labels or as sub-headings;
//! - `callouts`: `> [!bug]`, `> [!failure]` and `> [!danger]` callouts.

pub use crate::site::parsed::{Entry, Options, PATTERNS};

use super::{ParsedNote, plain_inline};

/// The section names that hold troubleshooting (compared without case, spaces or punctuation).
pub const HEADINGS: &[&str] = &[
    "트러블슈팅",
    "트러블 슈팅",
    "문제 해결",
    "문제해결",
    "장애 대응",
    "장애대응",
    "에러",
    "오류",
    "이슈",
    "troubleshooting",
    "troubleshoot",
    "known issues",
    "common errors",
    "common issues",
    "faq",
];

/// Which field a label names.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Symptom,
    Cause,
    Fix,
}

fn part_of(label: &str) -> Option<Part> {
    match key(label).as_str() {
        "증상" | "현상" | "symptom" | "symptoms" | "problem" | "error" => Some(Part::Symptom),
        "원인" | "cause" | "causes" | "rootcause" | "reason" => Some(Part::Cause),
        "해결" | "해결책" | "해결방법" | "조치" | "대응" | "fix" | "solution" | "resolution"
        | "workaround" | "원인과해결" | "원인및해결" | "causeandfix" | "causeandsolution" => {
            Some(Part::Fix)
        }
        _ => None,
    }
}

/// A name without case, spaces, punctuation or emoji, for comparing headings.
fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Names a heading may start with and still name troubleshooting ("Troubleshooting tips",
/// "트러블슈팅 기록"); the others must match whole.
const PREFIXES: &[&str] = &[
    "troubleshoot",
    "트러블슈팅",
    "문제해결",
    "knownissues",
    "commonerrors",
];

/// Whether a heading or title names troubleshooting: one of `names` once numbering, emoji and
/// punctuation are gone (`## 7. 트러블슈팅`, `## 🔧 문제 해결`), or starting with a [`PREFIXES`] name.
fn is_trouble_name(names: &[String], text: &str) -> bool {
    let k = key(text);
    let k = k.trim_start_matches(|c: char| c.is_ascii_digit());
    names.iter().any(|n| n == k) || PREFIXES.iter().any(|p| k.starts_with(p))
}

/// The troubleshooting entries of one note, in note order. A note whose `title` names
/// troubleshooting ("Troubleshoot Obsidian Sync", "Web Clipper 문제 해결": a [`PREFIXES`] name
/// anywhere in it) is such a section as a whole: each of its top-level sections is read as a
/// troubleshooting section.
pub fn entries(
    body: &str,
    body_line: usize,
    title: &str,
    p: &ParsedNote,
    opts: &Options,
) -> Vec<Entry> {
    let on = |pat: &str| opts.patterns.iter().any(|p| p == pat);
    let names: Vec<String> = HEADINGS
        .iter()
        .map(|h| key(h))
        .chain(opts.extra_headings.iter().map(|h| key(h)))
        .collect();
    let mut out = Vec::new();
    // headings inside a troubleshooting section: (start, end) of those sections
    let mut covered: Vec<(usize, usize)> = Vec::new();
    let title_key = key(title);
    let whole_note =
        is_trouble_name(&names, title) || PREFIXES.iter().any(|p| title_key.contains(p));
    if on("headings") && whole_note {
        // each top-level section (a platform, a topic) holds problems, as a named one does
        let top = p
            .headings
            .iter()
            .filter(|h| !(is_part_heading(&h.text) || (h.level == 1 && key(&h.text) == title_key)))
            .map(|h| h.level)
            .min();
        for (k, h) in p.headings.iter().enumerate() {
            if Some(h.level) == top && !is_part_heading(&h.text) {
                covered.push((h.start, h.end));
                out.extend(section_entries(body, body_line, p, k));
            }
        }
    }
    if on("headings") {
        for (k, h) in p.headings.iter().enumerate() {
            if !is_trouble_name(&names, &h.text)
                || covered.iter().any(|&(a, b)| h.start >= a && h.start < b)
            {
                continue;
            }
            covered.push((h.start, h.end));
            out.extend(section_entries(body, body_line, p, k));
        }
    }
    if on("shape") {
        for (k, h) in p.headings.iter().enumerate() {
            if covered.iter().any(|&(a, b)| h.start >= a && h.start < b) || is_part_heading(&h.text)
            {
                continue;
            }
            // the section's own text, up to its first sub-heading (label headings are part of it)
            let own_end = p.headings[k + 1..]
                .iter()
                .take_while(|s| s.start < h.end)
                .find(|s| !is_part_heading(&s.text))
                .map_or(h.end, |s| s.start);
            let e = entry(body, body_line, &h.id, &h.text, h.line, h.start, own_end);
            let parts = [&e.symptom, &e.cause, &e.fix]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if parts >= 2 {
                covered.push((h.start, own_end));
                out.push(e);
            }
        }
    }
    if on("callouts") {
        for (at, title) in callouts(body) {
            if covered.iter().any(|&(a, b)| at >= a && at < b) {
                continue;
            }
            let section = p
                .headings
                .iter()
                .rev()
                .find(|h| h.start <= at && at < h.end);
            let line = body_line + body[..at].matches('\n').count();
            let end = body[at..].find("\n\n").map_or(body.len(), |e| at + e);
            let mut e = entry(
                body,
                body_line,
                section.map_or("", |h| &h.id),
                &title,
                line,
                at,
                end,
            );
            if e.symptom.is_none() && e.fix.is_none() {
                // a callout's first line is what went wrong
                e.symptom = callout_text(&body[at..end]);
            }
            out.push(e);
        }
    }
    out.sort_by_key(|e| e.line);
    out
}

/// The entries of the troubleshooting section at heading `k`: its direct subsections (the
/// shallowest level inside it, so a `####` under a `##` with no `###` counts), or the section
/// itself when it has none.
fn section_entries(body: &str, body_line: usize, p: &ParsedNote, k: usize) -> Vec<Entry> {
    let h = &p.headings[k];
    let inside: Vec<_> = p.headings[k + 1..]
        .iter()
        .take_while(|s| s.start < h.end)
        .filter(|s| !is_part_heading(&s.text))
        .collect();
    let top = inside.iter().map(|s| s.level).min();
    let subs: Vec<_> = inside
        .into_iter()
        .filter(|s| Some(s.level) == top)
        .collect();
    if subs.is_empty() {
        return vec![entry(
            body, body_line, &h.id, &h.text, h.line, h.start, h.end,
        )];
    }
    subs.into_iter()
        .map(|s| entry(body, body_line, &s.id, &s.text, s.line, s.start, s.end))
        .collect()
}

/// A heading that is itself a label (`#### 증상`), part of an entry, not an entry.
fn is_part_heading(text: &str) -> bool {
    part_of(text).is_some()
}

/// An entry for the section at `start..end`, with the symptom, cause and fix lines found in it.
fn entry(
    body: &str,
    body_line: usize,
    anchor: &str,
    title: &str,
    line: usize,
    start: usize,
    end: usize,
) -> Entry {
    let mut e = Entry {
        anchor: anchor.to_string(),
        title: plain_inline(title),
        line: line.max(body_line),
        range: start..end,
        symptom: None,
        cause: None,
        fix: None,
    };
    let text = &body[start.min(body.len())..end.min(body.len())];
    let mut pending: Option<Part> = None;
    for l in text.lines().skip(1) {
        let t = l.trim().trim_start_matches('>').trim();
        if t.is_empty() {
            continue;
        }
        // a label heading (`#### 증상`): the next paragraph is its text
        if let Some(h) = t.strip_prefix('#') {
            pending = part_of(h.trim_start_matches('#').trim());
            continue;
        }
        let (part, rest) = match labelled(t) {
            Some(x) => (Some(x.0), x.1),
            None => (pending.take(), t),
        };
        let Some(part) = part else { continue };
        let slot = match part {
            Part::Symptom => &mut e.symptom,
            Part::Cause => &mut e.cause,
            Part::Fix => &mut e.fix,
        };
        let rest = plain_inline(rest);
        if slot.is_none() && !rest.is_empty() {
            *slot = Some(super::truncate_chars(&rest, 200));
        }
        pending = None;
    }
    e
}

/// `**증상**: text`, `- Cause: text`, `증상 - text`: the label's part and the text after it.
fn labelled(line: &str) -> Option<(Part, &str)> {
    let l = line.trim_start_matches(['-', '*', '+', ' ']).trim_start();
    let l = l.trim_start_matches("**").trim_start_matches("__");
    let end = l
        .find([':', '：', '*', '_', '-', '–', '—'])
        .filter(|&e| e > 0 && e <= 40)?;
    let part = part_of(&l[..end])?;
    let rest = l[end..].trim_start_matches(['*', '_', ':', '：', '-', '–', '—', ' ']);
    Some((part, rest))
}

/// `> [!bug] Title` callouts: (byte offset, title).
fn callouts(body: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut in_fence = false;
    for line in body.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence
            && let Some(rest) = t.strip_prefix('>').map(str::trim_start)
            && let Some(inner) = rest.strip_prefix("[!")
            && let Some(close) = inner.find(']')
        {
            let kind = inner[..close].to_ascii_lowercase();
            if matches!(
                kind.as_str(),
                "bug" | "failure" | "fail" | "danger" | "error"
            ) {
                let title = inner[close + 1..].trim_start_matches(['-', '+']).trim();
                let title = if title.is_empty() {
                    kind.clone()
                } else {
                    title.to_string()
                };
                out.push((at, title));
            }
        }
        at += line.len();
    }
    out
}

fn callout_text(block: &str) -> Option<String> {
    let text: Vec<&str> = block
        .lines()
        .skip(1)
        .map(|l| l.trim().trim_start_matches('>').trim())
        .filter(|l| !l.is_empty())
        .collect();
    let t = plain_inline(text.first()?);
    (!t.is_empty()).then(|| super::truncate_chars(&t, 200))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn entries_of(text: &str, opts: &Options) -> Vec<Entry> {
        let n = crate::load::note_from_bytes(
            "notes/t.md",
            "t.md".into(),
            PathBuf::new(),
            text.as_bytes().to_vec(),
            None,
        )
        .0
        .unwrap();
        let p = crate::parse::parse_note(&n);
        let body_line = n.body_line;
        let title = crate::site::title_of(&n, &p);
        entries(&n.body(), body_line, &title, &p, opts)
    }

    #[test]
    fn subsections_of_a_troubleshooting_section_are_entries() {
        let e = entries_of(
            "# Redis\n\n## 개념\n\n증상이라는 말만 있다.\n\n## 트러블슈팅\n\n### OOM command not allowed\n\n**증상**: 쓰기가 `OOM` 에러.\n\n**원인**: maxmemory 도달.\n\n**해결**: `noeviction` 대신 정책 변경.\n\n### 느린 KEYS\n\n- 증상: 지연\n- 해결: SCAN 사용\n\n## 관련 노트\n",
            &Options::default(),
        );
        assert_eq!(e.len(), 2, "{e:#?}");
        assert_eq!(e[0].title, "OOM command not allowed");
        assert_eq!(e[0].anchor, "oom-command-not-allowed");
        assert_eq!(e[0].symptom.as_deref(), Some("쓰기가 OOM 에러."));
        assert_eq!(e[0].cause.as_deref(), Some("maxmemory 도달."));
        assert_eq!(e[0].fix.as_deref(), Some("noeviction 대신 정책 변경."));
        assert_eq!(e[1].fix.as_deref(), Some("SCAN 사용"));
    }

    #[test]
    fn shaped_sections_and_callouts_are_entries_too() {
        let text = "## Deploy fails\n\n#### Symptom\n\nPods crash.\n\n#### Fix\n\nRaise the limit.\n\n## Notes\n\n> [!bug] Cache is stale\n> After a deploy the old page shows.\n\n## Known Issues\n\nNone yet.\n";
        let e = entries_of(text, &Options::default());
        let titles: Vec<&str> = e.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Deploy fails", "Cache is stale", "Known Issues"],
            "{e:#?}"
        );
        assert_eq!(e[0].symptom.as_deref(), Some("Pods crash."));
        assert_eq!(e[0].fix.as_deref(), Some("Raise the limit."));
        assert_eq!(e[1].anchor, "notes");
        assert_eq!(
            e[1].symptom.as_deref(),
            Some("After a deploy the old page shows.")
        );
        // patterns can be turned off, headings added
        let only = Options {
            extra_headings: vec!["Notes".into()],
            patterns: vec!["headings".into()],
        };
        let titles: Vec<String> = entries_of(text, &only)
            .into_iter()
            .map(|e| e.title)
            .collect();
        assert_eq!(titles, ["Notes", "Known Issues"]);
    }

    #[test]
    fn numbered_and_decorated_headings_and_whole_troubleshooting_notes() {
        let e = entries_of(
            "## 7. 트러블슈팅\n\n### 권한 오류\n\n텍스트\n\n## 🔧 문제 해결\n\n소켓 확인\n\n## Troubleshooting tips\n\nx\n",
            &Options::default(),
        );
        let titles: Vec<&str> = e.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            ["권한 오류", "🔧 문제 해결", "Troubleshooting tips"]
        );
        let e = entries_of(
            "---\ntitle: Troubleshoot Sync\n---\n## Sync is stuck\n\nRestart.\n\n## Files are missing\n\nCheck the filters.\n",
            &Options::default(),
        );
        let titles: Vec<&str> = e.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Sync is stuck", "Files are missing"]);
        // a name that only starts like one is not enough for whole-match names
        assert!(entries_of("## 이슈 트래커 사용법\n\n내용\n", &Options::default()).is_empty());
    }

    #[test]
    fn odd_input_never_panics() {
        for t in [
            "## 트러블슈팅",
            "## FAQ\n### \n",
            "> [!bug]",
            "> [!bug",
            "## x\n증상:\n원인:",
            "## 에러\n#### 증상\n",
            "```\n> [!bug] x\n```",
        ] {
            let _ = entries_of(t, &Options::default());
        }
    }
}
