//! An Obsidian vault built where it lies: no notes/ folder, `.obsidian/` settings, a Git
//! history with a rename, Markdown links from the vault root and relative ones, a README as
//! the home note. Built twice in place, checked against Obsidian's rules
//! (`scripts/obsidian_links.py`, written from Obsidian's documentation, not from kb's code).

mod common;

use common::{assert_same_tree, copy_fixture, git, kb, read, stderr, tree};
use std::path::Path;
use std::process::Command;

/// The vault fixture with a history: everything on 2024-01-10 except the logs note, added
/// on 2024-03-01 as `log.md` and renamed to `logs.md` on 2024-06-01 (when the metrics note
/// was edited too).
fn vault_with_history() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, root) = copy_fixture("vault");
    let logs = root.join("study/monitoring/logs.md");
    let log = root.join("study/monitoring/log.md");
    let logs_text = std::fs::read_to_string(&logs).unwrap();
    std::fs::remove_file(&logs).unwrap();
    git(&root, "2024-01-10T09:00:00Z", &["init", "-q"]);
    git(&root, "2024-01-10T09:00:00Z", &["add", "-A"]);
    git(&root, "2024-01-10T09:00:00Z", &["commit", "-qm", "start"]);
    std::fs::write(&log, &logs_text).unwrap();
    git(&root, "2024-03-01T09:00:00Z", &["add", "-A"]);
    git(&root, "2024-03-01T09:00:00Z", &["commit", "-qm", "logs"]);
    git(
        &root,
        "2024-06-01T09:00:00Z",
        &["mv", "study/monitoring/log.md", "study/monitoring/logs.md"],
    );
    let metrics = root.join("study/monitoring/metrics.md");
    let m = std::fs::read_to_string(&metrics).unwrap();
    std::fs::write(&metrics, m + "\n## Histogram\n\n분포.\n").unwrap();
    git(
        &root,
        "2024-06-01T09:00:00Z",
        &["commit", "-qam", "rename and edit"],
    );
    // what a vault holds besides notes: a package folder and another tool's cache
    std::fs::create_dir_all(root.join("node_modules/pkg")).unwrap();
    std::fs::write(root.join("node_modules/pkg/README.md"), "# pkg\n").unwrap();
    (tmp, root)
}

