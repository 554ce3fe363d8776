// Where kb's cold-query bytes go, and what other export layouts would cost, computed from a
// built site's `search/` files and the query set (no rebuild needed):
//
// - terms: the term entries a query actually reads vs the shards it downloads; the cost of
//   the same queries with the term stream re-packed into shards of other target sizes (and
//   what that does to meta.json, which lists every shard's first term);
// - lists: the same for the term lists (prefix expansion), and the cost of a query that is
//   not being typed (trailing space: no prefix expansion);
// - result data: chunks fetched vs chunks holding the shown sections; the cost of note-aligned
//   result files (one file per note: no neighbour probing), with the text cut shorter.
//
// All sizes are gzip level 6 of the file bytes, as in the main benchmark.

import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { loadClient, kbColdQueries } from "./kb-node.mjs";
import { median, pct, kib } from "./stats.mjs";

const gz = (buf) => zlib.gzipSync(buf, { level: 6 }).length;
const enc = new TextEncoder();
const dec = new TextDecoder();

function varintAt(b, p) {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[p++];
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return [v, p];
    mul *= 128;
  }
}
function varintBytes(v) {
  const out = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** All term entries of a shard file: [{ term, bytes (Uint8Array of the whole entry) }]. */
// Entries of a shard, each re-encoded in format 2's interleaved layout (delta, tf, norm per
// posting) when the export is format 3 (columns), so the simulations below read one layout.
function shardEntries(buf, nfields, columns = false) {
  let p = 4;
  let count;
  [count, p] = varintAt(buf, p);
  const out = [];
  for (let t = 0; t < count; t++) {
    const start = p;
    let len;
    [len, p] = varintAt(buf, p);
    const term = dec.decode(buf.subarray(p, p + len));
    p += len;
    const mask = buf[p++];
    if (mask & 0x80) {
      // format 5: a range-coded entry (counts, then one coded stream) is kept as it is
      for (let k = 0; k < nfields; k++) {
        if (!(mask & (1 << k))) continue;
        [, p] = varintAt(buf, p);
        [, p] = varintAt(buf, p);
      }
      let len;
      [len, p] = varintAt(buf, p);
      p += len;
      out.push({ term, bytes: buf.subarray(start, p) });
      continue;
    }
    const inter = [...buf.subarray(start, p)];
    for (let k = 0; k < nfields; k++) {
      if (!(mask & (1 << k))) continue;
      let n;
      let df;
      [df, p] = varintAt(buf, p);
      [n, p] = varintAt(buf, p);
      inter.push(...varintBytes(df), ...varintBytes(n));
      if (columns) {
        const d = [];
        const tf = [];
        for (let i = 0; i < n; i++) [d[i], p] = varintAt(buf, p);
        for (let i = 0; i < n; i++) [tf[i], p] = varintAt(buf, p);
        for (let i = 0; i < n; i++) inter.push(...varintBytes(d[i]), ...varintBytes(tf[i]), buf[p + i]);
        p += n;
      } else {
        for (let i = 0; i < n; i++) {
          [, p] = varintAt(buf, p);
          [, p] = varintAt(buf, p);
          p++;
        }
      }
    }
    out.push({ term, bytes: columns ? Uint8Array.from(inter) : buf.subarray(start, p) });
  }
  return out;
}

function listEntries(buf) {
  let p = 4;
  let count;
  [count, p] = varintAt(buf, p);
  const out = [];
  for (let i = 0; i < count; i++) {
    const start = p;
    let len;
    [len, p] = varintAt(buf, p);
    const term = dec.decode(buf.subarray(p, p + len));
    p += len;
    let df;
    [df, p] = varintAt(buf, p);
    out.push({ term, df, bytes: buf.subarray(start, p) });
  }
  return out;
}

/** The same entry with each field's postings stored column by column (deltas, tfs, norms). */
function columnar(entry, nfields) {
  const b = entry.bytes;
  let p = 0;
  let len;
  [len, p] = varintAt(b, p);
  const out = [...b.subarray(0, p + len)];
  p += len;
  const mask = b[p++];
  out.push(mask);
  for (let k = 0; k < nfields; k++) {
    if (!(mask & (1 << k))) continue;
    let df;
    let n;
    [df, p] = varintAt(b, p);
    [n, p] = varintAt(b, p);
    const d = [];
    const t = [];
    const f = [];
    for (let i = 0; i < n; i++) {
      let x;
      [x, p] = varintAt(b, p);
      d.push(...varintBytes(x));
      [x, p] = varintAt(b, p);
      t.push(...varintBytes(x));
      f.push(b[p++]);
    }
    out.push(...varintBytes(df), ...varintBytes(n), ...d, ...t, ...f);
  }
  return { term: entry.term, bytes: Uint8Array.from(out) };
}

/** The same entry with postings merged per note (note ordinal delta, summed tf, one norm byte). */
function perNote(entry, nfields, noteOf) {
  const b = entry.bytes;
  let p = 0;
  let len;
  [len, p] = varintAt(b, p);
  const out = [...b.subarray(0, p + len)];
  p += len;
  const mask = b[p++];
  out.push(mask);
  for (let k = 0; k < nfields; k++) {
    if (!(mask & (1 << k))) continue;
    let df;
    let n;
    [df, p] = varintAt(b, p);
    [n, p] = varintAt(b, p);
    const notes = [];
    let d = 0;
    for (let i = 0; i < n; i++) {
      let x;
      [x, p] = varintAt(b, p);
      d += x;
      let tf;
      [tf, p] = varintAt(b, p);
      const norm = b[p++];
      const nt = noteOf[d];
      const last = notes[notes.length - 1];
      if (last && last[0] === nt) last[1] += tf;
      else notes.push([nt, tf, norm]);
    }
    const body = [];
    let prev = 0;
    for (const [nt, tf, norm] of notes) {
      body.push(...varintBytes(nt - prev), ...varintBytes(tf), norm);
      prev = nt;
    }
    out.push(...varintBytes(df), ...varintBytes(notes.length), ...body);
  }
  return { term: entry.term, bytes: Uint8Array.from(out) };
}

/** Packs entries into files of about `target` raw bytes: [{ first, gz, raw, terms:Set }]. */
function repack(entries, magic, target) {
  const files = [];
  let cur = [];
  let size = 0;
  const flush = () => {
    if (!cur.length) return;
    const head = [...enc.encode(magic), ...varintBytes(cur.length)];
    const buf = Buffer.concat([Buffer.from(head), ...cur.map((e) => Buffer.from(e.bytes))]);
    files.push({ first: cur[0].term, gz: gz(buf), raw: buf.length, terms: new Set(cur.map((e) => e.term)) });
    cur = [];
    size = 0;
  };
  for (const e of entries) {
    cur.push(e);
    size += e.bytes.length;
    if (size >= target) flush();
  }
  flush();
  return files;
}

export async function analyzeKb(siteDir, queries, { shardTargets = [4096, 8192, 16384, 24576], listTargets = [2048, 4096, 8192], textCuts = [400, 200] } = {}) {
  const dir = path.join(siteDir, "search");
  const metaBuf = fs.readFileSync(path.join(dir, "meta.json"));
  const meta = JSON.parse(metaBuf);
  // format 3 keeps the shard first terms in group files; the simulations want them all
  if (!meta.shards) {
    meta.shards = meta.shardGroups.flatMap((_, g) =>
      JSON.parse(fs.readFileSync(path.join(dir, meta.shardGroupDir, `${g}.json`), "utf8")));
  }
  const nf = meta.fields.length;
  const mod = await loadClient(siteDir);
  const { parseQuery, prefixUpper, cmpStr, withinOneEdit } = mod;

  // the whole term stream, in order
  const shardFiles = meta.shards.map((_, i) => fs.readFileSync(path.join(dir, meta.shardDir, `${i}.bin`)));
  const perShard = shardFiles.map((b) => shardEntries(b, nf, meta.format >= 3));
  const entries = perShard.flat();
  const entryOf = new Map(entries.map((e) => [e.term, e]));
  const shardOfTerm = new Map();
  perShard.forEach((es, i) => {
    for (const e of es) shardOfTerm.set(e.term, i);
  });
  const shardGz = shardFiles.map(gz);
  const listFiles = meta.lists.map((_, i) => fs.readFileSync(path.join(dir, meta.listDir, `${i}.bin`)));
  const lists = listFiles.flatMap((b) => listEntries(b));
  const listGz = listFiles.map(gz);
  const listOfTerm = new Map();
  listFiles.forEach((b, i) => {
    for (const e of listEntries(b)) listOfTerm.set(e.term, i);
  });

  // the terms a query reads (mirror of resolveWord in static/search.js) and the list entries
  // its prefix/fuzzy expansion scans
  const termsInRange = (lo, hi) => lists.filter((e) => cmpStr(e.term, lo) >= 0 && (hi === null || cmpStr(e.term, hi) < 0));
  const topByDf = (c) =>
    c.filter((e) => e.df > 0).sort((a, b) => b.df - a.df || cmpStr(a.term, b.term)).slice(0, meta.maxExpansions).map((e) => e.term);
  function resolve(q) {
    const terms = new Set();
    const ranges = [];
    for (const w of parseQuery(q)) {
      const n = w.tokens.length;
      const out = w.tokens.map((t, i) => {
        if (w.prefix && i + 1 === n) {
          ranges.push([t, prefixUpper(t)]);
          const top = topByDf(termsInRange(t, prefixUpper(t)));
          return top.length ? top : [t];
        }
        return [t];
      });
      const t0 = w.tokens[0];
      const cps = Array.from(t0);
      if (n === 1 && cps.length >= 5 && /^[\p{Alphabetic}\p{N}]+$/u.test(t0)) {
        if (!out[0].some((x) => entryOf.has(x))) {
          ranges.push([cps[0], prefixUpper(cps[0])]);
          const top = topByDf(termsInRange(cps[0], prefixUpper(cps[0])).filter((e) => withinOneEdit(e.term, t0)));
          if (top.length) out[0] = top;
        }
      }
      for (const ts of out) for (const t of ts) terms.add(t);
    }
    return { terms: [...terms].filter((t) => entryOf.has(t)), lookups: [...terms], ranges };
  }

  // simulated layouts
  const simShards = Object.fromEntries(shardTargets.map((t) => [t, repack(entries, "KBS1", t)]));
  const colEntries = entries.map((e) => columnar(e, nf));
  const simCol = Object.fromEntries([...new Set([...shardTargets, 24576])].map((t) => [t, repack(colEntries, "KBS1", t)]));
  const simLists = Object.fromEntries(listTargets.map((t) => [t, repack(lists, "KBL1", t)]));
  const lookup = (files, term) => {
    let lo = 0;
    let hi = files.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpStr(files[mid].first, term) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  };
  const listsTouched = (files, ranges) => {
    const idx = new Set();
    for (const [lo, hi] of ranges) {
      const first = Math.max(0, lookup(files, lo));
      for (let i = first; i < files.length; i++) {
        if (i > first && hi !== null && cmpStr(files[i].first, hi) >= 0) break;
        idx.add(i);
      }
    }
    return [...idx];
  };
  const metaWith = (shardFirsts, listFirsts) => {
    const m = { ...meta, shards: shardFirsts ?? meta.shards, lists: listFirsts ?? meta.lists };
    return gz(Buffer.from(JSON.stringify(m)));
  };

  // result data: every row, and which ordinals belong to which note
  const rows = [];
  for (let c = 0; c < meta.chunks; c++) {
    // format 8 codes the texts after the JSON rows (readSlots of the client decodes them)
    const file = meta.format >= 8
      ? mod.readSlots(fs.readFileSync(path.join(dir, meta.chunkDir, `${c}.bin`)), meta.chunkSlots)
      : JSON.parse(fs.readFileSync(path.join(dir, meta.chunkDir, `${c}.json`), "utf8"));
    for (const slot of meta.chunkSlots > 1 || meta.format >= 8 ? file : [file]) rows.push(...slot);
  }
  const ordOf = new Map(rows.map((r, o) => [r[0] + "#" + r[4], o]));
  const noteRows = new Map();
  rows.forEach((r, o) => {
    if (!noteRows.has(r[0])) noteRows.set(r[0], []);
    noteRows.get(r[0]).push(o);
  });
  const noteFileGz = new Map();
  const noteGz = (p, cut) => {
    const key = p + "\0" + cut;
    if (!noteFileGz.has(key)) {
      const rs = noteRows.get(p).map((o) => {
        const r = rows[o];
        return cut ? [...r.slice(0, 6), r[6].slice(0, cut)] : r;
      });
      noteFileGz.set(key, gz(Buffer.from(JSON.stringify(rs))));
    }
    return noteFileGz.get(key);
  };

  const noteOf = new Int32Array(rows.length);
  {
    let nt = -1;
    let prevPath = null;
    rows.forEach((r, o) => {
      if (r[0] !== prevPath) {
        nt++;
        prevPath = r[0];
      }
      noteOf[o] = nt;
    });
  }
  const noteEntries = entries.map((e) => perNote(e, nf, noteOf));
  const noteEntryOf = new Map(noteEntries.map((e) => [e.term, e]));
  const simNote = repack(noteEntries, "KBS1", shardTargets[0]);
  const metaGz4k = metaWith(simShards[shardTargets[0]].map((f) => f.first), simLists[listTargets[0]].map((f) => f.first));

  // measured cold queries, typed (as in the benchmark) and complete (trailing space)
  const typed = await kbColdQueries(siteDir, queries);
  const complete = await kbColdQueries(siteDir, queries.map((x) => ({ ...x, q: x.q + " " })));
  const sent = (x, kind) => x.files.filter((f) => f.kind === kind).reduce((a, f) => a + f.sent, 0);
  const data = (x) => x.files.filter((f) => f.kind !== "kb:code").reduce((a, f) => a + f.sent, 0);

  // per-query full results (sections) for the result-data analysis
  const perQuery = [];
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i].q;
    const s = mod.createSearch({
      base: "/",
      fetch: async (url) => {
        const buf = fs.readFileSync(path.join(siteDir, decodeURIComponent(url)));
        return { ok: true, json: async () => JSON.parse(buf), arrayBuffer: async () => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) };
      },
    });
    const res = await s.search(q, { limit: 10 });
    const shown = res.flatMap((r) => r.sections.map((sec) => ordOf.get(r.path + "#" + sec.anchor)));
    const shownChunks = new Set(shown.map((o) => Math.floor(o / meta.chunkDocs / (meta.chunkSlots || 1))));
    const fetchedChunks = typed[i].files.filter((f) => f.kind === "kb:chunk");
    const { terms, lookups, ranges } = resolve(q);
    const neededShards = new Set(terms.map((t) => shardOfTerm.get(t)));
    const entryRaw = terms.reduce((a, t) => a + entryOf.get(t).bytes.length, 0);
    const entryGz = terms.length ? gz(Buffer.concat(terms.map((t) => Buffer.from(entryOf.get(t).bytes)))) : 0;
    const row = {
      q,
      kind: queries[i].kind,
      total: data(typed[i]),
      complete: data(complete[i]),
      meta: sent(typed[i], "kb:meta"),
      list: sent(typed[i], "kb:list"),
      shard: sent(typed[i], "kb:shard"),
      chunk: sent(typed[i], "kb:chunk"),
      terms: terms.length,
      shardsNeeded: neededShards.size,
      shardFetched: typed[i].files.filter((f) => f.kind === "kb:shard").length,
      termEntriesGz: entryGz,
      termEntriesRaw: entryRaw,
      chunksFetched: fetchedChunks.length,
      chunksShown: shownChunks.size,
      chunkShownGz: [...shownChunks].reduce((a, c) => a + gz(fs.readFileSync(path.join(dir, meta.chunkDir, `${c}.${meta.format >= 8 ? "bin" : "json"}`))), 0),
      noteAlignedGz: res.reduce((a, r) => a + noteGz(r.path, 0), 0),
    };
    for (const t of shardTargets) {
      const files = simShards[t];
      row["shard" + t] = [...new Set(lookups.map((x) => lookup(files, x)).filter((j) => j >= 0))].reduce((a, j) => a + files[j].gz, 0);
    }
    for (const t of [...new Set([...shardTargets, 24576])]) {
      const files = simCol[t];
      row["col" + t] = [...new Set(lookups.map((x) => lookup(files, x)).filter((j) => j >= 0))].reduce((a, j) => a + files[j].gz, 0);
    }
    for (const t of listTargets) {
      const files = simLists[t];
      row["list" + t] = listsTouched(files, ranges).reduce((a, j) => a + files[j].gz, 0);
    }
    row.noteEntriesGz = terms.length ? gz(Buffer.concat(terms.map((t) => Buffer.from(noteEntryOf.get(t).bytes)))) : 0;
    row.noteShard4k = [...new Set(lookups.map((x) => lookup(simNote, x)).filter((j) => j >= 0))].reduce((a, j) => a + simNote[j].gz, 0);
    row.combinedNotePostings = metaGz4k + row["list" + listTargets[0]] + row.noteShard4k + row.noteAlignedGz;
    row.combined = metaGz4k + row["list" + listTargets[0]] + row["shard" + shardTargets[0]] + row.noteAlignedGz;
    row.combinedColumnar = metaGz4k + row["list" + listTargets[0]] + row["col" + shardTargets[0]] + row.noteAlignedGz;
    for (const c of textCuts) row["noteAligned" + c] = res.reduce((a, r) => a + noteGz(r.path, c), 0);
    perQuery.push(row);
  }

  const sum = (k) => ({ median: kib(median(perQuery.map((r) => r[k]))), p90: kib(pct(perQuery.map((r) => r[k]), 90)), max: kib(Math.max(...perQuery.map((r) => r[k]))) });
  const out = {
    current: {
      total: sum("total"),
      meta: sum("meta"),
      list: sum("list"),
      shard: sum("shard"),
      chunk: sum("chunk"),
      metaGzKiB: kib(gz(metaBuf)),
      shardCount: shardFiles.length,
      shardMedianGzKiB: kib(median(shardGz)),
      shardMaxGzKiB: kib(Math.max(...shardGz)),
      listCount: listFiles.length,
      listMedianGzKiB: kib(median(listGz)),
      terms: entries.length,
      biggestTermEntries: [...entries].sort((a, b) => b.bytes.length - a.bytes.length).slice(0, 5).map((e) => `${e.term} ${kib(e.bytes.length)}KiB`),
    },
    notTyping: { total: sum("complete") },
    terms: {
      termsPerQuery: median(perQuery.map((r) => r.terms)),
      shardsPerQuery: median(perQuery.map((r) => r.shardFetched)),
      neededEntriesGz: sum("termEntriesGz"),
      neededEntriesGzIfNoteLevel: sum("noteEntriesGz"),
      usefulShareOfShardBytes: Math.round((perQuery.reduce((a, r) => a + r.termEntriesGz, 0) / perQuery.reduce((a, r) => a + r.shard, 0)) * 1000) / 1000,
      repacked: Object.fromEntries(shardTargets.map((t) => [
        `${t / 1024}KiB`,
        { shards: simShards[t].length, shard: sum("shard" + t), metaGzKiB: kib(metaWith(simShards[t].map((f) => f.first), null)) },
      ])),
    },
    columnarPostings: Object.fromEntries([...new Set([...shardTargets, 24576])].map((t) => [`${t / 1024}KiB`, { shard: sum("col" + t) }])),
    lists: {
      repacked: Object.fromEntries(listTargets.map((t) => [
        `${t / 1024}KiB`,
        { lists: simLists[t].length, list: sum("list" + t) },
      ])),
    },
    resultData: {
      chunksFetchedPerQuery: median(perQuery.map((r) => r.chunksFetched)),
      chunksHoldingShownSections: median(perQuery.map((r) => r.chunksShown)),
      shownChunksOnly: sum("chunkShownGz"),
      noteAligned: sum("noteAlignedGz"),
      ...Object.fromEntries(textCuts.map((c) => [`noteAlignedText${c}`, sum("noteAligned" + c)])),
    },
    combined: {
      layout: `shards ${shardTargets[0] / 1024} KiB, lists ${listTargets[0] / 1024} KiB, one result file per note, meta with all first terms`,
      metaGzKiB: kib(metaGz4k),
      total: sum("combined"),
      totalColumnarPostings: sum("combinedColumnar"),
      totalNoteLevelPostings: sum("combinedNotePostings"),
    },
  };
  return { summary: out, perQuery };
}
