//! The static search export of a knowledge base whose notes were edited equals, byte for
//! byte, the export of the same notes built cold: through `kb build` on a warm `.kb/index`,
//! and through an update in place from a layout saved by another process. `kb search` ranks
//! alike too. An ignored benchmark times both exports on a large generated knowledge base.

mod common;
use common::*;
use kb::pipeline::{BuildOptions, Site, assemble};
use kb::render::Sink;
use kb::search::export::{self, LAYOUT_FILE, Layout};
use kb::search::index::SearchIndex;
use std::path::{Path, PathBuf};

/// A deterministic word, English-like or Hangul: a quarter from 300 common ones, the rest
/// from 100,000 rare ones, so that a note's terms sit in few of the export's shards.
fn word(seed: u64) -> String {
    let h = blake3::hash(&seed.to_le_bytes());
    let x = u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap());
    let n = if x.is_multiple_of(4) {
        x / 4 % 300
    } else {
        300 + x / 4 % 100_000
    };
    if n.is_multiple_of(3) {
        let syl = |k: u64| char::from_u32(0xAC00 + (k % 11172) as u32).unwrap();
        [syl(n * 7), syl(n / 11 + 3)].iter().collect()
    } else {
        let letters = b"etaoinshrdlucmfwyp";
        let mut v = n;
        let mut w = String::new();
        while v > 0 || w.len() < 3 {
            w.push(letters[(v % 18) as usize] as char);
            v /= 18;
        }
        w
    }
}

/// Note `i` in version `round`: a few sections of words, the round changing the last words of
/// the first one.
fn note_text(i: u64, round: u64) -> String {
    let mut s = format!("---\ntags: [t{}]\n---\n# Note {i}\n\n", i % 7);
    let para = |seed: u64, n: u64| -> String {
        (0..n)
            .map(|j| word(seed * 1000 + j))
            .collect::<Vec<_>>()
            .join(" ")
    };
    s.push_str(&para(i, 40));
    // each round a different word, and one more: the section's length changes too
    for r in 0..=round {
        s.push_str(&format!(" {}", word(900_000 + i * 10 + round * 100 + r)));
    }
    s.push('\n');
    for h in 0..i % 4 {
        s.push_str(&format!(
            "\n## {} {h}\n\n{}\n",
            word(i + h),
            para(i * 10 + h, 25)
        ));
    }
    s
}

/// A knowledge base of `n` generated notes in a new temporary folder.
fn generated(n: u64) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("kb");
    std::fs::create_dir_all(root.join("notes/sub")).unwrap();
    std::fs::copy(fixture("good").join("kb.toml"), root.join("kb.toml")).unwrap();
    for i in 0..n {
        let dir = if i.is_multiple_of(5) {
            "notes/sub"
        } else {
            "notes"
        };
        std::fs::write(root.join(format!("{dir}/n{i:04}.md")), note_text(i, 0)).unwrap();
    }
    (tmp, root)
}

/// Edits note `i` in place: the end of its opening paragraph changes.
fn edit(root: &Path, i: u64, round: u64) {
    let dir = if i.is_multiple_of(5) {
        "notes/sub"
    } else {
        "notes"
    };
    std::fs::write(root.join(format!("{dir}/n{i:04}.md")), note_text(i, round)).unwrap();
}

/// The files of a site's search export (its `search/` folder but the search page).
fn search_tree(site_dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = tree(&site_dir.join("search"));
    files.remove("index.html");
    files
}

/// Asserts that two sites' `search/` folders hold the same bytes, naming a few differences.
fn assert_same_search(a: &Path, b: &Path, what: &str) {
    let (a, b) = (search_tree(a), search_tree(b));
    let differ: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        differ.is_empty(),
        "{what}: {} of {} files differ, e.g. {:?}",
        differ.len(),
        a.len(),
        &differ[..differ.len().min(8)]
    );
}

