//! Entry points for the cargo-fuzz targets in `fuzz/` and their regression tests in
//! `tests/fuzz_regressions.rs`: each runs one part of kb on arbitrary bytes and panics only
//! when an invariant breaks (a diagnostic outside the note, a snippet that is not escaped, more
//! hits than asked for), so a fuzzer crash is always a real bug.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::load::{Note, note_from_bytes};
use crate::parse::ParsedNote;
use crate::pipeline::{BuildOptions, link_stage};
use crate::search::index::SearchIndex;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Checks that a diagnostic points inside `text` (1-based line and column).
fn check_location(d: &Diagnostic, text: &str) {
    let lines = text.split('\n').count().max(1);
    assert!(
        d.line >= 1 && d.col >= 1 && d.line <= lines + 1,
        "diagnostic outside the note ({} lines): {d:?}",
        lines
    );
    assert!(!d.message.is_empty() && !d.hint.is_empty(), "{d:?}");
}

fn read(name: &str, data: &[u8]) -> (Option<Note>, Vec<Diagnostic>) {
    note_from_bytes(
        &format!("notes/{name}"),
        name.to_string(),
        PathBuf::from(name),
        data.to_vec(),
        None,
    )
}

/// The note reader: encoding checks, line endings, front matter split and parse.
pub fn frontmatter(data: &[u8]) {
    let (note, diags) = read("f.md", data);
    let lossy = String::from_utf8_lossy(data)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    for d in &diags {
        check_location(d, &lossy);
    }
    if let Some(n) = note {
        let text = n.source();
        assert!(n.body_offset <= text.len() && text.is_char_boundary(n.body_offset));
        assert!(!text.contains('\r') && !text.contains('\0'));
        for t in &n.front.tags {
            assert!(
                !t.is_empty() && !t.contains(char::is_whitespace),
                "tag {t:?}"
            );
        }
    }
}

/// Notes the fuzzed note can link to and embed (headings, block ids, aliases).
const VAULT: &[(&str, &str)] = &[
    (
        "Redis.md",
        "---\naliases: [레디스]\ntags: [db/cache]\n---\n# Redis\n\n## 개념\n\nRedis를 메세지 브로커로 사용.\n\n## Redis vs RabbitMQ\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nA paragraph with a block id. ^blk\n",
    ),
    (
        "infra/Docker.md",
        "# Docker\n\n![[Redis#개념]]\n\n```yaml\nservices:\n  redis: {image: redis}\n```\n",
    ),
];

/// The small vault linked as a site, with `extra` (the fuzzed note) last.
fn vault_site(extra: Option<(Note, Vec<Diagnostic>)>) -> crate::pipeline::Site {
    let mut notes = Vec::new();
    let mut diags = Vec::new();
    for (name, text) in VAULT {
        let (n, d) = read(name, text.as_bytes());
        notes.extend(n);
        diags.extend(d);
    }
    if let Some((n, d)) = extra {
        notes.push(n);
        diags.extend(d);
    }
    let parsed: Vec<ParsedNote> = notes.iter().map(crate::parse::parse_note).collect();
    let opts = BuildOptions {
        root: PathBuf::from("/nonexistent-kb-fuzz"),
        config: Config::default(),
        drafts: true,
        history: Default::default(),
    };
    link_stage(&opts, notes, vec![], parsed, diags)
}

/// One note through read, parse, link, render and search documents, next to a small vault.
pub fn note(data: &[u8]) {
    one_page("fuzz.md", data);
}

/// One canvas (JSON Canvas) through read, parse (its text cards as Markdown), link, render
/// and search documents, next to the same vault.
pub fn canvas(data: &[u8]) {
    one_page("fuzz.canvas", data);
}

/// One base (Obsidian Bases YAML and its expressions) through read, parse, link and render:
/// its views evaluated over the same vault.
pub fn base(data: &[u8]) {
    one_page("fuzz.base", data);
}

/// The file `name` holding `data` through every stage, as [`note`] describes.
fn one_page(name: &str, data: &[u8]) {
    let (n, d) = read(name, data);
    let Some(n) = n else { return };
    let text = n.source();
    let site = vault_site(Some((n, d)));
    let me = site.notes.len() - 1;
    for d in site
        .diagnostics
        .iter()
        .filter(|d| d.path == format!("notes/{name}"))
    {
        check_location(d, &text);
    }
    let theme = theme();
    let sink = crate::site::MemSink::default();
    let hl = crate::parse::highlight::Cache::default();
    let sel = crate::render::Selection {
        notes: Some(std::iter::once(crate::site::NoteId::from(me)).collect()),
        ..Default::default()
    };
    crate::render::render_selected(&site, theme, &sink, &hl, &sel).expect("render");
    let files = sink.files.lock().expect("sink");
    let page = format!("{}index.html", site.pages[me].slug);
    assert!(files.contains_key(&page), "no page {page}");
    let docs = crate::search::index::note_sections(&site, me);
    assert!(!docs.is_empty());
}

