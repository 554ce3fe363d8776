#!/usr/bin/env node
// Search benchmark: kb's static search export and client against Pagefind, on built kb sites.
//
//   node scripts/bench_search.mjs                 # everything; builds only what is missing
//   node scripts/bench_search.mjs --only quality  # bytes | latency | quality | build (comma-separated)
//   node scripts/bench_search.mjs --rebuild       # rebuild the kb sites and Pagefind bundles
//   node scripts/bench_search.mjs --only build --rebuild   # only (re)build and time the builds
//
// Sites (under --out, default bench-out/, git-ignored):
//   site10k     kb build of 10,000 generated notes (gen_corpus.py --notes 10000 --seed 42)
//   sitetldrko  kb build of tldr pages.ko (6,648 Korean command pages)
//   siteti      kb build of tech-interview-ko (196 Korean CS notes)
// Each gets a Pagefind bundle in <site>/_pagefind (`pagefind --site <site> --output-subdir
// _pagefind`, defaults); siteti also gets <site>/_pagefind_notes (`--root-selector article.note`,
// note pages only) for a second quality figure.
//
// Measurements (see docs/search-bench.md):
//   bytes    cold query (fresh client, empty cache per query): files fetched and their gzip size
//            (kb in Node and in Chromium; Pagefind in Chromium), with a per-file-kind breakdown
//   latency  Chromium, one page, each query run twice, the second timed (site10k, sitetldrko)
//   quality  tech-interview-ko: recall@1/3/10 and MRR, plain vs hard queries, kb vs Pagefind
//   analysis (with bytes, only when asked: --only bytes,analysis; slow) where kb's bytes go,
//            and simulated costs of other export layouts (scripts/search-bench/analyze-kb.mjs)
//
// Query time is sensitive to other load on the machine: before timing, the script waits (up
// to --load-wait seconds) for the 1-minute load average to drop below --max-load, and it
// records the load averages it saw.
//
// Prints a JSON summary; writes it to <out>/search-bench.json and per-query detail to
// <out>/search-bench-detail.json. Never runs cargo: point --kb at a built binary.

import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serveSite } from "./search-bench/server.mjs";
import { kbColdQueries, kbResults } from "./search-bench/kb-node.mjs";
import { launch, coldQueries, warmQueries, rankedUrls, urlToNoteMap } from "./search-bench/browser.mjs";
import os from "node:os";
import { analyzeKb } from "./search-bench/analyze-kb.mjs";
import { aggregate, pct, median, r2, quality, rankOf, kib } from "./search-bench/stats.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// ---------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------

const opts = {
  kb: path.join(REPO, "target/release/kb"),
  out: path.join(REPO, "bench-out"),
  gen: "/work/shared/bench/gen_corpus.py",
  tldr: "/work/shared/corpora/tldr/pages.ko",
  ti: "/work/shared/corpora/tech-interview-ko",
  pagefind: null,
  chromium: "/usr/bin/chromium",
  only: "bytes,latency,quality",
  sites: "10k,tldrko,ti",
  rebuild: false,
  limit: 10,
  "max-load": "1.0",
  "load-wait": "600",
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--help" || a === "-h") {
    const src = fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");
    console.log(src.slice(1, src.findIndex((l, i) => i > 0 && !l.startsWith("//"))).join("\n"));
    console.log("\noptions: --kb BIN --out DIR --gen gen_corpus.py --tldr DIR --ti DIR --pagefind BIN --chromium BIN\n" +
      "         --only bytes,latency,quality --sites 10k,tldrko,ti --rebuild --max-load 1.0 --load-wait 600");
    process.exit(0);
  }
  const key = a.replace(/^--/, "");
  if (key === "rebuild") opts.rebuild = true;
  else if (key in opts) opts[key] = argv[++i];
  else throw new Error(`unknown option ${a}`);
}
const only = new Set(opts.only.split(","));
const wantSites = new Set(opts.sites.split(","));
const rel = (p) => path.relative(REPO, p) || ".";
const log = (...a) => console.error("[bench]", ...a);

const SITES = {
  "10k": { root: path.join(opts.out, "kb10k"), site: path.join(opts.out, "site10k"), queries: "bench/queries/site10k.json" },
  tldrko: { root: path.join(opts.out, "tldrko"), site: path.join(opts.out, "sitetldrko"), queries: "bench/queries/tldr-ko.json", link: opts.tldr },
  ti: { root: path.join(opts.out, "tiko"), site: path.join(opts.out, "siteti"), queries: "bench/queries/tech-interview-ko.json", link: opts.ti },
};

