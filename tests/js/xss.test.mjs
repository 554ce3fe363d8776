// XSS: a knowledge base whose file names, titles, aliases, tags, descriptions, headings,
// labels and link targets are script payloads, built by kb and opened in headless Chromium.
// Every page is visited twice: once with the theme's Content-Security-Policy removed, so only
// kb's escaping stands between a payload and the page (no payload may run), and once as
// shipped, which must cause no CSP violation. Search queries, ?highlight=, link previews and
// the 404 page get payloads too, and the feed and sitemap must parse as XML with the payloads
// as text.
//
// env: KB_BIN, KB_CHROMIUM, KB_SKIP_BROWSER=1 to skip explicitly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kb, tempDir, CHROMIUM, CHROMIUM_ARGS, serveSite } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";

// payloads: each calls alert(n) if it ever runs
const P = (n) => ({
  script: `<script>alert(${n})</script>`,
  img: `"><img src=x onerror=alert(${n})>`,
  svg: `<svg/onload=alert(${n})>`,
});
const HOSTILE_FILE = `<img src=x onerror=alert(1)>`;
const QUOTE_FILE = `"><svg onload=alert(12)>`;

function writeKb(root) {
  const notes = join(root, "notes");
  mkdirSync(notes, { recursive: true });
  writeFileSync(join(root, "kb.toml"), `title = "XSS ${P(30).script}"\ndescription = "${P(31).img.replace(/"/g, '\\"')}"\nlanguage = "en"\n`);
  writeFileSync(
    join(notes, `${HOSTILE_FILE}.md`),
    [
      "---",
      `title: "${P(2).script} Title"`,
      `aliases: ['${P(3).img}']`,
      `tags: ["${P(4).svg}", xss]`,
      `description: '${P(5).img}'`,
      "---",
      // backslashes keep these as text in Markdown: kb must keep them text everywhere else
      `## \\<img src=x onerror=alert(6)> heading`,
      "",
      `Body text with \\<script>alert(7)\\</script> and a [[javascript:alert(8)]] wikilink,`,
      `a [label](javascript:alert(9)) link, a [[Safe|javascript:alert(10)]] label,`,
      `an embed ![[javascript:alert(11)]] and a [spaced](  JaVaScRiPt:alert(14)) link.`,
      "",
      "## Second section",
      "",
      "Searchable marker zebrafish.",
      "",
    ].join("\n"),
  );
  writeFileSync(join(notes, `${QUOTE_FILE}.md`), "A note whose file name is a payload. zebrafish\n");
  // a canvas and a base whose every string is a payload
  const node = (o) => ({ x: 0, y: 0, width: 200, height: 100, ...o });
  writeFileSync(
    join(notes, "Board.canvas"),
    JSON.stringify({
      nodes: [
        node({ id: P(40).img, type: "group", label: P(41).script, color: P(42).img }),
        node({ id: "t", type: "text", text: `\\<script>alert(43)\\</script> [[javascript:alert(44)]] [[${HOSTILE_FILE}]]` }),
        node({ id: "f", type: "file", file: `${HOSTILE_FILE}.md`, subpath: `#${P(45).svg}` }),
        node({ id: "u", type: "link", url: "javascript:alert(46)" }),
        node({ id: "v", type: "link", url: `https://x.test/${P(47).img}` }),
      ],
      edges: [{ id: P(48).svg, fromNode: P(40).img, toNode: "t", label: P(49).script, color: P(50).img }],
    }),
  );
  writeFileSync(
    join(notes, "Shelf.base"),
    [
      `filters: 'file.name != "${P(51).svg.replace(/'/g, "''")}"'`,
      "formulas:",
      `  shout: "'${P(52).img.replace(/"/g, '\\"')}' + file.name"`,
      "properties:",
      `  title:\n    displayName: '${P(53).script}'`,
      "views:",
      `  - type: cards`,
      `    name: '${P(54).img}'`,
      "    order: [file.name, title, description, aliases, formula.shout]",
      `    groupBy: {property: title}`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(notes, "Safe.md"),
    [
      "# Safe",
      "",
      `Links: [[${HOSTILE_FILE}]], [[${HOSTILE_FILE}#\\<img src=x onerror=alert(6)> heading]],`,
      `[[${QUOTE_FILE}]] and the alias [[${P(3).img}]].`,
      "",
    ].join("\n"),
  );
}

let server, browser, origin, site;
const state = { stripCsp: true };
const alerts = [];
const problems = [];

before(async () => {
  if (SKIP) return;
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set KB_CHROMIUM, or KB_SKIP_BROWSER=1 to skip)`);
  const { chromium } = await import("playwright-core");
  const root = tempDir("kb-xss-");
  writeKb(root);
  site = join(tempDir("kb-xss-site-"), "public");
  // broken links are expected (the javascript: targets): build exits 0 with warnings
  await kb(["build", "--quiet", "--root", root, "--output", site]);
  state.dir = site;
  server = await serveSite(state);
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

async function newPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on("dialog", async (d) => {
    alerts.push(`${d.message()} on ${page.url()}`);
    await d.dismiss();
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message} (${page.url()})`));
  return { context, page };
}

/** Every page of the built site, as URL paths. */
function sitePages() {
  const out = [];
  const walk = (d, rel) => {
    for (const name of readdirSafe(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, rel + name + "/");
      else if (name === "index.html") out.push("/" + rel.split("/").map(encodeURIComponent).join("/"));
    }
  };
  walk(site, "");
  return out;
}

