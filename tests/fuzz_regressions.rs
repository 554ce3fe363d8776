//! Replays the fuzzing corpora on stable Rust: every seed and every input that once crashed a
//! target (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`) goes through the same entry
//! point the fuzzer uses, so a fixed crash stays fixed. Fuzzing itself: `scripts/fuzz.sh`.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let r = std::panic::catch_unwind(|| run(&data));
            assert!(r.is_ok(), "{target}: {} fails again", f.display());
            n += 1;
        }
    }
    assert!(n > 0, "no corpus for {target}");
}

#[test]
fn frontmatter_corpus() {
    replay("frontmatter", kb::fuzzing::frontmatter);
}

#[test]
fn note_corpus() {
    replay("note", kb::fuzzing::note);
}

#[test]
fn analyzer_corpus() {
    replay("analyzer", kb::fuzzing::analyzer);
}

#[test]
fn query_corpus() {
    replay("query", kb::fuzzing::query);
}
