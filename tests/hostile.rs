//! Hostile knowledge bases: every kind of broken, huge, deep or strangely named input in one
//! vault. `kb build` must finish in bounded time and memory without panicking, report each
//! problem as `path:line:col: message` with a hint, build every other note, and exit 1.
//!
//! The small cases live in `tests/fixtures/hostile/` (with `-text` so git keeps their line
//! endings); the ones that cannot live in git (huge files, invalid UTF-8, NFD and 255-byte
//! names, pipes, unreadable files, symlinks, 10k-note chains) are made here.

mod common;
use common::*;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs kb, killing it after `limit`; returns its output and peak resident memory in KiB.
fn run_bounded(root: &Path, args: &[&str], limit: Duration) -> (Output, u64) {
    let mut child = Command::new(kb_bin())
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("KB_TIMINGS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kb");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status_file = format!("/proc/{}/status", child.id());
    let start = Instant::now();
    let mut peak = 0u64;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib: u64 = l
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            peak = peak.max(kib);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("kb {args:?} did not finish within {limit:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, peak)
}

/// Adds the cases that cannot be committed. Returns whether this process can read a file with
/// mode 000 (root can, so the unreadable case is then an ordinary note).
fn add_generated(notes: &Path) -> bool {
    let w = |name: &str, bytes: &[u8]| std::fs::write(notes.join(name), bytes).unwrap();
    w("invalid-utf8.md", b"# Latin-1\n\ncaf\xe9 au lait\n");
    // a 10 MB single line
    w("one-line.md", "word ".repeat(2_000_000).as_bytes());
    // a 50 MB note: over the default 16 MiB limit
    let line = "가나다라 마바사 아자차카.\n";
    w(
        "huge.md",
        line.repeat(50 * 1024 * 1024 / line.len()).as_bytes(),
    );
    // 100k headings
    let mut h = String::with_capacity(2_500_000);
    for i in 0..100_000 {
        h.push_str(&format!("## Heading {i}\n\ntext {i}\n\n"));
    }
    w("headings.md", h.as_bytes());
    // 10k levels of nested lists and blockquotes
    w(
        "nested-lists.md",
        format!("{}item\n", "- ".repeat(10_000)).as_bytes(),
    );
    w(
        "nested-quotes.md",
        format!("{} deep\n", ">".repeat(10_000)).as_bytes(),
    );
    let mut q = String::new();
    for i in 1..2_000 {
        q.push_str(&">".repeat(i));
        q.push_str(" level\n");
    }
    w("nested-quotes-lines.md", q.as_bytes());
    // NFD Hangul name (한글) and a 255-byte name
    w(
        "\u{1112}\u{1161}\u{11ab}\u{1100}\u{1173}\u{11af}.md",
        b"# NFD\n",
    );
    w(&format!("{}ab.md", "가".repeat(83)), b"# Long name\n");
    // a named pipe: opening it would block forever
    let pipe = notes.join("pipe.md");
    let made = Command::new("mkfifo").arg(&pipe).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    // an unreadable file
    let unreadable = notes.join("unreadable.md");
    w("unreadable.md", b"# Secret\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let privileged = std::fs::read(&unreadable).is_ok();
    // a symlink loop and a symlink that leaves notes/
    std::fs::create_dir_all(notes.join("loop")).unwrap();
    let outside = notes.parent().unwrap().join("outside.md");
    std::fs::write(&outside, "# Outside\n").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("..", notes.join("loop/up")).unwrap();
        std::os::unix::fs::symlink(&outside, notes.join("escape.md")).unwrap();
    }
    // a 10k-long chain of links and a 10k-long chain of embeds
    std::fs::create_dir_all(notes.join("chain")).unwrap();
    std::fs::create_dir_all(notes.join("embeds")).unwrap();
    for i in 0..10_000 {
        std::fs::write(
            notes.join(format!("chain/link-{i}.md")),
            format!("Next: [[link-{}]]\n", (i + 1) % 10_000),
        )
        .unwrap();
        std::fs::write(
            notes.join(format!("embeds/emb-{i}.md")),
            format!("Level {i}\n\n![[emb-{}]]\n", i + 1),
        )
        .unwrap();
    }
    privileged
}

#[test]
fn hostile_knowledge_base_never_breaks_the_build() {
    let (_tmp, root) = copy_fixture("hostile");
    let privileged = add_generated(&root.join("notes"));
    let (out, peak_kib) = run_bounded(&root, &["build"], Duration::from_secs(300));
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(1), "note errors exit 1:\n{err}");
    assert!(
        peak_kib < 2 * 1024 * 1024,
        "peak memory {peak_kib} KiB is not bounded"
    );

    // each problem, at its place
    let mut expect = vec![
        "notes/alias-bomb.md:7:14: error: invalid YAML front matter: aliases expand to too many values",
        "notes/dup-keys.md:3:1: error: invalid YAML front matter: the key `title` appears twice",
        "notes/list-front.md:2:1: error: front matter must be a map of `key: value` pairs, found a list",
        "notes/scalar-front.md:2:1: error: front matter must be a map of `key: value` pairs, found a string",
        "notes/wrong-types.md:2:1: warning: `title` should be a string, found a list",
        "notes/wrong-types.md:3:1: warning: `tags` should be a list of strings, found a number",
        "notes/wrong-types.md:4:1: warning: `aliases` should be a list of strings, found a map",
        "notes/wrong-types.md:5:1: warning: `date` is not a date: `not a date`",
        "notes/wrong-types.md:6:1: warning: `draft` should be true or false, found a string",
        "notes/unterminated-front.md:1:1: error: front matter opened with `---` is never closed",
        "notes/unterminated-fence.md:3:1: warning: code block opened with ``` is never closed",
        "notes/nul.md:1:11: warning: note contains NUL bytes",
        "notes/invalid-utf8.md:3:4: error: note is not valid UTF-8",
        "notes/huge.md:1:1: error: note is 50.0 MiB, larger than the 16.0 MiB limit; it was skipped",
        "notes/pipe.md:1:1: warning: not a regular file",
        "notes/loop/up:1:1: warning: symlink loop",
        "notes/escape.md:1:1: warning: symlink points outside the notes folder",
        "notes/embed-b.md:3:1: error: embed cycle: embed-a -> embed-b -> embed-a",
        "notes/self-embed.md:3:1: error: embed cycle: self-embed -> self-embed",
        "notes/same-name.md:1:1: error: this note and notes/Same Name.md would both be published at `/same-name/`",
        "notes/embeds/emb-9999.md:3:1: warning: broken embed: no note named `emb-10000`",
        "notes/ok.md:9:15: warning: broken link: no note named `C`",
        "hint: `#` starts a heading in a wikilink",
        "notes/broken.canvas:4:3: error: canvas is not valid JSON",
        "notes/odd.canvas:4:5: warning: node `s` has the unknown type `sticker`; it was left out",
        "notes/odd.canvas:7:5: warning: edge `e` joins no node: `toNode` is `ghost`",
        "notes/broken.base:4:8: error: base is not valid YAML: unclosed bracket",
        "notes/odd.base:5:9: warning: kb does not know the function `shout`; it gives null",
        "notes/odd.base:7:11: warning: kb does not draw the view type `timeline`; view `Later` is shown as a table",
        "notes/base-block.md:6:23: warning: cannot read the expression `file.name ===`: unexpected `=`",
    ];
    if !privileged {
        expect.push("notes/unreadable.md:1:1: error: cannot read note");
    }
    for e in expect {
        assert!(err.contains(e), "missing `{e}` in:\n{err}");
    }
    // every located problem carries a hint on the next line
    let lines: Vec<&str> = err.lines().collect();
    for (k, l) in lines.iter().enumerate() {
        if l.starts_with("notes/") {
            let loc: Vec<&str> = l.splitn(4, ':').collect();
            assert!(
                loc.len() == 4
                    && loc[1].parse::<usize>().is_ok()
                    && loc[2].parse::<usize>().is_ok(),
                "not path:line:col: {l}"
            );
            assert!(
                lines.get(k + 1).is_some_and(|h| h.starts_with("  hint: ")),
                "no hint after {l}"
            );
        }
    }

    // everything else is built
    let public = root.join("public");
    let page = |p: &str| read(&public, &format!("{p}/index.html"));
    assert!(page("ok").contains("Still Fine"));
    assert!(page("broken-canvas").contains("class=\"canvas-svg\""));
    let odd = page("odd-canvas");
    assert!(
        odd.contains("Still drawn") && odd.contains("href=\"/ok/\"") && !odd.contains("sticker")
    );
    assert!(page("bom").contains("<title>BOM Note"));
    assert!(
        page("crlf").contains("<title>CRLF Note")
            && page("crlf").contains("CRLF heading")
            && !page("crlf").contains('\r')
    );
    assert!(page("lone-cr").contains("<title>Lone CR Note") && page("lone-cr").contains("Old Mac"));
    assert!(page("nul").contains("inside \u{fffd} text"));
    assert!(page("invalid-utf8").contains("caf\u{fffd} au lait"));
    assert!(page("one-line").len() > 10_000_000);
    let headings = page("headings");
    assert!(headings.contains("id=\"heading-99999\"") && headings.contains("text 99999"));
    assert!(page("nested-lists").contains("item"));
    assert!(page("nested-quotes").contains("deep"));
    assert!(page("nested-quotes-lines").contains("level"));
    assert!(page("x-md/inside").contains("inside a folder named x.md"));
    for p in [
        "a-b",
        "c",
        "why",
        "100",
        "with-space",
        "same-name",
        "same-name-2",
        "한글",
        "embed-a",
        "embed-b",
        "self-embed",
        "dup-keys",
        "alias-bomb",
        "list-front",
        "scalar-front",
        "wrong-types",
        "unterminated-front",
        "unterminated-fence",
        "chain/link-0",
        "chain/link-9999",
        "embeds/emb-0",
        "embeds/emb-9999",
    ] {
        assert!(public.join(p).join("index.html").is_file(), "{p} missing");
    }
    let long = format!("{}ab", "가".repeat(83));
    assert!(
        public.join(&long).join("index.html").is_file(),
        "255-byte name"
    );
    assert_eq!(public.join("unreadable/index.html").is_file(), privileged);
    for gone in ["huge", "pipe", "escape", "loop"] {
        assert!(!public.join(gone).exists(), "{gone} should be skipped");
    }
    // links to awkward names reach their pages
    let ok = page("ok");
    for href in ["/c/", "/why/", "/100/", "/a-b/", "/with-space/"] {
        assert!(
            ok.contains(&format!("href=\"{href}\"")),
            "{href} in ok page"
        );
    }
    // an embed chain stops at the depth limit instead of recursing 10k deep
    let emb = page("embeds/emb-0");
    assert!(emb.contains("Level 4") && !emb.contains("Level 6"));
    // a 10k-note link cycle gives every note one backlink
    assert!(page("chain/link-0").contains("/chain/link-9999/"));

    // check and search on the same vault stay bounded and keep the exit codes
    let (out, _) = run_bounded(&root, &["check"], Duration::from_secs(300));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let (out, _) = run_bounded(
        &root,
        &["search", "heading 99999"],
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Heading 99999"));
}
