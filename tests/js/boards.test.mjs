// Browser tests of canvas pages (static/canvas.js, render/canvas.rs) and bases
// (render/bases.rs) on tests/fixtures/boards, in Chromium through playwright-core, under the
// theme's strict CSP.
//
//   node --test tests/js/boards.test.mjs
//
// env: KB_BIN (default target/release/kb), KB_CHROMIUM, KB_SKIP_BROWSER=1 to skip.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { builtSiteInChromium } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";
let env;

before(async () => {
  if (SKIP) return;
  env = await builtSiteInChromium("kb-boards-", [["tests/fixtures/boards", "."]]);
});

after(async () => {
  if (!env) return;
  await env.browser.close();
  env.server.close();
});

/** A page that collects console errors, page errors, failed requests and CSP violations. */
async function open(path, opts = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 850 }, ...opts });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  await page.goto(env.origin + path);
  const check = async () => {
    const csp = opts.javaScriptEnabled === false ? [] : await page.evaluate(() => window.__csp);
    assert.deepEqual([...problems, ...csp], [], "no errors, failed requests or CSP violations");
  };
  return { context, page, check };
}

const viewBox = (page) =>
  page.$eval(".canvas-svg", (s) => s.getAttribute("viewBox").split(" ").map(Number));

test("a canvas shows every kind of card, its groups and its labelled edges", { skip: SKIP }, async () => {
  const { context, page, check } = await open("/plan-canvas/");
  const kinds = await page.$$eval(".canvas-card", (cs) => cs.map((c) => c.className.replace("canvas-card ", "")));
  assert.deepEqual(kinds.sort(), ["canvas-file", "canvas-file", "canvas-link", "canvas-text", "canvas-text"]);
  assert.equal(await page.locator("rect.canvas-group").count(), 1);
  assert.equal(await page.locator(".canvas-group-label").textContent(), "Storage layer");
  assert.equal(await page.locator(".canvas-edge").count(), 3);
  assert.deepEqual(await page.$$eval(".canvas-edge-label", (ls) => ls.map((l) => l.textContent)), ["reads", "next step"]);
  // e1 and e3 end in an arrow, e2 starts with one
  assert.equal(await page.locator(".canvas-edge polygon.canvas-arrow").count(), 3);
  // every card is drawn where the file puts it, with some size, inside the viewport
  const boxes = await page.$$eval("foreignObject", (fs) => fs.map((f) => f.getBoundingClientRect().width));
  assert.ok(boxes.every((w) => w > 20), `cards drawn: ${boxes}`);
  // the text card's Markdown, the note card's title and first lines, the image, the web link
  const text = page.locator('[data-node="intro"]');
  assert.equal(await text.locator("h2").textContent(), "Why a cache");
  assert.equal(await text.locator("strong").textContent(), "Redis");
  const redis = page.locator('[data-node="redis"]');
  assert.equal(await redis.locator("a.canvas-file-title").textContent(), "Redis");
  assert.match(await redis.locator(".canvas-file-lines").textContent(), /in-memory key-value store/);
  const img = page.locator('[data-node="pic"] img');
  await img.evaluate((i) => (i.complete ? null : new Promise((r) => (i.onload = r))));
  assert.ok((await img.evaluate((i) => i.naturalWidth)) > 0, "the image card's picture loads");
  assert.equal(await page.locator('[data-node="docs"] a.external').getAttribute("href"), "https://example.org/caching-guide");
  assert.equal(await page.locator('[data-node="later"] .broken-link').textContent(), "Nowhere");
  // preset and hex colours
  assert.equal(await page.locator("rect.canvas-card-bg.canvas-c1").count(), 1);
  assert.equal(await page.locator('rect.canvas-card-bg[stroke="#3a7bd5"]').count(), 1);
  await check();
  // the links work: the text card's wikilink and the file card
  await text.locator("a.internal", { hasText: "Postgres" }).click();
  await page.waitForURL(/\/stores\/postgres\/$/);
  assert.equal(await page.locator("h1").textContent(), "Postgres");
  await page.goBack();
  await redis.locator("a.canvas-file-title").click();
  await page.waitForURL(/\/stores\/redis\/$/);
  await context.close();
});

