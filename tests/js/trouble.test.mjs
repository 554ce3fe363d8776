// The troubleshooting filter in Chromium: the search page's toggle adds `in:troubleshooting`,
// every result is then a labelled troubleshooting entry, and the results are `kb search`'s.
//
// env: KB_BIN, KB_CHROMIUM (default /usr/bin/chromium), KB_SKIP_BROWSER=1 to skip explicitly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { kb, builtSiteInChromium } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";
let server;
let browser;
let origin;
let root;

before(async () => {
  if (SKIP) return;
  ({ root, origin, server, browser } = await builtSiteInChromium("kb-trouble-", [["notes", "notes"], ["kb.toml", "kb.toml"]]));
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

const shown = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll(".search-result")].map((r) => ({
      path: r.querySelector(".search-result-path").textContent,
      sections: r.querySelectorAll(".search-result-sections li").length,
      badges: r.querySelectorAll(".search-badge").length,
    })),
  );

test("the toggle narrows the results to troubleshooting entries, as kb search does", { skip: SKIP }, async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  await page.goto(`${origin}/search/?q=${encodeURIComponent("502")}`);
  await page.waitForSelector(".search-result");
  const all = await shown(page);
  const box = page.locator(".search-page .search-trouble-toggle");
  assert.equal(await box.isChecked(), false);
  await box.check();
  await page.waitForFunction(() => new URL(location.href).searchParams.get("q") === "502 in:troubleshooting");
  // the filtered results replace the others (the unfiltered ones carry some badges too)
  await page.waitForFunction(() => {
    const secs = [...document.querySelectorAll(".search-result-sections li")];
    return secs.length > 0 && secs.every((li) => li.querySelector(".search-badge"));
  });
  assert.ok(all.length > 0);
  const only = await shown(page);
  assert.ok(only.length > 0, "entries found");
  for (const r of only) assert.equal(r.badges, r.sections, `every section of ${r.path} is labelled`);
  const cli = JSON.parse(await kb(["search", "--json", "--root", root, "-n", "50", "502 in:troubleshooting"]));
  assert.deepEqual(only.map((r) => r.path), cli.map((h) => h.path));
  assert.ok(cli.every((h) => h.sections.every((s) => s.trouble === true)), "kb search marks them too");
  // unchecking takes the operator off again
  await box.uncheck();
  await page.waitForFunction(() => new URL(location.href).searchParams.get("q") === "502");
  // the operator alone lists the notes with entries
  await page.goto(`${origin}/search/?q=in%3Atroubleshooting`);
  await page.waitForSelector(".search-result");
  assert.equal(await page.locator(".search-page .search-trouble-toggle").isChecked(), true);
  const listed = await shown(page);
  const cliAll = JSON.parse(await kb(["search", "--json", "--root", root, "-n", "50", "in:troubleshooting"]));
  assert.equal(listed.length, 20, "the 20 notes with entries");
  assert.deepEqual(listed.map((r) => r.path), cliAll.map((h) => h.path));
  assert.deepEqual(problems, []);
});
