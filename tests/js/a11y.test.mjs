// Accessibility of the default theme: axe-core (WCAG 2.1 A and AA rules) in Chromium on every
// page type, in the light and the dark palette, at desktop and phone widths, must report no
// violation. A new page type is one more entry in PAGES.
//
// env: KB_BIN, KB_CHROMIUM (default /usr/bin/chromium), KB_SKIP_BROWSER=1 to skip explicitly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, builtSiteInChromium } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";

/**
 * One page of each type the theme renders for the shipped notes: [type, path, what to wait
 * for before checking (the page's script-made parts), whether to open the file explorer
 * first (docked beside the note on a wide screen, a drawer on a phone)].
 */
export const PAGES = [
  ["home", "/", ".category"],
  ["note", "/messaging/redis/", ".note-body"],
  ["note with the explorer open", "/messaging/redis/", ".explorer-tree", true],
  ["tag", "/tags/broker/", ".note-list"],
  ["tags index", "/tags/", ".tag-index"],
  ["graph", "/graph/", ".graph-canvas"],
  ["troubleshooting", "/troubleshooting/", ".trouble-entry"],
  ["search", "/search/?q=redis", ".search-result"],
  ["folder", "/folders/messaging/", ".note-list"],
  ["canvas", "/boards/plan-canvas/", ".canvas-view.live"],
  ["base", "/boards/reading-base/", ".base-view"],
  ["note with a base block and an embedded base", "/boards/library/", ".base-embed"],
  ["404", "/no-such-page/", ".not-found"],
];

/** The rule sets of WCAG 2.1 level AA. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

let server;
let browser;
let origin;
const AXE = readFileSync(join(REPO, "node_modules/axe-core/axe.min.js"), "utf8");

before(async () => {
  if (SKIP) return;
  ({ origin, server, browser } = await builtSiteInChromium("kb-a11y-", [["notes", "notes"], ["kb.toml", "kb.toml"], ["tests/fixtures/boards/notes", "notes/boards"]]));
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

/** Runs axe on `path`; returns its violations, one line each, and the rules it ran. */
async function audit(path, ready, explorer, { scheme, width }) {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(origin + path);
    if (explorer && !(await page.locator("#kb-explorer").isVisible())) await page.click(".explorer-toggle");
    await page.waitForSelector(ready, { state: "attached" });
    // the theme follows the OS palette unless the toggle chose one
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), scheme);
    // axe is evaluated over the debugging protocol: the pages' CSP allows no inline script
    await page.evaluate(AXE);
    const r = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), TAGS);
    const lines = r.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}: ${(n.any[0] || n.all[0] || n.none[0] || {}).message || v.help}`),
    );
    const ran = new Set([...r.passes, ...r.violations, ...r.incomplete].map((x) => x.id));
    return { lines, ran };
  } finally {
    await context.close();
  }
}

for (const scheme of ["light", "dark"]) {
  for (const width of [1400, 390]) {
    test(`axe-core reports no WCAG 2.1 AA violation on any page type (${scheme}, ${width} px)`, { skip: SKIP }, async () => {
      const found = [];
      for (const [type, path, ready, explorer] of PAGES) {
        const { lines, ran } = await audit(path, ready, explorer, { scheme, width });
        // the rules the issue names did run on the page (the test would pass them otherwise)
        assert.ok(ran.has("color-contrast"), `${type}: color-contrast did not run`);
        found.push(...lines.map((l) => `${type} (${path}): ${l}`));
      }
      assert.deepEqual(found, []);
    });
  }
}

test("a code block wider than the page is reachable by keyboard and scrolls with the arrow keys", { skip: SKIP }, async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${origin}/messaging/redis/`);
  const wide = page.locator("pre.code").filter({ has: page.locator("code") });
  const n = await wide.count();
  let checked = 0;
  for (let k = 0; k < n; k++) {
    const pre = wide.nth(k);
    const over = await pre.evaluate((el) => el.scrollWidth > el.clientWidth);
    if (!over) continue;
    await pre.focus();
    assert.equal(await pre.evaluate((el) => el === document.activeElement), true);
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    // the arrow keys scroll it (smoothly: the position settles after the key)
    await page.waitForFunction((el) => el.scrollLeft > 0, await pre.elementHandle(), { timeout: 5000 });
    checked++;
    break;
  }
  assert.ok(checked > 0, "the note has a code block wider than a phone");
  await context.close();
});

test("on a phone, code in a table cell breaks between words only", { skip: SKIP }, async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${origin}/messaging/redis/`);
  // every place a line ends inside a cell's code: the characters either side of the break
  const found = await page.$$eval(".note-body td code, .note-body th code", (els) => {
    const breaks = [];
    for (const el of els) {
      const t = el.firstChild;
      if (!t || t.nodeType !== Node.TEXT_NODE) continue;
      const r = document.createRange();
      let top = null;
      for (let i = 0; i < t.length; i++) {
        r.setStart(t, i);
        r.setEnd(t, i + 1);
        const rect = r.getClientRects()[0];
        if (!rect) continue;
        if (top !== null && rect.top > top + 2) breaks.push(t.data.slice(0, i) + "|" + t.data.slice(i));
        top = rect.top;
      }
    }
    return { count: els.length, breaks };
  });
  assert.ok(found.count > 0, "the note has code in a table");
  const midWord = found.breaks.filter((b) => /[\p{L}\p{N}_]\|[\p{L}\p{N}_]/u.test(b));
  assert.deepEqual(midWord, []);
  await context.close();
});
