//! The static search export in `public/search/`: tantivy's terms, postings (document ordinal,
//! term frequency, quantized field norm), document frequencies and average field lengths,
//! in term-range shards that the browser fetches on demand. Format: `docs/search-format.md`.

use super::index::{FIELDS, MAX_EXPANSIONS, SECTIONS_PER_NOTE, SearchIndex};
use crate::pipeline::Site;
use crate::render::Sink;
use std::collections::{BTreeMap, HashMap};
use tantivy::schema::Value;
use tantivy::{DocAddress, DocSet, TERMINATED, TantivyDocument};

/// Raw bytes per term shard before a new one starts.
pub const SHARD_BYTES: usize = 24 * 1024;
/// Raw bytes per term list (the dictionary used for prefix and fuzzy expansion).
pub const LIST_BYTES: usize = 24 * 1024;
/// Documents (sections) per result-data chunk.
pub const CHUNK_DOCS: usize = 8;
/// Characters of section text kept for snippets.
pub const TEXT_CHARS: usize = 1200;
/// Format version of the export.
pub const FORMAT: u32 = 1;

/// Sizes of the export, for the build summary and the benchmark.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ExportStats {
    /// Documents (sections).
    pub docs: usize,
    /// Distinct terms.
    pub terms: usize,
    /// Term shards.
    pub shards: usize,
    /// Term lists.
    pub lists: usize,
    /// Result-data chunks.
    pub chunks: usize,
    /// Total bytes written.
    pub bytes: usize,
}

/// Writes one export file and counts its bytes.
type PutFn<'a> = dyn FnMut(&str, &[u8], &mut ExportStats) -> std::io::Result<()> + 'a;
/// (note order, line, note id, tantivy address, stored document).
type DocRow = (usize, u64, String, (u32, u32), TantivyDocument);

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Writes a numbered set of files under `prefix/<hash of the whole set>/<i>.<ext>`: names
/// change whenever any content changes, so every file can be cached forever.
fn write_set(
    put: &mut PutFn,
    stats: &mut ExportStats,
    prefix: &str,
    files: &[Vec<u8>],
    ext: &str,
) -> std::io::Result<String> {
    let mut h = blake3::Hasher::new();
    for f in files {
        h.update(&(f.len() as u64).to_le_bytes());
        h.update(f);
    }
    let dir = format!("{prefix}/{}", &h.finalize().to_hex()[..16]);
    for (i, f) in files.iter().enumerate() {
        put(&format!("{dir}/{i}.{ext}"), f, stats)?;
    }
    Ok(dir)
}

#[derive(Default)]
struct TermData {
    df: [u64; 5],
    postings: [Vec<(u32, u32, u8)>; 5],
}

