//! The static search export in `public/search/`: tantivy's terms, postings (document ordinal,
//! term frequency, quantized field norm), document frequencies and average field lengths,
//! in term-range shards that the browser fetches on demand. Format: `docs/search-format.md`.
//!
//! Terms are streamed from tantivy's term dictionaries (a merge over fields and segments), so
//! memory stays bounded by one shard, not by the index.

use super::index::{FIELDS, MAX_EXPANSIONS, SECTIONS_PER_NOTE, SearchIndex, note_key};
use crate::pipeline::Site;
use crate::render::Sink;
use std::collections::HashMap;
use tantivy::{DocSet, TERMINATED};

/// Raw bytes per term shard before a new one starts.
pub const SHARD_BYTES: usize = 4 * 1024;
/// Raw bytes per term list (the dictionary used for prefix and fuzzy expansion).
pub const LIST_BYTES: usize = 2 * 1024;
/// Ordinals per result-data file: a note's sections fill one or more whole slots of this size.
pub const CHUNK_DOCS: usize = 8;
/// Characters of section text kept for snippets.
pub const TEXT_CHARS: usize = 1200;
/// Format version of the export.
pub const FORMAT: u32 = 2;

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

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Accumulates entries into numbered files of about `target` bytes.
struct Packer<'a> {
    magic: &'static [u8],
    target: usize,
    buf: Vec<u8>,
    count: u64,
    first: Option<String>,
    out: SetWriter<'a>,
    firsts: Vec<String>,
}

impl<'a> Packer<'a> {
    fn new(magic: &'static [u8], target: usize, out: SetWriter<'a>) -> Self {
        Packer {
            magic,
            target,
            buf: Vec::new(),
            count: 0,
            first: None,
            out,
            firsts: Vec::new(),
        }
    }

    fn begin(&mut self, term: &str) -> &mut Vec<u8> {
        if self.first.is_none() {
            self.first = Some(term.to_string());
        }
        &mut self.buf
    }

    fn end_entry(&mut self) -> std::io::Result<()> {
        self.count += 1;
        if self.buf.len() >= self.target {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.count == 0 {
            return Ok(());
        }
        let mut file = self.magic.to_vec();
        varint(&mut file, self.count);
        file.extend_from_slice(&self.buf);
        self.out.push(&file)?;
        self.firsts.push(self.first.take().unwrap_or_default());
        self.buf.clear();
        self.count = 0;
        Ok(())
    }
}

/// Writes a numbered set of files as they are produced, then names their folder
/// `prefix/<hash of the whole set>`: names change whenever any content changes, so every file
/// can be cached forever, and no more than one file is held in memory.
struct SetWriter<'a> {
    sink: &'a dyn Sink,
    prefix: &'static str,
    ext: &'static str,
    tmp: String,
    hasher: blake3::Hasher,
    count: usize,
    bytes: usize,
}

impl<'a> SetWriter<'a> {
    fn new(sink: &'a dyn Sink, prefix: &'static str, ext: &'static str) -> Self {
        SetWriter {
            sink,
            prefix,
            ext,
            tmp: format!("{prefix}/tmp-{}", std::process::id()),
            hasher: blake3::Hasher::new(),
            count: 0,
            bytes: 0,
        }
    }

    fn push(&mut self, file: &[u8]) -> std::io::Result<()> {
        self.hasher.update(&(file.len() as u64).to_le_bytes());
        self.hasher.update(file);
        self.sink.put(
            &format!("search/{}/{}.{}", self.tmp, self.count, self.ext),
            file,
        )?;
        self.count += 1;
        self.bytes += file.len();
        Ok(())
    }

    fn finish(self, stats: &mut ExportStats) -> std::io::Result<(String, usize)> {
        let dir = format!("{}/{}", self.prefix, &self.hasher.finalize().to_hex()[..16]);
        if self.count > 0 {
            self.sink
                .rename_dir(&format!("search/{}", self.tmp), &format!("search/{dir}"))?;
        }
        stats.bytes += self.bytes;
        Ok((dir, self.count))
    }
}

/// Writes the export for the current index into `sink` under `search/`.
pub fn export(index: &SearchIndex, site: &Site, sink: &dyn Sink) -> anyhow::Result<ExportStats> {
    export_cancellable(index, site, sink, &|| false)
}

