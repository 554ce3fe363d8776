//! The static search export in `public/search/`: tantivy's terms, postings (document ordinal,
//! term frequency, quantized field norm), document frequencies and average field lengths,
//! in term-range shards that the browser fetches on demand. Format: `docs/search-format.md`.
//!
//! Terms are streamed from tantivy's term dictionaries (a merge over fields and segments), so
//! memory stays bounded by one shard, not by the index. The dev server keeps a [`Layout`] of
//! the last export and, after an edit, rewrites only the shards, term lists and result files
//! the changed notes touch ([`export_update`]).

use super::index::{FIELDS, MAX_EXPANSIONS, SECTIONS_PER_NOTE, SearchIndex, note_key};
use crate::pipeline::Site;
use crate::render::Sink;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::{DocSet, InvertedIndexReader, Searcher, SegmentReader, TERMINATED};

/// Raw bytes per term shard before a new one starts.
pub const SHARD_BYTES: usize = 4 * 1024;
/// Raw bytes per term list (the dictionary used for prefix and fuzzy expansion).
pub const LIST_BYTES: usize = 2 * 1024;
/// Ordinals per result-data file: a note's sections fill one or more whole slots of this size.
pub const CHUNK_DOCS: usize = 8;
/// Characters of section text kept for snippets.
pub const TEXT_CHARS: usize = 1200;
/// Shards per group file of shard first terms (`s/<hash>/<g>.json`): meta.json holds only
/// every group's first term, so it stays small however many shards there are.
pub const GROUP_SHARDS: usize = 64;
/// Format version of the export.
pub const FORMAT: u32 = 5;

/// Sizes of the export, for the build summary and the benchmark.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ExportStats {
    /// Documents (sections).
    pub docs: usize,
    /// Distinct terms (for an in-place update: terms rewritten).
    pub terms: usize,
    /// Term shards.
    pub shards: usize,
    /// Term lists.
    pub lists: usize,
    /// Result-data chunks.
    pub chunks: usize,
    /// Bytes written.
    pub bytes: usize,
    /// Files written, meta.json included (every file for a full export).
    pub files_written: usize,
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A rewritten shard: number, file, terms, first term, and the changed notes with a term in it.
type RewrittenShard = (usize, Vec<u8>, u64, Option<String>, Vec<usize>);

/// Files of a set by number, to write.
type NumberedFiles = Vec<(u32, Vec<u8>)>;

/// Content hashes of a numbered set of files, by number.
type FileHashes = BTreeMap<u32, [u8; 32]>;

/// The folder of a set of files: `prefix/<hash over every file's number and hash>`. Names
/// change whenever any file changes, so every file can be cached forever, and an update that
/// rewrites a few files can name the set without reading the others.
fn set_dir(prefix: &str, files: &FileHashes) -> String {
    let mut h = blake3::Hasher::new();
    for (i, fh) in files {
        h.update(&i.to_le_bytes());
        h.update(fh);
    }
    format!("{prefix}/{}", &h.finalize().to_hex()[..16])
}

/// A shard or term-list file: magic, entry count, entries.
fn packed_file(magic: &[u8], count: u64, entries: &[u8]) -> Vec<u8> {
    let mut file = magic.to_vec();
    varint(&mut file, count);
    file.extend_from_slice(entries);
    file
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

    /// Number of the file the next entry goes to.
    fn current(&self) -> u32 {
        self.out.hashes.len() as u32
    }

    /// Appends the entry `write` writes for `term` and returns the number of the file it goes
    /// to. An entry as long as a whole file gets a file of its own, so a query that needs a
    /// long posting list does not also download the neighbours it would have shared a file with.
    fn push(&mut self, term: &str, write: impl FnOnce(&mut Vec<u8>)) -> std::io::Result<u32> {
        let start = self.buf.len();
        write(&mut self.buf);
        if self.buf.len() - start >= self.target && self.count > 0 {
            let entry = self.buf.split_off(start);
            self.flush()?;
            self.buf = entry;
        }
        if self.first.is_none() {
            self.first = Some(term.to_string());
        }
        self.count += 1;
        let file = self.current();
        if self.buf.len() >= self.target {
            self.flush()?;
        }
        Ok(file)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.count == 0 {
            return Ok(());
        }
        self.out
            .push(&packed_file(self.magic, self.count, &self.buf))?;
        self.firsts.push(self.first.take().unwrap_or_default());
        self.buf.clear();
        self.count = 0;
        Ok(())
    }
}

/// Writes a numbered set of files as they are produced into a temporary folder, then renames
/// it to its [`set_dir`]; no more than one file is held in memory.
struct SetWriter<'a> {
    sink: &'a dyn Sink,
    prefix: &'static str,
    ext: &'static str,
    tmp: String,
    hashes: FileHashes,
    bytes: usize,
}

impl<'a> SetWriter<'a> {
    fn new(sink: &'a dyn Sink, prefix: &'static str, ext: &'static str) -> Self {
        let tmp = format!("{prefix}/tmp-{}", std::process::id());
        sink.recycle_dir(&format!("search/{prefix}"), &format!("search/{tmp}"));
        SetWriter {
            sink,
            prefix,
            ext,
            tmp,
            hashes: FileHashes::new(),
            bytes: 0,
        }
    }

    fn push(&mut self, file: &[u8]) -> std::io::Result<()> {
        let i = self.hashes.len() as u32;
        self.hashes.insert(i, *blake3::hash(file).as_bytes());
        self.sink
            .put(&format!("search/{}/{i}.{}", self.tmp, self.ext), file)?;
        self.bytes += file.len();
        Ok(())
    }

    fn finish(self, stats: &mut ExportStats) -> std::io::Result<(String, FileHashes)> {
        let dir = set_dir(self.prefix, &self.hashes);
        if !self.hashes.is_empty() {
            self.sink
                .rename_dir(&format!("search/{}", self.tmp), &format!("search/{dir}"))?;
        }
        stats.bytes += self.bytes;
        stats.files_written += self.hashes.len();
        Ok((dir, self.hashes))
    }
}

/// One (field, segment) term dictionary and what reading its postings needs.
struct Source {
    /// Field number in [`FIELDS`] order.
    k: usize,
    /// Segment number in the searcher.
    so: usize,
    inv: Arc<InvertedIndexReader>,
    norms: FieldNormReader,
}

fn sources(index: &SearchIndex, segs: &[SegmentReader]) -> tantivy::Result<Vec<Source>> {
    let mut out = Vec::new();
    for (k, field) in index.fields.text.iter().enumerate() {
        for (so, seg) in segs.iter().enumerate() {
            out.push(Source {
                k,
                so,
                inv: seg.inverted_index(*field)?,
                norms: seg.get_fieldnorms_reader(*field)?,
            });
        }
    }
    Ok(out)
}

