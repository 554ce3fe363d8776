//! `kb build` end to end on fixture knowledge bases: bad input, Markdown features, URLs,
//! theme overrides and atomic output.

mod common;
use common::*;
use std::path::Path;

#[test]
fn bad_input_is_reported_and_the_rest_builds() {
    let (_tmp, root) = copy_fixture("bad");
    let notes = root.join("notes");
    // inputs that cannot live in git: a 50 MB note, an NFD Hangul name, a symlink loop
    let big = "가나다라 마바사 아자차카 타파하.\n".repeat(50 * 1024 * 1024 / 48);
    std::fs::write(notes.join("huge.md"), big).unwrap();
    std::fs::write(
        notes.join("\u{1112}\u{1161}\u{11ab}\u{1100}\u{1173}\u{11af}.md"),
        "---\ntitle: 한글\n---\nNFD name\n",
    )
    .unwrap();
    std::fs::create_dir_all(notes.join("loop")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", notes.join("loop/up")).unwrap();

    let out = kb(&root, &["build"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "errors exit 1:\n{err}");
    let expect = [
        "notes/broken-yaml.md:3:7: error: invalid YAML front matter: unclosed bracket",
        "notes/not-a-map.md:2:1: error: front matter must be a map",
        "notes/wrong-types.md:3:1: warning: `tags` should be a list of strings, found a number",
        "notes/wrong-types.md:4:1: warning: `draft` should be true or false, found a string",
        "notes/unclosed-front-matter.md:1:1: error: front matter opened with `---` is never closed",
        "notes/unclosed-fence.md:3:1: warning: code block opened with ``` is never closed",
        "notes/empty.md:1:1: warning: note is empty",
        "notes/invalid-utf8.md:1:4: error: note is not valid UTF-8",
        "notes/binary.md:1:1: error: this .md file looks binary",
        "error: this note and notes/a b.md would both be published at `/a-b/`",
        "larger than the 16.0 MiB limit; it was skipped",
        "notes/broken-links.md:1:10: warning: broken link: no note named `Nowhere`",
        "hint: did you mean [[good]]?",
        "symlink loop",
    ];
    for e in expect {
        assert!(err.contains(e), "missing `{e}` in:\n{err}");
    }
    // every problem has a hint
    for line in err.lines().filter(|l| l.starts_with("notes/")) {
        assert!(
            line.contains(": error: ") || line.contains(": warning: "),
            "{line}"
        );
    }
    let public = root.join("public");
    for page in [
        "good/index.html",
        "broken-yaml/index.html",
        "wrong-types/index.html",
        "a-b/index.html",
        "a-b-2/index.html",
        "한글/index.html",
        "empty/index.html",
        "invalid-utf8/index.html",
        "index.html",
        "404.html",
    ] {
        assert!(public.join(page).is_file(), "{page} missing");
    }
    assert!(!public.join("binary/index.html").exists());
    assert!(!public.join("huge/index.html").exists());
    assert!(!public.join("hidden/index.html").exists());
    assert!(read(&public, "broken-yaml/index.html").contains("Body survives."));
    assert!(read(&public, "invalid-utf8/index.html").contains("caf\u{fffd}"));
}

/// Pages link with IRIs (Hangul as written, a third of the bytes); the sitemap and the feed,
/// which need URIs, percent-encode them.
#[test]
fn pages_carry_iris_and_feeds_uris() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::write(
        root.join("notes/메모 노트.md"),
        "---\ntitle: 메모 노트\ndate: 2025-01-01\n---\nSee [[Redis]].\n\n## 첫 절\n\n[[#첫 절]]\n",
    )
    .unwrap();
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let p = root.join("public");
    let page = read(&p, "메모-노트/index.html");
    assert!(page.contains("href=\"#첫-절\""), "{page}");
    let enc = "%EB%A9%94%EB%AA%A8-%EB%85%B8%ED%8A%B8/";
    let sitemap = read(&p, "sitemap.xml");
    assert!(
        sitemap.contains(&format!("<loc>https://me.github.io/kb/{enc}</loc>")),
        "{sitemap}"
    );
    assert!(sitemap.is_ascii(), "{sitemap}");
    let feed = read(&p, "atom.xml");
    assert!(
        feed.contains(&format!("href=\"https://me.github.io/kb/{enc}\"")),
        "{feed}"
    );
    let redis = read(&p, "redis/index.html");
    assert!(
        redis.contains("<li><a href=\"/kb/메모-노트/\">메모 노트</a>"),
        "{redis}"
    );
}

#[test]
fn markdown_features_and_links_render() {
    let (_tmp, root) = copy_fixture("good");
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let p = root.join("public");
    let redis = read(&p, "redis/index.html");
    // sub-path base URL everywhere
    assert!(
        redis.contains("href=\"/kb/static/kb.css?v="),
        "asset under base path"
    );
    assert!(
        redis.contains("<a href=\"/kb/celery/\" class=\"internal\">셀러리</a>"),
        "{redis}"
    );
    assert!(redis.contains("href=\"/kb/db/postgres/#index-types\""));
    // headings with ids and copy-link anchors; Korean hrefs as IRIs (a third of the bytes of
    // percent-encoding), which feeds and sitemaps encode
    assert!(redis.contains("<h2 id=\"개념\">개념<a class=\"anchor\" href=\"#개념\""));
    // callouts: collapsed and plain
    assert!(redis.contains(
        "<details class=\"callout\" data-callout=\"tip\"><summary class=\"callout-title\">"
    ));
    assert!(redis.contains("<span>접힌 팁</span>"));
    assert!(redis.contains("<div class=\"callout\" data-callout=\"note\">"));
    // highlighted code with classes; unknown language plain and escaped
    assert!(redis.contains(
        "<pre class=\"code\" tabindex=\"0\" data-lang=\"python\"><code class=\"language-python\"><span class=\"hl-"
    ));
    assert!(redis.contains("plain &lt;b&gt;text&lt;/b&gt;"));
    // table with an escaped pipe in a wikilink
    assert!(
        redis.contains(">alias in table</a>"),
        "wikilink label in a table"
    );
    // task list, footnote, math, strikethrough, raw HTML, bare URL, inline tag
    assert!(redis.contains("type=\"checkbox\""));
    assert!(redis.contains("class=\"footnote-reference\""));
    // math is MathML made at build time, with the TeX kept as its annotation
    assert!(
        redis.contains("<span class=\"math math-inline\"><math"),
        "{redis}"
    );
    assert!(redis.contains("<msup><mi>e</mi>"), "{redis}");
    assert!(redis.contains("<annotation encoding=\"application/x-tex\">e^{i\\pi}</annotation>"));
    assert!(redis.contains("<span class=\"math math-display\"><math display=\"block\">"));
    assert!(redis.contains("<del>struck</del>"));
    assert!(redis.contains("<mark>marked</mark>"));
    assert!(redis.contains("<a href=\"https://example.com/x\" class=\"external\""));
    assert!(redis.contains("<a class=\"tag\" href=\"/kb/tags/db/nosql/\">#db/nosql</a>"));
    // block id and attachment embed with size
    assert!(redis.contains("<p id=\"^block-1\">Block with id</p>"));
    assert!(redis.contains("<img src=\"/kb/img/pic.png\" alt=\"\" width=\"120\""));
    assert!(p.join("img/pic.png").is_file(), "attachment copied");
    // front matter shown: tags, dates, source, unknown keys as extra
    assert!(redis.contains("href=\"/kb/tags/storage/cache/\""));
    assert!(redis.contains("2025-03-04"));
    assert!(redis.contains("notes/Redis.md"));
    // backlinks with context
    assert!(redis.contains("Uses Redis as broker."), "backlink context");
    let celery = read(&p, "celery/index.html");
    // the H1 equal to the title is not repeated in the body
    assert_eq!(celery.matches("<h1").count(), 1);
    // section embed with a link to its source, and block link
    assert!(celery.contains(
        "<div class=\"embed\"><div class=\"embed-title\"><a href=\"/kb/redis/#redis-vs-rabbitmq\""
    ));
    assert!(celery.contains("Comparison text."));
    assert!(celery.contains("href=\"/kb/redis/#%5Eblock-1\""));
    // prev/next within the category (Celery < Redis)
    assert!(celery.contains("rel=\"next\""));
    // site pages
    let home = read(&p, "index.html");
    assert!(home.contains("메시징") && home.contains("인메모리 key-value 저장소"));
    let tags = read(&p, "tags/index.html");
    assert!(tags.contains("#storage/cache") && tags.contains("#storage"));
    assert!(
        read(&p, "tags/storage/index.html").contains("Redis"),
        "parent tag lists nested tags' notes"
    );
    let feed = read(&p, "atom.xml");
    assert!(feed.contains(
        "<link rel=\"alternate\" type=\"text/html\" href=\"https://me.github.io/kb/redis/\"/>"
    ));
    let sitemap = read(&p, "sitemap.xml");
    assert!(sitemap.contains("<loc>https://me.github.io/kb/db/postgres/</loc>"));

    assert!(read(&p, "robots.txt").contains("Sitemap: https://me.github.io/kb/sitemap.xml"));
    assert!(read(&p, "static/highlight.css").contains(".hl-"));
    // English UI strings from kb.toml
    assert!(redis.contains("Linked from"));
    // related notes (linked both ways), local graph data, preview data with section headings
    assert!(redis.contains("<section class=\"related\""));
    // the local graph is in a pack of neighbouring notes, fetched when it comes into view
    // (graph.js makes the box from the pack's address and keys it by the page's own)
    let src = r#"class="note-side" data-graph="/kb/graph/local/"#;
    let at = redis.find(src).expect("local graph pack") + src.len();
    let pack_file = &redis[at..at + redis[at..].find('"').unwrap()];
    let pack: serde_json::Value =
        serde_json::from_str(&read(&p, &format!("graph/local/{pack_file}"))).unwrap();
    let mine = &pack["notes"]["/kb/redis/"];
    assert_eq!(mine["edges"], serde_json::json!([[0, 1], [0, 2], [1, 2]]));
    let row = mine["nodes"][0][0].as_u64().unwrap() as usize;
    // [title, folder, rest of the URL, category], the folders listed once
    assert_eq!(pack["nodes"][row][0], "Redis");
    let dir = pack["nodes"][row][1].as_u64().unwrap() as usize;
    assert_eq!(pack["dirs"][dir], "/kb/");
    assert_eq!(pack["nodes"][row][2], "redis/");
    // each folder once, and every row's URL put back together is a page of the site
    let dirs = pack["dirs"].as_array().unwrap();
    let distinct: std::collections::HashSet<_> = dirs.iter().collect();
    assert_eq!(distinct.len(), dirs.len(), "{dirs:?}");
    for r in pack["nodes"].as_array().unwrap() {
        let url = format!(
            "{}{}",
            dirs[r[1].as_u64().unwrap() as usize].as_str().unwrap(),
            r[2].as_str().unwrap()
        );
        assert!(url.starts_with("/kb/") && url.ends_with('/'), "{url}");
        assert!(
            p.join(&url["/kb/".len()..]).join("index.html").exists(),
            "{url}"
        );
    }
    // previews read the linked page itself: its headings and block ids
    assert!(!redis.contains("kb-preview-data") && !redis.contains("data-note"));
    assert!(redis.contains("<h2 id=\"redis-vs-rabbitmq\">Redis vs RabbitMQ<"));
    assert!(redis.contains("<p id=\"^block-1\">Block with id</p>"));
    let graph = std::fs::read_dir(p.join("graph"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("data-"))
        .unwrap();
    let g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(graph.path()).unwrap()).unwrap();
    assert_eq!(g["nodes"].as_array().unwrap().len(), 3);
    assert!(g["edges"].as_array().unwrap().len() >= 2);
}

#[test]
fn overrides_and_command_line_flags() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/style.css"), "body{color:red}").unwrap();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/404.html"),
        "custom 404 {{ site.title }}",
    )
    .unwrap();
    let out = kb(
        &root,
        &["build", "--output", "site", "--base-url", "https://x.dev/"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let p = root.join("site");
    assert_eq!(read(&p, "static/style.css"), "body{color:red}");
    assert_eq!(read(&p, "404.html"), "custom 404 Fixture KB");
    assert!(read(&p, "redis/index.html").contains("href=\"/celery/\""));
}

#[test]
fn drafts_only_with_flag() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::write(root.join("notes/Secret.md"), "---\ndraft: true\n---\nwip\n").unwrap();
    kb(&root, &["build"]);
    assert!(!root.join("public/secret/index.html").exists());
    kb(&root, &["build", "--drafts"]);
    assert!(root.join("public/secret/index.html").exists());
}