/// Writes the export for the current index into `sink` under `search/`.
pub fn export(index: &SearchIndex, site: &Site, sink: &dyn Sink) -> anyhow::Result<ExportStats> {
    let searcher = index.reader.searcher();
    let f = &index.fields;
    let note_order: HashMap<&str, usize> = site
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.rel_path.as_str(), i))
        .collect();

    // 1. alive documents in (note, line) order get ordinals 0..D
    let mut docs: Vec<DocRow> = Vec::new();
    for (so, seg) in searcher.segment_readers().iter().enumerate() {
        let alive = seg.alive_bitset();
        for doc in 0..seg.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            let d: TantivyDocument = searcher.doc(DocAddress::new(so as u32, doc))?;
            let note = d
                .get_first(f.note_id)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            let line = d.get_first(f.line).and_then(|v| v.as_u64()).unwrap_or(0);
            let order = note_order.get(note.as_str()).copied().unwrap_or(usize::MAX);
            docs.push((order, line, note, (so as u32, doc), d));
        }
    }
    docs.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let ord: HashMap<(u32, u32), u32> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.3, i as u32))
        .collect();

    // 2. terms with per-field postings
    let mut terms: BTreeMap<String, TermData> = BTreeMap::new();
    for (k, field) in f.text.iter().enumerate() {
        for (so, seg) in searcher.segment_readers().iter().enumerate() {
            let inv = seg.inverted_index(*field)?;
            let norms = seg.get_fieldnorms_reader(*field)?;
            let alive = seg.alive_bitset();
            let mut stream = inv.terms().stream()?;
            while stream.advance() {
                let Ok(t) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let info = stream.value().clone();
                let td = terms.entry(t.to_string()).or_default();
                td.df[k] += info.doc_freq as u64;
                let mut postings = inv.read_postings_from_terminfo(
                    &info,
                    tantivy::schema::IndexRecordOption::WithFreqs,
                )?;
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(doc))
                        && let Some(&o) = ord.get(&(so as u32, doc))
                    {
                        use tantivy::postings::Postings;
                        td.postings[k].push((o, postings.term_freq(), norms.fieldnorm_id(doc)));
                    }
                    doc = postings.advance();
                }
            }
        }
    }

    let mut stats = ExportStats {
        docs: docs.len(),
        terms: terms.len(),
        ..Default::default()
    };
    let mut put = |name: &str, bytes: &[u8], stats: &mut ExportStats| -> std::io::Result<()> {
        stats.bytes += bytes.len();
        sink.put(&format!("search/{name}"), bytes)
    };

    // 3. shards and lists, both in term order
    let mut shards: Vec<(String, String)> = Vec::new();
    let mut lists: Vec<(String, String)> = Vec::new();
    let mut shard = Vec::new();
    let mut shard_first: Option<String> = None;
    let mut shard_count = 0u64;
    let mut list = Vec::new();
    let mut list_first: Option<String> = None;
    let mut list_count = 0u64;
    let mut shard_files: Vec<Vec<u8>> = Vec::new();
    let mut list_files: Vec<Vec<u8>> = Vec::new();
    let flush = |pending: &mut Vec<Vec<u8>>,
                 buf: &mut Vec<u8>,
                 count: &mut u64,
                 first: &mut Option<String>,
                 magic: &[u8],
                 dir: &str,
                 out: &mut Vec<(String, String)>,
                 stats: &mut ExportStats,
                 put: &mut PutFn|
     -> std::io::Result<()> {
        if *count == 0 {
            return Ok(());
        }
        let mut file = magic.to_vec();
        varint(&mut file, *count);
        file.extend_from_slice(buf);
        let _ = (&put, &stats, dir);
        out.push((first.take().unwrap_or_default(), String::new()));
        pending.push(file);
        buf.clear();
        *count = 0;
        Ok(())
    };
    for (t, td) in terms.iter_mut() {
        if shard_first.is_none() {
            shard_first = Some(t.clone());
        }
        varint(&mut shard, t.len() as u64);
        shard.extend_from_slice(t.as_bytes());
        let mask: u8 = (0..5)
            .filter(|&k| td.df[k] > 0)
            .fold(0, |m, k| m | (1 << k));
        shard.push(mask);
        for k in 0..5 {
            if td.df[k] == 0 {
                continue;
            }
            let p = &mut td.postings[k];
            p.sort_unstable();
            varint(&mut shard, td.df[k]);
            varint(&mut shard, p.len() as u64);
            let mut prev = 0u32;
            for &(o, tf, norm) in p.iter() {
                varint(&mut shard, (o - prev) as u64);
                varint(&mut shard, tf as u64);
                shard.push(norm);
                prev = o;
            }
        }
        shard_count += 1;
        if shard.len() >= SHARD_BYTES {
            flush(
                &mut shard_files,
                &mut shard,
                &mut shard_count,
                &mut shard_first,
                b"KBS1",
                "t",
                &mut shards,
                &mut stats,
                &mut put,
            )?;
        }
        if list_first.is_none() {
            list_first = Some(t.clone());
        }
        varint(&mut list, t.len() as u64);
        list.extend_from_slice(t.as_bytes());
        varint(&mut list, td.df.iter().sum());
        list_count += 1;
        if list.len() >= LIST_BYTES {
            flush(
                &mut list_files,
                &mut list,
                &mut list_count,
                &mut list_first,
                b"KBL1",
                "l",
                &mut lists,
                &mut stats,
                &mut put,
            )?;
        }
    }
    flush(
        &mut shard_files,
        &mut shard,
        &mut shard_count,
        &mut shard_first,
        b"KBS1",
        "t",
        &mut shards,
        &mut stats,
        &mut put,
    )?;
    flush(
        &mut list_files,
        &mut list,
        &mut list_count,
        &mut list_first,
        b"KBL1",
        "l",
        &mut lists,
        &mut stats,
        &mut put,
    )?;
    let shard_dir = write_set(&mut put, &mut stats, "t", &shard_files, "bin")?;
    let list_dir = write_set(&mut put, &mut stats, "l", &list_files, "bin")?;
    stats.shards = shards.len();
    stats.lists = lists.len();

    // 4. result data in chunks of consecutive documents
    let pages: HashMap<&str, usize> = note_order.clone();
    let mut chunk_files = Vec::new();
    for group in docs.chunks(CHUNK_DOCS) {
        let rows: Vec<serde_json::Value> = group
            .iter()
            .map(|(_, line, note, _, d)| {
                let get = |fl| {
                    d.get_first(fl)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                let text: String = get(f.text[4]).chars().take(TEXT_CHARS).collect();
                let title = pages
                    .get(note.as_str())
                    .map(|&i| site.pages[i].title.clone())
                    .unwrap_or_else(|| get(f.text[0]));
                serde_json::json!([
                    note,
                    title,
                    get(f.url),
                    get(f.heading_label),
                    get(f.anchor),
                    line,
                    text
                ])
            })
            .collect();
        chunk_files.push(serde_json::to_vec(&rows)?);
    }
    let chunk_dir = write_set(&mut put, &mut stats, "d", &chunk_files, "json")?;
    stats.chunks = chunk_files.len();

    // 5. the entry point
    let n: u64 = searcher
        .segment_readers()
        .iter()
        .map(|s| s.max_doc() as u64)
        .sum();
    let mut avg = Vec::new();
    for field in f.text {
        let mut tokens = 0u64;
        for s in searcher.segment_readers() {
            tokens += s.inverted_index(field)?.total_num_tokens();
        }
        avg.push(if n == 0 {
            0.0f32
        } else {
            tokens as f32 / n as f32
        });
    }
    let norms: Vec<u32> = (0..=255u8)
        .map(tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm)
        .collect();
    let meta = serde_json::json!({
        "format": FORMAT,
        "n": n,
        "fields": FIELDS.iter().map(|(name, _)| name).collect::<Vec<_>>(),
        "boosts": FIELDS.iter().map(|(_, b)| b).collect::<Vec<_>>(),
        "avg": avg,
        "k1": 1.2f32,
        "b": 0.75f32,
        "norms": norms,
        "maxExpansions": MAX_EXPANSIONS,
        "sectionsPerNote": SECTIONS_PER_NOTE,
        "chunkDocs": CHUNK_DOCS,
        "docs": docs.len(),
        "shardDir": shard_dir,
        "shards": shards.iter().map(|s| &s.0).collect::<Vec<_>>(),
        "listDir": list_dir,
        "lists": lists.iter().map(|s| &s.0).collect::<Vec<_>>(),
        "chunkDir": chunk_dir,
        "chunks": chunk_files.len(),
        "base": site.opts.config.base_path(),
    });
    put("meta.json", &serde_json::to_vec(&meta)?, &mut stats)?;
    Ok(stats)
}