/// One term merged over every source: per-field document frequency and, when asked for,
/// postings (ordinal, term frequency, fieldnorm id) sorted by ordinal.
#[derive(Default, Clone)]
struct Merged {
    df: [u64; 5],
    postings: [Vec<(u32, u32, u8)>; 5],
}

/// Walks the terms in `[lo, hi)` of every source in byte order and calls `each` per term.
/// With `ord` (ordinals by segment and doc id) the postings of live documents are read too.
fn merge_terms(
    srcs: &[Source],
    lo: Option<&[u8]>,
    hi: Option<&[u8]>,
    ord: Option<&[Vec<u32>]>,
    each: &mut dyn FnMut(&[u8], &Merged) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut streams = Vec::with_capacity(srcs.len());
    for s in srcs {
        let mut b = s.inv.terms().range();
        if let Some(lo) = lo {
            b = b.ge(lo);
        }
        if let Some(hi) = hi {
            b = b.lt(hi);
        }
        let mut st = b.into_stream()?;
        let live = st.advance();
        streams.push((st, live));
    }
    let mut m = Merged::default();
    while let Some(min) = streams
        .iter()
        .filter(|(_, live)| *live)
        .map(|(s, _)| s.key())
        .min()
        .map(|k| k.to_vec())
    {
        m.df = [0; 5];
        for p in m.postings.iter_mut() {
            p.clear();
        }
        for (si, (stream, live)) in streams.iter_mut().enumerate() {
            if !*live || stream.key() != &min[..] {
                continue;
            }
            let src = &srcs[si];
            let info = stream.value().clone();
            m.df[src.k] += info.doc_freq as u64;
            if let Some(ord) = ord {
                let mut p = src.inv.read_postings_from_terminfo(
                    &info,
                    tantivy::schema::IndexRecordOption::WithFreqs,
                )?;
                let mut doc = p.doc();
                while doc != TERMINATED {
                    let o = ord[src.so][doc as usize];
                    if o != u32::MAX {
                        use tantivy::postings::Postings;
                        m.postings[src.k].push((o, p.term_freq(), src.norms.fieldnorm_id(doc)));
                    }
                    doc = p.advance();
                }
            }
            *live = stream.advance();
        }
        for p in m.postings.iter_mut() {
            p.sort_unstable();
        }
        each(&min, &m)?;
    }
    Ok(())
}

/// Appends a term-shard entry (see the format document).
fn shard_entry(buf: &mut Vec<u8>, term: &str, m: &Merged) {
    varint(buf, term.len() as u64);
    buf.extend_from_slice(term.as_bytes());
    let present: Vec<usize> = (0..5).filter(|&k| m.df[k] > 0).collect();
    let mask: u8 = present.iter().fold(0, |acc, k| acc | (1 << k));
    let total: usize = present.iter().map(|&k| m.postings[k].len()).sum();
    if total >= super::rangecode::MIN_POSTINGS {
        // a long list: the counts, then every field's postings in one range-coded stream
        buf.push(mask | RANGE_CODED);
        for &k in &present {
            varint(buf, m.df[k]);
            varint(buf, m.postings[k].len() as u64);
        }
        let lists: Vec<&[(u32, u32, u8)]> =
            present.iter().map(|&k| m.postings[k].as_slice()).collect();
        let stream = super::rangecode::encode(&lists);
        varint(buf, stream.len() as u64);
        buf.extend_from_slice(&stream);
        return;
    }
    buf.push(mask);
    for &k in &present {
        // column by column (ordinal deltas, then term frequencies, then fieldnorm ids): each
        // column is uniform, so gzip packs it better than interleaved triples
        let p = &m.postings[k];
        varint(buf, m.df[k]);
        varint(buf, p.len() as u64);
        let mut prev = 0u32;
        for &(o, _, _) in p {
            varint(buf, (o - prev) as u64);
            prev = o;
        }
        for &(_, tf, _) in p {
            varint(buf, tf as u64);
        }
        buf.extend(p.iter().map(|&(_, _, norm)| norm));
    }
}

/// The [`shard_entry`] of every term of a batch, in order. A batch with many postings is
/// split in two halves of about equal postings, one encoded on a thread of its own.
fn encode_batch(batch: &[(String, Merged)]) -> anyhow::Result<Vec<Vec<u8>>> {
    let encode = |part: &[(String, Merged)]| -> Vec<Vec<u8>> {
        part.iter()
            .map(|(term, m)| {
                let mut b = Vec::new();
                shard_entry(&mut b, term, m);
                b
            })
            .collect()
    };
    let size = |m: &Merged| m.postings.iter().map(Vec::len).sum::<usize>() + 1;
    let total: usize = batch.iter().map(|(_, m)| size(m)).sum();
    if total < 1 << 14 {
        return Ok(encode(batch));
    }
    let mut acc = 0;
    let mid = batch
        .iter()
        .position(|(_, m)| {
            acc += size(m);
            2 * acc >= total
        })
        .map_or(batch.len(), |i| i + 1);
    let (a, b) = batch.split_at(mid);
    std::thread::scope(|scope| {
        let second = scope.spawn(|| encode(b));
        let mut out = encode(a);
        out.extend(
            second
                .join()
                .map_err(|_| anyhow::anyhow!("a search export thread panicked"))?,
        );
        Ok(out)
    })
}

/// The flag of a term-shard entry's field mask that says its postings are range-coded.
const RANGE_CODED: u8 = 0x80;

/// Appends a term-list entry: the term and its document frequency summed over fields.
fn list_entry(buf: &mut Vec<u8>, term: &str, m: &Merged) {
    varint(buf, term.len() as u64);
    buf.extend_from_slice(term.as_bytes());
    varint(buf, m.df.iter().sum());
}

/// Index of the last first-term `<=` term (0 for a term before all of them).
fn range_of(firsts: &[String], term: &[u8]) -> usize {
    firsts
        .partition_point(|f| f.as_bytes() <= term)
        .saturating_sub(1)
}

/// A live document: (note index or `usize::MAX`, line, segment, doc id).
type Addr = (usize, u64, u32, u32);

/// Note indexes by [`note_key`] of their paths.
fn notes_by_key(site: &Site) -> HashMap<u64, usize> {
    site.notes
        .iter()
        .enumerate()
        .map(|(i, n)| (note_key(&n.rel_path), i))
        .collect()
}

/// Live documents of every segment in note order, then line order (from fast fields).
fn live_docs(segs: &[SegmentReader], site: &Site) -> tantivy::Result<Vec<Addr>> {
    let by_key = notes_by_key(site);
    let mut addr = Vec::new();
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
    Ok(addr)
}

