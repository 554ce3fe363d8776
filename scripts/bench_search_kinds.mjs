// Quality of the three query kinds of issue 16 on corpora nobody here wrote, kb against Pagefind:
// Latin words joined or spaced unlike the notes (bench/queries/latin-joined.json), Korean
// spellings of names the notes write in Latin letters (hangul-latin.json), Latin spellings of
// words the notes write in Hangul (latin-hangul.json), and operators (operators.json). Each query
// names the notes that answer it (`expect`).
//
//   node scripts/bench_search_kinds.mjs [--kb BIN] [--out DIR] [--pagefind BIN] [--rebuild] [--no-pagefind]
//
// Per set: recall@3 (an expected note in the top 3), top-1 precision (the first result is an
// expected note, over the queries that return anything), answered (queries with a result) and,
// for operators, precision@10 (the share of the top 10 that are expected notes: the expected
// set of an operator query is every note that obeys its operators and holds its words).
// kb's results come from `kb search --json`; Pagefind's from its default bundle
// (`pagefind --site <site> --output-subdir _pagefind`) in Chromium, the same query typed.
// Writes <out>/kinds.json and prints it. Never runs cargo.

import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { launch, rankedUrls, urlToNoteMap } from "./search-bench/browser.mjs";
import { serveSite } from "./search-bench/server.mjs";
import { r3 } from "./search-bench/stats.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const opts = {
  kb: path.join(REPO, "target/release/kb"),
  out: path.join(REPO, "bench-out/kinds"),
  chromium: "/usr/bin/chromium",
  rebuild: false,
  pagefind: true,
  pagefindBin: null,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--rebuild") opts.rebuild = true;
  else if (a === "--no-pagefind") opts.pagefind = false;
  else if (a === "--pagefind") opts.pagefindBin = argv[++i];
  else if (a === "--help" || a === "-h") {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n\n")[0]);
    process.exit(0);
  } else opts[a.replace(/^--/, "")] = argv[++i];
}

// where each corpus named by the query sets lives
const CORPORA = {
  "tech-interview-ko": "/work/shared/corpora/tech-interview-ko",
  "songyunseop-til-vault/til": "/work/vaults/songyunseop-til-vault/til",
};
const SETS = ["latin-joined", "hangul-latin", "latin-hangul", "operators"];

const log = (...a) => console.error("#", ...a);
const slug = (c) => c.replace(/[^a-z0-9]+/gi, "-");

function pagefindBin() {
  if (opts.pagefindBin) return [opts.pagefindBin];
  const local = path.join(REPO, "node_modules/@pagefind/linux-x64/bin/pagefind_extended");
  return fs.existsSync(local) ? [local] : ["npx", "--no-install", "pagefind"];
}

/** Builds the kb site of a corpus (a root whose notes/ links to it) and its Pagefind bundle. */
function ensureSite(corpus) {
  const root = path.join(opts.out, slug(corpus));
  const site = path.join(opts.out, slug(corpus) + "-site");
  fs.mkdirSync(root, { recursive: true });
  const link = path.join(root, "notes");
  if (!fs.existsSync(link)) fs.symlinkSync(CORPORA[corpus], link);
  if (opts.rebuild || !fs.existsSync(path.join(site, "search", "meta.json"))) {
    log("kb build", corpus);
    fs.rmSync(path.join(root, ".kb"), { recursive: true, force: true });
    spawnSync(opts.kb, ["build", "--root", root, "--output", site, "--quiet"], { stdio: "ignore" });
    if (!fs.existsSync(path.join(site, "search", "meta.json"))) throw new Error(`kb build failed for ${corpus}`);
  }
  if (opts.pagefind && (opts.rebuild || !fs.existsSync(path.join(site, "_pagefind", "pagefind-entry.json")))) {
    log("pagefind", corpus);
    const [cmd, ...pre] = pagefindBin();
    const r = spawnSync(cmd, [...pre, "--site", site, "--output-subdir", "_pagefind"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`pagefind failed: ${r.stderr}`);
  }
  return { root, site };
}

function kbRanked(root, q) {
  const r = spawnSync(opts.kb, ["search", "--json", "--root", root, "-n", "10", "--", q], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`kb search failed: ${r.stderr}`);
  return JSON.parse(r.stdout).map((h) => h.path);
}

/** The figures of one engine over one set's queries (`lists`: ranked note paths per query). */
function figures(qs, lists) {
  const answered = lists.filter((l) => l.length > 0).length;
  const inTop = (l, x, k) => l.slice(0, k).some((p) => x.expect.includes(p));
  const out = {
    n: qs.length,
    answered,
    recallAt3: r3(qs.filter((x, i) => inTop(lists[i], x, 3)).length / qs.length),
    top1Precision: answered ? r3(qs.filter((x, i) => lists[i].length && x.expect.includes(lists[i][0])).length / answered) : null,
  };
  if (qs.some((x) => x.kind === "operator")) {
    const shown = lists.reduce((a, l) => a + l.length, 0);
    const right = qs.reduce((a, x, i) => a + lists[i].filter((p) => x.expect.includes(p)).length, 0);
    out.precisionAt10 = shown ? r3(right / shown) : null;
  }
  return out;
}

const summary = { date: new Date().toISOString(), kb: path.relative(REPO, opts.kb), sets: {} };
const detail = {};
const browser = opts.pagefind ? await launch(opts.chromium) : null;
try {
  for (const name of SETS) {
    const qs = JSON.parse(fs.readFileSync(path.join(REPO, "bench/queries", name + ".json"), "utf8"));
    const kb = [];
    const pf = [];
    for (const corpus of [...new Set(qs.map((x) => x.corpus))]) {
      const { root, site } = ensureSite(corpus);
      const part = qs.filter((x) => x.corpus === corpus);
      const kbLists = part.map((x) => kbRanked(root, x.q));
      let pfLists = part.map(() => []);
      if (browser) {
        const server = await serveSite(site);
        try {
          const map = urlToNoteMap(site);
          const urls = await rankedUrls(browser, server, "_pagefind", part, { limit: 10 });
          pfLists = urls.map((us) => us.map((u) => map.get(u) ?? `(page) ${u}`));
        } finally {
          await server.close();
        }
      }
      part.forEach((x, i) => {
        kb[qs.indexOf(x)] = kbLists[i];
        pf[qs.indexOf(x)] = pfLists[i];
      });
    }
    const byKind = {};
    for (const kind of [...new Set(qs.map((x) => x.kind))]) {
      const idx = qs.map((x, i) => (x.kind === kind ? i : -1)).filter((i) => i >= 0);
      byKind[kind] = {
        kb: figures(idx.map((i) => qs[i]), idx.map((i) => kb[i])),
        ...(browser ? { pagefind: figures(idx.map((i) => qs[i]), idx.map((i) => pf[i])) } : {}),
      };
    }
    summary.sets[name] = { kb: figures(qs, kb), ...(browser ? { pagefind: figures(qs, pf) } : {}), byKind };
    detail[name] = qs.map((x, i) => ({ q: x.q, kind: x.kind, kbTop3: kb[i].slice(0, 3), pagefindTop3: pf[i].slice(0, 3), kbOk: kb[i].slice(0, 3).some((p) => x.expect.includes(p)), pagefindOk: pf[i].slice(0, 3).some((p) => x.expect.includes(p)) }));
  }
} finally {
  if (browser) await browser.close();
}
fs.mkdirSync(opts.out, { recursive: true });
fs.writeFileSync(path.join(opts.out, "kinds.json"), JSON.stringify({ summary, detail }, null, 1));
console.log(JSON.stringify(summary, null, 1));
