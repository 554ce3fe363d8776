// Browser tests of the default theme's note graphs (static/graph.js) and link previews
// (static/preview.js), in Chromium through playwright-core, under the theme's strict CSP.
//
//   node --test tests/js/graph.test.mjs
//
// env: KB_BIN (default target/release/kb), KB_CHROMIUM (default /usr/bin/chromium),
//      KB_SKIP_BROWSER=1 to skip, KB_SKIP_BIG=1 to skip only the 10,000-note graph,
//      KB_KEEP_TMP=1 to keep the built sites.
// A missing browser or playwright-core is a failure unless KB_SKIP_BROWSER=1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { REPO, KB_BIN, CHROMIUM, CHROMIUM_ARGS, GEN_CORPUS, serveSite } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";


// ---------------------------------------------------------------------------------------------
// helpers: temp dirs, kb, a static server

const TMP = mkdtempSync(join(tmpdir(), "kb-graph-test-"));
process.on("exit", () => {
  if (!process.env.KB_KEEP_TMP) rmSync(TMP, { recursive: true, force: true });
});

function run(cmd, args, retries = 1) {
  return new Promise((ok, fail) => {
    execFile(cmd, args, { maxBuffer: 64 << 20, encoding: "utf8" }, (err, stdout, stderr) => {
      if (!err) return ok(stdout);
      // the kb binary may be replaced while tests run: retry once
      if (retries > 0) setTimeout(() => run(cmd, args, retries - 1).then(ok, fail), 1000);
      else fail(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
    });
  });
}

/** A kb root whose templates/ and static/ are the repo's theme (the code under test). */
function themedRoot(dir) {
  mkdirSync(dir, { recursive: true });
  for (const d of ["templates", "static"]) if (!existsSync(join(dir, d))) symlinkSync(join(REPO, d), join(dir, d));
  return dir;
}

async function build(root, out, extra = []) {
  await run(KB_BIN, ["build", "--quiet", "--root", root, "--output", out, ...extra]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// browser plumbing

let chromium, browser;
const servers = [];

before(async () => {
  if (SKIP) return;
  ({ chromium } = await import("playwright-core"));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  if (browser) await browser.close();
  for (const s of servers) s.close();
});

async function site(dir, prefix = "/") {
  const server = await serveSite({ dir }, prefix);
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}`;
}

/** A page that records console errors, uncaught exceptions, CSP violations and failed requests. */
async function openPage(opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light", ...opts });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    // navigations away abort pending requests; that is not an error of the page
    if (!/ERR_ABORTED/.test(r.failure()?.errorText || "")) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  const check = async () => {
    let csp = [];
    try {
      csp = await page.evaluate(() => window.__cspViolations || []);
    } catch {
      /* page gone */
    }
    assert.deepEqual([...problems, ...csp.map((v) => `CSP: ${v}`)], [], "no console errors, page errors, failed requests or CSP violations");
  };
  return { context, page, problems, check };
}

/** Pixels of a canvas with alpha > 0, and a checksum of its RGBA data. */
function canvasStats(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3]) opaque++;
      sum = (sum * 31 + d[i] * 7 + d[i + 1] * 13 + d[i + 2] * 17 + d[i + 3]) % 2147483647;
    }
    return { opaque, sum, w: c.width, h: c.height };
  }, selector);
}

const draws = (page, sel = ".graph-view .graph-canvas") => page.$eval(sel, (c) => +(c.dataset.draws || 0));

async function nextDraw(page, before, sel = ".graph-view .graph-canvas") {
  await page.waitForFunction(([s, n]) => +(document.querySelector(s).dataset.draws || 0) > n, [sel, before]);
}

// ---------------------------------------------------------------------------------------------
// sites

let small; // the shipped notes
let fixture; // a few notes: a title with markup, a lone note, fragment and block links
let subpath; // the fixture built for and served at /kb/ (URL ending in /kb/)

before(async () => {
  if (SKIP) return;
  small = await site(await build(REPO, join(TMP, "site")));
  const fx = themedRoot(join(TMP, "fx"));
  mkdirSync(join(fx, "notes"), { recursive: true });
  writeFileSync(join(fx, "kb.toml"), 'title = "Fixture"\nlanguage = "en"\n');
  writeFileSync(
    join(fx, "notes/alpha.md"),
    '---\ntitle: "Alpha <script>window.__pwned = 1</script> & <b>bold</b>"\n---\nAlpha opening paragraph.\n\n## Section One\n\nSection one text. ^blk1\n',
  );
  writeFileSync(
    join(fx, "notes/beta.md"),
    "---\ntitle: Beta\n---\nBeta links to [[alpha]], [[alpha#Section One]], [[alpha#^blk1]] and [here](#section-b).\n\n## Section B\n\nSection b text.\n",
  );
  writeFileSync(join(fx, "notes/lonely.md"), "---\ntitle: Lonely\n---\nNobody links here.\n");
  fixture = await site(await build(fx, join(TMP, "fx-public")));
  // the same notes published under a sub-path
  subpath = (await site(await build(fx, join(TMP, "fx-sub"), ["--base-url", "https://example.org/kb/"]), "/kb/")) + "/kb/";
});

// ---------------------------------------------------------------------------------------------
// global graph

test("graph page: draws, legend, tag filter, zoom, keyboard, hover and click", { skip: SKIP, timeout: 60000 }, async () => {
  const { context, page, check } = await openPage();
  await page.goto(`${small}/graph/`);
  await page.waitForFunction(() => +(document.querySelector(".graph-view .graph-canvas")?.dataset.draws || 0) >= 1);
  const data = await page.evaluate(async () => (await fetch(document.querySelector(".graph-view").dataset.src)).json());
  assert.ok(data.nodes.length >= 10, "the shipped notes have a graph");

  // drawn
  const s0 = await canvasStats(page, ".graph-view .graph-canvas");
  assert.ok(s0.opaque > 1000, `canvas has drawn pixels (${s0.opaque})`);
  assert.equal(await page.locator(".graph-status").count(), 0, "loading text removed");

  // legend: one item per category, names as text, with a colour swatch
  const legend = await page.$$eval(".graph-legend li", (lis) => lis.map((li) => [li.querySelector(".graph-legend-name").textContent, getComputedStyle(li.querySelector(".graph-swatch")).backgroundColor]));
  assert.equal(legend.length, data.categories.length);
  assert.deepEqual(legend.map((l) => l[0]), data.categories);
  assert.ok(legend.every((l) => l[1] && l[1] !== "rgba(0, 0, 0, 0)"), "swatches are coloured");

  // tag filter: all tags, sorted; choosing one changes the drawing
  const options = await page.$$eval(".graph-tag-filter option", (os) => os.map((o) => [o.value, o.textContent]));
  assert.equal(options.length, data.tags.length + 1);
  assert.equal(options[0][0], "");
  const names = options.slice(1).map(([v]) => data.tags[+v]);
  assert.deepEqual(names, [...names].sort(new Intl.Collator("ko").compare));
  const n0 = await draws(page);
  await page.selectOption(".graph-tag-filter", options[1][0]);
  await nextDraw(page, n0);
  const s1 = await canvasStats(page, ".graph-view .graph-canvas");
  assert.notEqual(s1.sum, s0.sum, "the tag filter changes the drawing");
  const n1 = await draws(page);
  await page.selectOption(".graph-tag-filter", "");
  await nextDraw(page, n1);
  assert.equal((await canvasStats(page, ".graph-view .graph-canvas")).sum, s0.sum, "clearing the filter restores the drawing");

  // wheel zoom around the cursor
  const box = await page.locator(".graph-view .graph-canvas").boundingBox();
  const z0 = await page.$eval(".graph-view .graph-canvas", (c) => +c.dataset.zoom);
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction((z) => +document.querySelector(".graph-view .graph-canvas").dataset.zoom > z, z0);
  const z1 = await page.evaluate(() => window.__kbGraph.zoom);
  assert.ok(z1 > z0, `zoomed in: ${z0} -> ${z1}`);

  // keyboard: focusable, "-" zooms out, arrows pan
  await page.focus(".graph-view .graph-canvas");
  await page.keyboard.press("-");
  await page.waitForFunction((z) => +document.querySelector(".graph-view .graph-canvas").dataset.zoom < z, z1);
  const p0 = await page.evaluate(() => window.__kbGraph.nodeScreenPos(0));
  await page.keyboard.press("ArrowLeft");
  const p1 = await page.evaluate(() => window.__kbGraph.nodeScreenPos(0));
  assert.ok(p1.x > p0.x, "ArrowLeft pans the view");
  await page.keyboard.press("0"); // reset
  await page.keyboard.press("Escape");

  // theme switch redraws with the other palette
  const nt = await draws(page);
  await page.evaluate(() => document.documentElement.setAttribute("data-theme", "dark"));
  await nextDraw(page, nt);
  await page.evaluate(() => document.documentElement.removeAttribute("data-theme"));

  // hover a node, then click it: opens the note
  const target = data.nodes.findIndex((n) => n[1] === "/messaging/redis/");
  assert.ok(target >= 0);
  await page.waitForTimeout(50);
  const pos = await page.evaluate((i) => window.__kbGraph.nodeScreenPos(i), target);
  assert.ok(pos.x > box.x && pos.x < box.x + box.width && pos.y > box.y && pos.y < box.y + box.height, "node on screen");
  await page.mouse.move(pos.x, pos.y);
  await page.waitForFunction(() => document.querySelector(".graph-view .graph-canvas").classList.contains("is-over-node"));
  await Promise.all([page.waitForURL(`${small}/messaging/redis/`), page.mouse.click(pos.x, pos.y)]);
  await check();
  await context.close();
});

test("graph page: dragging pans without opening a note", { skip: SKIP, timeout: 30000 }, async () => {
  const { context, page, check } = await openPage();
  await page.goto(`${small}/graph/`);
  await page.waitForFunction(() => +(document.querySelector(".graph-view .graph-canvas")?.dataset.draws || 0) >= 1);
  const p0 = await page.evaluate(() => window.__kbGraph.nodeScreenPos(0));
  await page.mouse.move(p0.x, p0.y);
  await page.mouse.down();
  await page.mouse.move(p0.x + 60, p0.y + 30, { steps: 5 });
  await page.mouse.up();
  const p1 = await page.evaluate(() => window.__kbGraph.nodeScreenPos(0));
  assert.ok(Math.abs(p1.x - p0.x - 60) < 2 && Math.abs(p1.y - p0.y - 30) < 2, `dragged by (60, 30): ${JSON.stringify([p0, p1])}`);
  assert.equal(new URL(page.url()).pathname, "/graph/", "a drag is not a click");
  await check();
  await context.close();
});

test("graph page: device pixel ratio and resizes", { skip: SKIP, timeout: 30000 }, async () => {
  const { context, page, check } = await openPage({ deviceScaleFactor: 2 });
  await page.goto(`${small}/graph/`);
  await page.waitForFunction(() => +(document.querySelector(".graph-view .graph-canvas")?.dataset.draws || 0) >= 1);
  const dims = () => page.$eval(".graph-view .graph-canvas", (c) => [c.width, c.height, c.clientWidth, c.clientHeight]);
  const [w, h, cw, ch] = await dims();
  assert.equal(w, cw * 2);
  assert.equal(h, ch * 2);
  const n = await draws(page);
  await page.setViewportSize({ width: 800, height: 700 });
  await nextDraw(page, n);
  await page.waitForFunction(([w0]) => document.querySelector(".graph-view .graph-canvas").width !== w0, [w]);
  const [w2, , cw2] = await dims();
  assert.ok(cw2 < cw && w2 === cw2 * 2, `resized backing store: ${w2} for ${cw2} CSS px`);
  assert.ok((await canvasStats(page, ".graph-view .graph-canvas")).opaque > 1000);
  await check();
  await context.close();
});

// ---------------------------------------------------------------------------------------------
// local graph and previews on a note page

test("note page: local graph and link previews (hover, Esc, grace, Tab, fragments)", { skip: SKIP, timeout: 60000 }, async () => {
  const { context, page, check } = await openPage();
  await page.goto(`${small}/messaging/celery/`);

  // local graph
  await page.waitForFunction(() => +(document.querySelector(".local-graph .graph-canvas")?.dataset.draws || 0) >= 1);
  const lg = await canvasStats(page, ".local-graph .graph-canvas");
  assert.ok(lg.opaque > 500, `local graph drawn (${lg.opaque} pixels)`);
  // each node's address, put back together from the pack's folders, is a page of the site
  const nodes = await page.evaluate(async () => {
    const m = await import(document.querySelector('script[src*="/graph.js"]').src);
    const box = document.querySelector(".local-graph[data-src]");
    const pack = await (await fetch(box.dataset.src)).json();
    const g = m.localFromPack(pack, box.dataset.key);
    return Promise.all(g.nodes.map(async (n) => [n[1], (await fetch(n[1] + "?test")).status]));
  });
  assert.ok(nodes.length >= 2, JSON.stringify(nodes));
  assert.ok(nodes.some(([u]) => u.endsWith("/messaging/celery/")), JSON.stringify(nodes));
  for (const [u, status] of nodes) assert.equal(status, 200, u);

  // hover a link to Redis: a popover after the delay, with Redis's title and text
  const pop = page.locator(".kb-preview");
  const redis = page.locator('.note-body a.internal[href="/messaging/redis/"]').first();
  await redis.hover();
  await pop.waitFor({ state: "visible" });
  assert.equal(await pop.getAttribute("role"), "tooltip");
  assert.match(await pop.locator(".kb-preview-title").textContent(), /^Redis/);
  assert.match(await pop.textContent(), /Redis/);
  assert.equal(await redis.getAttribute("aria-describedby"), await pop.getAttribute("id"));
  const pb = await pop.boundingBox();
  const lb = await redis.boundingBox();
  assert.ok(pb.width <= 24 * 16 + 1, `max width 24rem (${pb.width})`);
  assert.ok(pb.y >= lb.y + lb.height || pb.y + pb.height <= lb.y, "placed next to the link, not over it");

  // Esc hides it
  await page.keyboard.press("Escape");
  await pop.waitFor({ state: "hidden" });
  assert.equal(await redis.getAttribute("aria-describedby"), null);

  // the popover stays while the pointer moves into it, and goes when it leaves
  await page.mouse.move(0, 0);
  await redis.hover();
  await pop.waitFor({ state: "visible" });
  const b2 = await pop.boundingBox();
  await page.mouse.move(b2.x + 20, b2.y + b2.height / 2, { steps: 4 });
  await page.waitForTimeout(500);
  assert.ok(await pop.isVisible(), "stays while hovered");
  await page.mouse.move(5, 500);
  await pop.waitFor({ state: "hidden" });

  // a link with a fragment: the section's text, with the heading as context, read from the
  // linked page's own HTML (no preview data rides in the pages)
  const html = await page.evaluate(async () => (await fetch("/messaging/redis/?test")).text());
  assert.ok(!html.includes("kb-preview-data") && !html.includes("data-note"), "no preview data in the page");
  const frag = page.locator('.note-body a.internal[href="/messaging/redis/#redis-vs-rabbitmq"]').first();
  await frag.hover();
  await pop.waitFor({ state: "visible" });
  assert.equal(await pop.locator(".kb-preview-title").textContent(), "Redis › Redis vs RabbitMQ");
  // the shipped Redis note's section, tables flattened, cut at 280 characters with an ellipsis
  const text = await pop.locator(".kb-preview-text").textContent();
  assert.match(text, /^Celery 브로커로서의 비교\. .*…$/);
  assert.ok(Array.from(text).length <= 281, text);
  await page.mouse.move(5, 500);
  await pop.waitFor({ state: "hidden" });

  // keyboard: Tab to the first internal link of the note body
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    document.activeElement?.blur();
  });
  let focused = null;
  for (let i = 0; i < 80 && !focused; i++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => {
      const a = document.activeElement;
      return a && a.matches(".note-body a.internal") ? { title: a.title, href: a.getAttribute("href") } : null;
    });
  }
  assert.ok(focused, "reached an internal link with Tab");
  await pop.waitFor({ state: "visible" });
  const expected = await page.evaluate(async (href) => {
    const u = new URL(href, location.href);
    const html = await (await fetch(`${u.pathname}?test`)).text();
    return new DOMParser().parseFromString(html, "text/html").querySelector(".note-title").textContent;
  }, focused.href);
  assert.ok((await pop.locator(".kb-preview-title").textContent()).startsWith(expected));
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("aria-describedby")), "kb-preview");
  await page.keyboard.press("Tab"); // focus moves on: the preview follows or closes
  const next = await page.evaluate(() => document.activeElement.matches("a.internal"));
  if (!next) await pop.waitFor({ state: "hidden" });
  await page.keyboard.press("Escape");
  await pop.waitFor({ state: "hidden" });

  // each previewed page was fetched once (the test's own fetches carry "?test")
  const fetched = await page.evaluate(() =>
    performance.getEntriesByType("resource")
      .filter((e) => e.initiatorType === "fetch" && e.name.endsWith("/") && !e.name.includes("?"))
      .map((e) => e.name));
  assert.ok(fetched.length >= 2, fetched.join(" "));
  assert.equal(new Set(fetched).size, fetched.length, `no page fetched twice for previews: ${fetched.join(" ")}`);
  await check();
  await context.close();
});

test("previews: no popover on touch-only devices", { skip: SKIP, timeout: 30000 }, async () => {
  const { context, page, check } = await openPage({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 800 } });
  await page.goto(`${small}/messaging/celery/`);
  await page.waitForLoadState("load");
  const hover = await page.evaluate(() => matchMedia("(hover: none)").matches);
  const link = page.locator('.note-body a.internal[href="/messaging/redis/"]').first();
  await link.focus();
  await page.waitForTimeout(500);
  assert.ok(hover, "the emulated phone reports (hover: none)");
  assert.equal(await page.locator(".kb-preview").count(), 0, "no popover when the device cannot hover");
  await check();
  await context.close();
});

test("fixture: markup in titles stays text, block and same-page previews, lone note", { skip: SKIP, timeout: 30000 }, async () => {
  const { context, page, check } = await openPage();
  await page.goto(`${fixture}/beta/`);
  const pop = page.locator(".kb-preview");

  const alpha = page.locator('.note-body a.internal[href="/alpha/"]').first();
  await alpha.hover();
  await pop.waitFor({ state: "visible" });
  assert.equal(await pop.locator(".kb-preview-title").textContent(), "Alpha <script>window.__pwned = 1</script> & <b>bold</b>");
  assert.equal(await pop.locator("script, b").count(), 0, "title inserted as text");
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.keyboard.press("Escape");
  await pop.waitFor({ state: "hidden" });

  // block reference: the block's text, no heading context
  const block = page.locator('.note-body a.internal[href="/alpha/#%5Eblk1"]').first();
  await block.hover();
  await pop.waitFor({ state: "visible" });
  assert.match(await pop.locator(".kb-preview-text").textContent(), /^Section one text\./);
  await page.keyboard.press("Escape");
  await pop.waitFor({ state: "hidden" });

  // a link to an anchor of this very page shows that section
  const self = page.locator('.note-body a.internal[href="#section-b"]').first();
  await self.hover();
  await pop.waitFor({ state: "visible" });
  assert.equal(await pop.locator(".kb-preview-text").textContent(), "Section b text.");
  assert.match(await pop.locator(".kb-preview-title").textContent(), /^Beta › /);
  await page.keyboard.press("Escape");

  // local graph with the markup title: drawn on canvas, not in the DOM
  await page.goto(`${fixture}/alpha/`);
  await page.waitForFunction(() => +(document.querySelector(".local-graph .graph-canvas")?.dataset.draws || 0) >= 1);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);

  // a note without links: a line of text instead of a canvas
  await page.goto(`${fixture}/lonely/`);
  await page.locator(".local-graph-empty").waitFor();
  assert.equal(await page.locator(".local-graph-empty").textContent(), "No linked notes");
  assert.equal(await page.locator(".local-graph canvas").count(), 0);

  // the global graph of the fixture, in the dark theme
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${fixture}/graph/`);
  await page.waitForFunction(() => +(document.querySelector(".graph-view .graph-canvas")?.dataset.draws || 0) >= 1);
  assert.ok((await canvasStats(page, ".graph-view .graph-canvas")).opaque > 100);
  await check();
  await context.close();
});

