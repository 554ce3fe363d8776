// A static file server for the search benchmark: serves a built site the way a static host
// with compression turned on would, and records what every request cost on the wire.
//
// - files that are already gzip data (Pagefind's .pf_* and wasm files start with 1f 8b) are
//   sent as they are (identity), like a host that leaves binary content types alone;
// - every other file is sent with `Content-Encoding: gzip` (zlib level 6, cached per file);
// - `/__bench__.html` is an empty page to run scripts in (not counted);
// - every response carries a long `Cache-Control`, so within one browser context a file is
//   fetched once.
//
// `server.log` is the list of { path, raw, sent, encoding } of the requests since the caller
// last replaced it.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".bin": "application/octet-stream",
};

const BLANK = Buffer.from('<!doctype html><meta charset="utf-8"><title>bench</title><link rel="icon" href="data:,"><body></body>');

export const gzipCache = new Map();

/** gzip (level 6) size of a file's bytes, cached by absolute path. */
export function gzipSize(file, buf) {
  let n = gzipCache.get(file);
  if (n === undefined) {
    n = zlib.gzipSync(buf ?? fs.readFileSync(file), { level: 6 }).length;
    gzipCache.set(file, n);
  }
  return n;
}

const isGzip = (buf) => buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b;

/** Starts a server for `root` on a free port; resolves to { url, log, close() }. */
export function serveSite(root) {
  const gzBodies = new Map();
  const state = { log: [] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (rel === "/__bench__.html") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      res.end(BLANK);
      return;
    }
    let file = path.join(root, rel);
    if (!file.startsWith(path.resolve(root))) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    } catch {
      state.log.push({ path: rel, raw: 0, sent: 0, status: 404 });
      res.writeHead(404).end();
      return;
    }
    let buf;
    try {
      buf = fs.readFileSync(file);
    } catch {
      state.log.push({ path: rel, raw: 0, sent: 0, status: 404 });
      res.writeHead(404).end();
      return;
    }
    const headers = {
      "Content-Type": TYPES[path.extname(file)] || "application/octet-stream",
      "Cache-Control": "public, max-age=31536000, immutable",
      "Access-Control-Allow-Origin": "*",
    };
    let body = buf;
    let encoding = "identity";
    if (!isGzip(buf)) {
      body = gzBodies.get(file);
      if (!body) {
        body = zlib.gzipSync(buf, { level: 6 });
        gzBodies.set(file, body);
        gzipCache.set(file, body.length);
      }
      headers["Content-Encoding"] = "gzip";
      encoding = "gzip";
    }
    headers["Content-Length"] = body.length;
    state.log.push({ path: rel, raw: buf.length, sent: body.length, encoding, status: 200 });
    res.writeHead(200, headers);
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        get log() {
          return state.log;
        },
        set log(v) {
          state.log = v;
        },
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}