fn theme() -> &'static crate::render::theme::Theme {
    static THEME: OnceLock<crate::render::theme::Theme> = OnceLock::new();
    THEME.get_or_init(|| {
        crate::render::theme::Theme::load(std::path::Path::new("/nonexistent-kb-fuzz"))
            .expect("built-in theme")
    })
}

/// The analyzer and the snippet maker on arbitrary text (the first line is the query).
pub fn analyzer(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (q, text) = s.split_once('\n').unwrap_or((s, s));
    for query in [false, true] {
        for t in crate::search::analyzer::tokens(text, query) {
            assert!(!t.is_empty() && !t.contains(char::is_whitespace), "{t:?}");
        }
    }
    let words = crate::search::analyzer::parse_query(q);
    let n = crate::search::analyzer::normalize(text).chars().count();
    for (a, b) in crate::search::snippet::match_ranges(text, &words) {
        assert!(a < b && b <= n, "range {a}..{b} of {n}");
    }
    let snip = crate::search::snippet::snippet(text, &words, 160);
    let bare = snip.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !bare.contains('<') && !bare.contains('>'),
        "unescaped: {snip}"
    );
}

/// The small vault and its index.
fn index() -> &'static (crate::pipeline::Site, SearchIndex) {
    static INDEX: OnceLock<(crate::pipeline::Site, SearchIndex)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let site = vault_site(None);
        let idx = SearchIndex::in_memory().expect("index");
        idx.update(&site).expect("update");
        (site, idx)
    })
}

/// Whether a note with these filter terms is one the tag and path operators keep.
fn obeys(ops: &crate::search::operators::Operators, terms: &[String]) -> bool {
    let has = |t: String| terms.contains(&t);
    let under = |p: &String| terms.iter().any(|t| t.starts_with(&format!("/{p}")));
    ops.tags.iter().all(|t| has(format!("#{t}")))
        && !ops.not_tags.iter().any(|t| has(format!("#{t}")))
        && ops.paths.iter().all(under)
        && !ops.not_paths.iter().any(under)
}

/// The query parser and a search over a small index.
pub fn query(data: &[u8]) {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    for w in crate::search::analyzer::parse_query(q) {
        assert!(w.tokens.iter().all(|t| !t.is_empty()), "{w:?}");
    }
    let (site, index) = index();
    let hits = index.search(q, 5).expect("search");
    assert!(hits.len() <= 5);
    let ops = crate::search::operators::split_operators(q);
    for h in &hits {
        // every result obeys the tag and path operators
        let i = site.notes.iter().position(|n| n.rel_path == h.path);
        let tags = i.map(|i| site.pages[i].tags.join(" ")).unwrap_or_default();
        let terms = crate::search::operators::filter_terms(&h.path, &tags);
        assert!(obeys(&ops, &terms), "{h:?} breaks an operator of {q:?}");
        assert!(!h.url.is_empty() && h.sections.len() <= 3, "{h:?}");
        let bare = h.snippet.replace("<mark>", "").replace("</mark>", "");
        assert!(!bare.contains('<'), "unescaped snippet {}", h.snippet);
    }
}

/// The Mermaid pipeline: parse check, drawing, and the SVG kb makes of it. Whatever the input,
/// no panic, and a drawn diagram has no inline style left (the page's CSP would block it).
pub fn diagram(data: &[u8]) {
    let src = String::from_utf8_lossy(data);
    let _ = crate::parse::diagram::check(&src);
    if let Ok(d) = crate::parse::diagram::render(&src) {
        assert!(d.starts_with("<svg class=\"kb-mermaid"), "{}", d);
        assert!(!d.contains("<style") && !d.contains(" style=\""), "{}", d);
    }
}

/// TeX to MathML: no panic, and what converts is one `<math>` element.
pub fn tex(data: &[u8]) {
    let tex = String::from_utf8_lossy(data);
    for display in [false, true] {
        if let Ok(m) = crate::parse::math::to_mathml(&tex, display) {
            assert!(m.starts_with("<math") && m.ends_with("</math>"), "{m}");
        }
    }
}