/// Builds a copy of `root` without its `.kb` and output folders, and returns its site folder.
fn cold_build(root: &Path, tmp: &Path) -> PathBuf {
    let cold = tmp.join("cold");
    copy_dir(&root.join("notes"), &cold.join("notes"));
    std::fs::copy(root.join("kb.toml"), cold.join("kb.toml")).unwrap();
    let out = kb(&cold, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    cold.join("public")
}

/// `kb build` after an edit, on the index the first build left, writes the search export of
/// a cold build; before statistics counted live documents only, meta.json's `n` and `avg`
/// and the term dfs still counted the replaced sections.
#[test]
fn a_rebuild_after_an_edit_exports_what_a_cold_build_does() {
    let (tmp, root) = generated(120);
    assert!(kb(&root, &["build"]).status.success());
    edit(&root, 7, 1);
    edit(&root, 64, 1);
    let out = kb(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cold = cold_build(&root, tmp.path());
    assert_same_search(&root.join("public"), &cold, "search/ after an edit vs cold");
}

/// `kb search` on an index updated in place ranks and scores as on one built cold.
#[test]
fn search_scores_after_an_edit_are_those_of_a_cold_index() {
    let (tmp, root) = generated(60);
    let query = [word(5000), word(7 * 1000 + 3)].join(" ");
    let search = |root: &Path| {
        let out = kb(root, &["search", "--json", "-n", "20", &query]);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    search(&root);
    edit(&root, 7, 1);
    edit(&root, 8, 1);
    let warm = search(&root);
    let cold = tmp.path().join("cold");
    copy_dir(&root.join("notes"), &cold.join("notes"));
    std::fs::copy(root.join("kb.toml"), cold.join("kb.toml")).unwrap();
    let fresh = search(&cold);
    assert!(warm.contains("\"score\""), "{warm}");
    assert_eq!(warm, fresh);
}

/// A [`Sink`] writing straight into a folder, as a build writing over its output would.
struct DirOut(PathBuf);

impl Sink for DirOut {
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap())?;
        std::fs::write(p, bytes)
    }
    fn rename_dir(&self, from: &str, to: &str) -> std::io::Result<()> {
        let to = self.0.join(to);
        std::fs::create_dir_all(to.parent().unwrap())?;
        std::fs::rename(self.0.join(from), to)
    }
    fn remove(&self, rel: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.0.join(rel)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        config: kb::config::Config::load(root).unwrap(),
        drafts: false,
        history: Default::default(),
    }
}

/// The site and its up-to-date index in `.kb/index`, opened as a new process would.
fn open(root: &Path) -> (Site, SearchIndex) {
    let opts = options(root);
    let site = assemble(&opts);
    let index = SearchIndex::open(&opts.index_dir()).unwrap();
    index.update(&site).unwrap();
    (site, index)
}

/// One run of a build's export step: the saved layout updated in place when it describes the
/// site folder and allows it, else a full export; the new layout saved. Returns whether it
/// was updated in place.
fn export_step(root: &Path, out: &Path) -> bool {
    let (site, index) = open(root);
    let path = options(root).cache_dir().join(LAYOUT_FILE);
    let sink = DirOut(out.to_path_buf());
    let prev = Layout::load(&path).filter(|l| l.describes(out));
    let updated = match &prev {
        Some(l) => export::export_update(&index, &site, l, &sink, &|| false).unwrap(),
        None => None,
    };
    let in_place = updated.is_some();
    let (_, layout) = match updated {
        Some(u) => u,
        None => {
            let _ = std::fs::remove_dir_all(out.join("search"));
            export::export_cancellable(&index, &site, &sink, &|| false).unwrap()
        }
    };
    layout.save(&path).unwrap();
    in_place
}

/// The persisted-layout path: a full export saves its layout; after an edit another process
/// loads it and updates the export in place, which then equals a cold build's byte for byte.
#[test]
fn an_update_from_a_saved_layout_equals_a_cold_export() {
    let (tmp, root) = generated(1500);
    let out = tmp.path().join("site");
    assert!(!export_step(&root, &out), "the first export is a full one");
    for (round, i) in [(1, 17), (2, 230), (3, 17)] {
        edit(&root, i, round);
        assert!(export_step(&root, &out), "round {round}: updated in place");
        let cold = cold_build(&root, &tmp.path().join(format!("r{round}")));
        assert_same_search(&out, &cold, &format!("round {round}: updated vs cold"));
    }
    // a note added before others moves their ordinals: a full export, still equal
    std::fs::write(root.join("notes/a-first.md"), note_text(9999, 0)).unwrap();
    assert!(!export_step(&root, &out));
    let cold = cold_build(&root, &tmp.path().join("added"));
    assert_same_search(&out, &cold, "after an added note");
    // a layout of another export is not used
    let other = tmp.path().join("other");
    edit(&root, 17, 4);
    std::fs::create_dir_all(other.join("search")).unwrap();
    std::fs::write(other.join("search/meta.json"), b"{}").unwrap();
    assert!(!export_step(&root, &other));
}

/// A small export (a shard or two) is updated in place too, however much of it an edit touches.
#[test]
fn a_small_export_is_updated_in_place() {
    let (tmp, root) = copy_fixture("good");
    let out = tmp.path().join("site");
    assert!(!export_step(&root, &out));
    let redis = root.join("notes/Redis.md");
    let text = std::fs::read_to_string(&redis).unwrap();
    std::fs::write(
        &redis,
        format!("{text}\n\nRedis를 메세지 브로커로 쓸 때의 주의점.\n"),
    )
    .unwrap();
    assert!(export_step(&root, &out), "updated in place");
    let cold = cold_build(&root, &tmp.path().join("cold"));
    assert_same_search(&out, &cold, "a small export updated vs cold");
}

/// Times a full export and an update in place after a one-note edit on the knowledge base at
/// `KB_BENCH_ROOT` (e.g. 10k notes from `gen_corpus.py`), writing to `KB_BENCH_OUT`:
/// `KB_BENCH_ROOT=/dev/shm/kb10k KB_BENCH_OUT=/dev/shm/kb10k-out cargo test --release --test
/// search_export -- --ignored --nocapture`. The edited note is restored at the end.
#[test]
#[ignore]
fn bench_full_and_incremental_export() {
    let (Some(root), Some(out)) = (
        std::env::var_os("KB_BENCH_ROOT"),
        std::env::var_os("KB_BENCH_OUT"),
    ) else {
        panic!("set KB_BENCH_ROOT and KB_BENCH_OUT");
    };
    let (root, out) = (PathBuf::from(root), PathBuf::from(out));
    let _ = std::fs::remove_dir_all(&out);
    let layout_path = options(&root).cache_dir().join(LAYOUT_FILE);
    let (site, index) = open(&root);
    let t = std::time::Instant::now();
    let (stats, layout) =
        export::export_cancellable(&index, &site, &DirOut(out.clone()), &|| false).unwrap();
    let full = t.elapsed();
    let t = std::time::Instant::now();
    layout.save(&layout_path).unwrap();
    eprintln!(
        "full export {full:.2?} ({} shards, {} lists, {} chunks); layout saved in {:.2?}, {} bytes",
        stats.shards,
        stats.lists,
        stats.chunks,
        t.elapsed(),
        std::fs::metadata(&layout_path).unwrap().len()
    );
    drop((site, index));
    // one note's text edited in place
    let victim = walkdir::WalkDir::new(root.join("notes"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .nth(4321)
        .unwrap()
        .into_path();
    let original = std::fs::read_to_string(&victim).unwrap();
    // a word added to the last paragraph, then another (the second update reads the replaced
    // version from the layout: its documents sat alone in a segment the edit emptied)
    for round in 1..=2 {
        let words = " benchmarkedit".repeat(round);
        std::fs::write(&victim, format!("{}{words}\n", original.trim_end())).unwrap();
        let (site, index) = open(&root);
        let t = std::time::Instant::now();
        let layout = Layout::load(&layout_path).unwrap();
        let loaded = t.elapsed();
        assert!(layout.describes(&out));
        let t = std::time::Instant::now();
        let (stats, next) =
            export::export_update(&index, &site, &layout, &DirOut(out.clone()), &|| false)
                .unwrap()
                .expect("updated in place");
        let update = t.elapsed();
        let t = std::time::Instant::now();
        next.save(&layout_path).unwrap();
        eprintln!(
            "edit {round}: layout loaded in {loaded:.2?}; update in place {update:.2?} ({} files \
             written, {} terms re-packed); layout saved in {:.2?}",
            stats.files_written,
            stats.terms,
            t.elapsed()
        );
    }
    if std::env::var_os("KB_BENCH_VERIFY").is_some() {
        // the same notes exported in full from an index built cold
        let cold = tempfile::tempdir_in(out.parent().unwrap()).unwrap();
        copy_dir(&root.join("notes"), &cold.path().join("notes"));
        let _ = std::fs::copy(root.join("kb.toml"), cold.path().join("kb.toml"));
        let (site, index) = open(cold.path());
        let cold_out = cold.path().join("site");
        export::export_cancellable(&index, &site, &DirOut(cold_out.clone()), &|| false).unwrap();
        assert_same_search(&out, &cold_out, "updated vs cold");
        eprintln!("the updated export equals a cold one");
    }
    std::fs::write(&victim, original).unwrap();
}
