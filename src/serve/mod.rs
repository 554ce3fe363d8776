//! `kb serve`: builds the site into memory, serves it, and with `--watch` re-runs only the
//! stages and pages a change touches, then tells open pages to reload over Server-Sent Events.
//! Pages are swapped in whole (one pointer swap), so a request never sees a half-built site;
//! a build with errors keeps the last good pages and shows an overlay instead.

pub mod http;
pub mod rebuild;

use crate::search::index::SearchIndex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::broadcast;

pub use crate::site::sink::{Files, MemSink};

/// State shared by the HTTP handlers and the rebuild thread.
pub struct State {
    files: RwLock<Arc<Files>>,
    attachments: RwLock<Arc<HashMap<String, PathBuf>>>,
    /// Live-reload events: (event name, JSON data).
    pub events: broadcast::Sender<(String, String)>,
    last_error: Mutex<Option<(String, String)>>,
    index: RwLock<Option<Arc<SearchIndex>>>,
    base: String,
}

impl State {
    /// Empty state.
    pub fn new(base: String) -> Self {
        let (events, _) = broadcast::channel(256);
        State {
            files: RwLock::new(Arc::new(HashMap::new())),
            attachments: RwLock::new(Arc::new(HashMap::new())),
            events,
            last_error: Mutex::new(None),
            index: RwLock::new(None),
            base,
        }
    }

    /// The current files (a snapshot: later swaps do not affect it).
    pub fn files(&self) -> Arc<Files> {
        self.files.read().map(|f| f.clone()).unwrap_or_default()
    }

    /// Replaces the files in one step.
    pub fn swap_files(&self, files: Files) {
        if let Ok(mut f) = self.files.write() {
            *f = Arc::new(files);
        }
    }

    /// Replaces the attachment table.
    pub fn set_attachments(&self, a: HashMap<String, PathBuf>) {
        if let Ok(mut x) = self.attachments.write() {
            *x = Arc::new(a);
        }
    }

    /// Disk path of an attachment by its site key.
    pub fn attachment(&self, key: &str) -> Option<PathBuf> {
        self.attachments.read().ok()?.get(key).cloned()
    }

    /// Sends an event to every connected page.
    pub fn send(&self, name: &str, data: String) {
        if name == "error-overlay" {
            if let Ok(mut e) = self.last_error.lock() {
                *e = Some((name.to_string(), data.clone()));
            }
        } else if name == "reload"
            && let Ok(mut e) = self.last_error.lock()
        {
            *e = None;
        }
        let _ = self.events.send((name.to_string(), data));
    }

    /// The current error overlay, sent to pages that connect while the build is broken.
    pub fn last_error(&self) -> Option<(String, String)> {
        self.last_error.lock().ok()?.clone()
    }

    /// Sets the search index used by `/_kb/search`.
    pub fn set_index(&self, index: Arc<SearchIndex>) {
        if let Ok(mut i) = self.index.write() {
            *i = Some(index);
        }
    }

    /// Runs a query on the tantivy index; JSON like `kb search --json`.
    pub fn search(&self, q: &str, limit: usize) -> anyhow::Result<String> {
        let index = self
            .index
            .read()
            .ok()
            .and_then(|i| i.clone())
            .ok_or_else(|| anyhow::anyhow!("index not ready"))?;
        let hits = index.search(q, limit)?;
        let out = crate::search::index::hits_json(&hits, &self.base);
        Ok(serde_json::to_string(&out)?)
    }
}

/// The router: site files, live reload and the search API.
pub fn router(state: Arc<State>) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/_kb/events", get(http::events))
        .route("/_kb/live.js", get(http::live_js))
        .route("/_kb/live.css", get(http::live_css))
        .route("/_kb/search", get(http::search))
        .fallback(http::file)
        .with_state(state)
}