#[test]
fn failed_build_keeps_previous_site() {
    // a template that does not parse, and one that parses but fails on every note page: no
    // site without its note pages is published
    for (template, says) in [
        ("{% if %}broken", "template"),
        ("{{ nosuchvar.x }}", "nosuchvar"),
    ] {
        let (_tmp, root) = copy_fixture("good");
        assert_eq!(kb(&root, &["build"]).status.code(), Some(0));
        let before = read(&root.join("public"), "redis/index.html");
        std::fs::create_dir_all(root.join("templates")).unwrap();
        std::fs::write(root.join("templates/note.html"), template).unwrap();
        let out = kb(&root, &["build"]);
        assert_eq!(out.status.code(), Some(2), "{template}");
        let err = stderr(&out);
        assert!(
            err.contains(says) && err.contains("left untouched"),
            "{err}"
        );
        assert_eq!(read(&root.join("public"), "redis/index.html"), before);
        let leftovers: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".kb-"))
            .collect();
        assert!(leftovers.is_empty(), "no staging folder left behind");
    }
}

#[test]
fn unknown_config_key_is_an_error_listing_valid_keys() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::write(root.join("kb.toml"), "title = \"x\"\ncolour = \"red\"\n").unwrap();
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("kb.toml:2:1: error:"), "{err}");
    assert!(
        err.contains("valid keys are: title, description, base_url"),
        "{err}"
    );
}

