// `kb serve --watch` in Chromium: an edited note reloads with the new text (keeping the scroll
// position), broken front matter shows the error overlay while the last good page stays,
// fixing it removes the overlay; no console errors or CSP violations.
//
// env: KB_BIN, KB_CHROMIUM (default /usr/bin/chromium), KB_SKIP_BROWSER=1 to skip explicitly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, KB_BIN, tempDir, CHROMIUM, CHROMIUM_ARGS } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";

function startServer(root) {
  return new Promise((resolve, reject) => {
    const proc = spawn(KB_BIN, ["serve", "--watch", "--port", "0", "--root", root], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/(127\.0\.0\.1:\d+)\//);
      if (m) resolve({ proc, origin: `http://${m[1]}` });
    });
    proc.on("exit", (code) => reject(new Error(`kb serve exited with ${code}: ${out}`)));
    setTimeout(() => reject(new Error("kb serve did not start")), 20000);
  });
}

test("live reload, error overlay and recovery in Chromium", { skip: SKIP && "KB_SKIP_BROWSER=1", timeout: 120000 }, async () => {
  const { chromium } = await import("playwright-core");
  const root = join(tempDir("kb-serve-"), "kb");
  cpSync(join(REPO, "tests/fixtures/good"), root, { recursive: true });
  // a long note, to check the scroll position survives a reload
  const notePath = join(root, "notes/Redis.md");
  const original = readFileSync(notePath, "utf8") + "\n" + Array.from({ length: 80 }, (_, i) => `Filler paragraph ${i}.\n`).join("\n");
  writeFileSync(notePath, original);
  const { proc, origin } = await startServer(root);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(String(e)));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error("CSP: " + e.violatedDirective));
    });
    await page.goto(`${origin}/redis/`);
    await page.waitForFunction(() => window.__kbLive && window.__kbLive.connected());
    await page.evaluate(() => window.scrollTo(0, 600));
    await page.waitForTimeout(100);

    // edit: the page reloads by itself with the new text and the same scroll position
    writeFileSync(notePath, original.replace("Comparison text.", "Comparison text, edited in the browser test."));
    await page.waitForFunction(() => document.body.textContent.includes("edited in the browser test"), null, { timeout: 15000 });
    await page.waitForFunction(() => window.scrollY > 500, null, { timeout: 5000 });

    // break the front matter: overlay with the diagnostic, old content still shown
    await page.waitForFunction(() => window.__kbLive && window.__kbLive.connected());
    writeFileSync(notePath, "---\ntitle: [broken\n---\nBroken body\n");
    const overlay = page.locator("#kb-overlay");
    await overlay.waitFor({ state: "visible", timeout: 15000 });
    const text = await overlay.textContent();
    assert.match(text, /notes\/Redis\.md:2:\d+: error: invalid YAML front matter/);
    assert.ok((await page.textContent(".note-body")).includes("edited in the browser test"), "last good page stays");

    // fix it: overlay gone, new content
    writeFileSync(notePath, "---\ntitle: Redis\n---\nFixed in the browser test.\n");
    await page.waitForFunction(() => document.body.textContent.includes("Fixed in the browser test."), null, { timeout: 15000 });
    assert.equal(await page.locator("#kb-overlay").count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    proc.kill();
  }
});
