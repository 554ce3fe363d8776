//! `kb serve`: build into memory, serve on localhost, and with `--watch` rebuild incrementally
//! and live-reload open pages.

use crate::pipeline::BuildOptions;
use crate::serve::rebuild::{Rebuilder, announce, classify};
use crate::serve::{State, router};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Default port: not Zola's 1111, Hugo's 1313, mdBook's 3000, Pagefind's 1414, 8000 or 8080.
pub const DEFAULT_PORT: u16 = 4747;
/// How long the watcher waits for a burst of file events to settle.
pub const DEBOUNCE_MS: u64 = 30;
/// Quiet time after a rebuild before the search index and export are refreshed.
pub const SEARCH_QUIET_MS: u64 = 500;

/// Arguments of `kb serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rebuild and live-reload when notes, templates, static files or kb.toml change.
    #[arg(long, short = 'w')]
    pub watch: bool,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short = 'p', default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Address to bind; anything but loopback exposes your notes to the network.
    #[arg(long, short = 'i', default_value = "127.0.0.1")]
    pub interface: IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Include notes marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Knowledge base root.
    #[arg(long, short = 'r', value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// Runs `kb serve`.
pub fn run(args: Args) -> i32 {
    // the preview is served at the root whatever base_url says
    let opts = match super::open_kb(args.root.clone(), args.drafts, |c| c.base_url = "/".into()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if !args.interface.is_loopback() {
        eprintln!(
            "warning: listening on {} makes your notes reachable from other machines",
            args.interface
        );
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the server runtime: {e}");
            return super::EXIT_FATAL;
        }
    };
    rt.block_on(serve(args, opts))
}

async fn serve(args: Args, opts: BuildOptions) -> i32 {
    let addr = SocketAddr::new(args.interface, args.port);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "error: port {} is already in use\n  hint: pass another port with --port, e.g. `kb serve --port {}` (or --port 0 for any free port)",
                args.port,
                args.port.wrapping_add(1).max(1024)
            );
            return super::EXIT_FATAL;
        }
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return super::EXIT_FATAL;
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    let state = Arc::new(State::new("/".into()));
    let start = std::time::Instant::now();
    let st = state.clone();
    let o = opts.clone();
    crate::progress::start(false);
    let first = tokio::task::spawn_blocking(move || Rebuilder::new(o, st)).await;
    crate::progress::finish();
    let rebuilder = match first {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            eprintln!("error: build failed: {e:#}");
            return super::EXIT_FATAL;
        }
        Err(e) => {
            eprintln!("error: build failed: {e}");
            return super::EXIT_FATAL;
        }
    };
    let mut diags = rebuilder.site.diagnostics.clone();
    crate::diag::sort(&mut diags);
    crate::diag::print(&diags);
    let url = format!("http://{local}/");
    eprintln!(
        "built {} notes in {:.2}s ({})",
        rebuilder.site.notes.len(),
        start.elapsed().as_secs_f64(),
        crate::diag::summary(&diags)
    );
    println!(
        "serving {} at {url}{}",
        opts.root.display(),
        if args.watch {
            " (watching for changes)"
        } else {
            ""
        }
    );
    if args.open {
        let cmd = if cfg!(target_os = "macos") {
            "open"
        } else if cfg!(windows) {
            "explorer"
        } else {
            "xdg-open"
        };
        let _ = std::process::Command::new(cmd).arg(&url).spawn();
    }
    if args.watch
        && let Err(e) = watch(opts.clone(), rebuilder, state.clone())
    {
        eprintln!("error: cannot watch files: {e}");
        return super::EXIT_FATAL;
    }
    let app = router(state);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("\nstopping");
    };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("error: server: {e}");
        return super::EXIT_FATAL;
    }
    0
}

/// How long a changed note that reads as empty may take to get its text back (see `watch`).
const SETTLE_MS: u64 = 150;

/// True for a Markdown file that exists and is empty: most likely one an editor has truncated
/// and not yet written.
fn is_empty_note(p: &std::path::Path) -> bool {
    crate::load::is_note_path(p) && std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() == 0)
}

