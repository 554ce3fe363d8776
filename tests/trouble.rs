//! Troubleshooting as a view: the shipped notes' entries (`## 트러블슈팅`, one `###` per
//! problem) all reach the troubleshooting page, its tag pages and their notes' jump links.

mod common;

use common::{kb, read, stderr};
use std::path::Path;

/// The shipped knowledge base (notes/ and kb.toml) built into a temporary copy.
fn shipped() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("kb");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_dir(&repo.join("notes"), &root.join("notes"));
    std::fs::copy(repo.join("kb.toml"), root.join("kb.toml")).unwrap();
    (tmp, root)
}

/// `###` headings under `## 트러블슈팅` in every shipped note, counted from the Markdown.
fn entries_in_sources(notes: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(notes) {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        let mut inside = false;
        let mut fence = false;
        for line in text.lines() {
            if line.starts_with("```") {
                fence = !fence;
            }
            if fence {
                continue;
            }
            if let Some(h) = line.strip_prefix("## ") {
                inside = h.trim() == "트러블슈팅";
            } else if let Some(h) = line.strip_prefix("### ")
                && inside
            {
                out.push((e.path().display().to_string(), h.trim().to_string()));
            }
        }
    }
    out
}

#[test]
fn every_entry_of_the_shipped_notes_is_on_the_troubleshooting_page() {
    let (_tmp, root) = shipped();
    let expected = entries_in_sources(&root.join("notes"));
    assert_eq!(expected.len(), 50, "the shipped notes hold 50 entries");
    let out = kb(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let site = root.join("public");
    let page = read(&site, "troubleshooting/index.html");
    let entries: Vec<&str> = page.split("<li class=\"trouble-entry\">").skip(1).collect();
    assert_eq!(entries.len(), 50);
    for (_, title) in &expected {
        // the page shows the heading as plain text, without code marks
        let shown = title
            .replace('`', "")
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert!(
            page.contains(&format!(">{shown}</a>")),
            "{title} on the page"
        );
    }
    // every entry links to a heading that exists on its note's page
    for e in &entries {
        let href = e
            .split("href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let (path, anchor) = href.split_once('#').unwrap();
        let target = read(
            &site,
            &format!("{}index.html", path.trim_start_matches('/')),
        );
        let id = percent_decode(anchor);
        assert!(
            target.contains(&format!(" id=\"{id}\"")),
            "{href}: no heading #{id}"
        );
    }
    // symptoms and fixes are shown as plain text
    assert!(
        page.contains("<span class=\"label\">증상</span>")
            && page.contains("<span class=\"label\">해결</span>")
    );
    for raw in ["**증상", "**해결", "[["] {
        assert!(!page.contains(raw), "Markdown marker {raw} on the page");
    }
    // the header links the page; a tag sub-page keeps only that tag's notes
    assert!(read(&site, "index.html").contains("href=\"/troubleshooting/\""));
    let tagged = read(&site, "troubleshooting/web/index.html");
    let n = tagged.matches("<li class=\"trouble-entry\">").count();
    assert!(n > 0 && n < 50, "the #web page lists {n}");
}

#[test]
fn a_note_with_entries_jumps_to_them_and_marks_them_in_its_contents() {
    let (_tmp, root) = shipped();
    let out = kb(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let nginx = read(&root.join("public"), "web/nginx/index.html");
    let jump = nginx
        .split("class=\"note-trouble\"><a href=\"")
        .nth(1)
        .expect("a jump link");
    let (href, label) = jump.split_once("\">").unwrap();
    assert!(label.starts_with("트러블슈팅 (3)"), "{label}");
    assert!(nginx.contains(&format!(
        " id=\"{}\"",
        percent_decode(href.trim_start_matches('#'))
    )));
    assert_eq!(
        nginx.matches("toc-l3 toc-trouble").count(),
        3,
        "three entries in the table of contents"
    );
    // a note without entries has no jump
    let glossary = read(&root.join("public"), "용어집/index.html");
    assert!(!glossary.contains("note-trouble"));
}

#[test]
fn check_can_ask_for_complete_entries() {
    let (_tmp, root) = shipped();
    let quiet = kb(&root, &["check", "--json"]);
    assert!(
        !String::from_utf8_lossy(&quiet.stdout).contains("trouble-incomplete"),
        "off by default"
    );
    let toml = read(&root, "kb.toml") + "strict_troubleshooting = true\n";
    std::fs::write(root.join("kb.toml"), toml).unwrap();
    std::fs::write(
        root.join("notes/Half.md"),
        "# Half\n\n## Troubleshooting\n\n### Disk full\n\n**Symptom**: writes fail.\n",
    )
    .unwrap();
    let out = kb(&root, &["check", "--json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let incomplete: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("trouble-incomplete"))
        .collect();
    assert!(
        incomplete.iter().any(|l| l.contains("notes/Half.md")
            && l.contains("Disk full")
            && l.contains("no fix")),
        "{text}"
    );
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