test("sub-path site: previews and graph links carry the base path", { skip: SKIP, timeout: 30000 }, async () => {
  const { context, page, check } = await openPage();
  await page.goto(`${subpath}beta/`);
  const pop = page.locator(".kb-preview");
  await page.locator('.note-body a.internal[href="/kb/alpha/#section-one"]').first().hover();
  await pop.waitFor({ state: "visible" });
  assert.match(await pop.locator(".kb-preview-text").textContent(), /^Section one text\./);
  assert.ok(await page.locator(".local-graph .graph-canvas").count());
  await page.goto(`${subpath}graph/`);
  await page.waitForFunction(() => +(document.querySelector(".graph-view .graph-canvas")?.dataset.draws || 0) >= 1);
  const i = await page.evaluate(async () => {
    const d = await (await fetch(document.querySelector(".graph-view").dataset.src)).json();
    return d.nodes.findIndex((n) => n[1] === "/kb/alpha/");
  });
  assert.ok(i >= 0, "node URLs carry the base path");
  const pos = await page.evaluate((j) => window.__kbGraph.nodeScreenPos(j), i);
  await Promise.all([page.waitForURL(`${subpath}alpha/`), page.mouse.click(pos.x, pos.y)]);
  await check();
  await context.close();
});

// ---------------------------------------------------------------------------------------------
// a 10,000-note graph stays responsive

