//! `kb serve --watch` end to end: live-reload events over SSE for edits, new, deleted and
//! renamed notes, broken front matter and its fix, and requests that try to leave the site.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &std::path::Path) -> Server {
    let mut child = Command::new(kb_bin())
        .args(["serve", "--watch", "--port", "0", "--root"])
        .arg(root)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("KB_TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    Server { child, addr }
}

/// GET a raw path; returns (status, content type, body).
fn get(addr: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let ct = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-type:"))
        .map(|l| l[13..].trim().to_string())
        .unwrap_or_default();
    (status, ct, body.to_string())
}

/// Subscribes to the live-reload events; yields (event, data).
fn events(addr: &str) -> mpsc::Receiver<(String, String)> {
    let (tx, rx) = mpsc::channel();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET /_kb/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    std::thread::spawn(move || {
        let mut r = BufReader::new(s);
        let mut event = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let l = line.trim_end();
            // chunked transfer encoding: skip chunk-size lines
            if let Some(e) = l.strip_prefix("event: ") {
                event = e.to_string();
            } else if let Some(d) = l.strip_prefix("data: ")
                && !event.is_empty()
            {
                let _ = tx.send((std::mem::take(&mut event), d.to_string()));
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    rx
}

fn next_event(rx: &mpsc::Receiver<(String, String)>, name: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok((e, d)) = rx.recv_timeout(Duration::from_millis(200))
            && e == name
        {
            return d;
        }
    }
    panic!("no `{name}` event within 10 s");
}

#[test]
fn watch_edit_create_delete_rename_and_errors() {
    let (_tmp, root) = copy_fixture("good");
    let srv = start(&root);
    let addr = srv.addr.clone();
    let (status, ct, body) = get(&addr, "/redis/");
    assert_eq!(status, 200);
    assert_eq!(ct, "text/html; charset=utf-8");
    assert!(body.contains("/_kb/live.js"), "live reload injected");
    let rx = events(&addr);

    // edit: the page and the pages that show it change
    let note = root.join("notes/Redis.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(
        &note,
        text.replace("Comparison text.", "Comparison text, edited live."),
    )
    .unwrap();
    let d = next_event(&rx, "reload");
    assert!(d.contains("redis/index.html"), "{d}");
    assert!(get(&addr, "/redis/").2.contains("edited live"));
    assert!(
        get(&addr, "/celery/").2.contains("edited live"),
        "the embedding note is re-rendered"
    );

    // create: a new note appears on the home page
    std::fs::write(
        root.join("notes/Kafka.md"),
        "---\ntitle: Kafka\n---\nLinks [[Redis]].\n",
    )
    .unwrap();
    let d = next_event(&rx, "reload");
    assert!(d.contains("index.html"), "{d}");
    assert!(get(&addr, "/").2.contains("Kafka"));
    assert_eq!(get(&addr, "/kafka/").0, 200);
    assert!(
        get(&addr, "/redis/").2.contains("/kafka/"),
        "backlink from the new note"
    );

    // rename through a temporary file, as editors save
    std::fs::write(
        root.join("notes/.Kafka.md.tmp"),
        "---\ntitle: Kafka\n---\nRenamed save.\n",
    )
    .unwrap();
    std::fs::rename(
        root.join("notes/.Kafka.md.tmp"),
        root.join("notes/Kafka.md"),
    )
    .unwrap();
    next_event(&rx, "reload");
    assert!(get(&addr, "/kafka/").2.contains("Renamed save."));

    // rename the note itself: old URL gone, new URL served
    std::fs::rename(
        root.join("notes/Kafka.md"),
        root.join("notes/Apache Kafka.md"),
    )
    .unwrap();
    next_event(&rx, "reload");
    assert_eq!(get(&addr, "/kafka/").0, 404);
    assert_eq!(get(&addr, "/apache-kafka/").0, 200);

    // delete
    std::fs::remove_file(root.join("notes/Apache Kafka.md")).unwrap();
    next_event(&rx, "reload");
    assert_eq!(get(&addr, "/apache-kafka/").0, 404);
    assert!(!get(&addr, "/").2.contains("apache-kafka"));

    // a note in a new folder: the folder's page appears with it, and goes with it
    assert!(get(&addr, "/folders/db/").2.contains("/db/postgres/"));
    std::fs::create_dir_all(root.join("notes/ops")).unwrap();
    std::fs::write(root.join("notes/ops/Deploy.md"), "# Deploy\n\nWaves.\n").unwrap();
    next_event(&rx, "reload");
    assert!(get(&addr, "/folders/ops/").2.contains("/ops/deploy/"));
    assert!(get(&addr, "/folders/").2.contains("/folders/ops/"));
    std::fs::remove_file(root.join("notes/ops/Deploy.md")).unwrap();
    next_event(&rx, "reload");
    assert_eq!(get(&addr, "/folders/ops/").0, 404);

    // broken front matter: overlay event, last good page still served
    std::fs::write(&note, "---\ntitle: [broken\n---\nBody\n").unwrap();
    let d = next_event(&rx, "error-overlay");
    assert!(
        d.contains("notes/Redis.md") && d.contains("invalid YAML front matter"),
        "{d}"
    );
    assert!(
        get(&addr, "/redis/").2.contains("edited live"),
        "last good page kept"
    );
    // fix it: reload, new content
    std::fs::write(&note, "---\ntitle: Redis\n---\nFixed body.\n").unwrap();
    next_event(&rx, "reload");
    assert!(get(&addr, "/redis/").2.contains("Fixed body."));

    // a stylesheet change is swapped without a reload
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/extra.css"), "body{color:red}").unwrap();
    let d = next_event(&rx, "css");
    assert!(d.contains("extra.css"), "{d}");
}

#[test]
fn requests_cannot_leave_the_site() {
    let (tmp, root) = copy_fixture("good");
    std::fs::write(tmp.path().join("secret.txt"), "TOP SECRET").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), root.join("notes/link.txt")).unwrap();
    let srv = start(&root);
    for p in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/img/..%2f..%2f..%2fsecret.txt",
        "/..%5c..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "//etc/passwd",
        "/link.txt",
        "/static/",
        "/img/",
    ] {
        let (status, _, body) = get(&srv.addr, p);
        assert_eq!(status, 404, "{p}");
        assert!(
            !body.contains("TOP SECRET") && !body.contains("root:"),
            "{p}"
        );
    }
    let (status, ct, _) = get(&srv.addr, "/static/style.css");
    assert_eq!((status, ct.as_str()), (200, "text/css; charset=utf-8"));
    let (status, ct, _) = get(&srv.addr, "/img/pic.png");
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    let (status, ct, body) = get(&srv.addr, "/_kb/search?q=redis");
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    assert!(body.contains("\"title\":\"Redis\""), "{body}");
}

