// kb's static search client in Node, reading a built site from disk: the bytes a cold query
// downloads (fresh client per query) and its results.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSize } from "./server.mjs";
import { fileKind } from "./stats.mjs";

/** Loads the client the site ships (`<site>/static/search.js`). */
export async function loadClient(siteDir) {
  return import(pathToFileURL(path.join(siteDir, "static", "search.js")).href);
}

/** A `fetch` over the files of `siteDir` that records { path, kind, raw, sent } into `log`. */
function diskFetch(siteDir, log) {
  return async (url) => {
    const rel = decodeURIComponent(url);
    const file = path.join(siteDir, rel);
    let buf;
    try {
      buf = fs.readFileSync(file);
    } catch {
      return { ok: false, status: 404 };
    }
    log.push({ path: rel, kind: fileKind(rel), raw: buf.length, sent: gzipSize(file, buf) });
    return {
      ok: true,
      status: 200,
      json: async () => JSON.parse(buf.toString("utf8")),
      arrayBuffer: async () => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length),
    };
  };
}

/**
 * Runs every query with a fresh client; per query { q, kind, files, ms, results } where
 * `files` lists what was fetched. The client code itself is added as a `kb:code` file
 * (gzip size of static/search.js) so totals with and without code can be compared with the
 * browser.
 */
export async function kbColdQueries(siteDir, queries, { limit = 10 } = {}) {
  const mod = await loadClient(siteDir);
  const codeFile = path.join(siteDir, "static", "search.js");
  const code = { path: "/static/search.js", kind: "kb:code", raw: fs.statSync(codeFile).size, sent: gzipSize(codeFile) };
  const out = [];
  for (const { q, kind } of queries) {
    const log = [];
    const s = mod.createSearch({ base: "/", fetch: diskFetch(siteDir, log) });
    const t0 = performance.now();
    const res = await s.search(q, { limit });
    const ms = performance.now() - t0;
    out.push({ q, kind, files: [code, ...log], ms, results: res.map((r) => r.path) });
  }
  return out;
}

/** Ranked note paths for each query with one shared client (for quality and parity). */
export async function kbResults(siteDir, queries, { limit = 10 } = {}) {
  const mod = await loadClient(siteDir);
  const s = mod.createSearch({ base: "/", fetch: diskFetch(siteDir, []) });
  const out = [];
  for (const { q } of queries) out.push((await s.search(q, { limit })).map((r) => r.path));
  return out;
}