/// Where each note's sections sit in the ordinal space: a first slot and a slot capacity per
/// note path. A full export packs notes densely in note order; an update keeps every note
/// that still fits in place and gives a grown or new note fresh slots at the end.
#[derive(Clone, Default)]
struct Slots {
    by_note: HashMap<String, (u32, u32)>,
    next: u32,
}

/// Documents grouped by note, with their ordinals.
struct Placement {
    /// Per document (in `addr` order): its ordinal.
    ordinals: Vec<u32>,
    /// Per note group: (range in `addr`, first ordinal, last ordinal).
    groups: Vec<(std::ops::Range<usize>, u32, u32)>,
    /// Ordinal by segment and doc id (`u32::MAX` for deleted documents).
    ord: Vec<Vec<u32>>,
    /// Note index by slot (`usize::MAX` for documents of an unknown note, or no note).
    slot_note: Vec<usize>,
}

/// The path a note's slots are kept under (documents of notes no longer in the site share
/// one key that no path can take).
fn slot_key(site: &Site, note: usize) -> &str {
    site.notes
        .get(note)
        .map(|n| n.rel_path.as_str())
        .unwrap_or("\0")
}

fn place(addr: &[Addr], segs: &[SegmentReader], site: &Site, slots: &mut Slots) -> Placement {
    let mut ordinals = Vec::with_capacity(addr.len());
    let mut groups = Vec::new();
    let mut k = 0;
    while k < addr.len() {
        let note = addr[k].0;
        let count = addr[k..].iter().take_while(|a| a.0 == note).count();
        let need = count.div_ceil(CHUNK_DOCS) as u32;
        let key = slot_key(site, note);
        let first_slot = match slots.by_note.get(key) {
            Some(&(first, cap)) if cap >= need => first,
            _ => {
                let first = slots.next;
                slots.by_note.insert(key.to_string(), (first, need));
                slots.next += need;
                first
            }
        };
        let first = first_slot * CHUNK_DOCS as u32;
        ordinals.extend((0..count as u32).map(|j| first + j));
        groups.push((k..k + count, first, first + count as u32 - 1));
        k += count;
    }
    let mut ord: Vec<Vec<u32>> = segs
        .iter()
        .map(|s| vec![u32::MAX; s.max_doc() as usize])
        .collect();
    for (i, &(_, _, so, doc)) in addr.iter().enumerate() {
        ord[so as usize][doc as usize] = ordinals[i];
    }
    let mut slot_note = vec![usize::MAX; slots.next as usize];
    for (range, first, last) in &groups {
        let note = addr[range.start].0;
        for s in first / CHUNK_DOCS as u32..=last / CHUNK_DOCS as u32 {
            slot_note[s as usize] = note;
        }
    }
    Placement {
        ordinals,
        groups,
        ord,
        slot_note,
    }
}

/// The result-data files of one note group: (slot, JSON rows).
fn group_files(
    site: &Site,
    docs: &[Addr],
    ordinals: &[u32],
    (first, last): (u32, u32),
) -> anyhow::Result<NumberedFiles> {
    let note = docs.first().map(|a| a.0).unwrap_or(usize::MAX);
    let sections = if note < site.notes.len() {
        super::index::note_sections(site, note)
    } else {
        Vec::new()
    };
    let mut files = Vec::new();
    let mut rows = Vec::with_capacity(CHUNK_DOCS);
    let mut same_line = 0usize;
    for (i, &(_, line, _, _)) in docs.iter().enumerate() {
        if !rows.is_empty() && ordinals[i].is_multiple_of(CHUNK_DOCS as u32) {
            files.push((
                (ordinals[i] - 1) / CHUNK_DOCS as u32,
                serde_json::to_vec(&rows)?,
            ));
            rows.clear();
        }
        let row = match site.notes.get(note) {
            Some(n) => {
                // sections are in line order (a binary search keeps a note with 100k
                // headings linear); an opening text and a heading can share a line
                same_line = if i > 0 && docs[i - 1].1 == line {
                    same_line + 1
                } else {
                    0
                };
                let sec = sections
                    .get(sections.partition_point(|s| s.line < line) + same_line)
                    .filter(|s| s.line == line);
                let (heading, anchor, text) = match sec {
                    Some(s) => (
                        s.heading_label.clone(),
                        s.anchor.clone(),
                        s.body.chars().take(TEXT_CHARS).collect::<String>(),
                    ),
                    None => (String::new(), String::new(), String::new()),
                };
                let mut row = serde_json::json!([
                    n.rel_path,
                    site.pages[note].title,
                    site.pages[note].slug,
                    heading,
                    anchor,
                    line,
                    text,
                    first,
                    last
                ]);
                // a troubleshooting section says so (results label it)
                if sec.is_some_and(|s| s.trouble)
                    && let Some(a) = row.as_array_mut()
                {
                    a.push(1.into());
                }
                row
            }
            None => serde_json::json!(["", "", "", "", "", line, "", first, last]),
        };
        rows.push(row);
    }
    if let Some(&o) = ordinals.last() {
        files.push((o / CHUNK_DOCS as u32, serde_json::to_vec(&rows)?));
    }
    Ok(files)
}

/// What the dev server keeps of the last export to update it in place: the term range of
/// every shard and term list, where each note's sections sit, which shards hold each note's
/// terms, and the searcher the export read (its segments tell what changed since).
#[derive(Clone)]
pub struct Layout {
    searcher: Searcher,
    shards: Vec<String>,
    lists: Vec<String>,
    shard_files: FileHashes,
    list_files: FileHashes,
    chunk_files: FileHashes,
    dirs: [String; 3],
    /// Folder and count of the shard group files.
    groups: (String, usize),
    slots: Slots,
    note_shards: HashMap<String, Vec<u32>>,
}

impl Layout {
    /// Number of term shards.
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }
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

/// Writes the export for the current index into `sink` under `search/`.
pub fn export(index: &SearchIndex, site: &Site, sink: &dyn Sink) -> anyhow::Result<ExportStats> {
    full(
        index,
        site,
        sink,
        &|| false,
        false,
        (SHARD_BYTES, LIST_BYTES),
    )
    .map(|(stats, _)| stats)
}

/// Like [`export`], but gives up (with [`Cancelled`]) as soon as `cancel` returns true, and
/// returns the [`Layout`] that [`export_update`] needs: the dev server abandons an export when
/// a new edit arrives, so an edit never waits for it.
pub fn export_cancellable(
    index: &SearchIndex,
    site: &Site,
    sink: &dyn Sink,
    cancel: &dyn Fn() -> bool,
) -> anyhow::Result<(ExportStats, Layout)> {
    full(index, site, sink, cancel, true, (SHARD_BYTES, LIST_BYTES))
}

