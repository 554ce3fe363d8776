// The static client downloads the result data of the notes it shows, not of every note tied
// with them: a query whose best rows tie across many notes takes the first notes by path (the
// ordinal order), and the rows of the notes it cannot add any more are not fetched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSearch } from "../../static/search.js";
import { kb, buildSite, diskFetch, tempDir } from "./helpers.mjs";

const NOTES = 24;

/**
 * A root of `NOTES` notes that tie on "kafka setup": the same words, lengths and term
 * frequencies; the first six write them the other way round, so the phrase holds in the others.
 */
function tiedRoot(kbToml) {
  const root = tempDir("kb-tied-root-");
  mkdirSync(join(root, "notes"), { recursive: true });
  writeFileSync(join(root, "kb.toml"), kbToml);
  for (let i = 0; i < NOTES; i++) {
    const name = `n${String(i).padStart(2, "0")}`;
    const words = i < 6 ? "setup kafka" : "kafka setup";
    writeFileSync(join(root, "notes", `${name}.md`), `---\ntitle: 노트\n---\n${words} log\n`);
  }
  return root;
}

/** Results of `q` and the result-data files the client fetched for it (a fresh client). */
async function run(site, q, limit) {
  const fetched = [];
  const disk = diskFetch(site, "/");
  const s = createSearch({
    base: "/",
    fetch: (url) => {
      if (String(url).includes("/d/")) fetched.push(String(url));
      return disk(url);
    },
  });
  return { results: await s.search(q, { limit }), files: new Set(fetched).size };
}

for (const pack of [1, 2]) {
  test(`tied notes: only the shown notes' result data is fetched (${pack} slot(s) a file)`, { timeout: 120_000 }, async () => {
    const root = tiedRoot(`search_result_pack = ${pack}\n`);
    const site = await buildSite(root, null);
    for (const [q, limit, first] of [
      ["kafka setup", 3, 0],
      ["kafka setup ", 5, 0],
      ['"kafka setup"', 3, 6],
      ['kafka -"kafka setup"', 4, 0],
    ]) {
      const { results, files } = await run(site, q, limit);
      const rust = JSON.parse(await kb(["search", "--json", "--root", root, "-n", String(limit), "--", q]));
      assert.deepEqual(results.map((r) => r.path), rust.map((r) => r.path), q);
      assert.equal(results.length, limit, q);
      // the notes are the first ones by path that obey the query
      assert.equal(results[0].path, `n${String(first).padStart(2, "0")}.md`, q);
      // the phrase is checked on the rows of the notes before the ones it keeps, not after
      const notesRead = first + limit;
      assert.equal(files, Math.ceil(notesRead / pack), `${q}: ${files} files`);
    }
  });
}
