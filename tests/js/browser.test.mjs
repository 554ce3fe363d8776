// End-to-end test of the default theme's search UI in Chromium (playwright-core), on a site
// built for and served from a sub-path (/kb/), under the theme's strict CSP.
//
// env: KB_BIN, KB_CHROMIUM (default /usr/bin/chromium), KB_SKIP_BROWSER=1 to skip explicitly.
// A missing browser or playwright-core is a failure unless KB_SKIP_BROWSER=1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { REPO, kb, buildSite, tempDir, CHROMIUM, CHROMIUM_ARGS, serveSite } from "./helpers.mjs";
import { encodePath, encodeFragment } from "../../static/search.js";

const SKIP = process.env.KB_SKIP_BROWSER === "1";
const SUB = "/kb/";
const QUERY = "메시지 브로커를";


let server;
let browser;
let origin;
let expected;
const problems = [];

before(async () => {
  if (SKIP) return;
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set KB_CHROMIUM, or KB_SKIP_BROWSER=1 to skip)`);
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    throw new Error(`playwright-core is not installed (npm install): ${e.message}`);
  }
  const state = { dir: tempDir("kb-browser-empty-") };
  server = await serveSite(state, SUB);
  origin = `http://127.0.0.1:${server.address().port}`;
  state.dir = await buildSite(REPO, null, ["--base-url", origin + SUB]);
  expected = JSON.parse(await kb(["search", "--json", "--root", REPO, "-n", "8", QUERY]));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

async function newPage({ track = true } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (!track) return page;
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()} (${page.url()})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message} (${page.url()})`));
  page.on("requestfailed", (r) => {
    // requests cut short by a navigation are not failures
    if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return page;
}

async function cspViolations(page) {
  return page.evaluate(() => window.__csp || []);
}

const noteUrl = (h) => SUB + h.url.slice(1); // kb search prints URLs below the built base "/"

test("dropdown: '/' focuses, Korean query shows kb's results, Enter opens the section with highlights", { skip: SKIP }, async () => {
  const page = await newPage();
  await page.goto(origin + SUB);
  await page.keyboard.press("/");
  const input = page.locator("form.site-search input[name=q]");
  assert.equal(await input.evaluate((e) => e === document.activeElement), true, "/ focuses the search box");
  await page.keyboard.type(QUERY, { delay: 20 });
  const panel = page.locator(".search-panel");
  await page.waitForSelector(".search-panel .search-note");
  assert.equal(await panel.isVisible(), true);
  assert.equal(await input.getAttribute("aria-expanded"), "true");
  // same notes in the same order as kb search
  const paths = await page.locator(".search-panel .search-note .search-path").allTextContents();
  assert.deepEqual(paths, expected.map((h) => h.path));
  const titles = await page.locator(".search-panel .search-note .search-title").allTextContents();
  assert.equal(titles[0], expected[0].title);
  assert.ok(await page.locator(".search-panel .search-section mark").count() > 0, "snippets are highlighted");
  // the first option is active; arrows move and come back
  const first = await input.getAttribute("aria-activedescendant");
  assert.ok(first, "an option is active");
  await page.keyboard.press("ArrowDown");
  const second = await input.getAttribute("aria-activedescendant");
  assert.notEqual(second, first);
  assert.equal(await page.locator(`#${second}`).getAttribute("aria-selected"), "true");
  await page.keyboard.press("ArrowUp");
  assert.equal(await input.getAttribute("aria-activedescendant"), first);
  await Promise.all([page.waitForURL((u) => u.pathname !== SUB), page.keyboard.press("Enter")]);
  const u = new URL(page.url());
  const top = expected[0];
  assert.equal(u.pathname, noteUrl(top), "the note of the first result");
  assert.equal(u.hash, top.anchor ? "#" + encodeFragment(top.anchor) : "", "the best section's anchor");
  assert.equal(u.searchParams.get("highlight"), QUERY);
  await page.waitForSelector(".note-body mark.search-hit");
  const hits = await page.locator(".note-body mark.search-hit").count();
  assert.ok(hits > 0, "query matches are marked");
  const hitTexts = await page.locator(".note-body mark.search-hit").allTextContents();
  assert.ok(hitTexts.some((t) => t.includes("브로커")), `marks: ${hitTexts.join(", ")}`);
  // dismiss removes the marks and the parameter, keeps the anchor
  await page.locator(".search-hit-dismiss").click();
  assert.equal(await page.locator("mark.search-hit").count(), 0);
  assert.equal(await page.locator(".search-hit-bar").count(), 0);
  const after = new URL(page.url());
  assert.equal(after.searchParams.has("highlight"), false);
  assert.equal(after.pathname, noteUrl(top));
  assert.equal(after.hash, u.hash);
  assert.deepEqual(await cspViolations(page), []);
  await page.context().close();
});

