// A note page of the default theme in Chromium, on the shipped notes: its one table of contents
// stands beside the note and stays in view on a wide screen, and is folded below the header on
// a phone; the controls that only work with JavaScript (theme toggle, search dropdown, explorer,
// the local graph's box) are made by the scripts, with the site's strings from theme.js, and are absent without it,
// where the page still has its table of contents, backlinks and every link.
//
// env: KB_BIN, KB_CHROMIUM (default /usr/bin/chromium), KB_SKIP_BROWSER=1 to skip explicitly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { builtSiteInChromium, openPage } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";
const NOTE = "/messaging/redis/";
let server;
let browser;
let origin;

before(async () => {
  if (SKIP) return;
  ({ origin, server, browser } = await builtSiteInChromium("kb-page-", [["notes", "notes"], ["kb.toml", "kb.toml"]]));
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

const open = (path, { width = 1400, js = true } = {}) => openPage(browser, origin + path, { width, js });

const box = (page, sel) => page.locator(sel).first().boundingBox();

test("wide screen: one table of contents, open beside the note and kept in view, the local graph below it", { skip: SKIP }, async () => {
  const { page, context, problems } = await open(NOTE);
  assert.equal(await page.locator(".toc").count(), 1, "one table of contents");
  const first = page.locator(".toc ol a").first();
  assert.equal(await first.isVisible(), true, "its entries show without opening it");
  const body = await box(page, ".note-body");
  const toc = await box(page, ".toc");
  assert.ok(toc.x >= body.x + body.width, `beside the note: toc ${JSON.stringify(toc)}, body ${JSON.stringify(body)}`);
  assert.ok(toc.y < body.y, "level with the top of the note");
  const graph = await box(page, ".local-graph-box");
  assert.ok(graph && graph.y >= toc.y + toc.height && Math.abs(graph.x - toc.x) < 20, `graph below it: ${JSON.stringify(graph)}`);
  await page.waitForSelector(".local-graph canvas.graph-canvas[data-draws]");
  // far down the note, the table of contents is still in view
  await page.evaluate(() => window.scrollTo(0, document.querySelector(".note-footer").offsetTop - 600));
  const later = await box(page, ".toc");
  assert.ok(later.y >= 0 && later.y < 200, `kept in view: ${JSON.stringify(later)}`);
  await Promise.all([page.waitForURL(/#/), first.click()]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("phone: the table of contents is folded between the header and the text, no local graph", { skip: SKIP }, async () => {
  const { page, context, problems } = await open(NOTE, { width: 390 });
  const header = await box(page, ".note-header");
  const summary = await box(page, ".toc summary");
  const body = await box(page, ".note-body");
  assert.ok(summary.y > header.y && summary.y + summary.height <= body.y, "between header and body");
  assert.equal(await page.locator(".toc ol a").first().isVisible(), false, "folded");
  await page.locator(".toc summary").click();
  assert.equal(await page.locator(".toc ol a").first().isVisible(), true, "opens");
  assert.equal(await page.locator(".local-graph-box").isVisible(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the scripts make the theme toggle, the search dropdown and the explorer, in the site's language", { skip: SKIP }, async () => {
  const { page, context, problems } = await open(NOTE);
  const toggle = page.locator(".header-tools .theme-toggle");
  await toggle.waitFor();
  // the shipped knowledge base is in Korean: the strings come from theme.js, not the page
  assert.equal(await toggle.getAttribute("aria-label"), "라이트/다크 모드 전환");
  const before = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await toggle.click();
  assert.equal(await toggle.getAttribute("aria-pressed"), await page.evaluate(() => String(document.documentElement.dataset.theme === "dark")));
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), before, "the theme changed");
  const input = page.locator(".site-search-input");
  assert.equal(await input.getAttribute("role"), "combobox");
  assert.equal(await input.getAttribute("aria-controls"), "kb-search-listbox");
  await input.focus();
  await page.waitForSelector(".search-panel[data-state=hint]");
  assert.match(await page.locator(".search-panel .search-status").textContent(), /검색어를 입력하세요/);
  assert.equal(await page.locator("#kb-search-listbox").getAttribute("aria-label"), "검색 결과");
  assert.equal(await page.locator(".explorer-toggle").textContent(), "파일");
  assert.equal(await page.locator("#kb-explorer").getAttribute("aria-label"), "파일");
  assert.deepEqual(problems, []);
  await context.close();
});

test("without JavaScript: no control that needs it, and the note reads in full", { skip: SKIP }, async () => {
  for (const width of [1400, 390]) {
    const { page, context } = await open(NOTE, { width, js: false });
    for (const sel of [".theme-toggle", ".search-panel", ".explorer-toggle", "#kb-explorer", ".local-graph-box"]) {
      assert.equal(await page.locator(sel).count(), 0, `${sel} at ${width} px`);
    }
    assert.equal(await page.locator(".site-search-input").getAttribute("role"), null, "a plain search box");
    assert.ok((await page.locator(".backlinks li a").count()) > 0, "backlinks in the page");
    if (width > 1000) assert.equal(await page.locator(".toc ol a").first().isVisible(), true, "table of contents open beside the note");
    else assert.equal(await page.locator(".toc summary").isVisible(), true, "table of contents folded below the header");
    // the search box still leads to the search page
    await page.locator(".site-search-input").fill("redis");
    await Promise.all([page.waitForURL(/\/search\/\?q=redis$/), page.locator(".site-search-input").press("Enter")]);
    await context.close();
  }
});
