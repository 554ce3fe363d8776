//! The HTTP side of `kb serve`: files from the in-memory site, attachments from disk by exact
//! key, Server-Sent Events for live reload, and `/_kb/search` answering from tantivy.

use super::State;
use axum::body::Body;
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// Content type for a file name (charset for text).
pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

/// Turns a request path into a site key, or `None` if it tries to leave the site: `..` in any
/// form (encoded or not), backslashes, NUL, or an absolute Windows path.
pub fn site_key(raw_path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw_path)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let mut parts = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains(':') && s.len() == 2 => return None,
            s => parts.push(s),
        }
    }
    let mut key = parts.join("/");
    if decoded.ends_with('/') && !key.is_empty() {
        key.push('/');
    }
    Some(key)
}

const LIVE_TAGS: &str = "<link rel=\"stylesheet\" href=\"/_kb/live.css\"><script type=\"module\" src=\"/_kb/live.js\"></script>";

fn inject(html: &[u8]) -> Vec<u8> {
    let s = String::from_utf8_lossy(html);
    match s.rfind("</head>") {
        Some(i) => {
            let mut out = String::with_capacity(s.len() + LIVE_TAGS.len());
            out.push_str(&s[..i]);
            out.push_str(LIVE_TAGS);
            out.push_str(&s[i..]);
            out.into_bytes()
        }
        None => {
            let mut v = html.to_vec();
            v.extend_from_slice(LIVE_TAGS.as_bytes());
            v
        }
    }
}

fn respond(status: StatusCode, path: &str, bytes: Vec<u8>) -> Response {
    let ct = content_type(path);
    let body = if ct.starts_with("text/html") {
        inject(&bytes)
    } else {
        bytes
    };
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

fn not_found(state: &State) -> Response {
    let files = state.files();
    match files.get("404.html") {
        Some(b) => respond(StatusCode::NOT_FOUND, "404.html", b.to_vec()),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Serves a site file.
pub async fn file(AxState(state): AxState<Arc<State>>, uri: Uri) -> Response {
    let Some(key) = site_key(uri.path()) else {
        return not_found(&state);
    };
    let files = state.files();
    let candidates: Vec<String> = if key.is_empty() {
        vec!["index.html".into()]
    } else if key.ends_with('/') {
        vec![format!("{key}index.html")]
    } else {
        vec![key.clone()]
    };
    for c in &candidates {
        if let Some(b) = files.get(c.as_str()) {
            return respond(StatusCode::OK, c, b.to_vec());
        }
    }
    // a folder without its trailing slash
    if !key.ends_with('/') && files.contains_key(format!("{key}/index.html").as_str()) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
        let loc = format!("{}/", uri.path());
        if let Ok(v) = HeaderValue::from_str(&loc) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    }
    // attachments are read from disk by exact key, never by joining a request path
    if let Some(fs) = state.attachment(&key)
        && let Ok(bytes) = tokio::fs::read(&fs).await
    {
        return respond(StatusCode::OK, &key, bytes);
    }
    not_found(&state)
}

/// The live-reload script.
pub async fn live_js() -> Response {
    respond(
        StatusCode::OK,
        "live.js",
        include_bytes!("live.js").to_vec(),
    )
}

/// The error overlay's stylesheet.
pub async fn live_css() -> Response {
    respond(
        StatusCode::OK,
        "live.css",
        include_bytes!("live.css").to_vec(),
    )
}

/// Server-Sent Events: `reload`, `css` and `error-overlay` messages.
pub async fn events(AxState(state): AxState<Arc<State>>) -> impl IntoResponse {
    let rx = state.events.subscribe();
    let initial = tokio_stream::iter(state.last_error());
    let live = BroadcastStream::new(rx).filter_map(|m| m.ok());
    let stream = initial
        .chain(live)
        .map(|(name, data)| Ok::<Event, Infallible>(Event::default().event(name).data(data)));
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    (headers, Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Query parameters of `/_kb/search`.
#[derive(serde::Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<usize>,
}

/// `/_kb/search?q=`: results straight from tantivy, as `kb search --json`.
pub async fn search(
    AxState(state): AxState<Arc<State>>,
    Query(p): Query<SearchParams>,
) -> Response {
    let q = p.q.unwrap_or_default();
    let limit = p.limit.unwrap_or(10).clamp(1, 100);
    let st = state.clone();
    let res = tokio::task::spawn_blocking(move || st.search(&q, limit)).await;
    match res {
        Ok(Ok(v)) => respond(StatusCode::OK, "x.json", v.into_bytes()),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "search failed").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_leave_the_site() {
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/a%2f..%2f..%2fx",
            "/..%5c..%5cwin.ini",
            "/a\\b",
            "/%00",
            "/C:/x",
        ] {
            assert_eq!(site_key(bad), None, "{bad}");
        }
        assert_eq!(site_key("/").as_deref(), Some(""));
        assert_eq!(
            site_key("/messaging/redis/").as_deref(),
            Some("messaging/redis/")
        );
        assert_eq!(site_key("/%EC%8A%A4%ED%83%9D/").as_deref(), Some("스택/"));
        assert_eq!(site_key("//static//a.css").as_deref(), Some("static/a.css"));
    }

    #[test]
    fn content_types_have_charset() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("x.WASM"), "application/wasm");
        assert_eq!(content_type("s.svg"), "image/svg+xml");
    }
}