test("dropdown: Esc closes, Ctrl+K focuses, empty query hint, no results, mouse opens a section", { skip: SKIP }, async () => {
  const page = await newPage();
  await page.goto(origin + SUB + "messaging/redis/");
  // '/' typed inside another input is not a shortcut: Ctrl+K focuses instead
  await page.keyboard.press("Control+k");
  const input = page.locator("form.site-search input[name=q]");
  assert.equal(await input.evaluate((e) => e === document.activeElement), true, "Ctrl+K focuses the search box");
  await page.waitForSelector(".search-panel[data-state=hint]");
  assert.match(await page.locator(".search-panel .search-status").textContent(), /\S/);
  // "/" typed in a text field is text, not the shortcut
  await page.keyboard.type("a/b");
  assert.equal(await input.inputValue(), "a/b");
  await input.fill("");
  await page.keyboard.type("redis");
  await page.waitForSelector(".search-panel .search-note");
  await page.keyboard.press("Escape");
  assert.equal(await page.locator(".search-panel").isHidden(), true, "Esc closes the dropdown");
  assert.equal(await input.inputValue(), "redis");
  await page.keyboard.press("Escape");
  assert.equal(await input.inputValue(), "", "a second Esc clears");
  await page.keyboard.type("zzqqxxnotaword");
  await page.waitForSelector(".search-panel[data-state=empty]");
  await input.fill("");
  await page.keyboard.type("kafka 파티션");
  await page.waitForSelector(".search-panel .search-section");
  const section = page.locator(".search-panel .search-section").nth(1);
  const href = await section.getAttribute("href");
  await section.hover();
  assert.equal(await section.getAttribute("aria-selected"), "true", "hover activates");
  await Promise.all([page.waitForURL((u) => u.searchParams.has("highlight")), section.click()]);
  const u = new URL(page.url());
  assert.equal(u.pathname + u.search + u.hash, href);
  await page.waitForSelector(".note-body mark.search-hit");
  assert.deepEqual(await cspViolations(page), []);
  await page.context().close();
});

test("search page: ?q= shows full results and the URL follows the query", { skip: SKIP }, async () => {
  const page = await newPage();
  const q = "redis 브로커";
  const want = JSON.parse(await kb(["search", "--json", "--root", REPO, "-n", "50", q]));
  await page.goto(`${origin}${SUB}search/?q=${encodeURIComponent(q)}`);
  await page.waitForSelector(".search-results .search-result");
  const input = page.locator(".search-page-input");
  assert.equal(await input.inputValue(), q);
  const titles = await page.locator(".search-result-title").allTextContents();
  assert.deepEqual(titles.map((t) => t.trim()), want.map((h) => h.title));
  const firstHref = await page.locator(".search-result-title a").first().getAttribute("href");
  const fu = new URL(firstHref, origin);
  assert.equal(fu.pathname, noteUrl(want[0]));
  assert.equal(fu.hash, want[0].anchor ? "#" + encodeFragment(want[0].anchor) : "");
  // typing updates the results and the shareable URL
  await input.fill("");
  await input.type("airflow");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("q") === "airflow");
  await page.waitForFunction(() => document.querySelector(".search-result-title")?.textContent.trim() === "Airflow");
  // "/" focuses the page's own box
  await page.locator("h1").click();
  await page.keyboard.press("/");
  assert.equal(await input.evaluate((e) => e === document.activeElement), true);
  assert.deepEqual(await cspViolations(page), []);
  await page.context().close();
});

