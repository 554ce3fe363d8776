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

#[test]
fn diagram_corpus() {
    replay("diagram", kb::fuzzing::diagram);
}

#[test]
fn canvas_corpus() {
    replay("canvas", kb::fuzzing::canvas);
}

#[test]
fn base_corpus() {
    replay("base", kb::fuzzing::base);
}

#[test]
fn tex_corpus() {
    replay("tex", kb::fuzzing::tex);
}

/// Without a nightly toolchain, a little fuzzing on stable: deterministic byte mutations of
/// each new parser's seeds (flip, insert, delete, splice with another seed).
fn mutate(target: &str, run: fn(&[u8]), rounds: usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    seeds.sort();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    const BYTES: &[u8] = b"[](){}<>|-=>.:;\"'%#\\^_$&\n \t\xea\xb0\x80";
    for round in 0..rounds {
        let mut d = seeds[round % seeds.len()].clone();
        for _ in 0..1 + next() % 4 {
            let at = if d.is_empty() {
                0
            } else {
                (next() as usize) % d.len()
            };
            match next() % 4 {
                0 if !d.is_empty() => d[at] = BYTES[(next() as usize) % BYTES.len()],
                1 => d.insert(at.min(d.len()), BYTES[(next() as usize) % BYTES.len()]),
                2 if !d.is_empty() => {
                    d.remove(at);
                }
                _ => {
                    let other = &seeds[(next() as usize) % seeds.len()];
                    let from = (next() as usize) % other.len().max(1);
                    let piece = other[from..other.len().min(from + 40)].to_vec();
                    d.splice(at.min(d.len())..at.min(d.len()), piece);
                }
            }
        }
        let t = std::time::Instant::now();
        let r = std::panic::catch_unwind(|| run(&d));
        if std::env::var_os("KB_SLOW").is_some() && t.elapsed().as_millis() > 50 {
            eprintln!(
                "slow {} ms: {:?}",
                t.elapsed().as_millis(),
                String::from_utf8_lossy(&d)
                    .chars()
                    .take(80)
                    .collect::<String>()
            );
        }
        assert!(
            r.is_ok(),
            "{target}: mutation {round} fails: {:?}",
            String::from_utf8_lossy(&d)
        );
    }
}

#[test]
fn diagram_mutations() {
    mutate("diagram", kb::fuzzing::diagram, 400);
}

#[test]
fn canvas_mutations() {
    mutate("canvas", kb::fuzzing::canvas, 600);
}

#[test]
fn base_mutations() {
    mutate("base", kb::fuzzing::base, 1500);
}

#[test]
fn tex_mutations() {
    mutate("tex", kb::fuzzing::tex, 2000);
}