#[test]
fn a_vault_builds_in_place_as_obsidian_reads_it() {
    let (_tmp, root) = vault_with_history();
    let first = kb(&root, &["build"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let err = stderr(&first);
    assert!(err.contains("in place"), "says where the notes are: {err}");
    assert!(err.contains("left out 2 file(s)"), "{err}");
    let site = root.join("public");
    let before = tree(&site);
    let second = kb(&root, &["build"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let after = tree(&site);
    assert_same_tree(&before, &after, "a rebuild in place");

    // nothing of kb's own, the vault's settings or its unlinked files is published
    for k in before.keys() {
        for bad in [
            "public/",
            ".kb",
            ".obsidian",
            ".git",
            "node_modules",
            "_templates",
            "private/",
            "exports/",
            "assets/",
            "kb.toml",
        ] {
            assert!(!k.contains(bad), "{k} should not be published");
        }
    }
    assert!(
        before.contains_key("study/devops/architecture.png"),
        "an embedded file is published"
    );
    assert_eq!(
        before
            .keys()
            .filter(|k| k.ends_with("index.html")
                && !k.starts_with("tags/")
                && !k.starts_with("search/")
                && !k.starts_with("graph/")
                && !k.starts_with("folders/")
                && !k.starts_with("troubleshooting/"))
            .count(),
        7,
        "six notes and the home page: {:?}",
        before
            .keys()
            .filter(|k| k.ends_with("index.html"))
            .collect::<Vec<_>>()
    );
    // a listing page per folder holding notes, none for the folders kb leaves out
    for f in [
        "folders/",
        "folders/daily/",
        "folders/study/",
        "folders/study/monitoring/",
    ] {
        assert!(before.contains_key(&format!("{f}index.html")), "{f}");
    }
    assert!(
        !before
            .keys()
            .any(|k| k.starts_with("folders/_templates") || k.starts_with("folders/private"))
    );

    // links resolved as Obsidian would: the note pages link their targets
    let obs = read(&site, "study/devops/observability/index.html");
    for href in [
        "href=\"/study/monitoring/metrics/\"",
        "href=\"/study/monitoring/logs/\"",
        "href=\"/study/monitoring/distributed-tracing/\"",
        "href=\"/study/monitoring/distributed-tracing/#span-context\"",
        "href=\"/study/monitoring/logs/#%5Eretention\"",
        "href=\"/study/monitoring/logs/#보존-정책-30일\"",
        "href=\"/study/monitoring/metrics/#counter\"",
    ] {
        assert!(obs.contains(href), "observability links {href}");
    }
    let metrics = read(&site, "study/monitoring/metrics/index.html");
    assert!(
        metrics.contains("관측성"),
        "metrics lists observability among its backlinks"
    );

    // dates: front matter first, then Git history (renames followed), never the checkout time
    let sitemap = read(&site, "sitemap.xml");
    let lastmod = |slug: &str| {
        let at = sitemap
            .find(&format!("/{slug}</loc>"))
            .unwrap_or_else(|| panic!("{slug} in sitemap"));
        sitemap[at..].split("<lastmod>").nth(1).unwrap()[..10].to_string()
    };
    assert_eq!(lastmod("study/monitoring/metrics/"), "2024-06-01");
    assert_eq!(lastmod("study/monitoring/logs/"), "2024-06-01");
    assert_eq!(
        lastmod("study/monitoring/distributed-tracing/"),
        "2024-01-10"
    );
    assert!(metrics.contains("2023-05-05"), "created from front matter");
    let logs = read(&site, "study/monitoring/logs/index.html");
    assert!(
        logs.contains("2024-03-01"),
        "created: the first commit under the old name"
    );
    assert!(
        logs.starts_with("<!doctype html>\n<html lang=\"en\">"),
        "lang front matter"
    );

    // the README is the home page's note, and is not listed again
    let home = read(&site, "index.html");
    assert!(home.contains("class=\"home-note"), "home note shown");
    assert!(
        home.contains("운영하면서 배운"),
        "README text on the home page"
    );
    assert!(
        !home.contains("<a class=\"internal\" href=\"/readme/\">"),
        "README not listed twice"
    );
    assert!(
        home.starts_with("<!doctype html>\n<html lang=\"ko\">"),
        "a Korean vault gets a Korean interface"
    );
    // descriptions are plain text
    for desc in home.split("class=\"desc\">").skip(1) {
        let d = &desc[..desc.find('<').unwrap()];
        for raw in ["**", "[[", "](", "`"] {
            assert!(!d.contains(raw), "raw Markdown in description: {d}");
        }
    }
    assert!(
        home.contains("class=\"desc\">&quot;세 가지 신호&quot;를 함께 본다"),
        "{home}"
    );
}

#[test]
fn check_agrees_with_obsidians_rules_and_lists_what_is_left_out() {
    let (_tmp, root) = vault_with_history();
    let out = kb(&root, &["check", "--json"]);
    let found: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |code: &str| -> Vec<String> {
        found
            .iter()
            .filter(|d| d["code"] == code)
            .map(|d| format!("{}:{}", d["path"].as_str().unwrap(), d["line"]))
            .collect()
    };
    let mut kb_broken = of("broken-link");
    kb_broken.extend(of("broken-embed"));
    kb_broken.extend(of("missing-attachment"));
    kb_broken.sort();
    assert!(of("broken-anchor").is_empty(), "{found:?}");
    assert_eq!(obsidian_broken(&root), kb_broken);
    assert_eq!(
        of("unpublished"),
        vec!["assets/logo.svg:1", "exports/vault-export.pdf:1"]
    );
}

/// `path:line` of every link Obsidian's rules leave unresolved, from the independent resolver.
fn obsidian_broken(vault: &Path) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/obsidian_links.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(vault)
        .arg("--broken")
        .output()
        .expect("python3 runs scripts/obsidian_links.py");
    assert!(out.status.success(), "{}", stderr(&out));
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, ':');
            format!("{}:{}", parts.next().unwrap(), parts.next().unwrap())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_obsidian_help_vaults_resolve_what_obsidian_resolves() {
    let corpora = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/obsidian-help");
    for lang in ["en", "ko"] {
        let vault = corpora.join(lang);
        assert!(vault.is_dir(), "{} is missing", vault.display());
        let out = kb(&vault, &["check", "--json"]);
        let mut kb_broken: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|d| {
                matches!(
                    d["code"].as_str(),
                    Some("broken-link" | "broken-embed" | "missing-attachment")
                )
            })
            .map(|d| format!("{}:{}", d["path"].as_str().unwrap(), d["line"]))
            .collect();
        kb_broken.sort();
        let expected = obsidian_broken(&vault);
        // kb also resolves names by title and alias (an extension Obsidian's app lacks), so
        // it may resolve more, never less
        for b in &kb_broken {
            assert!(
                expected.contains(b),
                "{lang}: kb reports {b}, which Obsidian resolves"
            );
        }
        let extra: Vec<&String> = expected.iter().filter(|e| !kb_broken.contains(e)).collect();
        assert!(
            extra.len() <= 2,
            "{lang}: kb resolves what Obsidian does not: {extra:?}"
        );
    }
}

#[test]
fn kb_init_and_kb_toml_choose_the_home_note_and_what_is_published() {
    let (_tmp, root) = copy_fixture("vault");
    let init = kb(&root, &["init"]);
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(
        !root.join("notes").exists(),
        "no welcome note in an existing vault"
    );
    let toml = read(&root, "kb.toml");
    assert!(toml.contains("notes_dir = \".\""), "{toml}");
    assert!(read(&root, ".gitignore").contains(".kb/"));
    let again = kb(&root, &["init"]);
    assert!(!again.status.success(), "kb init never overwrites kb.toml");

    std::fs::write(
        root.join("kb.toml"),
        toml + "home = \"study/devops/observability.md\"\npublish = [\"assets/\"]\n",
    )
    .unwrap();
    let out = kb(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let site = root.join("public");
    assert!(
        site.join("assets/logo.svg").is_file(),
        "a `publish` folder is published whole"
    );
    assert!(!site.join("exports/vault-export.pdf").exists());
    assert!(!site.join("kb.toml").exists() && !site.join(".gitignore").exists());
    let home = read(&site, "index.html");
    assert!(
        home.contains("세 가지 신호"),
        "the configured home note is shown"
    );
    assert!(
        home.contains("<a class=\"internal\" href=\"/readme/\">"),
        "the README is listed like any note now"
    );

    std::fs::write(
        root.join("kb.toml"),
        "notes_dir = \".\"\npublish_unlinked = true\n",
    )
    .unwrap();
    let out = kb(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        site.join("exports/vault-export.pdf").is_file(),
        "publish_unlinked publishes everything"
    );
    assert!(
        !site.join("private/salary.pdf").exists(),
        "Obsidian's excluded files stay out"
    );
}

#[test]
fn the_obsidian_help_advanced_formatting_page_draws_its_diagrams_and_formulas() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("en");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/obsidian-help/en"),
        &vault,
    );
    let out = kb(&vault, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains("Mermaid diagram not drawn") && !err.contains("formula not converted"),
        "{err}"
    );
    let page = read(
        &vault,
        "public/editing-and-formatting/advanced-formatting-syntax/index.html",
    );
    assert_eq!(
        page.matches("<svg class=\"kb-mermaid").count(),
        3,
        "its three diagrams"
    );
    assert!(
        page.contains("<math display=\"block\">") && page.contains("<math display=\"inline\">")
    );
    assert!(
        page.contains("vmatrix"),
        "the TeX stays as the formula's annotation"
    );
    assert!(
        !page.contains("language-mermaid"),
        "no diagram left as code"
    );
}
