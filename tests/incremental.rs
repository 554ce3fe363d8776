//! The incremental engine through `kb build`: after each kind of change (nothing, a note's
//! text, a new note, a rename, a deletion, tags, an attachment, a template), the site an
//! incremental build leaves equals, byte for byte, a cold build of the same knowledge base.

mod common;

use common::{assert_same_tree, copy_fixture, git, kb, stderr, tree};
use std::path::Path;

/// Copies a folder keeping the files' modification times (notes without dates in their front
/// matter are dated by them).
fn copy_with_times(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (p, dest) = (e.path(), to.join(e.file_name()));
        if p.is_dir() {
            copy_with_times(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
            let modified = std::fs::metadata(&p).unwrap().modified().unwrap();
            let f = std::fs::File::options().write(true).open(&dest).unwrap();
            f.set_modified(modified).unwrap();
        }
    }
}

/// Builds a copy of `root` without its cache or output, and returns the site.
fn cold_site(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("kb");
    copy_with_times(root, &copy);
    let _ = std::fs::remove_dir_all(copy.join(".kb"));
    let _ = std::fs::remove_dir_all(copy.join("public"));
    let out = kb(&copy, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    tree(&copy.join("public"))
}

/// Runs an incremental build of `root` and checks it against a cold one. Returns the number
/// of files the build said it wrote.
fn build_and_compare(root: &Path, step: &str) -> usize {
    let out = kb(root, &["build"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{step}: {err}");
    assert_same_tree(&cold_site(root), &tree(&root.join("public")), step);
    let summary = err
        .lines()
        .find(|l| l.starts_with("built "))
        .unwrap_or_else(|| panic!("{step}: no summary in {err}"));
    summary
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{step}: {summary}"))
}

#[test]
fn incremental_builds_equal_cold_builds_after_every_kind_of_change() {
    let (_tmp, root) = copy_fixture("good");
    let notes = root.join("notes");
    let edit = |rel: &str, f: &dyn Fn(String) -> String| {
        let p = notes.join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(text)).unwrap();
    };
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = tree(&root.join("public")).len();

    assert_eq!(build_and_compare(&root, "nothing changed"), 0);

    edit("Redis.md", &|t| {
        format!("{t}\n\nRedis를 메세지 브로커로 쓸 때의 주의점.\n")
    });
    let written = build_and_compare(&root, "one note's text");
    assert!(
        written > 0 && written * 2 < all,
        "an edit rewrites a few files, not the site ({written} of {all})"
    );

    std::fs::write(
        notes.join("Kafka.md"),
        "---\ntags: [messaging]\n---\n# Kafka\n\n[[Redis]]와 비교한다.\n",
    )
    .unwrap();
    build_and_compare(&root, "a new note");

    std::fs::rename(notes.join("Kafka.md"), notes.join("Kafka Streams.md")).unwrap();
    build_and_compare(&root, "a renamed note");

    edit("Kafka Streams.md", &|t| {
        t.replace("[messaging]", "[messaging, stream]")
    });
    build_and_compare(&root, "a note's tags");

    std::fs::write(
        notes.join("diagram.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    edit("Kafka Streams.md", &|t| format!("{t}\n![](diagram.svg)\n"));
    build_and_compare(&root, "a new attachment");

    std::fs::remove_file(notes.join("Kafka Streams.md")).unwrap();
    build_and_compare(&root, "a deleted note");

    // folder pages: a new folder, a description its page shows, a folder emptied by a move
    let public = root.join("public");
    std::fs::create_dir_all(notes.join("ops/Deploy Runs")).unwrap();
    std::fs::write(
        notes.join("ops/Deploy Runs/Deploy Runs.md"),
        "---\ndescription: Shipping in waves\n---\n# Rollout\n\nSee [[Postgres]].\n",
    )
    .unwrap();
    build_and_compare(&root, "a note in a new folder");
    // the folder note describes its folder on the enclosing folder's page
    let (parent, page) = (
        "folders/ops/index.html",
        "folders/ops/deploy-runs/index.html",
    );
    assert!(common::read(&public, parent).contains("Deploy Runs/"));
    assert!(common::read(&public, parent).contains("Shipping in waves"));
    assert!(common::read(&public, page).contains("Shipping in waves"));
    edit("ops/Deploy Runs/Deploy Runs.md", &|t| {
        t.replace("Shipping in waves", "Shipping by region")
    });
    build_and_compare(&root, "a description folder pages show");
    assert!(common::read(&public, parent).contains("Shipping by region"));
    assert!(common::read(&public, page).contains("Shipping by region"));
    std::fs::rename(
        notes.join("ops/Deploy Runs/Deploy Runs.md"),
        notes.join("db/Rollout.md"),
    )
    .unwrap();
    build_and_compare(&root, "a folder emptied by a move");
    assert!(!public.join("folders/ops").exists());
    assert!(common::read(&public, "folders/db/index.html").contains("Rollout"));

    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/404.html"),
        "<!doctype html><title>404</title><p>Nothing here.</p>\n",
    )
    .unwrap();
    build_and_compare(&root, "a template");

    edit("Celery.md", &|t| t.replace("Celery", "Celery worker"));
    build_and_compare(&root, "a title and its mentions");
}

#[test]
fn a_replaced_output_folder_makes_the_next_build_cold() {
    let (_tmp, root) = copy_fixture("good");
    assert_eq!(kb(&root, &["build"]).status.code(), Some(0));
    // another tool (or a person) replaces the output: the kept state no longer describes it
    std::fs::remove_dir_all(root.join("public")).unwrap();
    std::fs::create_dir_all(root.join("public")).unwrap();
    std::fs::write(root.join("public/stray.txt"), "x").unwrap();
    build_and_compare(&root, "a replaced output folder");
}

#[test]
fn a_commit_that_changes_no_file_still_changes_the_dates() {
    let (_tmp, root) = copy_fixture("good");
    // no dates in its front matter: its page shows its Git dates
    let plain = root.join("notes/Plain.md");
    std::fs::write(&plain, "# Plain\n\nA note.\n").unwrap();
    git(&root, "2024-01-10T09:00:00Z", &["init", "-q"]);
    git(&root, "2024-01-10T09:00:00Z", &["add", "-A"]);
    git(&root, "2024-01-10T09:00:00Z", &["commit", "-qm", "start"]);
    assert_eq!(kb(&root, &["build"]).status.code(), Some(0));
    std::fs::write(&plain, "# Plain\n\nA note.\n\nA later paragraph.\n").unwrap();
    build_and_compare(&root, "an uncommitted edit");
    // committing changes no file, but the note's date becomes the commit's
    git(&root, "2024-05-01T09:00:00Z", &["commit", "-qam", "later"]);
    let written = build_and_compare(&root, "the commit");
    assert!(written > 0, "the note's page shows its new date");
    assert!(common::read(&root.join("public"), "plain/index.html").contains("2024-05-01"));
}

#[test]
fn a_build_with_nothing_changed_reports_what_the_last_one_did() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::write(root.join("notes/Broken.md"), "# Broken\n\n[[Nowhere]]\n").unwrap();
    let first = kb(&root, &["build"]);
    let again = kb(&root, &["build"]);
    let (a, b) = (stderr(&first), stderr(&again));
    assert!(
        a.contains("notes/Broken.md:3:1: warning: broken link"),
        "{a}"
    );
    let diags = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.starts_with("built "))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(diags(&a), diags(&b));
    assert!(b.contains(", 0 files into"), "{b}");
}

#[test]
fn incremental_builds_follow_canvases() {
    let (_tmp, root) = copy_fixture("good");
    let notes = root.join("notes");
    let canvas = |text: &str| {
        format!(
            "{{\"nodes\":[\
             {{\"id\":\"t\",\"type\":\"text\",\"text\":\"{text}\",\"x\":0,\"y\":0,\"width\":200,\"height\":80}},\
             {{\"id\":\"f\",\"type\":\"file\",\"file\":\"Redis.md\",\"x\":300,\"y\":0,\"width\":200,\"height\":80}}],\
             \"edges\":[{{\"id\":\"e\",\"fromNode\":\"t\",\"toNode\":\"f\",\"label\":\"reads\"}}]}}"
        )
    };
    std::fs::write(notes.join("Map.canvas"), canvas("Start at [[Celery]]")).unwrap();
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(build_and_compare(&root, "nothing changed"), 0);

    // the file card shows Redis's first lines
    let p = notes.join("Redis.md");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        text.replace("인메모리 key-value 저장소", "A new first line"),
    )
    .unwrap();
    build_and_compare(&root, "a note a canvas's file card shows");

    std::fs::write(notes.join("Map.canvas"), canvas("Start at [[Redis]] now")).unwrap();
    build_and_compare(&root, "a canvas's text card and its links");

    std::fs::write(
        notes.join("Celery.md"),
        "# Celery\n\nThe plan: ![[Map.canvas]]\n",
    )
    .unwrap();
    build_and_compare(&root, "a note embedding a canvas");

    std::fs::write(notes.join("Map.canvas"), "{\"nodes\": [").unwrap();
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(1), "a broken canvas is an error");
    std::fs::remove_file(notes.join("Map.canvas")).unwrap();
    build_and_compare(&root, "a deleted canvas");
}

