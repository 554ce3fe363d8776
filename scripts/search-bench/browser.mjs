// Headless Chromium runs for the search benchmark (playwright-core): cold-query bytes,
// warm query time and ranked results, for kb's client and for Pagefind, against a site served
// by ./server.mjs.

import fs from "node:fs";
import path from "node:path";
import { fileKind } from "./stats.mjs";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

export async function launch(executablePath = "/usr/bin/chromium") {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, args: ARGS, headless: true });
}

// In-page code. `engine` is "kb" or a Pagefind bundle folder name ("_pagefind").
async function inPageSearch({ engine, q, limit, timed }) {
  const g = globalThis;
  if (engine === "kb") {
    if (!g.__kb) {
      const m = await import("/static/search.js");
      g.__kb = m.createSearch({ base: "/" });
    }
    if (timed) await g.__kb.search(q, { limit }); // warm: fetch and parse what the query needs
    const t0 = performance.now();
    const res = await g.__kb.search(q, { limit });
    const ms = performance.now() - t0;
    return { ms, paths: res.map((r) => r.path), urls: res.map((r) => r.pageUrl) };
  }
  g.__pf ??= {};
  if (!g.__pf[engine]) g.__pf[engine] = await import(`/${engine}/pagefind.js`);
  const pf = g.__pf[engine];
  const run = async () => {
    const t0 = performance.now();
    const r = await pf.search(q);
    const t1 = performance.now();
    const data = await Promise.all(r.results.slice(0, limit).map((x) => x.data()));
    const t2 = performance.now();
    return { searchMs: t1 - t0, ms: t2 - t0, urls: data.map((d) => d.url), count: r.results.length };
  };
  if (timed) await run();
  return run();
}

/**
 * Cold queries: a fresh browser context (empty HTTP cache, fresh module instances) per query;
 * returns per query { q, kind, files: [{ path, kind, raw, sent }], urls }.
 */
export async function coldQueries(browser, server, engine, queries, { limit = 10 } = {}) {
  const out = [];
  for (const { q, kind } of queries) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(server.url + "/__bench__.html");
    server.log = [];
    const r = await page.evaluate(inPageSearch, { engine, q, limit, timed: false });
    // let late requests (e.g. prefetches) land before closing
    await page.waitForTimeout(50);
    const files = server.log.map((f) => ({ ...f, kind: fileKind(f.path) }));
    server.log = [];
    await ctx.close();
    out.push({ q, kind, files, urls: r.urls, paths: r.paths });
  }
  return out;
}

/**
 * Warm query time: one page for all queries; each query runs once to load what it needs and
 * is timed on its second run. Returns per query { q, ms, searchMs? }.
 */
export async function warmQueries(browser, server, engine, queries, { limit = 10 } = {}) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(server.url + "/__bench__.html");
  const out = [];
  for (const { q, kind } of queries) {
    const r = await page.evaluate(inPageSearch, { engine, q, limit, timed: true });
    out.push({ q, kind, ms: r.ms, searchMs: r.searchMs });
  }
  server.log = [];
  await ctx.close();
  return out;
}

/** Ranked result URLs (top `limit`) for each query, one shared page. */
export async function rankedUrls(browser, server, engine, queries, { limit = 10 } = {}) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(server.url + "/__bench__.html");
  const out = [];
  for (const { q } of queries) {
    const r = await page.evaluate(inPageSearch, { engine, q, limit, timed: false });
    out.push(r.paths ?? r.urls);
  }
  server.log = [];
  await ctx.close();
  return out;
}

const unescapeHtml = (s) =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e]);

const normUrl = (u) => {
  let p = u.replace(/^https?:\/\/[^/]+/, "").replace(/[?#].*$/, "");
  try {
    p = decodeURIComponent(p);
  } catch {}
  p = p.replace(/index\.html$/, "");
  if (!p.endsWith("/")) p += "/";
  return p;
};

/** Map from page URL (decoded, ending in "/") to note path, read from the kb site's pages. */
export function urlToNoteMap(siteDir) {
  const map = new Map();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith("_pagefind") && e.name !== "search" && e.name !== "static") walk(p);
      } else if (e.name === "index.html") {
        const head = fs.readFileSync(p, "utf8");
        const m = /<article class="note" data-path="([^"]*)"/.exec(head);
        if (m) map.set(normUrl("/" + path.relative(siteDir, dir).split(path.sep).join("/") + "/"), unescapeHtml(m[1]));
      }
    }
  };
  walk(siteDir);
  return { get: (u) => map.get(normUrl(u)) ?? null, size: map.size };
}