test("10,000-note graph: draws every node and zooms (timings printed, not asserted)", { skip: SKIP || process.env.KB_SKIP_BIG === "1", timeout: 240000 }, async () => {
  const root = themedRoot(join(TMP, "big"));
  const t0 = Date.now();
  await run("python3", [GEN_CORPUS, "--notes", "10000", "--seed", "42", "--out", join(root, "notes")], 0);
  const t1 = Date.now();
  const out = await build(root, join(root, "public"));
  const t2 = Date.now();
  const origin = await site(out);
  console.log(`# 10k corpus: generated in ${t1 - t0} ms, built in ${t2 - t1} ms`);

  const { context, page, check } = await openPage();
  await page.goto(`${origin}/graph/`);
  await page.waitForFunction(() => +(document.querySelector(".graph-view .graph-canvas")?.dataset.draws || 0) >= 1, null, { timeout: 30000 });
  const m = await page.evaluate(async () => {
    const c = document.querySelector(".graph-view .graph-canvas");
    const ctx = c.getContext("2d");
    const g = window.__kbGraph;
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    const settle = () => new Promise((r) => setTimeout(r, 400));
    // a synchronous draw followed by a 1-pixel readback, so that rasterisation is counted
    const timed = (opts) => {
      const t = performance.now();
      g.draw(opts);
      ctx.getImageData(0, 0, 1, 1);
      return performance.now() - t;
    };
    const r = c.getBoundingClientRect();
    const wheel = (dy) =>
      c.dispatchEvent(new WheelEvent("wheel", { deltaY: dy, clientX: r.left + r.width * 0.55, clientY: r.top + r.height * 0.45, bubbles: true, cancelable: true }));
    const out = { nodes: g.nodes, edges: +c.dataset.edges, firstDraw: +c.dataset.firstDraw };
    const nav = performance.getEntriesByType("navigation")[0];
    out.domContentLoaded = nav ? nav.domContentLoadedEventEnd : null;
    await settle();
    // wheel zoom: 40 animation frames, each with a wheel event and a (timed) redraw; the
    // scene is drawn again every RERENDER_MS and moved as a bitmap in between
    const wheelDraws = [];
    for (let i = 0; i < 40; i++) {
      await frame();
      wheel(-40);
      wheelDraws.push(timed());
    }
    wheelDraws.sort((a, b) => a - b);
    out.wheelRedraw = wheelDraws[wheelDraws.length - 1];
    out.wheelRedrawMedian = wheelDraws[wheelDraws.length >> 1];
    out.zoom = g.zoom;
    // wheel event to the next frame, through the page's own requestAnimationFrame
    await settle();
    const t = performance.now();
    wheel(-120);
    await frame();
    await frame();
    out.wheelToFrame = performance.now() - t;
    // once the view is still: the full-quality redraw (every edge), and a hover redraw
    await settle();
    out.stillRedraw = timed({ fresh: true });
    const p = g.nodeScreenPos(0);
    c.dispatchEvent(new PointerEvent("pointermove", { clientX: p.x, clientY: p.y, bubbles: true, pointerType: "mouse" }));
    out.hoverRedraw = timed();
    return out;
  });
  console.log(
    `# 10k graph: ${m.nodes} nodes, ${m.edges} edges on screen; first draw at ${m.firstDraw.toFixed(0)} ms after navigation ` +
      `(DOMContentLoaded ${m.domContentLoaded?.toFixed(0)} ms); wheel-zoom redraw max ${m.wheelRedraw.toFixed(1)} ms ` +
      `(median ${m.wheelRedrawMedian.toFixed(1)} ms), wheel to next frame ${m.wheelToFrame.toFixed(1)} ms; ` +
      `full redraw when still ${m.stillRedraw.toFixed(1)} ms; hover redraw ${m.hoverRedraw.toFixed(1)} ms`,
  );
  assert.equal(m.nodes, 10000);
  // speed targets (first draw < 3 s, wheel-zoom redraw < 100 ms) are read off the printed line
  // above: a shared 2-core CI machine makes a timed assertion flaky; this only guards a hang
  assert.ok(m.firstDraw < 30000, `first draw ${m.firstDraw} ms`);
  assert.ok(m.zoom > 1.05, "the wheel zoomed in");
  await check();
  await context.close();
});