fn full(
    index: &SearchIndex,
    site: &Site,
    sink: &dyn Sink,
    cancel: &dyn Fn() -> bool,
    track: bool,
    (shard_bytes, list_bytes): (usize, usize),
) -> anyhow::Result<(ExportStats, Layout)> {
    let searcher = index.reader.searcher();
    let segs = searcher.segment_readers();

    // 1. document ordinals: sections in note order, each note on its own slots
    let addr = live_docs(segs, site)?;
    let mut slots = Slots::default();
    let placed = place(&addr, segs, site, &mut slots);
    let mut stats = ExportStats {
        docs: addr.len(),
        ..Default::default()
    };

    // 2. term shards and term lists from the merged term streams of every (field, segment)
    let srcs = sources(index, segs)?;
    let mut shards = Packer::new(b"KBS2", shard_bytes, SetWriter::new(sink, "t", "bin"));
    let mut lists = Packer::new(b"KBL1", list_bytes, SetWriter::new(sink, "l", "bin"));
    // per note, the shards holding its terms (for updates)
    let mut note_shards: Vec<Vec<u32>> = if track {
        vec![Vec::new(); site.notes.len()]
    } else {
        Vec::new()
    };
    // terms are encoded a batch at a time, each batch on two threads: range coding is most of
    // the export, and the pages may be done while it runs
    let mut batch: Vec<(String, Merged)> = Vec::new();
    let mut batch_postings = 0usize;
    let mut place_batch = |batch: &mut Vec<(String, Merged)>| -> anyhow::Result<()> {
        let entries = encode_batch(batch)?;
        for ((term, m), entry) in batch.drain(..).zip(entries) {
            stats.terms += 1;
            if stats.terms.is_multiple_of(1024) && cancel() {
                return Err(Cancelled.into());
            }
            let cur = shards.push(&term, |b| b.extend_from_slice(&entry))?;
            if track {
                for p in &m.postings {
                    for &(o, _, _) in p {
                        let note = placed.slot_note[o as usize / CHUNK_DOCS];
                        if let Some(v) = note_shards.get_mut(note)
                            && v.last() != Some(&cur)
                        {
                            v.push(cur);
                        }
                    }
                }
            }
            lists.push(&term, |b| list_entry(b, &term, &m))?;
        }
        Ok(())
    };
    merge_terms(&srcs, None, None, Some(&placed.ord), &mut |term, m| {
        let Ok(term) = std::str::from_utf8(term) else {
            return Ok(());
        };
        batch_postings += m.postings.iter().map(Vec::len).sum::<usize>() + 1;
        batch.push((term.to_string(), m.clone()));
        if batch.len() >= 4096 || batch_postings >= 1 << 19 {
            place_batch(&mut batch)?;
            batch_postings = 0;
        }
        Ok(())
    })?;
    place_batch(&mut batch)?;
    shards.flush()?;
    lists.flush()?;
    let (shard_dir, shard_files) = shards.out.finish(&mut stats)?;
    let (list_dir, list_files) = lists.out.finish(&mut stats)?;
    stats.shards = shard_files.len();
    stats.lists = list_files.len();

    // 3. result data, one note group at a time (slots are dense, so file numbers are too)
    let mut chunk_writer = SetWriter::new(sink, "d", "json");
    for (n, (range, first, last)) in placed.groups.iter().enumerate() {
        let docs = &addr[range.clone()];
        for (_, file) in group_files(site, docs, &placed.ordinals[range.clone()], (*first, *last))?
        {
            chunk_writer.push(&file)?;
        }
        if n.is_multiple_of(64) && cancel() {
            return Err(Cancelled.into());
        }
    }
    let (chunk_dir, chunk_files) = chunk_writer.finish(&mut stats)?;
    stats.chunks = chunk_files.len();

    let mut layout = Layout {
        searcher: searcher.clone(),
        shards: shards.firsts,
        lists: lists.firsts,
        shard_files,
        list_files,
        chunk_files,
        dirs: [shard_dir, list_dir, chunk_dir],
        groups: (String::new(), 0),
        slots,
        note_shards: HashMap::new(),
    };
    if track {
        layout.note_shards = note_shards
            .into_iter()
            .enumerate()
            .map(|(i, v)| (site.notes[i].rel_path.clone(), v))
            .collect();
    }
    write_meta(
        index,
        &searcher,
        site,
        sink,
        &mut layout,
        (addr.len(), &placed.ord),
        &mut stats,
    )?;
    Ok((stats, layout))
}

/// Writes the shard group files (unless the set is unchanged, removing the previous set in
/// `layout.groups`) and records their folder in `layout`.
fn write_groups(
    sink: &dyn Sink,
    layout: &mut Layout,
    stats: &mut ExportStats,
) -> anyhow::Result<()> {
    let files = layout
        .shards
        .chunks(GROUP_SHARDS)
        .map(serde_json::to_vec)
        .collect::<Result<Vec<_>, _>>()?;
    let hashes: FileHashes = files
        .iter()
        .enumerate()
        .map(|(i, f)| (i as u32, *blake3::hash(f).as_bytes()))
        .collect();
    let dir = set_dir("s", &hashes);
    let (old, count) = &layout.groups;
    if *old != dir {
        for i in 0..*count {
            sink.remove(&format!("search/{old}/{i}.json"))?;
        }
        for (i, f) in files.iter().enumerate() {
            sink.put(&format!("search/{dir}/{i}.json"), f)?;
            stats.bytes += f.len();
            stats.files_written += 1;
        }
    }
    layout.groups = (dir, files.len());
    Ok(())
}

/// Writes `search/trouble.json`: the ordinals of the sections of troubleshooting entries,
/// sorted, which the client reads for `in:troubleshooting` (only when a query uses it).
fn write_trouble(
    searcher: &Searcher,
    ord: &[Vec<u32>],
    sink: &dyn Sink,
    stats: &mut ExportStats,
) -> anyhow::Result<()> {
    let mut ords = Vec::new();
    for (so, seg) in searcher.segment_readers().iter().enumerate() {
        let Ok(col) = seg.fast_fields().u64("trouble") else {
            continue;
        };
        for doc in seg.doc_ids_alive() {
            let o = ord[so].get(doc as usize).copied().unwrap_or(u32::MAX);
            if o != u32::MAX && col.first(doc) == Some(1) {
                ords.push(o);
            }
        }
    }
    ords.sort_unstable();
    let bytes = serde_json::to_vec(&ords)?;
    stats.bytes += bytes.len();
    stats.files_written += 1;
    sink.put("search/trouble.json", &bytes)?;
    Ok(())
}