#[test]
fn init_new_build() {
    let tmp = tempfile::tempdir().unwrap();
    let out = kb(tmp.path(), &["init", "my-kb"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let root = tmp.path().join("my-kb");
    for f in ["kb.toml", "notes/시작하기.md", ".gitignore"] {
        assert!(root.join(f).is_file(), "{f}");
    }
    assert!(root.join("templates").is_dir() && root.join("static").is_dir());
    assert!(read(&root, ".gitignore").contains("public/"));
    let out = kb(&root, &["new", "Kafka", "--tag", "streaming"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let note = read(&root, "notes/Kafka.md");
    assert!(
        note.contains("title: \"Kafka\"")
            && note.contains("## 트러블슈팅")
            && note.contains("aliases: []")
    );
    assert_eq!(
        kb(&root, &["new", "Kafka"]).status.code(),
        Some(2),
        "never overwrites"
    );
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(root.join("public/kafka/index.html").is_file());
    assert_eq!(
        kb(&root, &["init"]).status.code(),
        Some(2),
        "init refuses an existing kb"
    );
}

#[test]
fn help_explains_flags() {
    let out = kb(Path::new("."), &["build", "--help"]);
    let s = String::from_utf8_lossy(&out.stdout);
    for f in ["--root", "--output", "--base-url", "--drafts"] {
        assert!(s.contains(f), "{f} in {s}");
    }
}

#[test]
fn check_reports_links_orphans_and_mentions_as_json() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::write(root.join("kb.toml"), "autolink = \"off\"\n").unwrap();
    std::fs::write(
        root.join("notes/Kafka.md"),
        "---\ntitle: Kafka\n---\nLog.\n",
    )
    .unwrap();
    let celery = root.join("notes/Celery.md");
    let text = std::fs::read_to_string(&celery).unwrap();
    std::fs::write(
        &celery,
        format!("{text}\nResults go to Kafka later. See [[Redis#Nope]] and [[Rediss]].\n"),
    )
    .unwrap();
    let out = kb(&root, &["check", "--json"]);
    assert_eq!(out.status.code(), Some(0), "warnings only");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let find = |code: &str| {
        lines
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {lines:?}"))
    };
    let m = find("unlinked-mention");
    assert_eq!(m["path"], "notes/Celery.md");
    assert_eq!(m["target"], "Kafka");
    assert_eq!(m["suggestion"], "[[Kafka]]");
    assert_eq!(m["severity"], "warning");
    assert!(m["line"].as_u64().unwrap() > 1 && m["column"].as_u64().unwrap() >= 1);
    let b = find("broken-link");
    assert_eq!(b["suggestion"], "[[Redis]]");
    assert_eq!(find("broken-anchor")["target"], "Redis#Nope");
    assert_eq!(find("orphan")["path"], "notes/Kafka.md");
    for d in &lines {
        for k in [
            "severity",
            "code",
            "path",
            "line",
            "column",
            "message",
            "target",
            "suggestion",
        ] {
            assert!(d.get(k).is_some(), "{k} missing in {d}");
        }
    }
    // an embed cycle is an error: exit 1
    std::fs::write(root.join("notes/A.md"), "![[B]]").unwrap();
    std::fs::write(root.join("notes/B.md"), "![[A]]").unwrap();
    let out = kb(&root, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: embed cycle: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn autolink_mentions_follow_the_config() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::write(
        root.join("notes/Kafka.md"),
        "---\ntitle: Kafka\naliases: [카프카]\n---\nKafka log.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("notes/Spark.md"),
        "---\ntitle: Spark\n---\nSpark reads 카프카에서 events; Kafka again. `Kafka` in code.\n\n## Kafka heading\n\n[Kafka link](Kafka.md) and Kafkaesque.\n",
    )
    .unwrap();
    let build = |mode: &str| {
        std::fs::write(root.join("kb.toml"), format!("autolink = \"{mode}\"\n")).unwrap();
        assert_eq!(kb(&root, &["build"]).status.code(), Some(0));
        read(&root.join("public"), "spark/index.html")
    };
    let first = build("first");
    // first mention (an alias followed by a particle) is linked once; code, headings, links untouched
    assert_eq!(
        first.matches("class=\"internal mention\"").count(),
        0,
        "Spark links Kafka explicitly, so no mention links: {first}"
    );
    std::fs::write(
        root.join("notes/Spark.md"),
        "---\ntitle: Spark\n---\nSpark reads 카프카에서 events; Kafka again. `Kafka` in code.\n\n## Kafka heading\n\nKafkaesque.\n",
    )
    .unwrap();
    let first = build("first");
    assert_eq!(
        first.matches("class=\"internal mention\"").count(),
        1,
        "{first}"
    );
    assert!(
        first.contains("<a href=\"/kafka/\" class=\"internal mention\">카프카</a>에서"),
        "{first}"
    );
    assert!(first.contains("<code>Kafka</code>"));
    assert!(
        first.contains("Kafkaesque"),
        "no match inside a longer word"
    );
    let all = build("all");
    assert_eq!(
        all.matches("class=\"internal mention\"").count(),
        2,
        "{all}"
    );
    let off = build("off");
    assert_eq!(off.matches("class=\"internal mention\"").count(), 0);
}

#[test]
fn strict_makes_broken_links_errors() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::write(root.join("notes/x.md"), "[[Nowhere]]").unwrap();
    assert_eq!(kb(&root, &["build"]).status.code(), Some(0));
    let out = kb(&root, &["build", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("notes/x.md:1:1: error: broken link"),
        "{}",
        stderr(&out)
    );
    let page = read(&root.join("public"), "x/index.html");
    assert!(
        page.contains("<span class=\"broken-link\""),
        "a broken link is a distinct element that does not navigate"
    );
}

#[test]
fn embeds_deeper_than_four_levels_warn_where_the_page_cuts_them() {
    let (_tmp, root) = copy_fixture("good");
    // Deep1 > Deep2 > ... > Deep6
    for i in 1..=6 {
        let body = if i < 6 {
            format!("Level {i}.\n\n![[Deep{}]]\n", i + 1)
        } else {
            "The bottom.\n".to_string()
        };
        std::fs::write(root.join(format!("notes/Deep{i}.md")), body).unwrap();
    }
    let out = kb(&root, &["build"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("embeds nest")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].starts_with("notes/Deep1.md:3:1: warning: embeds nest more than 4 levels"),
        "{err}"
    );
    let p = root.join("public");
    // the page that warned shows four levels and links the fifth; the next page shows all
    let deep1 = read(&p, "deep1/index.html");
    assert!(deep1.contains("Level 5.") && !deep1.contains("The bottom."));
    assert!(deep1.contains("class=\"embed-cycle\""));
    let deep2 = read(&p, "deep2/index.html");
    assert!(deep2.contains("The bottom.") && !deep2.contains("class=\"embed-cycle\""));
}

/// Every file under `dir` by relative path, with its bytes.
#[test]
fn a_build_over_the_kept_previous_site_equals_a_fresh_one() {
    let (_tmp, root) = copy_fixture("good");
    assert_eq!(kb(&root, &["build"]).status.code(), Some(0));
    // without the page state, a build renders every page over the site the build before kept
    let cold = || std::fs::remove_file(root.join(".kb/cache/pages.json")).unwrap();
    cold();
    // second build: the first site is kept in .kb/cache for the next one
    std::fs::write(
        root.join("notes/Fresh.md"),
        "# Fresh\n\nNew note about [[Redis]].\n",
    )
    .unwrap();
    assert_eq!(kb(&root, &["build"]).status.code(), Some(0));
    assert!(root.join(".kb/cache/previous-site").is_dir());
    // third build writes over the first site: a note gone, one renamed, one edited
    std::fs::remove_file(root.join("notes/Fresh.md")).unwrap();
    std::fs::rename(root.join("notes/Celery.md"), root.join("notes/Celery2.md")).unwrap();
    let redis = std::fs::read_to_string(root.join("notes/Redis.md")).unwrap();
    std::fs::write(root.join("notes/Redis.md"), format!("{redis}\n\nEdited.\n")).unwrap();
    cold();
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reused = tree(&root.join("public"));
    // a fresh build of the same notes into an empty folder (no kept site to start from)
    std::fs::remove_dir_all(root.join(".kb/cache/previous-site")).unwrap();
    let out = kb(&root, &["build", "--output", "fresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fresh = tree(&root.join("fresh"));
    assert!(!reused.contains_key("celery/index.html") && reused.contains_key("celery2/index.html"));
    assert!(!reused.contains_key("fresh/index.html"));
    assert_same_tree(&fresh, &reused, "a build over the kept site");
}

/// Runs `kb build` in `root` on a pseudo-terminal (util-linux `script`), returning what the
/// terminal showed.
fn build_on_a_terminal(root: &Path, args: &str, env: &[(&str, &str)]) -> String {
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} build {args}", common::kb_bin().display()),
            "/dev/null",
        ])
        .current_dir(root)
        .envs(env.iter().copied())
        .env("KB_PROGRESS_DELAY_MS", "0")
        .env_remove("KB_TIMINGS")
        .output()
        .expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_shows_progress_and_a_pipe_does_not() {
    let (_tmp, root) = common::copy_fixture("good");
    let shown = build_on_a_terminal(&root, "", &[("TERM", "xterm")]);
    assert!(
        shown.contains("render") && shown.contains(" notes"),
        "{shown:?}"
    );
    assert!(shown.contains("built "), "the summary stays: {shown:?}");
    for (args, term) in [("--quiet", "xterm"), ("", "dumb")] {
        let quiet = build_on_a_terminal(&root, args, &[("TERM", term)]);
        assert!(!quiet.contains(" notes "), "{args} TERM={term}: {quiet:?}");
    }
    let piped = common::kb(&root, &["build"]);
    let err = common::stderr(&piped);
    assert!(!err.contains('\r') && !err.contains("\x1b["), "{err:?}");
}

/// Long lists (a tag or a home-page category of more than 200 notes) show titles and dates
/// only, and a note's local graph depth follows kb.toml (0: no local graph at all).
#[test]
fn long_lists_are_brief_and_local_graph_depth_is_configurable() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("notes/big")).unwrap();
    for i in 0..204 {
        let tag = if i < 3 { "small" } else { "many" };
        std::fs::write(
            root.join(format!("notes/big/n{i:03}.md")),
            format!(
                "---\ndescription: about note {i}\ntags: [{tag}]\n---\nLinks to [[n{:03}]].\n",
                (i + 1) % 204
            ),
        )
        .unwrap();
    }
    let out = kb(root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let p = root.join("public");
    let many = read(&p, "tags/many/index.html");
    assert!(
        many.contains(">n004</a>") && !many.contains("class=\"desc\""),
        "{many}"
    );
    assert!(read(&p, "tags/small/index.html").contains("<p class=\"desc\">about note 1</p>"));
    assert!(!read(&p, "index.html").contains("class=\"desc\""));
    // depth 1 (the default): the note and the two it links with
    let page = read(&p, "big/n005/index.html");
    assert!(
        page.contains("data-graph=\"/graph/local/0.json\""),
        "{page}"
    );
    // the nodes of n005's local graph, after a build with `kb_toml`
    let build_with = |kb_toml: &str| {
        std::fs::write(root.join("kb.toml"), kb_toml).unwrap();
        kb(root, &["build"])
    };
    let hood = || -> usize {
        let pack: serde_json::Value =
            serde_json::from_str(&read(&p, "graph/local/0.json")).unwrap();
        pack["notes"]["/big/n005/"]["nodes"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(hood(), 3);
    assert_eq!(build_with("local_graph_depth = 2\n").status.code(), Some(0));
    assert_eq!(hood(), 5);
    assert_eq!(build_with("local_graph_depth = 0\n").status.code(), Some(0));
    assert!(!read(&p, "big/n005/index.html").contains("data-graph"));
    assert!(!p.join("graph/local").exists());
    let out = build_with("local_graph_depth = 9\n");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("kb.toml:1:1: error: local_graph_depth 9 is too deep"),
        "{err}"
    );
    // result data two slots a file: meta.json says so, and a file holds two slots' rows
    assert_eq!(
        build_with("search_result_pack = 2\n").status.code(),
        Some(0)
    );
    let meta: serde_json::Value = serde_json::from_str(&read(&p, "search/meta.json")).unwrap();
    assert_eq!(meta["chunkSlots"], 2);
    assert_eq!(meta["chunks"], 102, "204 one-slot notes in 102 files");
    let dir = meta["chunkDir"].as_str().unwrap();
    let bytes = std::fs::read(p.join(format!("search/{dir}/0.bin"))).unwrap();
    let file = kb::search::export::rows::read_slots(&bytes, 2).expect("a result-data file");
    let first_paths = (file[0][0][0].as_str(), file[1][0][0].as_str());
    assert_eq!(first_paths, (Some("big/n000.md"), Some("big/n001.md")));
    let err = stderr(&build_with("search_result_pack = 9\n"));
    assert!(
        err.contains("error: search_result_pack 9 is too large"),
        "{err}"
    );
}

#[test]
fn folders_get_listing_pages_breadcrumbs_and_one_explorer_tree() {
    let (_tmp, root) = copy_fixture("good");
    let notes = root.join("notes");
    for (rel, text) in [
        (
            "Folders.md",
            "# Folders\n\nA note named like kb's folder pages.\n",
        ),
        (
            "A B/First.md",
            "---\ndescription: The first one\n---\n# First\n",
        ),
        ("A B/Sub/Deep.md", "# Deep\n\nBelow [[First]].\n"),
        (
            "A B/Sub/README.md",
            "---\ndescription: Notes further down\n---\n# Readme\n",
        ),
        ("a-b/Other.md", "# Other\n"),
    ] {
        std::fs::create_dir_all(notes.join(rel).parent().unwrap()).unwrap();
        std::fs::write(notes.join(rel), text).unwrap();
    }
    let out = kb(&root, &["build"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("notes/Folders.md:1:1: warning:") && err.contains("/folders-note/"),
        "{err}"
    );
    let site = tree(&root.join("public"));
    let page = |rel: &str| {
        String::from_utf8(site.get(rel).unwrap_or_else(|| panic!("no {rel}")).clone()).unwrap()
    };
    assert!(page("folders-note/index.html").contains("A note named like"));
    // the root's page lists the top folders and the top-level notes
    let top = page("folders/index.html");
    for link in [
        "/kb/folders/a-b/\">A B/",
        "/kb/folders/a-b-2/\">a-b/",
        "/kb/folders/db/",
    ] {
        assert!(top.contains(link), "{link} in {top}");
    }
    assert!(top.contains("/kb/redis/"));
    // `A B` and `a-b` slugify alike: the second in byte order gets its own address
    let ab = page("folders/a-b/index.html");
    assert!(ab.contains("The first one") && ab.contains("/kb/folders/a-b/sub/\">Sub/"));
    assert!(
        ab.contains("Notes further down"),
        "a subfolder described by its README"
    );
    assert!(page("folders/a-b-2/index.html").contains("/kb/a-b/other/"));
    // breadcrumbs: home, then each folder as the vault spells it, linking to its page
    let deep = page("a-b/sub/deep/index.html");
    let crumbs = "<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/kb/\">Home</a></li><li><a href=\"/kb/folders/a-b/\">A B</a></li><li><a href=\"/kb/folders/a-b/sub/\">Sub</a></li></ol></nav>";
    assert!(deep.contains(crumbs), "{deep}");
    // one tree for the explorer, named by every page; the note's link leads to its folder
    let trees: Vec<&String> = site
        .keys()
        .filter(|k| k.starts_with("folders/tree-"))
        .collect();
    assert_eq!(trees.len(), 1, "{trees:?}");
    let tree_attr = format!("data-tree=\"/kb/{}\"", trees[0]);
    for p in [
        "index.html",
        "tags/index.html",
        "redis/index.html",
        "folders/a-b/index.html",
    ] {
        assert!(page(p).contains(&tree_attr), "{p}");
    }
    assert!(deep.contains("class=\"explorer-link\" href=\"/kb/folders/a-b/sub/\""));
    let json: serde_json::Value = serde_json::from_slice(&site[trees[0]]).unwrap();
    let names: Vec<&str> = json[3]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A B", "a-b", "db"]);
}

/// What every page would repeat is kept out of the pages (a 50k-note site has to fit GitHub
/// Pages' 1 GB): one table of contents, one stylesheet, no interface strings or script-only
/// controls in the HTML; the strings come with theme.js and the stylesheet holds the theme's.
#[test]
fn pages_leave_out_what_every_page_would_repeat() {
    let (_tmp, root) = copy_fixture("good");
    let out = kb(&root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let p = root.join("public");
    let redis = read(&p, "redis/index.html");
    assert_eq!(redis.matches("class=\"toc\"").count(), 1, "{redis}");
    assert_eq!(redis.matches("<link rel=\"stylesheet\"").count(), 1);
    // the bundle of the page scripts, and the graph's
    assert_eq!(redis.matches("<script type=\"module\"").count(), 2);
    assert!(redis.contains("src=\"/kb/static/bundle.js?v="));
    for repeated in [
        "data-t-",
        "search-panel",
        "theme-toggle",
        "explorer-toggle",
        "kb-explorer",
        "role=\"combobox\"",
        "data-copy-link",
    ] {
        assert!(!redis.contains(repeated), "{repeated} in the page");
    }
    // everything above the page's own content: small, and the same size on every note
    let chrome = redis.find("<main").expect("a main element");
    assert!(chrome < 2_300, "{chrome} bytes before <main>");
    // the fixture is in English: its strings come with theme.js
    let theme = read(&p, "static/theme.js");
    assert!(
        theme.contains("window.KB_STRINGS = {")
            && theme.contains("\"toggle_theme\":\"Toggle light/dark mode\""),
        "{theme}"
    );
    let css = read(&p, "static/kb.css");
    for part in ["style.css", "highlight.css", "preview.css", "graph.css"] {
        assert!(
            css.contains(read(&p, &format!("static/{part}")).trim()),
            "{part} in kb.css"
        );
    }
}