function readdirSafe(d) {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

const HOSTILE_QUERY = `"><img src=x onerror=alert(20)>`;

async function visitEverything(page) {
  const pages = sitePages();
  assert.ok(pages.length >= 8, `pages: ${pages}`);
  for (const p of pages) {
    await page.goto(origin + p);
    await page.waitForLoadState("load");
  }
  // search page and dropdown with a payload query, and a query that finds the hostile note
  await page.goto(`${origin}/search/?q=${encodeURIComponent(HOSTILE_QUERY)}`);
  await page.waitForFunction(() => document.querySelector(".search-results .search-result") || document.querySelector(".search-status")?.textContent.trim());
  assert.equal(await page.locator(".search-page-input").inputValue(), HOSTILE_QUERY);
  // the payload's words find the hostile note; its title and snippet stay text
  await page.waitForSelector(".search-results .search-result");
  const found = await page.locator(".search-result-title").allTextContents();
  assert.ok(found.some((t) => t.includes(P(2).script)), `search page titles: ${found}`);
  await page.goto(origin + "/");
  const input = page.locator("form.site-search input[name=q]");
  await input.click();
  await page.keyboard.type(HOSTILE_QUERY, { delay: 5 });
  await page.waitForSelector(".search-panel[data-state]");
  await input.fill("");
  await page.keyboard.type("zebrafish", { delay: 5 });
  await page.waitForSelector(".search-panel .search-note");
  const titles = await page.locator(".search-panel .search-title").allTextContents();
  assert.ok(titles.some((t) => t.includes(P(2).script)), `result titles as text: ${titles}`);
  await input.fill("");
  await page.keyboard.type("onerror alert", { delay: 5 });
  await page.waitForSelector(".search-panel[data-state]");
  await page.waitForTimeout(300);
  // ?highlight= with a payload on a note page
  const safe = "/safe/";
  await page.goto(`${origin}${safe}?highlight=${encodeURIComponent(`<img src=x onerror=alert(21)>`)}`);
  await page.waitForLoadState("load");
  // link previews of the hostile notes
  const links = page.locator(".note-body a.internal");
  const n = await links.count();
  assert.ok(n >= 3, `internal links on the safe page: ${n}`);
  for (let i = 0; i < n; i++) {
    await page.mouse.move(0, 0);
    await links.nth(i).hover();
    await page.locator(".kb-preview").waitFor({ state: "visible", timeout: 5000 });
    const text = await page.locator(".kb-preview").textContent();
    assert.ok(!/<img[^>]*onerror/.test(await page.locator(".kb-preview").innerHTML()), `preview markup: ${text}`);
    await page.keyboard.press("Escape");
  }
  // the 404 page for a payload path
  await page.goto(`${origin}/${encodeURIComponent(`<img src=x onerror=alert(22)>`)}/`);
  await page.waitForLoadState("load");
  await page.waitForTimeout(200);
}

test("no payload runs when only kb's escaping protects the page", { skip: SKIP, timeout: 120000 }, async () => {
  state.stripCsp = true;
  const { context, page } = await newPage();
  await visitEverything(page);
  await context.close();
  assert.deepEqual(alerts, [], "no script ran");
});

test("payloads show as text where kb puts them", { skip: SKIP, timeout: 60000 }, async () => {
  state.stripCsp = true;
  const { context, page } = await newPage();
  const notePath = sitePages().find((p) => decodeURIComponent(p).includes("img-src-x"));
  assert.ok(notePath, `hostile note page among ${sitePages()}`);
  await page.goto(origin + notePath);
  assert.equal(await page.title(), `${P(2).script} Title · XSS ${P(30).script}`);
  assert.equal(await page.locator("h1").first().textContent(), `${P(2).script} Title`);
  // the heading, its table-of-contents entry and the tag keep their text
  const toc = await page.locator(".toc a, nav.toc a").allTextContents();
  assert.ok(toc.some((t) => t.includes("<img src=x onerror=alert(6)> heading")), `toc: ${toc}`);
  const tags = await page.locator("a[href*='/tags/']").allTextContents();
  assert.ok(tags.some((t) => t.includes("svg")), `tags: ${tags}`);
  // kb never makes a javascript: link, from a wikilink, a label or a Markdown link
  const hrefs = await page.locator("a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(hrefs.length > 5);
  for (const h of hrefs) assert.ok(!/^\s*javascript:/i.test(h), `javascript: link ${h}`);
  assert.equal(await page.locator(".note-body img, .note-body svg, .note-body script").count(), 0, "no element from a payload");
  // the feed and the sitemap are well-formed XML with the payloads as text
  for (const file of ["/atom.xml", "/sitemap.xml"]) {
    const res = await page.evaluate(async (u) => {
      const t = await (await fetch(u)).text();
      const doc = new DOMParser().parseFromString(t, "application/xml");
      return {
        error: doc.querySelector("parsererror")?.textContent || "",
        scripts: doc.getElementsByTagName("script").length + doc.getElementsByTagName("img").length,
        titles: [...doc.getElementsByTagName("title")].map((e) => e.textContent),
      };
    }, origin + file);
    assert.equal(res.error, "", `${file} parses`);
    assert.equal(res.scripts, 0, `${file}: no script or img element`);
    if (file === "/atom.xml") assert.ok(res.titles.some((t) => t === `${P(2).script} Title`), `feed titles: ${res.titles}`);
  }
  await context.close();
});

test("the shipped pages cause no CSP violation", { skip: SKIP, timeout: 120000 }, async () => {
  state.stripCsp = false;
  const { context, page } = await newPage();
  const violations = [];
  for (const p of sitePages()) {
    await page.goto(origin + p);
    await page.waitForLoadState("load");
    violations.push(...(await page.evaluate(() => window.__csp)).map((v) => `${v} on ${p}`));
  }
  await context.close();
  assert.deepEqual(violations, []);
  assert.deepEqual(alerts, []);
  assert.deepEqual(problems, []);
});
