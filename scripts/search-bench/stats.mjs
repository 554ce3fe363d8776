// Small statistics and classification helpers for the search benchmark.

/** Nearest-rank percentile (p in 0..100) of numbers. */
export function pct(xs, p) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.max(0, Math.ceil((p / 100) * s.length) - 1);
  return s[k];
}

export const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export const kib = (n) => (n == null ? null : Math.round((n / 1024) * 10) / 10);
export const r2 = (n) => (n == null ? null : Math.round(n * 100) / 100);
export const r3 = (n) => (n == null ? null : Math.round(n * 1000) / 1000);

/** Summary of byte totals: median, p90, max (bytes and KiB). */
export function bytesSummary(xs) {
  return {
    n: xs.length,
    median: median(xs),
    p90: pct(xs, 90),
    max: Math.max(...xs),
    medianKiB: kib(median(xs)),
    p90KiB: kib(pct(xs, 90)),
    maxKiB: kib(Math.max(...xs)),
  };
}

/** Kind of a file fetched by a search client, from its URL path. */
export function fileKind(p) {
  if (/\/search\/meta\.json$/.test(p)) return "kb:meta";
  if (/\/search\/t\/[^/]+\/\d+\.bin$/.test(p)) return "kb:shard";
  if (/\/search\/l\/[^/]+\/\d+\.bin$/.test(p)) return "kb:list";
  if (/\/search\/d\/[^/]+\/\d+\.(json|bin)$/.test(p)) return "kb:chunk";
  if (/\/static\/search\.js$/.test(p)) return "kb:code";
  if (/pagefind-entry\.json$/.test(p)) return "pf:entry";
  if (/\.pf_meta$/.test(p)) return "pf:meta";
  if (/\.pf_index$/.test(p)) return "pf:index";
  if (/\.pf_fragment$/.test(p)) return "pf:fragment";
  if (/\.pf_filter$/.test(p)) return "pf:filter";
  if (/pagefind[^/]*\.js$/.test(p) || /wasm\.[^/]*$/.test(p)) return "pf:code";
  return "other";
}

export const isCode = (kind) => kind.endsWith(":code");

/**
 * Aggregates per-query request logs ([{ path, sent, raw }]) into totals with and without
 * client code, and a per-kind breakdown (sum over queries, mean per query, share).
 */
export function aggregate(perQuery) {
  const data = perQuery.map((q) => q.files.filter((f) => !isCode(f.kind)).reduce((a, f) => a + f.sent, 0));
  const withCode = perQuery.map((q) => q.files.reduce((a, f) => a + f.sent, 0));
  const rawData = perQuery.map((q) => q.files.filter((f) => !isCode(f.kind)).reduce((a, f) => a + f.raw, 0));
  const kinds = {};
  for (const q of perQuery) {
    for (const f of q.files) {
      const k = (kinds[f.kind] ??= { files: 0, sent: 0, raw: 0 });
      k.files++;
      k.sent += f.sent;
      k.raw += f.raw;
    }
  }
  const total = Object.entries(kinds).filter(([k]) => !isCode(k)).reduce((a, [, v]) => a + v.sent, 0);
  const n = perQuery.length;
  const byKind = Object.fromEntries(
    Object.entries(kinds).map(([k, v]) => [
      k,
      {
        filesPerQuery: r2(v.files / n),
        meanKiBPerQuery: kib(v.sent / n),
        meanRawKiBPerQuery: kib(v.raw / n),
        shareOfData: isCode(k) ? null : r3(v.sent / total),
      },
    ]),
  );
  return {
    data: bytesSummary(data),
    dataRawIdentity: bytesSummary(rawData),
    withCode: bytesSummary(withCode),
    requestsPerQuery: { median: median(perQuery.map((q) => q.files.length)), max: Math.max(...perQuery.map((q) => q.files.length)) },
    byKind,
  };
}

/** recall@k and MRR (over the top 10) of ranked note paths against acceptable answers. */
export function rankOf(paths, expect) {
  const i = paths.findIndex((p) => expect.includes(p));
  return i < 0 ? null : i + 1;
}

export function quality(rows) {
  const m = (rs) => ({
    n: rs.length,
    recallAt1: r3(rs.filter((r) => r.rank === 1).length / rs.length),
    recallAt3: r3(rs.filter((r) => r.rank && r.rank <= 3).length / rs.length),
    recallAt10: r3(rs.filter((r) => r.rank && r.rank <= 10).length / rs.length),
    mrr: r3(mean(rs.map((r) => (r.rank && r.rank <= 10 ? 1 / r.rank : 0)))),
  });
  const out = { all: m(rows) };
  for (const kind of ["plain", "hard"]) {
    const rs = rows.filter((r) => r.kind === kind);
    if (rs.length) out[kind] = m(rs);
  }
  for (const why of [...new Set(rows.map((r) => r.why).filter(Boolean))]) out["hard:" + why] = m(rows.filter((r) => r.why === why));
  return out;
}