/// Starts the watcher and the rebuild thread (which owns the watcher for the life of the process).
fn watch(opts: BuildOptions, mut rebuilder: Rebuilder, state: Arc<State>) -> anyhow::Result<()> {
    use notify::RecursiveMode;
    let (tx, rx) = std::sync::mpsc::channel();
    // set by the watcher as soon as a change arrives, so a running search export can give up
    let pending = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut debouncer =
        notify_debouncer_full::new_debouncer(Duration::from_millis(DEBOUNCE_MS), None, {
            let pending = pending.clone();
            move |ev: notify_debouncer_full::DebounceEventResult| {
                pending.store(true, std::sync::atomic::Ordering::SeqCst);
                let _ = tx.send(ev);
            }
        })?;
    let root = opts.root.clone();
    debouncer.watch(opts.notes_dir(), RecursiveMode::Recursive)?;
    let mut watched_dirs: Vec<&str> = Vec::new();
    for dir in ["templates", "static"] {
        let p = root.join(dir);
        if p.is_dir() {
            debouncer.watch(&p, RecursiveMode::Recursive)?;
            watched_dirs.push(dir);
        }
    }
    // kb.toml: watch the root folder non-recursively (editors replace the file)
    debouncer.watch(&root, RecursiveMode::NonRecursive)?;
    std::thread::spawn(move || {
        let mut search_stale = false;
        loop {
            // the search index and its static export are refreshed once edits pause, so a
            // burst of saves is never queued behind them
            let first = if search_stale {
                match rx.recv_timeout(Duration::from_millis(SEARCH_QUIET_MS)) {
                    Ok(ev) => ev,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        search_stale = false;
                        let t = std::time::Instant::now();
                        let p = pending.clone();
                        match rebuilder.refresh_search_unless(&move || {
                            p.load(std::sync::atomic::Ordering::SeqCst)
                        }) {
                            Ok(()) => {
                                eprintln!("search index updated in {} ms", t.elapsed().as_millis())
                            }
                            Err(e) if e.is::<crate::search::export::Cancelled>() => {
                                search_stale = true
                            }
                            Err(e) => eprintln!("warning: search index: {e}"),
                        }
                        rebuilder.save_caches();
                        continue;
                    }
                    Err(_) => break,
                }
            } else {
                match rx.recv() {
                    Ok(ev) => ev,
                    Err(_) => break,
                }
            };
            pending.store(false, std::sync::atomic::Ordering::SeqCst);
            let mut paths = Vec::new();
            let collect =
                |paths: &mut Vec<std::path::PathBuf>,
                 r: notify_debouncer_full::DebounceEventResult| {
                    if let Ok(events) = r {
                        for e in events {
                            if matches!(e.kind, notify::EventKind::Access(_)) {
                                continue;
                            }
                            paths.extend(e.paths.iter().cloned());
                        }
                    }
                };
            collect(&mut paths, first);
            // drain whatever else arrived (a burst such as a git checkout)
            while let Ok(more) = rx.try_recv() {
                collect(&mut paths, more);
            }
            // an editor that saves by truncating and then writing can be caught in between: a
            // note that is empty now is given a moment to get its text back, instead of
            // re-rendering every page that links to it twice (once without its headings)
            let settle = std::time::Instant::now() + Duration::from_millis(SETTLE_MS);
            while paths.iter().any(|p| is_empty_note(p)) {
                let left = settle.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                match rx.recv_timeout(left.min(Duration::from_millis(10))) {
                    Ok(more) => collect(&mut paths, more),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(_) => break,
                }
            }
            // templates/ or static/ created after start: watch them too
            for dir in ["templates", "static"] {
                let p = root.join(dir);
                if !watched_dirs.contains(&dir)
                    && p.is_dir()
                    && debouncer.watch(&p, RecursiveMode::Recursive).is_ok()
                {
                    watched_dirs.push(dir);
                    if let Ok(rd) = walkdir::WalkDir::new(&p)
                        .into_iter()
                        .collect::<Result<Vec<_>, _>>()
                    {
                        paths.extend(
                            rd.into_iter()
                                .filter(|e| e.file_type().is_file())
                                .map(|e| e.path().to_path_buf()),
                        );
                    }
                }
            }
            let changes = classify(&opts, paths);
            if changes.is_empty() {
                continue;
            }
            let t = std::time::Instant::now();
            match rebuilder.apply(&changes) {
                Ok(out) => {
                    announce(&state, &out);
                    if out.errors.is_empty() {
                        eprintln!(
                            "rebuilt in {} ms ({} pages changed)",
                            t.elapsed().as_millis(),
                            if out.all {
                                "all".to_string()
                            } else {
                                out.changed.len().to_string()
                            }
                        );
                        search_stale = true;
                    } else {
                        crate::diag::print(&out.errors);
                    }
                }
                Err(e) => eprintln!("error: rebuild failed: {e:#}"),
            }
        }
    });
    Ok(())
}