#[test]
fn incremental_builds_follow_bases() {
    let (_tmp, root) = copy_fixture("good");
    let notes = root.join("notes");
    std::fs::write(
        notes.join("Stores.base"),
        "filters: 'file.hasTag(\"broker\") || owner == \"ops\"'\nviews:\n  - type: table\n    name: Stores\n    order: [file.name, owner]\n    sort:\n      - property: file.name\n        direction: DESC\n",
    )
    .unwrap();
    std::fs::write(
        notes.join("Index.md"),
        "# Index\n\n```base\nfilters: 'file.inFolder(\"db\")'\nviews:\n  - type: list\n    order: [file.name]\n```\n",
    )
    .unwrap();
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(build_and_compare(&root, "nothing changed"), 0);

    // a note's front matter decides whether a base selects it
    let p = notes.join("Celery.md");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, format!("---\nowner: ops\n---\n{text}")).unwrap();
    build_and_compare(&root, "a property a base filters on");

    std::fs::write(notes.join("db/Mongo.md"), "# Mongo\n\nDocuments.\n").unwrap();
    build_and_compare(&root, "a new note in a base block's folder");

    std::fs::write(notes.join("Celery.md"), "# Celery\n\n![[Stores.base]]\n").unwrap();
    build_and_compare(&root, "a note embedding a base");

    std::fs::remove_file(notes.join("db/Mongo.md")).unwrap();
    build_and_compare(&root, "a deleted note a base listed");
}
