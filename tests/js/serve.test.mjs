// `kb serve --watch` in Chromium: an edited note reloads with the new text (keeping the scroll
// position), broken front matter shows the error overlay while the last good page stays,
// fixing it removes the overlay; no console errors or CSP violations.
//
// env: KB_BIN, KB_CHROMIUM (default /usr/bin/chromium), KB_SKIP_BROWSER=1 to skip explicitly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, readFileSync, writeFileSync, unlinkSync, renameSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { createSearch } from "../../static/search.js";
import { REPO, KB_BIN, tempDir, CHROMIUM, CHROMIUM_ARGS, GEN_CORPUS } from "./helpers.mjs";

const SKIP = process.env.KB_SKIP_BROWSER === "1";

function startServer(root, env = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(KB_BIN, ["serve", "--watch", "--port", "0", "--root", root], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    proc.stderrText = "";
    proc.stderr.on("data", (d) => (proc.stderrText += d));
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

// The dev server updates its static search export in place after an edit (only the shards,
// term lists and result files the edit touches) when no note's ordinals move, and exports it
// in full otherwise. After every kind of change, the export must answer exactly what tantivy
// answers (/_kb/search): same notes, sections and f32 scores.
test("the dev server's search export follows edits and matches tantivy", { timeout: 240000 }, async () => {
  const root = join(tempDir("kb-serve-search-"), "kb");
  execFileSync("python3", [GEN_CORPUS, "--notes", "400", "--seed", "11", "--out", join(root, "notes")]);
  const files = (dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".md")).sort();
  const notes = files(join(root, "notes"));
  const { proc, origin } = await startServer(root, { KB_TIMINGS: "1" });
  const get = async (path) => (await fetch(origin + path)).text();
  const note = (i) => join(root, "notes", notes[i]);
  const queries = [
    "kubernetes", "redis 캐시", "데이터베이스", "설정", "트러블슈팅", "kafka 파티션", "kube", "데", "istio envoy",
    "zqxalpha", "zqxbeta 모니터링", "zqxgamma", "zqxdelta", "새 노트", "zqx",
    // operators: tags that edits add and change, paths that renames change, phrases
    "tag:zqx", "tag:zqx/b", "설정 -tag:zqx", "path:zqx-", "-path:zqx-t kubernetes", "tag:opentelemetry 설정",
    '"zqxalpha 모니터링"', "zqxalpha -zqxbeta",
  ];
  const small = (name) => join(root, "notes", name);
  // the zqx notes sort before the notes in the Korean folders, so adding or deleting one, or
  // one taking more or fewer result slots, moves those notes' ordinals: a full export; an
  // edit, and a rename that keeps a note's place, are updated in place
  const changes = [
    ["add a note", () => writeFileSync(small("zqx-new.md"), "# 새 노트 zqxgamma\n\nkubernetes 설정과 zqxbeta.\n")],
    ["edit it", () => writeFileSync(small("zqx-new.md"), "---\ntags: [zqx/a]\n---\n# 새 노트 zqxgamma\n\nzqxalpha 모니터링 zqxbeta 설정.\n")],
    ["change its tag", () => writeFileSync(small("zqx-new.md"), "---\ntags: [zqx/b, kubernetes]\n---\n# 새 노트 zqxgamma\n\nzqxalpha 모니터링 zqxbeta 설정.\n")],
    ["add another", () => writeFileSync(small("zqx-two.md"), "# 두 번째 zqxdelta\n\nredis 캐시 zqxalpha.\n")],
    ["grow it past its slots", () => writeFileSync(small("zqx-two.md"), "# 두 번째 zqxdelta\n" +
      Array.from({ length: 24 }, (_, i) => `\n## 추가 섹션 ${i}\n\nzqxdelta ${i} 데이터베이스 설정.\n`).join(""))],
    ["rename a note", () => renameSync(small("zqx-new.md"), small("zqx-moved.md"))],
    ["shrink it", () => writeFileSync(small("zqx-two.md"), "# 줄어든 노트\n\nzqxalpha 한 줄.\n")],
    ["delete a note", () => unlinkSync(small("zqx-moved.md"))],
    ["edit a generated note", () => writeFileSync(note(3), readFileSync(note(3), "utf8") + "\n\nzqxalpha zqxbeta.\n")],
    ["delete a generated note", () => unlinkSync(note(7))],
  ];
  const key = (h) => `${h.path} :: ${h.sections.map((s) => `${s.anchor}:${Math.fround(s.score)}`).join(" | ")}`;
  try {
    for (const [what, change] of changes) {
      const before = await get("/search/meta.json");
      change();
      const deadline = Date.now() + 60000;
      while ((await get("/search/meta.json")) === before) {
        assert.ok(Date.now() < deadline, `${what}: the export never changed`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const search = createSearch({ base: origin + "/" });
      for (const q of queries) {
        const api = JSON.parse(await get(`/_kb/search?limit=10&q=${encodeURIComponent(q)}`));
        const js = await search.search(q, { limit: 10 });
        assert.deepEqual(js.map(key), api.map(key), `${what}: ${q}`);
      }
    }
    const found = (await createSearch({ base: origin + "/" }).search("zqxalpha", { limit: 10 })).map((h) => h.path);
    assert.deepEqual(found.sort(), [notes[3], "zqx-two.md"].sort(), "notes are found by their new words");
    const updated = (proc.stderrText.match(/updated export/g) || []).length;
    console.log(`# ${updated} of ${changes.length} exports updated in place`);
    // edit it, rename a note, edit a generated note
    assert.ok(updated >= 3, `only ${updated} of ${changes.length} exports were updated in place:\n${proc.stderrText}`);
  } finally {
    proc.kill();
  }
});