/// Writes `search/meta.json`, the entry point, the shard group files it names and the list of
/// troubleshooting sections.
fn write_meta(
    index: &SearchIndex,
    searcher: &Searcher,
    site: &Site,
    sink: &dyn Sink,
    layout: &mut Layout,
    (docs, ord): (usize, &[Vec<u32>]),
    stats: &mut ExportStats,
) -> anyhow::Result<()> {
    write_groups(sink, layout, stats)?;
    write_trouble(searcher, ord, sink, stats)?;
    let segs = searcher.segment_readers();
    let n: u64 = segs.iter().map(|s| s.max_doc() as u64).sum();
    let mut avg = Vec::new();
    for field in index.fields.text {
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
    let [shard_dir, list_dir, chunk_dir] = &layout.dirs;
    let meta = serde_json::json!({
        "format": FORMAT,
        "n": n,
        "fields": FIELDS.iter().map(|(name, _)| name).collect::<Vec<_>>(),
        "boosts": FIELDS.iter().map(|(_, b)| b).collect::<Vec<_>>(),
        "avg": avg,
        "k1": 1.2f32,
        "b": 0.75f32,
        "maxExpansions": MAX_EXPANSIONS,
        "expansionBudget": index.expansion_budget(),
        "sectionsPerNote": SECTIONS_PER_NOTE,
        "chunkDocs": CHUNK_DOCS,
        "docs": docs,
        "ordinals": layout.slots.next as usize * CHUNK_DOCS,
        "shardDir": shard_dir,
        "shardGroupDir": layout.groups.0,
        "shardGroupSize": GROUP_SHARDS,
        "shardGroups": layout.shards.iter().step_by(GROUP_SHARDS).collect::<Vec<_>>(),
        "listDir": list_dir,
        "lists": layout.lists,
        "chunkDir": chunk_dir,
        "chunks": layout.chunk_files.len(),
        "trouble": "trouble.json",
        "base": site.opts.config.base_path(),
    });
    let bytes = serde_json::to_vec(&meta)?;
    stats.bytes += bytes.len();
    stats.files_written += 1;
    sink.put("search/meta.json", &bytes)?;
    Ok(())
}

/// Updates the export in `sink`, which holds the files of the export `layout` describes, to
/// the current index: only the term shards and term lists whose term ranges hold a term of a
/// changed, added or removed note, and only those notes' result data, are rewritten; every
/// other file keeps its bytes (under its set's new folder name). Returns `None` when the
/// changes are too broad for that to pay off (a merge of large segments, most shards touched,
/// many abandoned slots); then a full export is due.
pub fn export_update(
    index: &SearchIndex,
    site: &Site,
    layout: &Layout,
    sink: &dyn Sink,
    cancel: &dyn Fn() -> bool,
) -> anyhow::Result<Option<(ExportStats, Layout)>> {
    let searcher = index.reader.searcher();
    let segs = searcher.segment_readers();
    let old_segs = layout.searcher.segment_readers();
    let now: HashSet<SegmentId> = segs.iter().map(|s| s.segment_id()).collect();
    let before: HashSet<SegmentId> = old_segs.iter().map(|s| s.segment_id()).collect();
    let added: Vec<&SegmentReader> = segs
        .iter()
        .filter(|s| !before.contains(&s.segment_id()))
        .collect();
    let merged_away: Vec<&SegmentReader> = old_segs
        .iter()
        .filter(|s| !now.contains(&s.segment_id()))
        .collect();
    let total_before: u64 = old_segs.iter().map(|s| s.max_doc() as u64).sum();
    let merged_docs: u64 = merged_away.iter().map(|s| s.max_doc() as u64).sum();
    if merged_docs * 4 > total_before.max(1) {
        return Ok(None);
    }

    // 1. ordinals: unchanged notes keep theirs
    let addr = live_docs(segs, site)?;
    if addr.iter().any(|a| a.0 == usize::MAX) {
        return Ok(None);
    }
    let mut slots = layout.slots.clone();
    let present: HashSet<&str> = site.notes.iter().map(|n| n.rel_path.as_str()).collect();
    let removed: Vec<String> = slots
        .by_note
        .keys()
        .filter(|k| !present.contains(k.as_str()))
        .cloned()
        .collect();
    let mut freed: BTreeSet<u32> = BTreeSet::new();
    for k in &removed {
        if let Some((first, cap)) = slots.by_note.remove(k) {
            freed.extend(first..first + cap);
        }
    }
    let old_slots = slots.by_note.clone();
    let placed = place(&addr, segs, site, &mut slots);
    let used: usize = slots.by_note.values().map(|s| s.1 as usize).sum();
    if slots.next as usize > 2 * used + 64 {
        // too many abandoned slots: a full export packs them again
        return Ok(None);
    }
    // notes re-indexed since the layout: those with documents in a new segment
    let mut changed: HashSet<usize> = HashSet::new();
    {
        let by_key = notes_by_key(site);
        for seg in &added {
            let keys = seg.fast_fields().u64("note_key")?;
            for doc in 0..seg.max_doc() {
                if let Some(&i) = keys.first(doc).and_then(|k| by_key.get(&k)) {
                    changed.insert(i);
                }
            }
        }
    }
    for &i in &changed {
        // a changed note that moved leaves its old slots
        if let Some(&(first, cap)) = old_slots.get(&site.notes[i].rel_path)
            && slots.by_note.get(&site.notes[i].rel_path) != Some(&(first, cap))
        {
            freed.extend(first..first + cap);
        }
    }

    // 2. touched shards: where the old versions of changed and removed notes had terms, and
    // where the terms of new or merged-away segments fall
    let mut touched: BTreeSet<usize> = BTreeSet::new();
    for k in changed
        .iter()
        .map(|&i| &site.notes[i].rel_path)
        .chain(removed.iter())
    {
        if let Some(v) = layout.note_shards.get(k) {
            touched.extend(v.iter().map(|&s| s as usize));
        }
    }
    let mut scanned = 0usize;
    for seg in added.iter().chain(merged_away.iter()) {
        for field in index.fields.text {
            let inv = seg.inverted_index(field)?;
            let mut st = inv.terms().stream()?;
            while st.advance() {
                touched.insert(range_of(&layout.shards, st.key()));
                scanned += 1;
                if scanned.is_multiple_of(4096) && cancel() {
                    return Err(Cancelled.into());
                }
            }
        }
    }
    if layout.shards.is_empty() || touched.len() * 10 > layout.shards.len() * 9 {
        return Ok(None);
    }

    // 3. rewrite the touched shards, and note again which shards the changed notes use
    let srcs = sources(index, segs)?;
    let mut stats = ExportStats {
        docs: addr.len(),
        ..Default::default()
    };
    let mut note_shards = layout.note_shards.clone();
    for k in &removed {
        note_shards.remove(k);
    }
    let mut fresh: HashMap<usize, Vec<u32>> = changed.iter().map(|&i| (i, Vec::new())).collect();
    let mut shard_firsts = layout.shards.clone();
    let mut new_shards: NumberedFiles = Vec::new();
    let touched: Vec<usize> = touched.into_iter().collect();
    // shards are independent: a batch at a time in parallel, checking for a newer edit between
    for batch in touched.chunks(64) {
        if cancel() {
            return Err(Cancelled.into());
        }
        let done: Vec<anyhow::Result<RewrittenShard>> = batch
            .par_iter()
            .map(|&s| {
                let lo = (s > 0).then(|| layout.shards[s].as_bytes());
                let hi = layout.shards.get(s + 1).map(|t| t.as_bytes());
                let mut buf = Vec::new();
                let mut count = 0u64;
                let mut first: Option<String> = None;
                // the changed notes with a term in this shard
                let mut seen: Vec<usize> = Vec::new();
                merge_terms(&srcs, lo, hi, Some(&placed.ord), &mut |term, m| {
                    let Ok(term) = std::str::from_utf8(term) else {
                        return Ok(());
                    };
                    first.get_or_insert_with(|| term.to_string());
                    for p in &m.postings {
                        for &(o, _, _) in p {
                            let note = placed.slot_note[o as usize / CHUNK_DOCS];
                            if seen.last() != Some(&note) && changed.contains(&note) {
                                seen.push(note);
                            }
                        }
                    }
                    shard_entry(&mut buf, term, m);
                    count += 1;
                    Ok(())
                })?;
                Ok((s, packed_file(b"KBS2", count, &buf), count, first, seen))
            })
            .collect();
        for r in done {
            let (s, file, count, first, seen) = r?;
            stats.terms += count as usize;
            // the first shard also takes terms sorting before every other term
            if s == 0
                && let Some(f) = first
                && f < shard_firsts[0]
            {
                shard_firsts[0] = f;
            }
            for note in seen {
                if let Some(v) = fresh.get_mut(&note)
                    && v.last() != Some(&(s as u32))
                {
                    v.push(s as u32);
                }
            }
            new_shards.push((s as u32, file));
        }
    }
    for (i, v) in fresh {
        note_shards.insert(site.notes[i].rel_path.clone(), v);
    }

    // 4. term lists overlapping a touched shard's range
    let mut touched_lists: BTreeSet<usize> = BTreeSet::new();
    for &s in &touched {
        let lo = range_of(&layout.lists, layout.shards[s].as_bytes());
        let lo = if s == 0 { 0 } else { lo };
        let hi = match layout.shards.get(s + 1) {
            Some(t) => range_of(&layout.lists, t.as_bytes()),
            None => layout.lists.len().saturating_sub(1),
        };
        touched_lists.extend(lo..=hi);
    }
    let mut list_firsts = layout.lists.clone();
    let mut new_lists: NumberedFiles = Vec::new();
    for &l in &touched_lists {
        if l >= layout.lists.len() {
            continue;
        }
        let lo = (l > 0).then(|| layout.lists[l].as_bytes());
        let hi = layout.lists.get(l + 1).map(|t| t.as_bytes());
        let mut buf = Vec::new();
        let mut count = 0u64;
        let mut first: Option<String> = None;
        merge_terms(&srcs, lo, hi, None, &mut |term, m| {
            if let Ok(term) = std::str::from_utf8(term) {
                first.get_or_insert_with(|| term.to_string());
                list_entry(&mut buf, term, m);
                count += 1;
            }
            Ok(())
        })?;
        if l == 0
            && let Some(f) = first
            && f < list_firsts[0]
        {
            list_firsts[0] = f;
        }
        new_lists.push((l as u32, packed_file(b"KBL1", count, &buf)));
    }

    // 5. result data of the changed notes
    let mut new_chunks: NumberedFiles = Vec::new();
    for (range, first, last) in &placed.groups {
        if !changed.contains(&addr[range.start].0) {
            continue;
        }
        let files = group_files(
            site,
            &addr[range.clone()],
            &placed.ordinals[range.clone()],
            (*first, *last),
        )?;
        // slots of the note's capacity it no longer fills are emptied
        let key = slot_key(site, addr[range.start].0);
        if let Some(&(f, cap)) = slots.by_note.get(key) {
            freed.extend(f..f + cap);
        }
        for (slot, _) in &files {
            freed.remove(slot);
        }
        new_chunks.extend(files);
    }

    // 6. swap the sets into their new folders
    let mut next = Layout {
        searcher: searcher.clone(),
        shards: shard_firsts,
        lists: list_firsts,
        shard_files: layout.shard_files.clone(),
        list_files: layout.list_files.clone(),
        chunk_files: layout.chunk_files.clone(),
        dirs: layout.dirs.clone(),
        groups: layout.groups.clone(),
        slots,
        note_shards,
    };
    let sets: [(&str, &str, NumberedFiles, Vec<u32>); 3] = [
        ("t", "bin", new_shards, Vec::new()),
        ("l", "bin", new_lists, Vec::new()),
        ("d", "json", new_chunks, freed.into_iter().collect()),
    ];
    for (n, (prefix, ext, files, gone)) in sets.into_iter().enumerate() {
        let hashes = match n {
            0 => &mut next.shard_files,
            1 => &mut next.list_files,
            _ => &mut next.chunk_files,
        };
        for s in &gone {
            hashes.remove(s);
        }
        for (i, f) in &files {
            hashes.insert(*i, *blake3::hash(f).as_bytes());
        }
        let dir = set_dir(prefix, hashes);
        let old = &layout.dirs[n];
        if *old != dir {
            sink.rename_dir(&format!("search/{old}"), &format!("search/{dir}"))?;
        }
        for s in &gone {
            sink.remove(&format!("search/{dir}/{s}.{ext}"))?;
        }
        for (i, f) in &files {
            sink.put(&format!("search/{dir}/{i}.{ext}"), f)?;
            stats.bytes += f.len();
            stats.files_written += 1;
        }
        next.dirs[n] = dir;
    }
    stats.shards = next.shard_files.len();
    stats.lists = next.list_files.len();
    stats.chunks = next.chunk_files.len();
    write_meta(
        index,
        &searcher,
        site,
        sink,
        &mut next,
        (addr.len(), &placed.ord),
        &mut stats,
    )?;
    Ok(Some((stats, next)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{BuildOptions, assemble};
    use crate::serve::{Files, MemSink};
    use std::path::Path;

    fn read_varint(b: &[u8], p: &mut usize) -> u64 {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let x = b[*p];
            *p += 1;
            v |= ((x & 0x7f) as u64) << shift;
            if x < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    type FieldPostings = (usize, u64, Vec<(u64, u64, u8)>);

    fn read_str(b: &[u8], p: &mut usize) -> String {
        let n = read_varint(b, p) as usize;
        let s = String::from_utf8(b[*p..*p + n].to_vec()).unwrap();
        *p += n;
        s
    }

    /// Terms with per-field df and postings as (note path, line, tf, norm); list dfs; rows;
    /// meta figures that do not depend on the layout. Also checks that every term sits in the
    /// shard and list its range says, and that the export folders hold no other file.
    type Canon = (
        BTreeMap<String, Vec<(usize, u64, Vec<(String, u64, u64, u8)>)>>,
        BTreeMap<String, u64>,
        Vec<Vec<serde_json::Value>>,
        serde_json::Value,
    );

    fn canon(files: &Files) -> Canon {
        let meta: serde_json::Value = serde_json::from_slice(&files["search/meta.json"]).unwrap();
        let dir = |k: &str| meta[k].as_str().unwrap().to_string();
        let firsts = |k: &str| -> Vec<String> {
            meta[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        let (sdir, ldir, cdir, gdir) = (
            dir("shardDir"),
            dir("listDir"),
            dir("chunkDir"),
            dir("shardGroupDir"),
        );
        let lists = firsts("lists");
        let tops = firsts("shardGroups");
        let mut shards: Vec<String> = Vec::new();
        for (g, top) in tops.iter().enumerate() {
            let group: Vec<String> =
                serde_json::from_slice(&files[&format!("search/{gdir}/{g}.json")]).unwrap();
            assert_eq!(&group[0], top);
            assert!(group.len() == GROUP_SHARDS || g + 1 == tops.len());
            shards.extend(group);
        }
        // rows by ordinal
        let mut rows: BTreeMap<u64, serde_json::Value> = BTreeMap::new();
        let mut chunk_count = 0;
        for (k, v) in files {
            if let Some(rest) = k.strip_prefix(&format!("search/{cdir}/")) {
                chunk_count += 1;
                let slot: u64 = rest.trim_end_matches(".json").parse().unwrap();
                let r: Vec<serde_json::Value> = serde_json::from_slice(v).unwrap();
                for (j, row) in r.into_iter().enumerate() {
                    rows.insert(slot * CHUNK_DOCS as u64 + j as u64, row);
                }
            }
        }
        assert_eq!(chunk_count, meta["chunks"].as_u64().unwrap());
        for (o, row) in &rows {
            let (first, last) = (row[7].as_u64().unwrap(), row[8].as_u64().unwrap());
            assert!(first <= *o && *o <= last, "{o} outside {first}..={last}");
            for x in first..=last {
                assert_eq!(rows[&x][0], row[0], "ordinal {x} of another note");
            }
        }
        let mut terms = BTreeMap::new();
        for (i, first) in shards.iter().enumerate() {
            let b = &files[&format!("search/{sdir}/{i}.bin")];
            assert_eq!(&b[..4], b"KBS2");
            let mut p = 4;
            let count = read_varint(b, &mut p);
            for _ in 0..count {
                let term = read_str(b, &mut p);
                assert!(i == 0 || term >= *first, "{term} before shard {i}");
                assert!(
                    shards.get(i + 1).is_none_or(|n| term < *n),
                    "{term} past {i}"
                );
                let mask = b[p];
                p += 1;
                let mut fields = Vec::new();
                let present: Vec<usize> = (0..5).filter(|k| mask & (1 << k) != 0).collect();
                // (field, df, postings as (ordinal, tf, fieldnorm id))
                let mut lists: Vec<FieldPostings> = Vec::new();
                if mask & RANGE_CODED != 0 {
                    let heads: Vec<(u64, usize)> = present
                        .iter()
                        .map(|_| {
                            let df = read_varint(b, &mut p);
                            (df, read_varint(b, &mut p) as usize)
                        })
                        .collect();
                    let len = read_varint(b, &mut p) as usize;
                    let counts: Vec<usize> = heads.iter().map(|h| h.1).collect();
                    let dec = crate::search::rangecode::decode(&b[p..p + len], &counts);
                    p += len;
                    for ((k, (df, _)), posts) in present.iter().zip(heads).zip(dec) {
                        let posts = posts
                            .into_iter()
                            .map(|(o, tf, norm)| (o as u64, tf as u64, norm))
                            .collect();
                        lists.push((*k, df, posts));
                    }
                } else {
                    for &k in &present {
                        let df = read_varint(b, &mut p);
                        let n = read_varint(b, &mut p);
                        let mut o = 0;
                        let ords: Vec<u64> = (0..n)
                            .map(|_| {
                                o += read_varint(b, &mut p);
                                o
                            })
                            .collect();
                        let tfs: Vec<u64> = (0..n).map(|_| read_varint(b, &mut p)).collect();
                        let posts = (0..n as usize)
                            .map(|j| (ords[j], tfs[j], b[p + j]))
                            .collect();
                        p += n as usize;
                        lists.push((k, df, posts));
                    }
                }
                for (k, df, list) in lists {
                    let mut posts = Vec::new();
                    for (o, tf, norm) in list {
                        let row = &rows[&o];
                        posts.push((
                            row[0].as_str().unwrap().to_string(),
                            row[5].as_u64().unwrap(),
                            tf,
                            norm,
                        ));
                    }
                    posts.sort();
                    fields.push((k, df, posts));
                }
                assert!(terms.insert(term, fields).is_none());
            }
            assert_eq!(p, b.len());
        }
        let mut dfs = BTreeMap::new();
        for (i, first) in lists.iter().enumerate() {
            let b = &files[&format!("search/{ldir}/{i}.bin")];
            let mut p = 4;
            let count = read_varint(b, &mut p);
            for _ in 0..count {
                let term = read_str(b, &mut p);
                assert!(i == 0 || term >= *first);
                assert!(lists.get(i + 1).is_none_or(|n| term < *n));
                let df = read_varint(b, &mut p);
                dfs.insert(term, df);
            }
        }
        for k in files.keys() {
            let known = k == "search/meta.json"
                || k == "search/trouble.json"
                || [&sdir, &ldir, &cdir, &gdir]
                    .iter()
                    .any(|d| k.starts_with(&format!("search/{d}/")));
            assert!(known, "stray file {k}");
        }
        let mut all_rows: Vec<Vec<serde_json::Value>> = rows
            .values()
            .map(|r| r.as_array().unwrap()[..7].to_vec())
            .collect();
        all_rows.sort_by_key(|r| format!("{r:?}"));
        let mut fixed = meta.clone();
        for k in [
            "shardDir",
            "shardGroupDir",
            "shardGroups",
            "listDir",
            "lists",
            "chunkDir",
            "chunks",
            "ordinals",
        ] {
            fixed.as_object_mut().unwrap().remove(k);
        }
        (terms, dfs, all_rows, fixed)
    }

    /// Words spread over the whole term range, so a note touches few shards.
    fn word(i: usize, j: usize) -> String {
        blake3::hash(format!("{i}/{j}").as_bytes()).to_hex()[..7].to_string()
    }

    fn note(i: usize, round: usize, sections: usize) -> String {
        let words = [
            "Redis",
            "Kafka",
            "브로커",
            "메세지",
            "Celery",
            "큐",
            "retry",
            "캐시",
        ];
        let mut s = format!("---\ntags: [t{}]\n---\n# Note {i}\n\n", i % 3);
        s.push_str(&format!(
            "{} 를 {} 로 사용 {} {}\n",
            words[i % 8],
            words[(i + round) % 8],
            word(i, 1000 + round),
            (0..12).map(|j| word(i, j)).collect::<Vec<_>>().join(" ")
        ));
        for h in 0..sections {
            s.push_str(&format!(
                "\n## 섹션 {h}\n\n{} 설정 {h} 번째 {} {}\n",
                words[(i + h) % 8],
                word(i, 100 + h),
                word(i, 2000 + round * 100 + h)
            ));
        }
        s
    }

    fn site(root: &Path) -> Site {
        assemble(&BuildOptions {
            root: root.to_path_buf(),
            config: crate::config::Config::default(),
            drafts: false,
            history: Default::default(),
        })
    }

    /// A change to the knowledge base or the index.
    enum Step {
        Write(&'static str, usize, usize, usize),
        Remove(&'static str),
        Rename(&'static str, &'static str),
        /// Merge the segments single edits made (deleted versions included).
        MergeSmall,
    }

    /// tantivy's fieldnorm table is Lucene's SmallFloat int4 code with 24 exact values, the
    /// formula static/search.js computes instead of downloading the table.
    #[test]
    fn fieldnorm_table_formula() {
        for id in 0..=255u8 {
            let i = id as u64;
            let want = if i < 24 {
                i
            } else {
                let (bits, shift) = ((i - 24) & 7, ((i - 24) >> 3) as i64 - 1);
                24 + if shift < 0 { bits } else { (bits | 8) << shift }
            };
            assert_eq!(
                tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm(id) as u64,
                want,
                "{id}"
            );
        }
    }

    #[test]
    fn updates_match_a_full_export() {
        use Step::*;
        let tmp = tempfile::tempdir().unwrap();
        let notes = tmp.path().join("notes");
        std::fs::create_dir_all(notes.join("sub")).unwrap();
        for i in 0..150 {
            std::fs::write(notes.join(format!("n{i}.md")), note(i, 0, i % 4)).unwrap();
        }
        let index = SearchIndex::in_memory().unwrap().deterministic();
        let s = site(tmp.path());
        index.update(&s).unwrap();
        let sink = MemSink::default();
        // small shards and lists, so one note touches a few of many
        let small = (256, 128);
        let (_, mut layout) = full(&index, &s, &sink, &|| false, true, small).unwrap();
        let mut files = sink.take();
        let steps: [&[Step]; 12] = [
            // one segment with two notes, then one of them again: its first version stays
            // in that segment as deleted documents
            &[Write("n0.md", 0, 1, 2), Write("n1.md", 1, 1, 1)],
            &[Write("n0.md", 0, 2, 2)],
            // the merge drops n0's first version for good: its terms lose their df
            &[MergeSmall],
            &[Write("sub/new1.md", 151, 1, 1)],
            &[Remove("n149.md")],
            // grows past its slots, then shrinks
            &[Write("n13.md", 13, 3, 20)],
            &[Write("n0.md", 0, 4, 0), MergeSmall],
            &[Rename("sub/new1.md", "sub/moved.md")],
            &[Write("n13.md", 13, 5, 1), Write("n20.md", 20, 6, 2)],
            &[MergeSmall],
            &[Remove("n13.md")],
            &[Write("n20.md", 20, 7, 3), MergeSmall],
        ];
        let mut merges = 0;
        for (n, changes) in steps.iter().enumerate() {
            for step in changes.iter() {
                match *step {
                    Write(name, i, round, sections) => {
                        std::fs::write(notes.join(name), note(i, round, sections)).unwrap()
                    }
                    Remove(name) => std::fs::remove_file(notes.join(name)).unwrap(),
                    Rename(a, b) => std::fs::rename(notes.join(a), notes.join(b)).unwrap(),
                    MergeSmall => {
                        let s = site(tmp.path());
                        index.update(&s).unwrap();
                        let ids: Vec<_> = index
                            .index
                            .searchable_segment_metas()
                            .unwrap()
                            .iter()
                            .filter(|m| m.max_doc() < 50)
                            .map(|m| m.id())
                            .collect();
                        assert!(ids.len() >= 2, "step {n}: nothing to merge");
                        {
                            merges += 1;
                            let mut w: tantivy::IndexWriter =
                                index.index.writer(15_000_000).unwrap();
                            w.merge(&ids).wait().unwrap();
                            w.wait_merging_threads().unwrap();
                            index.reader.reload().unwrap();
                        }
                    }
                }
            }
            let s = site(tmp.path());
            index.update(&s).unwrap();
            let sink = MemSink::with(files.clone());
            let (stats, next) = export_update(&index, &s, &layout, &sink, &|| false)
                .unwrap()
                .unwrap_or_else(|| panic!("step {n}: not updated in place"));
            // an edit rewrites a small part; a merge (whose segments are all read) less than all
            let part = if changes.iter().any(|c| matches!(c, MergeSmall)) {
                1
            } else {
                2
            };
            assert!(
                stats.files_written * part < stats.shards + stats.lists + stats.chunks,
                "step {n}: {stats:?}"
            );
            files = sink.take();
            layout = next;
            let fresh = MemSink::default();
            export(&index, &s, &fresh).unwrap();
            let want = canon(&fresh.take());
            let got = canon(&files);
            assert_eq!(got.3, want.3, "step {n}: meta");
            assert_eq!(got.2, want.2, "step {n}: rows");
            assert_eq!(got.1, want.1, "step {n}: term lists");
            assert_eq!(got.0, want.0, "step {n}: terms");
        }
        assert!(merges >= 3, "{merges} merges");
    }
}