test("a canvas pans and zooms with the mouse, the wheel and the keyboard", { skip: SKIP }, async () => {
  const { context, page, check } = await open("/plan-canvas/");
  await page.waitForSelector(".canvas-view.live");
  const port = page.locator(".canvas-viewport");
  const box = await port.boundingBox();
  const fit = await viewBox(page);
  // the whole canvas fits at first
  assert.ok(fit[2] >= 1100 && fit[3] >= 400, `fits: ${fit}`);
  // wheel up zooms in around the pointer: a smaller viewBox
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  const zoomed = await viewBox(page);
  assert.ok(zoomed[2] < fit[2] * 0.8, `wheel zooms in: ${fit} -> ${zoomed}`);
  // a drag from empty canvas pans: the view moves against the pointer
  await page.mouse.move(box.x + 20, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 120, box.y + 60, { steps: 5 });
  await page.mouse.up();
  const dragged = await viewBox(page);
  assert.ok(dragged[0] < zoomed[0] && dragged[1] > zoomed[1], `drag pans: ${zoomed} -> ${dragged}`);
  assert.equal(dragged[2], zoomed[2], "a drag does not zoom");
  // keyboard: arrows pan, - zooms out, 0 fits again
  await port.focus();
  await page.keyboard.press("ArrowRight");
  const right = await viewBox(page);
  assert.ok(right[0] > dragged[0], "ArrowRight shows what is to the right");
  await page.keyboard.press("-");
  const out = await viewBox(page);
  assert.ok(out[2] > right[2], "- zooms out");
  await page.keyboard.press("0");
  assert.deepEqual(await viewBox(page), fit, "0 fits the canvas again");
  // the buttons
  await page.getByRole("button", { name: "Zoom in" }).click();
  assert.ok((await viewBox(page))[2] < fit[2], "the Zoom in button zooms");
  await check();
  await context.close();
});

test("a canvas reads without JavaScript, and a note links and embeds it", { skip: SKIP }, async () => {
  const nojs = await open("/plan-canvas/", { javaScriptEnabled: false });
  const svg = nojs.page.locator(".canvas-svg");
  assert.equal(await svg.getAttribute("width"), await svg.evaluate((s) => s.viewBox.baseVal.width.toString()));
  const w = await nojs.page.$eval('[data-node="intro"]', (d) => d.getBoundingClientRect().width);
  assert.equal(Math.round(w), 300, "drawn at its natural size");
  assert.ok(await nojs.page.locator(".canvas-tools").isHidden(), "no controls that need the script");
  await nojs.context.close();

  const { context, page, check } = await open("/overview/");
  const link = page.locator(".note-body a.internal", { hasText: "Plan.canvas" });
  assert.equal(await link.getAttribute("href"), "/plan-canvas/");
  const embed = page.locator(".canvas-embed");
  assert.equal(await embed.locator(".embed-title a").textContent(), "Plan");
  assert.equal(await embed.locator("svg rect").count(), 6, "the thumbnail draws every node");
  await check();
  await link.click();
  await page.waitForURL(/\/plan-canvas\/$/);
  await context.close();
});

const paths = (page, sel) => page.$$eval(sel, (rows) => rows.map((r) => r.dataset.path));

test("a base shows exactly the notes its filters select, in its order", { skip: SKIP }, async () => {
  const { context, page, check } = await open("/reading-base/");
  const shelf = page.locator("section#shelf");
  assert.deepEqual(await shelf.locator("th").allTextContents(), ["file name", "author", "Pages", "Title and year"]);
  // tagged book and in books/ (not the reference manual), newest first
  assert.deepEqual(await paths(page, "#shelf tr[data-path]"), ["books/Sapiens.md", "books/Neuromancer.md", "books/Dune.md"]);
  assert.deepEqual(await shelf.locator('tr[data-path="books/Dune.md"] td').allTextContents(), ["Dune", "Frank", "412", "Dune (1965)"]);
  // more than 300 pages and not being read
  assert.deepEqual(await paths(page, "#long-reads li[data-path]"), ["books/Dune.md"]);
  // cards grouped by status
  assert.deepEqual(await page.locator("#by-status .base-group-title").allTextContents(), ["read", "reading"]);
  assert.deepEqual(await paths(page, "#by-status li.base-card"), ["books/Dune.md", "books/Neuromancer.md", "books/Sapiens.md"]);
  // the table of contents leads to the views
  await page.locator(".toc a", { hasText: "Long reads" }).click();
  await page.waitForURL(/#long-reads$/);
  await check();
  // a link property leads to its note
  await shelf.locator("a", { hasText: "Frank" }).click();
  await page.waitForURL(/\/frank\/$/);
  await context.close();
});

test("a base block and an embedded base view in a note", { skip: SKIP }, async () => {
  const { context, page, check } = await open("/library/");
  const views = page.locator(".note-body .base-view");
  assert.equal(await views.count(), 2);
  assert.deepEqual(await paths(page, ".note-body > .base tr[data-path]"), ["books/Dune.md", "books/Neuromancer.md"]);
  const embed = page.locator(".base-embed");
  assert.equal(await embed.locator(".base-view-title").first().textContent(), "Long reads 1");
  assert.deepEqual(await paths(page, ".base-embed li[data-path]"), ["books/Dune.md"]);
  await check();
  await page.locator('.note-body > .base a[href="/books/neuromancer/"]').click();
  await page.waitForURL(/\/books\/neuromancer\/$/);
  await context.close();
});
