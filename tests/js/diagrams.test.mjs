// Diagrams and math drawn at build time, in Chromium under the theme's strict CSP: every
// Mermaid kind of the fixture is an SVG of non-zero size whose labels fit their shapes, a node
// with `internal-link` opens its note, the dark theme recolours diagrams, MathML lays out, and
// nothing breaks the Content-Security-Policy.
//
// env: KB_BIN, KB_CHROMIUM (default /usr/bin/chromium), KB_SKIP_BROWSER=1 to skip explicitly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { builtSiteInChromium } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";
const PAGE = "/%ED%8C%8C%EC%9D%B4%ED%94%84%EB%9D%BC%EC%9D%B8/"; // /파이프라인/
let server;
let browser;
let origin;

before(async () => {
  if (SKIP) return;
  ({ origin, server, browser } = await builtSiteInChromium("kb-diagrams-", [["tests/fixtures/diagrams", "."]]));
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

/** Opens the fixture's page, recording CSP violations and console errors. */
async function open(colorScheme = "light") {
  const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(origin + PAGE);
  await page.evaluate(() => document.fonts.ready);
  return { page, problems };
}

test("every diagram kind is an SVG whose labels fit", { skip: SKIP }, async () => {
  const { page, problems } = await open();
  const kinds = await page.evaluate(() =>
    [...document.querySelectorAll("svg.kb-mermaid")].map((s) => {
      const r = s.getBoundingClientRect();
      return { kind: s.dataset.kind, w: r.width, h: r.height };
    }),
  );
  for (const kind of ["flowchart-v2", "sequence", "stateDiagram", "classDiagram", "gantt"]) {
    const k = kinds.find((x) => x.kind === kind);
    assert.ok(k, `${kind} drawn (${JSON.stringify(kinds)})`);
    assert.ok(k.w > 50 && k.h > 30, `${kind} has a size: ${JSON.stringify(k)}`);
  }
  // a label's text stays inside its node's shape (the font the page draws with is the one
  // the build measured with)
  const overflow = await page.evaluate(() => {
    const out = { nodes: 0, bad: [] };
    for (const g of document.querySelectorAll("svg.kb-mermaid g.node, svg.kb-mermaid g.actor-top, svg.kb-mermaid g[class*='actor']")) {
      const shape = g.querySelector("rect, polygon, circle, path");
      const text = g.querySelector("text");
      if (!shape || !text || !text.textContent.trim()) continue;
      out.nodes++;
      const a = shape.getBoundingClientRect();
      const t = text.getBoundingClientRect();
      if (t.width > a.width + 1) out.bad.push(`${text.textContent}: ${t.width.toFixed(1)} > ${a.width.toFixed(1)}`);
    }
    return out;
  });
  assert.ok(overflow.nodes >= 10, `labelled nodes found: ${overflow.nodes}`);
  assert.deepEqual(overflow.bad, [], "labels overflow their boxes");
  // Korean and English labels are text, searchable with the browser's find
  const text = await page.evaluate(() => [...document.querySelectorAll("svg.kb-mermaid text")].map((t) => t.textContent).join(" "));
  for (const label of ["크롤러 Crawler", "Nginx 리버스 프록시", "워커가 받음", "색인 재구축 일정"]) {
    assert.ok(text.includes(label), `label ${label} in ${text}`);
  }
  // a block that does not parse stays code; bad TeX stays source
  assert.equal(await page.locator("pre.code[data-lang='mermaid']").count(), 1);
  assert.equal(await page.locator(".math-error").count(), 1);
  assert.deepEqual(problems, [], "no CSP violation or console error");
});

test("an internal-link node opens its note", { skip: SKIP }, async () => {
  const { page } = await open();
  const link = page.locator("svg.kb-mermaid a.internal");
  assert.equal(await link.count(), 1);
  await Promise.all([page.waitForURL(/\/celery\/$/), link.click()]);
  assert.match(await page.title(), /^Celery/);
});

test("diagrams follow the theme toggle and the OS dark setting", { skip: SKIP }, async () => {
  const fill = (page) =>
    page.evaluate(() => getComputedStyle(document.querySelector("svg.kb-mermaid[data-kind='flowchart-v2'] g.node rect, svg.kb-mermaid[data-kind='flowchart-v2'] g.node polygon, svg.kb-mermaid[data-kind='flowchart-v2'] g.node path")).fill);
  const { page: light } = await open("light");
  const lightFill = await fill(light);
  await light.evaluate(() => document.documentElement.setAttribute("data-theme", "dark"));
  const toggled = await fill(light);
  const { page: dark } = await open("dark");
  const osDark = await fill(dark);
  assert.notEqual(lightFill, toggled, `the toggle recolours (${lightFill})`);
  assert.equal(toggled, osDark, "toggle and OS dark agree");
});

test("math is MathML with a layout size", { skip: SKIP }, async () => {
  const { page, problems } = await open();
  const sizes = await page.evaluate(() =>
    [...document.querySelectorAll("math")].map((m) => {
      const r = m.getBoundingClientRect();
      return { display: m.getAttribute("display"), w: r.width, h: r.height };
    }),
  );
  assert.ok(sizes.some((s) => s.display === "block" && s.w > 50 && s.h > 20), JSON.stringify(sizes));
  assert.ok(sizes.some((s) => s.display === "inline" && s.w > 10 && s.h > 8), JSON.stringify(sizes));
  // the matrix's bars stretch to the matrix (the math font has the variants)
  const bars = await page.evaluate(() => {
    const m = document.querySelector("math[display='block']");
    const mo = [...m.querySelectorAll("mo")].find((o) => o.textContent === "|");
    const table = m.querySelector("mtable");
    return { bar: mo.getBoundingClientRect().height, table: table.getBoundingClientRect().height };
  });
  assert.ok(bars.bar >= bars.table * 0.9, `stretched bar: ${JSON.stringify(bars)}`);
  assert.deepEqual(problems, []);
});
