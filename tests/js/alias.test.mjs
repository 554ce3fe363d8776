// Alias entries of the term shards (format 10, src/search/export/alias.rs): the bigrams of a
// Korean word that only occurs whole have identical posting lists; the export writes the list
// once and the other bigrams name its term. The client follows the alias and ranks exactly as
// `kb search`, and a query for the word downloads the postings once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSearch } from "../../static/search.js";
import { kb, buildSite, diskFetch, tempDir } from "./helpers.mjs";

const ALIAS = 0x40;

/** A root whose every section holds 트러블슈팅, with lengths varied so the norms differ. */
function root() {
  const dir = tempDir("kb-alias-root-");
  mkdirSync(join(dir, "notes"), { recursive: true });
  const words = ["Redis", "Kafka", "캐시", "브로커", "retry", "설정", "장애", "로그"];
  for (let i = 0; i < 600; i++) {
    let s = `# 노트 ${i}\n\n트러블슈팅 ${words[i % 8]}\n`;
    for (let j = 0; j < 10; j++) {
      const extra = Array.from({ length: (i * 7 + j * 3) % 23 }, (_, k) => words[(i + j + k) % 8]).join(" ");
      s += `\n## 섹션 ${j}\n\n트러블슈팅 ${extra}\n`;
    }
    writeFileSync(join(dir, "notes", `n${String(i).padStart(3, "0")}.md`), s);
  }
  return dir;
}

/** The terms of the shard files holding one alias entry each: [term, the term it names]. */
function aliases(site) {
  const meta = JSON.parse(readFileSync(join(site, "search/meta.json"), "utf8"));
  const dir = join(site, "search", meta.shardDir);
  const out = [];
  for (const f of readdirSync(dir)) {
    const b = readFileSync(join(dir, f));
    if (b[4] !== 1) continue;
    const len = b[5];
    if (b[6 + len] !== ALIAS) continue;
    const dec = new TextDecoder();
    const term = dec.decode(b.subarray(6, 6 + len));
    const n = b[7 + len];
    out.push([term, dec.decode(b.subarray(8 + len, 8 + len + n))]);
  }
  return out.sort();
}

test("identical bigram lists are written once; the client follows the aliases", { timeout: 120_000 }, async () => {
  const dir = root();
  const site = await buildSite(dir, null);
  const found = aliases(site);
  // 러블 is the smallest of 트러, 러블, 블슈 and 슈팅 in byte order: it holds the postings (the
  // bigrams of 브로커 alias 로커 likewise)
  for (const pair of [["블슈", "러블"], ["슈팅", "러블"], ["트러", "러블"], ["브로", "로커"]]) {
    assert.ok(found.some((f) => f[0] === pair[0] && f[1] === pair[1]), `${pair}: ${JSON.stringify(found)}`);
  }
  assert.ok(found.every(([a, b]) => b < a), JSON.stringify(found));
  for (const q of ["트러블슈팅", "트러블슈팅 Kafka", "블슈", "트러블 캐시"]) {
    const fetched = [];
    const disk = diskFetch(site, "/");
    const s = createSearch({ base: "/", fetch: (url) => (fetched.push(String(url)), disk(url)) });
    const js = await s.search(q, { limit: 10 });
    const rust = JSON.parse(await kb(["search", "--json", "--root", dir, "-n", "10", "--", q]));
    assert.deepEqual(js.map((r) => [r.path, r.score]), rust.map((r) => [r.path, r.score]), q);
    assert.ok(js.length > 0, q);
    // every shard file once: the aliases' files are small, the postings' file is read once
    assert.equal(new Set(fetched).size, fetched.length, q);
  }
});