/// The export was abandoned because `cancel` returned true.
#[derive(Debug)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("export cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// Like [`export`], but gives up (with [`Cancelled`]) as soon as `cancel` returns true: the dev
/// server abandons an export when a new edit arrives, so an edit never waits for it.
pub fn export_cancellable(
    index: &SearchIndex,
    site: &Site,
    sink: &dyn Sink,
    cancel: &dyn Fn() -> bool,
) -> anyhow::Result<ExportStats> {
    let searcher = index.reader.searcher();
    let f = &index.fields;
    let segs = searcher.segment_readers();

    // 1. document ordinals: sections in note order, read from fast fields
    let by_key: HashMap<u64, usize> = site
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (note_key(&n.rel_path), i))
        .collect();
    let mut addr: Vec<(usize, u64, u32, u32)> = Vec::new();
    for (so, seg) in segs.iter().enumerate() {
        let keys = seg.fast_fields().u64("note_key")?;
        let lines = seg.fast_fields().u64("line")?;
        let alive = seg.alive_bitset();
        for doc in 0..seg.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            let note = keys
                .first(doc)
                .and_then(|k| by_key.get(&k).copied())
                .unwrap_or(usize::MAX);
            addr.push((note, lines.first(doc).unwrap_or(0), so as u32, doc));
        }
    }
    addr.sort_unstable();
    let mut ord: Vec<Vec<u32>> = segs
        .iter()
        .map(|s| vec![u32::MAX; s.max_doc() as usize])
        .collect();
    // Each note's sections get ordinals in its own slots of CHUNK_DOCS: a result-data file
    // holds one note (or one slot of a long note), and a note's ordinal range is known from
    // any of its rows, so the client never probes neighbouring files.
    let mut ordinals: Vec<u32> = Vec::with_capacity(addr.len());
    let mut ranges: Vec<(u32, u32)> = Vec::with_capacity(addr.len());
    {
        let mut next_slot: u32 = 0;
        let mut k = 0;
        while k < addr.len() {
            let note = addr[k].0;
            let count = addr[k..].iter().take_while(|a| a.0 == note).count();
            let first = next_slot * CHUNK_DOCS as u32;
            for j in 0..count {
                ordinals.push(first + j as u32);
            }
            let last = first + count as u32 - 1;
            ranges.extend(std::iter::repeat_n((first, last), count));
            next_slot += count.div_ceil(CHUNK_DOCS) as u32;
            k += count;
        }
    }
    for (i, &(_, _, so, doc)) in addr.iter().enumerate() {
        ord[so as usize][doc as usize] = ordinals[i];
    }
    let mut stats = ExportStats {
        docs: addr.len(),
        ..Default::default()
    };

    // 2. merge the sorted term streams of every (field, segment)
    let mut invs = Vec::new();
    for (k, field) in f.text.iter().enumerate() {
        for (so, seg) in segs.iter().enumerate() {
            invs.push((
                k,
                so,
                seg.inverted_index(*field)?,
                seg.get_fieldnorms_reader(*field)?,
            ));
        }
    }
    let mut streams = Vec::new();
    for (_, _, inv, _) in &invs {
        let mut s = inv.terms().stream()?;
        let live = s.advance();
        streams.push((s, live));
    }
    let mut shards = Packer::new(b"KBS1", SHARD_BYTES, SetWriter::new(sink, "t", "bin"));
    let mut lists = Packer::new(b"KBL1", LIST_BYTES, SetWriter::new(sink, "l", "bin"));
    let mut postings: [Vec<(u32, u32, u8)>; 5] = Default::default();
    while let Some(min) = streams
        .iter()
        .filter(|(_, live)| *live)
        .map(|(s, _)| s.key())
        .min()
        .map(|k| k.to_vec())
    {
        let mut df = [0u64; 5];
        for p in postings.iter_mut() {
            p.clear();
        }
        for (si, (stream, live)) in streams.iter_mut().enumerate() {
            if !*live || stream.key() != &min[..] {
                continue;
            }
            let (k, so, inv, norms) = &invs[si];
            let info = stream.value().clone();
            df[*k] += info.doc_freq as u64;
            let mut p = inv.read_postings_from_terminfo(
                &info,
                tantivy::schema::IndexRecordOption::WithFreqs,
            )?;
            let mut doc = p.doc();
            while doc != TERMINATED {
                let o = ord[*so][doc as usize];
                if o != u32::MAX {
                    use tantivy::postings::Postings;
                    postings[*k].push((o, p.term_freq(), norms.fieldnorm_id(doc)));
                }
                doc = p.advance();
            }
            *live = stream.advance();
        }
        let Ok(term) = std::str::from_utf8(&min) else {
            continue;
        };
        stats.terms += 1;
        if stats.terms.is_multiple_of(1024) && cancel() {
            return Err(Cancelled.into());
        }
        let buf = shards.begin(term);
        varint(buf, term.len() as u64);
        buf.extend_from_slice(term.as_bytes());
        let mask: u8 = (0..5).filter(|&k| df[k] > 0).fold(0, |m, k| m | (1 << k));
        buf.push(mask);
        for k in 0..5 {
            if df[k] == 0 {
                continue;
            }
            let p = &mut postings[k];
            p.sort_unstable();
            varint(buf, df[k]);
            varint(buf, p.len() as u64);
            let mut prev = 0u32;
            for &(o, tf, norm) in p.iter() {
                varint(buf, (o - prev) as u64);
                varint(buf, tf as u64);
                buf.push(norm);
                prev = o;
            }
        }
        shards.end_entry()?;
        let lb = lists.begin(term);
        varint(lb, term.len() as u64);
        lb.extend_from_slice(term.as_bytes());
        varint(lb, df.iter().sum());
        lists.end_entry()?;
    }
    shards.flush()?;
    lists.flush()?;
    let (shard_dir, n_shards) = shards.out.finish(&mut stats)?;
    let (list_dir, n_lists) = lists.out.finish(&mut stats)?;
    stats.shards = n_shards;
    stats.lists = n_lists;

    // 3. result data from the same section documents the index holds, in ordinal order
    // section documents of one note at a time (documents are in note order)
    let mut current: Option<(usize, Vec<super::index::SectionDoc>)> = None;
    let mut chunk_files = SetWriter::new(sink, "d", "json");
    let mut rows = Vec::with_capacity(CHUNK_DOCS);
    let mut same_line = 0usize;
    for (i, &(note, line, _, _)) in addr.iter().enumerate() {
        // a new slot starts a new file
        if !rows.is_empty() && ordinals[i].is_multiple_of(CHUNK_DOCS as u32) {
            chunk_files.push(&serde_json::to_vec(&rows)?)?;
            rows.clear();
        }
        let (first, last) = ranges[i];
        let row = match site.notes.get(note) {
            Some(n) => {
                if current.as_ref().is_none_or(|(k, _)| *k != note) {
                    current = Some((note, super::index::note_sections(site, note)));
                }
                // sections are in line order (a binary search keeps a note with 100k
                // headings linear); an opening text and a heading can share a line
                same_line = if i > 0 && addr[i - 1].0 == note && addr[i - 1].1 == line {
                    same_line + 1
                } else {
                    0
                };
                let sec = current.as_ref().and_then(|(_, d)| {
                    d.get(d.partition_point(|s| s.line < line) + same_line)
                        .filter(|s| s.line == line)
                });
                let (heading, anchor, text) = match sec {
                    Some(s) => (
                        s.heading_label.clone(),
                        s.anchor.clone(),
                        s.body.chars().take(TEXT_CHARS).collect::<String>(),
                    ),
                    None => (String::new(), String::new(), String::new()),
                };
                serde_json::json!([
                    n.rel_path,
                    site.pages[note].title,
                    site.pages[note].slug,
                    heading,
                    anchor,
                    line,
                    text,
                    first,
                    last
                ])
            }
            None => serde_json::json!(["", "", "", "", "", line, "", first, last]),
        };
        rows.push(row);
        if i.is_multiple_of(256) && cancel() {
            return Err(Cancelled.into());
        }
    }
    if !rows.is_empty() {
        chunk_files.push(&serde_json::to_vec(&rows)?)?;
    }
    drop(current);
    let (chunk_dir, n_chunks) = chunk_files.finish(&mut stats)?;
    stats.chunks = n_chunks;

    // 4. the entry point
    let n: u64 = segs.iter().map(|s| s.max_doc() as u64).sum();
    let mut avg = Vec::new();
    for field in f.text {
        let mut tokens = 0u64;
        for s in segs {
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
        "docs": addr.len(),
        "ordinals": ranges.last().map(|r| r.1 + 1).unwrap_or(0),
        "shardDir": shard_dir,
        "shards": shards.firsts,
        "listDir": list_dir,
        "lists": lists.firsts,
        "chunkDir": chunk_dir,
        "chunks": n_chunks,
        "base": site.opts.config.base_path(),
    });
    let bytes = serde_json::to_vec(&meta)?;
    stats.bytes += bytes.len();
    sink.put("search/meta.json", &bytes)?;
    Ok(stats)
}