function pagefindBin() {
  if (opts.pagefind) return [opts.pagefind];
  const local = path.join(REPO, "node_modules/@pagefind/linux-x64/bin/pagefind_extended");
  if (fs.existsSync(local)) return [local];
  return ["npx", "--no-install", "pagefind"];
}

// ---------------------------------------------------------------------------------------
// builds
// ---------------------------------------------------------------------------------------

/** Runs a command under /usr/bin/time; { ok, status, wall_s, peak_MiB, stderr }. */
function timed(cmd, args) {
  const tf = path.join(opts.out, ".bench-search-time");
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", "-o", tf, cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  const [t, m] = fs.existsSync(tf) ? fs.readFileSync(tf, "utf8").trim().split("\n").pop().split(" ") : [];
  return { status: r.status, wall_s: Number(t), peak_MiB: Math.round(Number(m) / 1024), stderr: r.stderr };
}

function dirStats(dir) {
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return { files, MiB: Math.round((bytes / 1048576) * 10) / 10 };
}

const BUILDS_FILE = () => path.join(opts.out, "search-bench-builds.json");
function loadBuilds() {
  try {
    return JSON.parse(fs.readFileSync(BUILDS_FILE(), "utf8"));
  } catch {
    return {};
  }
}

function ensureSite(name, builds) {
  const s = SITES[name];
  fs.mkdirSync(opts.out, { recursive: true });
  if (name === "10k" && !fs.existsSync(path.join(s.root, "notes"))) {
    log("generating 10k notes");
    const r = spawnSync("python3", [opts.gen, "--notes", "10000", "--seed", "42", "--out", path.join(s.root, "notes")], { stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new Error("gen_corpus.py failed");
  }
  if (s.link) {
    fs.mkdirSync(s.root, { recursive: true });
    const ln = path.join(s.root, "notes");
    if (!fs.existsSync(ln)) fs.symlinkSync(s.link, ln);
  }
  const b = (builds[name] ??= {});
  let rebuilt = false;
  if (opts.rebuild || !fs.existsSync(path.join(s.site, "search", "meta.json"))) {
    const args = ["build", "--root", s.root, "--output", s.site, "--quiet"];
    // a cold build (no incremental cache), comparable with Pagefind indexing from scratch
    fs.rmSync(path.join(s.root, ".kb"), { recursive: true, force: true });
    log("kb", args.join(" "), "(cold: .kb removed)");
    let r = timed(opts.kb, args);
    // the binary may be replaced while we run: retry once
    if (!fs.existsSync(path.join(s.site, "search", "meta.json"))) r = timed(opts.kb, args);
    if (!fs.existsSync(path.join(s.site, "search", "meta.json"))) throw new Error(`kb build failed:\n${r.stderr}`);
    b.kb = { cmd: `rm -rf ${rel(s.root)}/.kb && kb ${args.map(rel).join(" ")}`, exit: r.status, wall_s: r.wall_s, peak_MiB: r.peak_MiB, at: new Date().toISOString() };
    rebuilt = true;
  }
  const bundles = [{ dir: "_pagefind", extra: [] }];
  if (name === "ti") bundles.push({ dir: "_pagefind_notes", extra: ["--root-selector", "article.note"] });
  for (const { dir, extra } of bundles) {
    if (!rebuilt && !opts.rebuild && fs.existsSync(path.join(s.site, dir, "pagefind-entry.json"))) continue;
    const [cmd, ...pre] = pagefindBin();
    const args = [...pre, "--site", s.site, "--output-subdir", dir, ...extra, "--quiet"];
    log("pagefind", args.join(" "));
    const r = timed(cmd, args);
    if (r.status !== 0) throw new Error(`pagefind failed:\n${r.stderr}`);
    b[dir] = {
      cmd: `npx pagefind --site ${rel(s.site)} --output-subdir ${dir}${extra.length ? " " + extra.map((x) => (/\s/.test(x) ? `"${x}"` : x)).join(" ") : ""}`,
      wall_s: r.wall_s,
      peak_MiB: r.peak_MiB,
      at: new Date().toISOString(),
    };
  }
  const meta = JSON.parse(fs.readFileSync(path.join(s.site, "search", "meta.json"), "utf8"));
  b.export = {
    docs: meta.docs,
    shards: meta.shards ? meta.shards.length : meta.shardGroups.length * meta.shardGroupSize,
    lists: meta.lists.length,
    chunks: meta.chunks,
    chunkDocs: meta.chunkDocs,
    metaKiB: kib(fs.statSync(path.join(s.site, "search", "meta.json")).size),
    onDisk: dirStats(path.join(s.site, "search")),
  };
  b.pagefindOnDisk = dirStats(path.join(s.site, "_pagefind"));
  const entry = JSON.parse(fs.readFileSync(path.join(s.site, "_pagefind", "pagefind-entry.json"), "utf8"));
  b.pagefindPages = Object.values(entry.languages).reduce((a, l) => a + l.page_count, 0);
  return b;
}

// ---------------------------------------------------------------------------------------
// query sets
// ---------------------------------------------------------------------------------------

const readQueries = (file) => JSON.parse(fs.readFileSync(path.join(REPO, file), "utf8"));

/** Checks a quality set against the corpus: expected notes exist, `absent` forms are absent. */
function checkQualitySet(qs, notesDir) {
  const problems = [];
  for (const x of qs) {
    for (const e of x.expect) {
      const f = path.join(notesDir, e);
      if (!fs.existsSync(f)) {
        problems.push(`${x.q}: no note ${e}`);
        continue;
      }
      if (x.absent && fs.readFileSync(f, "utf8").toLowerCase().includes(x.absent.toLowerCase())) {
        problems.push(`${x.q}: "${x.absent}" occurs in ${e}`);
      }
    }
  }
  return problems;
}

/** Waits until the 1-minute load average is below --max-load (or --load-wait passes). */
async function waitForQuiet() {
  const until = Date.now() + Number(opts["load-wait"]) * 1000;
  while (os.loadavg()[0] >= Number(opts["max-load"]) && Date.now() < until) {
    log(`waiting for a quiet machine (load ${os.loadavg()[0].toFixed(2)})`);
    await new Promise((r) => setTimeout(r, 15000));
  }
  return os.loadavg().map(r2);
}

// ---------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------

const summary = { date: new Date().toISOString(), kb: rel(opts.kb), pagefind: null, sites: {}, bytes: {}, latency: {}, quality: {} };
const detail = { bytes: {}, latency: {}, quality: {} };

const pfv = spawnSync(pagefindBin()[0], [...pagefindBin().slice(1), "--version"], { encoding: "utf8" });
summary.pagefind = (pfv.stdout || "").trim();

const builds = loadBuilds();
if (only.has("build")) summary.loadBeforeBuilds = await waitForQuiet();
for (const name of Object.keys(SITES)) {
  if (!wantSites.has(name)) continue;
  if (!only.has("build") && (name === "ti" ? !only.has("quality") : !(only.has("bytes") || only.has("latency")))) continue;
  summary.sites[name] = ensureSite(name, builds);
  fs.writeFileSync(BUILDS_FILE(), JSON.stringify(builds, null, 1));
}

const browser = await launch(opts.chromium);
try {
  for (const name of ["10k", "tldrko"]) {
    if (!summary.sites[name]) continue;
    const s = SITES[name];
    const qs = readQueries(s.queries);
    const server = await serveSite(s.site);
    try {
      if (only.has("bytes")) {
        log(`bytes ${name}: kb in Node`);
        const node = await kbColdQueries(s.site, qs, { limit: opts.limit });
        log(`bytes ${name}: kb in Chromium`);
        const kbBr = await coldQueries(browser, server, "kb", qs, { limit: opts.limit });
        log(`bytes ${name}: Pagefind in Chromium`);
        const pfBr = await coldQueries(browser, server, "_pagefind", qs, { limit: opts.limit });
        // Node and browser kb runs must fetch the same files
        const mismatch = node.filter((x, i) => {
          const a = x.files.filter((f) => f.kind !== "kb:code").map((f) => f.path).sort().join();
          const b = kbBr[i].files.filter((f) => f.kind !== "kb:code").map((f) => f.path).sort().join();
          return a !== b;
        }).map((x) => x.q);
        const byQueryKind = {};
        for (const k of [...new Set(qs.map((q) => q.kind))]) {
          const idx = qs.map((q, i) => (q.kind === k ? i : -1)).filter((i) => i >= 0);
          byQueryKind[k] = {
            kbMedianKiB: kib(median(idx.map((i) => node[i].files.filter((f) => f.kind !== "kb:code").reduce((a, f) => a + f.sent, 0)))),
            pagefindMedianKiB: kib(median(idx.map((i) => pfBr[i].files.filter((f) => f.kind !== "pf:code").reduce((a, f) => a + f.sent, 0)))),
          };
        }
        summary.bytes[name] = {
          queries: qs.length,
          kbNode: aggregate(node),
          kbBrowser: aggregate(kbBr),
          pagefindBrowser: aggregate(pfBr),
          byQueryKind,
          kbNodeBrowserMismatch: mismatch,
        };
        const top = (rows, code) =>
          rows.map((x) => ({
            q: x.q,
            kind: x.kind,
            KiB: kib(x.files.filter((f) => !f.kind.endsWith(":code")).reduce((a, f) => a + f.sent, 0)),
            files: x.files.filter((f) => !f.kind.endsWith(":code")).map((f) => `${f.kind} ${f.path.replace(/^.*\//, "")} ${f.sent}`),
            top3: (x.results ?? x.paths ?? x.urls ?? []).slice(0, 3),
          }));
        detail.bytes[name] = { kb: top(node), pagefind: top(pfBr) };
        if (only.has("analysis")) {
          log(`bytes ${name}: kb layout analysis`);
          const an = await analyzeKb(s.site, qs);
          summary.bytes[name].kbAnalysis = an.summary;
          detail.bytes[name].kbAnalysis = an.perQuery;
        }
      }
      if (only.has("latency")) {
        const lat = { loadBefore: await waitForQuiet() };
        for (const engine of ["kb", "_pagefind"]) {
          log(`latency ${name}: ${engine}`);
          const rows = await warmQueries(browser, server, engine, qs, { limit: opts.limit });
          const ms = rows.map((r) => r.ms);
          lat[engine === "kb" ? "kb" : "pagefind"] = {
            n: rows.length,
            p50: r2(pct(ms, 50)),
            p95: r2(pct(ms, 95)),
            max: r2(Math.max(...ms)),
            ...(engine !== "kb" && {
              searchOnlyP50: r2(pct(rows.map((r) => r.searchMs), 50)),
              searchOnlyP95: r2(pct(rows.map((r) => r.searchMs), 95)),
            }),
          };
          (detail.latency[name] ??= {})[engine] = rows.map((r) => ({ q: r.q, ms: r2(r.ms), searchMs: r2(r.searchMs) }));
        }
        lat.loadAfter = os.loadavg().map(r2);
        summary.latency[name] = lat;
      }
    } finally {
      await server.close();
    }
  }

  if (only.has("quality") && summary.sites.ti) {
    const s = SITES.ti;
    const qs = readQueries(s.queries);
    const problems = checkQualitySet(qs, path.join(s.root, "notes"));
    log("quality: kb search CLI");
    const cli = qs.map(({ q }) => {
      let r = spawnSync(opts.kb, ["search", "--json", "--root", s.root, "-n", String(opts.limit), q], { encoding: "utf8" });
      if (r.status !== 0) r = spawnSync(opts.kb, ["search", "--json", "--root", s.root, "-n", String(opts.limit), q], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`kb search failed: ${r.stderr}`);
      return JSON.parse(r.stdout).map((x) => x.path);
    });
    log("quality: kb JS client in Node (parity)");
    const js = await kbResults(s.site, qs, { limit: opts.limit });
    const parity = qs.filter((_, i) => cli[i].join("\n") !== js[i].join("\n")).map((x) => x.q);
    const server = await serveSite(s.site);
    const map = urlToNoteMap(s.site);
    const pf = {};
    try {
      for (const bundle of ["_pagefind", "_pagefind_notes"]) {
        log(`quality: Pagefind ${bundle}`);
        const urls = await rankedUrls(browser, server, bundle, qs, { limit: opts.limit });
        pf[bundle] = urls.map((us) => us.map((u) => map.get(u) ?? `(page) ${decodeURIComponent(u)}`));
      }
    } finally {
      await server.close();
    }
    const rows = (lists) => qs.map((x, i) => ({ q: x.q, kind: x.kind, why: x.why, rank: rankOf(lists[i], x.expect) }));
    summary.quality = {
      queries: qs.length,
      plain: qs.filter((x) => x.kind === "plain").length,
      hard: qs.filter((x) => x.kind === "hard").length,
      querySetProblems: problems,
      kbCliVsJsMismatch: parity,
      kb: quality(rows(cli)),
      pagefind: quality(rows(pf._pagefind)),
      pagefindNotesOnly: quality(rows(pf._pagefind_notes)),
    };
    detail.quality = qs.map((x, i) => ({
      q: x.q,
      kind: x.kind,
      why: x.why,
      expect: x.expect,
      kbRank: rankOf(cli[i], x.expect),
      pagefindRank: rankOf(pf._pagefind[i], x.expect),
      pagefindNotesRank: rankOf(pf._pagefind_notes[i], x.expect),
      kbTop3: cli[i].slice(0, 3),
      pagefindTop3: pf._pagefind[i].slice(0, 3),
    }));
  }
} finally {
  await browser.close();
}

fs.writeFileSync(path.join(opts.out, "search-bench.json"), JSON.stringify(summary, null, 1));
fs.writeFileSync(path.join(opts.out, "search-bench-detail.json"), JSON.stringify(detail, null, 1));
console.log(JSON.stringify(summary, null, 1));
