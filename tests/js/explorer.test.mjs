// The file explorer, breadcrumbs and folder pages in Chromium, on the shipped notes: the
// explorer lists the folders, opens the current note's folder and marks the note, works by
// keyboard, is a drawer on a phone and loads its tree from one file; breadcrumbs lead to
// folder pages; with JavaScript off the header's link leads to the folder's listing.
//
// env: KB_BIN, KB_CHROMIUM (default /usr/bin/chromium), KB_SKIP_BROWSER=1 to skip explicitly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { REPO, builtSiteInChromium, openPage } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";
let server;
let browser;
let origin;

/** The shipped notes' top folders, as the explorer sorts them. */
const FOLDERS = readdirSync(join(REPO, "notes"), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));

before(async () => {
  if (SKIP) return;
  ({ origin, server, browser } = await builtSiteInChromium("kb-explorer-", [["notes", "notes"], ["kb.toml", "kb.toml"]]));
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

async function open(path, { width = 1400, js = true } = {}) {
  const trees = [];
  const watch = (page) =>
    page.on("request", (r) => {
      if (/\/folders\/tree-[0-9a-f]+\.json$/.test(r.url())) trees.push(r.url());
    });
  return { ...(await openPage(browser, origin + path, { width, js, watch })), trees };
}

/** The explorer's top-level entries: [kind, label, expanded]. */
const topEntries = (page) =>
  page.$$eval(".explorer-tree > li", (lis) =>
    lis.map((li) => {
      const b = li.querySelector(":scope > button");
      return b ? ["folder", b.textContent, b.getAttribute("aria-expanded")] : ["note", li.textContent, null];
    }),
  );

test("beside a note: every folder listed, the note's folder open and the note marked", { skip: SKIP }, async () => {
  const { page, context, problems, trees } = await open("/messaging/redis/");
  await page.waitForSelector(".explorer-tree");
  assert.equal(await page.locator("#kb-explorer").isVisible(), true);
  const top = await topEntries(page);
  assert.deepEqual(
    top.filter((e) => e[0] === "folder").map((e) => e[1]),
    FOLDERS,
  );
  for (const [, name, expanded] of top.filter((e) => e[0] === "folder")) {
    assert.equal(expanded, String(name === "messaging"), name);
  }
  const current = page.locator('#kb-explorer a[aria-current="page"]');
  assert.equal(await current.count(), 1);
  assert.equal(await current.textContent(), "Redis");
  assert.equal(await current.getAttribute("href"), "/messaging/redis/");
  // notes of the open folder in the home page's order (by title, without case)
  const titles = await page.$$eval('[aria-controls] + ul a', (as) => as.map((a) => a.textContent));
  assert.deepEqual(titles, [...titles].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  assert.equal(trees.length, 1, "one request for the tree");
  // the page itself carries no link to the notes of closed folders
  const html = await (await fetch(origin + "/messaging/redis/")).text();
  assert.ok(!html.includes('href="/workflow/'), "no link into a closed folder in the page");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the explorer works by keyboard: arrows move, open and close folders, Enter follows a link", { skip: SKIP }, async () => {
  const { page, context, problems } = await open("/messaging/redis/");
  await page.waitForSelector(".explorer-tree");
  const first = page.locator(".explorer-tree > li > button").first();
  await first.focus();
  assert.equal(await first.getAttribute("aria-expanded"), "false");
  await page.keyboard.press("ArrowRight");
  assert.equal(await first.getAttribute("aria-expanded"), "true");
  await page.keyboard.press("ArrowRight");
  const focused = () => page.evaluate(() => document.activeElement.textContent);
  const firstNote = await page.locator(".explorer-tree > li:first-child > ul a").first().textContent();
  assert.equal(await focused(), firstNote, "into the folder");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await focused(), FOLDERS[0], "back to its folder");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await first.getAttribute("aria-expanded"), "false");
  await page.keyboard.press("Enter");
  assert.equal(await first.getAttribute("aria-expanded"), "true", "Enter toggles as a button does");
  await page.keyboard.press("ArrowDown");
  const href = await page.evaluate(() => document.activeElement.getAttribute("href"));
  await Promise.all([page.waitForURL(origin + href), page.keyboard.press("Enter")]);
  await page.waitForSelector('.explorer-tree a[aria-current="page"]');
  assert.equal(await page.locator('.explorer-tree a[aria-current="page"]').getAttribute("href"), href);
  assert.deepEqual(problems, []);
  await context.close();
});

test("on a phone the header keeps every site link and the explorer is a drawer", { skip: SKIP }, async () => {
  const { page, context, problems } = await open("/messaging/redis/", { width: 390 });
  for (const sel of ['.site-nav a[href="/tags/"]', '.site-nav a[href="/graph/"]', '.site-nav a[href="/troubleshooting/"]', ".explorer-toggle"]) {
    const box = await page.locator(sel).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390 && box.y < 200, `${sel} visible: ${JSON.stringify(box)}`);
  }
  const toggle = page.locator(".explorer-toggle");
  assert.equal(await page.locator("#kb-explorer").isVisible(), false, "closed until asked for");
  await toggle.click();
  await page.waitForSelector(".explorer-tree");
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  // the current note has the focus in the open drawer
  await page.waitForFunction(() => document.activeElement?.getAttribute("aria-current") === "page");
  await page.keyboard.press("Escape");
  assert.equal(await page.locator("#kb-explorer").isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains("explorer-toggle")), true);
  // a touch screen closes it from inside, or by a tap beside it
  await toggle.click();
  await page.locator(".explorer-close").click();
  assert.equal(await page.locator("#kb-explorer").isVisible(), false);
  await toggle.click();
  await page.mouse.click(370, 600);
  assert.equal(await page.locator("#kb-explorer").isVisible(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test("breadcrumbs lead to the folder's page, which lists its notes with descriptions", { skip: SKIP }, async () => {
  const { page, context } = await open("/messaging/redis/");
  const crumbs = page.locator("nav.breadcrumbs ol li a");
  assert.deepEqual(await crumbs.evaluateAll((as) => as.map((a) => a.getAttribute("href"))), ["/", "/folders/messaging/"]);
  assert.equal(await crumbs.nth(1).textContent(), "messaging");
  await Promise.all([page.waitForURL(`${origin}/folders/messaging/`), crumbs.nth(1).click()]);
  const items = page.locator(".folder-notes .note-list li");
  assert.ok((await items.count()) >= 2);
  assert.ok((await items.locator(".desc").count()) >= 1, "descriptions shown");
  assert.equal(await page.locator('nav.breadcrumbs a[aria-current="page"]').textContent(), "messaging");
  // the folder page opens its own folder in the explorer
  await page.waitForSelector(".explorer-tree");
  assert.equal(await page.locator('.explorer-tree button[aria-current="page"]').getAttribute("aria-expanded"), "true");
  await context.close();
});

test("without JavaScript the explorer's link leads to the folder's listing", { skip: SKIP }, async () => {
  const { page, context, trees } = await open("/messaging/redis/", { width: 390, js: false });
  const link = page.locator(".site-nav .explorer-link");
  assert.equal(await link.isVisible(), true);
  assert.equal(await page.locator(".explorer-toggle").isVisible(), false);
  await Promise.all([page.waitForURL(`${origin}/folders/messaging/`), link.click()]);
  const notes = await page.locator(".folder-notes a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(notes.includes("/messaging/redis/"), notes.join(" "));
  // and from there up to every folder
  await page.goto(`${origin}/folders/`);
  const folders = await page.locator(".folder-list a").evaluateAll((as) => as.map((a) => a.textContent));
  assert.deepEqual(folders, FOLDERS.map((f) => `${f}/`));
  assert.equal(trees.length, 0, "no tree without JavaScript");
  await context.close();
});