#[test]
fn port_in_use_is_a_clear_error() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let (_tmp, root) = copy_fixture("good");
    let out = kb(&root, &["serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("already in use") && err.contains("--port"),
        "{err}"
    );
}

#[test]
fn a_burst_of_500_files_is_handled() {
    let (_tmp, root) = copy_fixture("good");
    let srv = start(&root);
    let rx = events(&srv.addr);
    // like a git checkout: a new folder with 500 notes appears at once
    let staging = root.join("bulk-tmp");
    std::fs::create_dir_all(&staging).unwrap();
    for i in 0..500 {
        std::fs::write(
            staging.join(format!("n-{i}.md")),
            format!("---\ntitle: Bulk {i}\n---\nSee [[Redis]].\n"),
        )
        .unwrap();
    }
    std::fs::rename(&staging, root.join("notes/bulk")).unwrap();
    next_event(&rx, "reload");
    // settle: later events, if any, must also be reloads
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, body) = get(&srv.addr, "/bulk/n-499/");
        if status == 200 && body.contains("Bulk 499") {
            break;
        }
        assert!(Instant::now() < deadline, "bulk notes never appeared");
        std::thread::sleep(Duration::from_millis(200));
    }
    let home = get(&srv.addr, "/").2;
    // every note in its category, plus up to ten in "recently updated"
    let n = home.matches("href=\"/bulk/n-").count();
    assert!((500..=510).contains(&n), "all 500 on the home page: {n}");
    assert!(
        get(&srv.addr, "/redis/").2.contains("/bulk/n-250/"),
        "backlinks from the new notes"
    );
    // then the folder is deleted in one go
    std::fs::remove_dir_all(root.join("notes/bulk")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(&srv.addr, "/bulk/n-1/").0 != 404 {
        assert!(Instant::now() < deadline, "bulk notes never went away");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn template_and_config_changes_rebuild() {
    let (_tmp, root) = copy_fixture("good");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    let srv = start(&root);
    let rx = events(&srv.addr);
    // a template override re-renders every page without re-parsing
    std::fs::write(
        root.join("templates/404.html"),
        "custom not found for {{ site.title }}",
    )
    .unwrap();
    let d = next_event(&rx, "reload");
    assert!(d.contains("\"all\":true"), "{d}");
    let (status, _, body) = get(&srv.addr, "/nope/");
    assert_eq!(status, 404);
    assert!(body.contains("custom not found for Fixture KB"), "{body}");
    // kb.toml: everything is rebuilt with the new settings
    std::fs::write(
        root.join("kb.toml"),
        "title = \"Renamed KB\"\nlanguage = \"ko\"\n",
    )
    .unwrap();
    next_event(&rx, "reload");
    let home = get(&srv.addr, "/").2;
    assert!(
        home.contains("Renamed KB") && home.contains("최근 수정한 노트"),
        "{home}"
    );
}

#[test]
fn search_follows_edits() {
    let (_tmp, root) = copy_fixture("good");
    let srv = start(&root);
    let rx = events(&srv.addr);
    let meta_before = get(&srv.addr, "/search/meta.json").2;
    std::fs::write(
        root.join("notes/Kafka.md"),
        "---\ntitle: Kafka\n---\nZookeeperless quorum controller.\n",
    )
    .unwrap();
    next_event(&rx, "reload");
    // once edits pause, tantivy and the static export catch up
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let api = get(&srv.addr, "/_kb/search?q=zookeeperless").2;
        let meta = get(&srv.addr, "/search/meta.json").2;
        if api.contains("\"path\":\"Kafka.md\"") && meta != meta_before {
            break;
        }
        assert!(Instant::now() < deadline, "search never caught up: {api}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An editor that saves by truncating the file and then writing it is not caught in between:
/// one reload, with the new text, instead of one for an empty note and one for the text.
#[test]
fn a_save_by_truncate_and_write_reloads_once() {
    let (_tmp, root) = copy_fixture("good");
    let srv = start(&root);
    let addr = srv.addr.clone();
    let rx = events(&addr);
    let note = root.join("notes/Redis.md");
    let text = std::fs::read_to_string(&note).unwrap();
    let f = std::fs::File::create(&note).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    std::io::Write::write_all(
        &mut &f,
        format!("{text}\n\ntruncated-then-written\n").as_bytes(),
    )
    .unwrap();
    drop(f);
    next_event(&rx, "reload");
    let (_, _, body) = get(&addr, "/redis/");
    assert!(body.contains("truncated-then-written"));
    let deadline = Instant::now() + Duration::from_millis(1500);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if let Ok((e, d)) = rx.recv_timeout(left) {
            assert_ne!(e, "reload", "a second reload: {d}");
        }
    }
}