test("operators: a tag page opens the search filtered by its tag; chips show and remove operators", { skip: SKIP }, async () => {
  const page = await newPage();
  // the tag page's search button lists the tag's notes, as `kb search tag:web` does
  const listed = JSON.parse(await kb(["search", "--json", "--root", REPO, "-n", "50", "tag:web "]));
  assert.ok(listed.length >= 2);
  await page.goto(origin + SUB + "tags/web/");
  await page.locator("form.tag-search button").click();
  await page.waitForSelector(".search-results .search-result");
  assert.equal(await page.locator(".search-page-input").inputValue(), "tag:web ");
  let titles = await page.locator(".search-result-title").allTextContents();
  assert.deepEqual(titles.map((t) => t.trim()), listed.map((h) => h.title));
  assert.deepEqual(await page.locator(".search-page .search-chip").allTextContents(), ["tag:web×"]);
  // words and an exclusion narrow the tag's notes; every result obeys every operator
  const input = page.locator(".search-page-input");
  const q = "tag:web -path:infra 502";
  const want = JSON.parse(await kb(["search", "--json", "--root", REPO, "-n", "50", q]));
  assert.ok(want.length > 0 && want.every((h) => !h.path.startsWith("infra/")));
  await input.fill(q);
  await page.waitForFunction((n) => document.querySelectorAll(".search-page .search-chip").length === n, 2);
  await page.waitForFunction((t) => document.querySelector(".search-result-title")?.textContent.trim() === t, want[0].title);
  titles = await page.locator(".search-result-title").allTextContents();
  assert.deepEqual(titles.map((t) => t.trim()), want.map((h) => h.title));
  // removing the tag chip takes the operator off the query and searches again
  await page.locator(".search-page .search-chip", { hasText: "tag:web" }).locator("button").click();
  assert.equal(await input.inputValue(), "-path:infra 502 ");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("q") === "-path:infra 502");
  assert.deepEqual(await page.locator(".search-page .search-chip").allTextContents(), ["-path:infra×"]);
  // the dropdown shows the chips of the header box too
  await page.goto(origin + SUB);
  await page.keyboard.press("/");
  await page.keyboard.type('"메시지 브로커" tag:');
  await page.waitForFunction(() => document.querySelectorAll(".site-search .search-chip").length === 1);
  assert.deepEqual(await cspViolations(page), []);
  await page.context().close();
});

test("dropdown: Enter right after typing opens kb's best result", { skip: SKIP }, async () => {
  const page = await newPage();
  const q = "airflow 센서";
  const want = JSON.parse(await kb(["search", "--json", "--root", REPO, "-n", "8", q]));
  assert.ok(want.length > 0);
  await page.goto(origin + SUB + "tags/");
  await page.keyboard.press("/");
  await page.keyboard.type(q);
  await Promise.all([page.waitForURL((u) => u.searchParams.has("highlight")), page.keyboard.press("Enter")]);
  const u = new URL(page.url());
  assert.equal(u.pathname, noteUrl(want[0]));
  assert.equal(u.hash, want[0].anchor ? "#" + encodeFragment(want[0].anchor) : "");
  await page.context().close();
});

test("dropdown: an index that fails to load shows an error, and the next keystroke retries", { skip: SKIP }, async () => {
  const page = await newPage({ track: false });
  let fail = true;
  await page.route("**/search/meta.json", (route) => (fail ? route.fulfill({ status: 500, body: "down" }) : route.continue()));
  await page.goto(origin + SUB);
  await page.keyboard.press("/");
  await page.keyboard.type("kafka");
  await page.waitForSelector(".search-panel[data-state=error]");
  assert.match(await page.locator(".search-panel .search-status").textContent(), /\S/);
  fail = false;
  await page.keyboard.type(" ");
  await page.waitForSelector(".search-panel .search-note");
  await page.context().close();
});

test("no console errors, failed requests or CSP violations", { skip: SKIP }, () => {
  assert.deepEqual(problems, []);
});

test("encodePath mirrors kb's URLs", () => {
  assert.equal(encodePath("용어집/"), "%EC%9A%A9%EC%96%B4%EC%A7%91/");
});
