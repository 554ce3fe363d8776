//! The static search export in `public/search/`: tantivy's terms, postings (document ordinal,
//! term frequency, quantized field norm), document frequencies and average field lengths,
//! in term-range shards that the browser fetches on demand. Format: `docs/search-format.md`.
//!
//! Terms are streamed from tantivy's term dictionaries (a merge over fields and segments), so
//! memory stays bounded by one shard, not by the index. Every statistic counts live documents
//! only, and documents are numbered densely in note order, so the export is a function of the
//! notes: an index updated in place exports the same bytes as one built cold.
//!
//! # Updating an export in place
//!
//! A full export ([`export_cancellable`]) also returns a [`Layout`]: what the next export
//! needs to rewrite only what changed. [`export_update`] takes the index and site after an
//! edit (the index already updated with [`SearchIndex::update`]), that layout, and a sink
//! holding the files of the export it describes; it rewrites the term shards and lists that
//! hold an entry that changed (shard cuts are content-defined, so they move only near a
//! change), the changed notes' result data, the shard groups, `meta.json` and `trouble.json`,
//! renames the other files into their sets' new folders, and returns the new layout. The
//! files are then exactly those of a full export of the same notes. It returns `None`, having
//! written nothing, when a full export is due: a note changes its number of slots, or is
//! added, removed or renamed before others so that their ordinals move; a replaced version of
//! a changed note can no longer be read back (tantivy merged its segment away); or more than
//! half of the shards of a large export (over 64) would be rewritten anyway.
//!
//! The layout holds no handle on the index, so it can be kept between processes. A build:
//!
//! ```text
//! let path = opts.cache_dir().join(export::LAYOUT_FILE);       // .kb/cache/search-layout.bin
//! let updated = match Layout::load(&path).filter(|l| l.describes(&output_dir)) {
//!     Some(layout) => export::export_update(&index, site, &layout, sink, &|| false)?,
//!     None => None,
//! };
//! let (stats, layout) = match updated {
//!     Some(done) => done,
//!     None => export::export_cancellable(&index, site, sink, &|| false)?,  // into an empty search/
//! };
//! layout.save(&path)?;
//! ```
//!
//! The sink must keep the files it holds that the update does not touch, and support
//! [`Sink::rename_dir`] on single files; [`Layout::files`] lists every file of the export
//! afterwards (an update writes only some of them). The dev server keeps its layout in memory
//! and does the same after each edit.

use crate::search::index::{
    FIELDS, LiveStats, MAX_EXPANSIONS, SECTIONS_PER_NOTE, SearchIndex, note_key,
};
use crate::site::{Sink, Site};
use std::collections::HashMap;
use tantivy::{Searcher, SegmentReader};

mod alias;
mod layout;
mod pack;
pub mod rows;
mod terms;
mod update;

pub use layout::Layout;
use layout::{FileSet, NoteSlots, NoteTexts, SegmentState};
use pack::{Cut, Packer, SetWriter};
use rows::{SlotRows, encode_text, pack_slots};
use terms::{Merged, encode_batch, list_entry, merge_terms, sources};

/// Raw bytes a term shard aims at (see `Cut` in `pack.rs`: from half to twice that).
pub const SHARD_BYTES: usize = 4 * 1024;
/// Raw bytes a term list aims at (the dictionary used for prefix and fuzzy expansion).
pub const LIST_BYTES: usize = 2 * 1024;
/// Ordinals per result-data slot: a note's sections fill one or more whole slots of this size.
pub const CHUNK_DOCS: usize = 8;

/// Notes above which the export puts two slots in a result-data file by default.
pub const PACK_ABOVE_NOTES: usize = 8_000;

/// Result-data slots per file: kb.toml's `search_result_pack`, else 2 above
/// [`PACK_ABOVE_NOTES`] notes (a file per note takes a 10k-note site past Cloudflare Pages'
/// 20,000 files; a query then downloads a neighbour's rows with each note's) and 1 below.
pub fn result_pack(site: &Site) -> usize {
    match site.opts.config.search_result_pack {
        0 if site.notes.len() > PACK_ABOVE_NOTES => 2,
        0 => 1,
        n => n.min(8),
    }
}

/// Characters of section text kept for snippets.
pub const TEXT_CHARS: usize = 1200;
/// Shards per group file of shard first terms (`s/<hash>/<g>.json`): meta.json holds only
/// every group's first term, so it stays small however many shards there are.
pub const GROUP_SHARDS: usize = 64;
/// Format version of the export.
pub const FORMAT: u32 = 10;
/// File name of a saved [`Layout`], for a folder under `.kb/` (the cache folder).
pub const LAYOUT_FILE: &str = "search-layout.bin";

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

/// What [`write_terms`] wrote: the shard and term-list sets (folder, files) and the postings
/// hashes of the big shard entries.
type TermSets = ((String, FileSet), (String, FileSet), alias::Aliases);

/// Content hashes of a numbered set of files, by number.
type FileHashes = Vec<[u8; 32]>;

/// Cut targets of term shards and term lists, in raw bytes.
type Targets = (usize, usize);

/// Index of the last first-term `<=` term (0 for a term before all of them).
fn range_of(firsts: &[String], term: &[u8]) -> usize {
    firsts
        .partition_point(|f| f.as_bytes() <= term)
        .saturating_sub(1)
}

/// A live document, in the order documents are numbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Addr {
    /// Note index in the site (`usize::MAX`: a note the site does not have).
    note: usize,
    /// Place of the section in its note.
    section: u64,
    /// Segment ordinal and doc id.
    so: u32,
    doc: u32,
    /// 1-based line of the section.
    line: u64,
}

/// Note indexes by [`note_key`] of their paths.
fn notes_by_key(site: &Site) -> HashMap<u64, usize> {
    site.notes
        .iter()
        .enumerate()
        .map(|(i, n)| (note_key(&n.rel_path), i))
        .collect()
}

/// Live documents of every segment in note order, then section order (from fast fields).
fn live_docs(segs: &[SegmentReader], site: &Site) -> tantivy::Result<Vec<Addr>> {
    let by_key = notes_by_key(site);
    let mut addr = Vec::new();
    for (so, seg) in segs.iter().enumerate() {
        let keys = seg.fast_fields().u64("note_key")?;
        let sections = seg.fast_fields().u64("section")?;
        let lines = seg.fast_fields().u64("line")?;
        for doc in seg.doc_ids_alive() {
            let note = keys
                .first(doc)
                .and_then(|k| by_key.get(&k).copied())
                .unwrap_or(usize::MAX);
            addr.push(Addr {
                note,
                section: sections.first(doc).unwrap_or(0),
                so: so as u32,
                doc,
                line: lines.first(doc).unwrap_or(0),
            });
        }
    }
    addr.sort_unstable();
    Ok(addr)
}

/// Documents numbered: notes packed densely in note order, each on whole slots of its own.
struct Placement {
    /// Per document (in `addr` order): its ordinal.
    ordinals: Vec<u32>,
    /// Per note group: (range in `addr`, first ordinal, last ordinal).
    groups: Vec<(std::ops::Range<usize>, u32, u32)>,
    /// Ordinal by segment and doc id (`u32::MAX` for deleted documents).
    ord: Vec<Vec<u32>>,
    /// Slots taken (result-data files).
    slots: u32,
}

/// The share of notes (the ones with the most text) whose result data gets files of its own
/// when files hold several slots: a query downloads a result note's file whole, and these are
/// the neighbours that cost it the most.
pub const ALONE_SHARE: f64 = 0.18;

/// Per note: whether its result data sits alone in its file(s) (files of `pack` slots): the
/// notes whose plain text is longer than the [`ALONE_SHARE`] quantile, rounded up to seven
/// significant bits so that an edit rarely moves the threshold (which moves ordinals).
fn alone_notes(site: &Site, pack: usize) -> Vec<bool> {
    let sizes: Vec<usize> = site
        .parsed
        .iter()
        .map(|p| p.sections.text_bytes())
        .collect();
    if pack < 2 || sizes.is_empty() {
        return vec![false; sizes.len()];
    }
    let mut sorted = sizes.clone();
    sorted.sort_unstable();
    let k = ((sorted.len() as f64) * (1.0 - ALONE_SHARE)) as usize;
    let v = sorted[k.min(sorted.len() - 1)];
    let e = (usize::BITS - v.leading_zeros()).saturating_sub(7);
    let threshold = v.div_ceil(1 << e) << e;
    sizes.iter().map(|&b| b > threshold).collect()
}

/// Numbers the documents of `addr` (in that order) and finds each one's ordinal by segment.
/// A note marked in `alone` starts a file of `pack` slots and the next note starts another:
/// the slots between are empty.
fn place(addr: &[Addr], segs: &[SegmentReader], alone: &[bool], pack: usize) -> Placement {
    let mut ordinals = Vec::with_capacity(addr.len());
    let mut groups = Vec::new();
    let mut slots = 0u32;
    let pack = pack.max(1) as u32;
    let mut k = 0;
    while k < addr.len() {
        let note = addr[k].note;
        let count = addr[k..].iter().take_while(|a| a.note == note).count();
        let single = alone.get(note).copied().unwrap_or(false);
        if single {
            slots = slots.next_multiple_of(pack);
        }
        let first = slots * CHUNK_DOCS as u32;
        slots += count.div_ceil(CHUNK_DOCS) as u32;
        if single {
            slots = slots.next_multiple_of(pack);
        }
        ordinals.extend((0..count as u32).map(|j| first + j));
        groups.push((k..k + count, first, first + count as u32 - 1));
        k += count;
    }
    let mut ord: Vec<Vec<u32>> = segs
        .iter()
        .map(|s| vec![u32::MAX; s.max_doc() as usize])
        .collect();
    for (a, &o) in addr.iter().zip(&ordinals) {
        ord[a.so as usize][a.doc as usize] = o;
    }
    Placement {
        ordinals,
        groups,
        ord,
        slots,
    }
}

/// Where each note of the site sits and which version of it the index holds, for the layout.
fn note_slots(
    site: &Site,
    addr: &[Addr],
    placed: &Placement,
    index: &SearchIndex,
) -> Vec<NoteSlots> {
    let hashes = index.note_hashes();
    let mut notes: Vec<NoteSlots> = site
        .notes
        .iter()
        .map(|n| NoteSlots {
            path: n.rel_path.clone(),
            hash: hashes.get(&n.rel_path).cloned().unwrap_or_default(),
            first: 0,
            slots: 0,
            docs: 0,
        })
        .collect();
    for (range, first, last) in &placed.groups {
        if let Some(n) = notes.get_mut(addr[range.start].note) {
            n.first = first / CHUNK_DOCS as u32;
            n.slots = last / CHUNK_DOCS as u32 + 1 - n.first;
            n.docs = range.len() as u32;
        }
    }
    notes
}

/// The result-data slots of one note group: (slot, rows).
fn group_files(
    site: &Site,
    docs: &[Addr],
    ordinals: &[u32],
    (first, last): (u32, u32),
) -> anyhow::Result<Vec<(u32, SlotRows)>> {
    let note = docs.first().map(|a| a.note).unwrap_or(usize::MAX);
    let sections = if note < site.notes.len() {
        crate::search::index::note_sections(site, note)
    } else {
        Vec::new()
    };
    let mut files = Vec::new();
    let head = || match site.notes.get(note) {
        Some(n) => rows::slot_head(
            &n.rel_path,
            &site.pages[note].title,
            &site.pages[note].slug,
            (first, last),
        ),
        None => rows::slot_head("", "", "", (first, last)),
    };
    let mut cells = head();
    let mut texts = Vec::new();
    for (i, a) in docs.iter().enumerate() {
        if cells.len() > rows::SLOT_HEAD && ordinals[i].is_multiple_of(CHUNK_DOCS as u32) {
            files.push((
                (ordinals[i] - 1) / CHUNK_DOCS as u32,
                SlotRows {
                    json: serde_json::to_vec(&std::mem::replace(&mut cells, head()))?,
                    texts: std::mem::take(&mut texts),
                },
            ));
        }
        let before = texts.len();
        match (site.notes.get(note), sections.get(a.section as usize)) {
            (Some(_), Some(s)) => {
                let text: String = s.body.chars().take(TEXT_CHARS).collect();
                encode_text(&text, &mut texts);
                // a troubleshooting section says so (results label it)
                let label = (s.heading_label.as_str(), s.anchor.as_str());
                rows::push_row(&mut cells, label, s.line, texts.len() - before, s.trouble);
            }
            _ => rows::push_row(&mut cells, ("", ""), a.line, 0, false),
        }
    }
    if let Some(&o) = ordinals.last() {
        files.push((
            o / CHUNK_DOCS as u32,
            SlotRows {
                json: serde_json::to_vec(&cells)?,
                texts,
            },
        ));
    }
    Ok(files)
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
    full(index, site, sink, &|| false, (SHARD_BYTES, LIST_BYTES)).map(|(stats, _)| stats)
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
    full(index, site, sink, cancel, (SHARD_BYTES, LIST_BYTES))
}

/// Updates the export in `sink`, which holds the files of the export `layout` describes, to
/// the current index and site, writing only what changed (see the module documentation): the
/// result is byte for byte a full export of the same index. Returns `None`, with `sink`
/// untouched, when a full export is due. Gives up with [`Cancelled`] when `cancel` returns
/// true, before it writes anything; after another error the export in `sink` may be partly
/// updated.
pub fn export_update(
    index: &SearchIndex,
    site: &Site,
    layout: &Layout,
    sink: &dyn Sink,
    cancel: &dyn Fn() -> bool,
) -> anyhow::Result<Option<(ExportStats, Layout)>> {
    update::update(index, site, layout, sink, cancel)
}

/// A full export, and its layout.
fn full(
    index: &SearchIndex,
    site: &Site,
    sink: &dyn Sink,
    cancel: &dyn Fn() -> bool,
    targets: Targets,
) -> anyhow::Result<(ExportStats, Layout)> {
    let searcher = index.reader.searcher();
    let segs = searcher.segment_readers();
    // 1. document ordinals: sections in note order, each note on its own slots
    let addr = live_docs(segs, site)?;
    let pack = result_pack(site);
    let placed = place(&addr, segs, &alone_notes(site, pack), pack);
    let mut stats = ExportStats {
        docs: addr.len(),
        ..Default::default()
    };
    // 2. term shards and term lists, and the statistics of the live documents
    let mut live = LiveStats {
        docs: addr.len() as u64,
        tokens: [0; 5],
    };
    let (shards, lists, aliases) = write_terms(
        index,
        segs,
        &placed,
        targets,
        sink,
        cancel,
        (&mut stats, &mut live.tokens),
    )?;
    // 3. result data, one note group at a time, `pack` consecutive slots a file (the slots
    // between an alone note and its neighbours are empty)
    let mut chunk_writer = SetWriter::new(sink, "d", "bin");
    let mut pending: Vec<SlotRows> = Vec::with_capacity(pack);
    let mut next = 0u32;
    // slot `slot` holds `rows` (None: it is empty); the empty slots before it are filled in
    let mut push = |slot: u32, rows: Option<SlotRows>| -> std::io::Result<()> {
        let mut rows = rows;
        while next <= slot {
            let here = if next == slot { rows.take() } else { None };
            pending.push(here.unwrap_or_else(SlotRows::empty));
            next += 1;
            if pending.len() == pack {
                chunk_writer.push(&pack_slots(std::mem::take(&mut pending), pack))?;
            }
        }
        Ok(())
    };
    for (n, (range, first, last)) in placed.groups.iter().enumerate() {
        let docs = &addr[range.clone()];
        for (slot, file) in
            group_files(site, docs, &placed.ordinals[range.clone()], (*first, *last))?
        {
            push(slot, Some(file))?;
        }
        if n.is_multiple_of(64) && cancel() {
            return Err(Cancelled.into());
        }
    }
    if let Some(last) = placed.slots.checked_sub(1) {
        push(last, None)?;
    }
    if !pending.is_empty() {
        chunk_writer.push(&pack_slots(pending, pack))?;
    }
    let (chunk_dir, chunks) = chunk_writer.finish(&mut stats)?;
    stats.chunks = chunks.len();
    let mut layout = Layout {
        targets,
        pack,
        shards: shards.1,
        lists: lists.1,
        aliases,
        chunks,
        dirs: [shards.0, lists.0, chunk_dir],
        groups: (String::new(), 0),
        notes: note_slots(site, &addr, &placed, index),
        segments: segment_states(segs),
        texts: volatile_texts(segs, &addr, site),
        live,
        meta: [0; 32],
    };
    write_meta(
        index,
        &searcher,
        site,
        sink,
        &mut layout,
        &placed.ord,
        &mut stats,
    )?;
    Ok((stats, layout))
}

/// Segments holding the documents of at most this many notes are small: the notes in them
/// are kept in the layout (see `Layout::texts`), since a few edits empty such a segment.
const SMALL_SEGMENT_NOTES: usize = 64;

/// The sections of the notes with documents in small segments, by note index.
fn volatile_texts(
    segs: &[SegmentReader],
    addr: &[Addr],
    site: &Site,
) -> std::collections::BTreeMap<u32, NoteTexts> {
    // documents come in note order, so a segment's notes are counted as they change
    let mut notes: Vec<Vec<usize>> = vec![Vec::new(); segs.len()];
    for a in addr.iter().filter(|a| a.note < site.notes.len()) {
        let seen = &mut notes[a.so as usize];
        if seen.last() != Some(&a.note) {
            seen.push(a.note);
        }
    }
    let mut out = std::collections::BTreeMap::new();
    for seen in notes.iter().filter(|n| n.len() <= SMALL_SEGMENT_NOTES) {
        for &i in seen {
            out.entry(i as u32).or_insert_with(|| {
                crate::search::index::note_sections(site, i)
                    .iter()
                    .map(|d| d.texts().map(String::from))
                    .collect()
            });
        }
    }
    out
}

/// The segments of a searcher with their deleted documents.
fn segment_states(segs: &[SegmentReader]) -> Vec<SegmentState> {
    segs.iter()
        .map(|s| SegmentState {
            id: s.segment_id().uuid_string(),
            deleted: match s.alive_bitset() {
                Some(alive) => (0..s.max_doc()).filter(|&d| alive.is_deleted(d)).collect(),
                None => Vec::new(),
            },
        })
        .collect()
}

/// Writes the term shards and term lists from the merged term streams of every (field,
/// segment), adding up the tokens of each field (its postings' term frequencies); returns
/// each set's folder and files.
fn write_terms(
    index: &SearchIndex,
    segs: &[SegmentReader],
    placed: &Placement,
    (shard_bytes, list_bytes): Targets,
    sink: &dyn Sink,
    cancel: &dyn Fn() -> bool,
    (stats, tokens): (&mut ExportStats, &mut [u64; 5]),
) -> anyhow::Result<TermSets> {
    let srcs = sources(index, segs)?;
    let mut shards = Packer::new(b"KBS2", Cut::new(shard_bytes, true));
    let mut lists = Packer::new(b"KBL1", Cut::new(list_bytes, false));
    let mut aliases = alias::Aliases::default();
    let mut shard_out = (SetWriter::new(sink, "t", "bin"), FileSet::default());
    let mut list_out = (SetWriter::new(sink, "l", "bin"), FileSet::default());
    let drain = |p: &mut Packer, (w, set): &mut (SetWriter, FileSet)| -> std::io::Result<()> {
        for f in p.done.drain(..) {
            w.push(&f.bytes)?;
            set.push(f.first, f.open, *w.hashes.last().unwrap_or(&[0; 32]));
        }
        Ok(())
    };
    // terms are encoded a batch at a time, each batch on two threads: range coding is most of
    // the export, and the pages may be done while it runs
    let mut batch: Vec<(String, Merged)> = Vec::new();
    let mut batch_postings = 0usize;
    let mut list_buf = Vec::new();
    let mut place_batch = |batch: &mut Vec<(String, Merged)>| -> anyhow::Result<()> {
        let entries = encode_batch(batch)?;
        for ((term, m), entry) in batch.drain(..).zip(entries) {
            stats.terms += 1;
            if stats.terms.is_multiple_of(1024) && cancel() {
                return Err(Cancelled.into());
            }
            for (t, p) in tokens.iter_mut().zip(&m.postings) {
                *t += p.iter().map(|&(_, tf, _)| u64::from(tf)).sum::<u64>();
            }
            // a term a set does not hold (a key term in the shards) is skipped
            if !entry.is_empty() {
                // terms come in order: the first of a postings hash keeps the postings
                let mut entry = entry;
                aliases.record(&term, &mut entry, shard_bytes);
                shards.push(&term, &entry);
                drain(&mut shards, &mut shard_out)?;
            }
            list_buf.clear();
            list_entry(&mut list_buf, &term, &m);
            if !list_buf.is_empty() {
                lists.push(&term, &list_buf);
                drain(&mut lists, &mut list_out)?;
            }
        }
        Ok(())
    };
    let release = index.postings_release(segs);
    merge_terms(&srcs, None, Some(&placed.ord), &mut |term, m| {
        batch_postings += m.postings.iter().map(Vec::len).sum::<usize>() + 1;
        batch.push((term.to_string(), m.clone()));
        if batch.len() >= 4096 || batch_postings >= 1 << 19 {
            place_batch(&mut batch)?;
            batch_postings = 0;
            // the postings read so far are not read again
            release();
        }
        Ok(true)
    })?;
    place_batch(&mut batch)?;
    shards.flush();
    lists.flush();
    drain(&mut shards, &mut shard_out)?;
    drain(&mut lists, &mut list_out)?;
    let (shard_dir, _) = shard_out.0.finish(stats)?;
    let (list_dir, _) = list_out.0.finish(stats)?;
    stats.shards = shard_out.1.len();
    stats.lists = list_out.1.len();
    Ok(((shard_dir, shard_out.1), (list_dir, list_out.1), aliases))
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
        .firsts
        .chunks(GROUP_SHARDS)
        .map(serde_json::to_vec)
        .collect::<Result<Vec<_>, _>>()?;
    let hashes: FileHashes = files.iter().map(|f| *blake3::hash(f).as_bytes()).collect();
    let dir = pack::set_dir("s", &hashes);
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
/// troubleshooting sections; records meta.json's hash in `layout` (whose statistics it states).
fn write_meta(
    index: &SearchIndex,
    searcher: &Searcher,
    site: &Site,
    sink: &dyn Sink,
    layout: &mut Layout,
    ord: &[Vec<u32>],
    stats: &mut ExportStats,
) -> anyhow::Result<()> {
    write_groups(sink, layout, stats)?;
    write_trouble(searcher, ord, sink, stats)?;
    // BM25's N and average field lengths over the live documents, as `kb search` reads them
    let live = layout.live;
    let [shard_dir, list_dir, chunk_dir] = &layout.dirs;
    let meta = serde_json::json!({
        "format": FORMAT,
        "n": live.docs,
        "fields": FIELDS.iter().map(|(name, _)| *name).chain(["filter"]).collect::<Vec<_>>(),
        "boosts": FIELDS.iter().map(|(_, b)| b).collect::<Vec<_>>(),
        "avg": live.avg(),
        "k1": 1.2f32,
        "b": 0.75f32,
        "maxExpansions": MAX_EXPANSIONS,
        "expansionBudget": index.expansion_budget(),
        "sectionsPerNote": SECTIONS_PER_NOTE,
        "chunkDocs": CHUNK_DOCS,
        "chunkSlots": layout.pack,
        "docs": stats.docs,
        "ordinals": layout.slot_count() * CHUNK_DOCS,
        "shardDir": shard_dir,
        "shardGroupDir": layout.groups.0,
        "shardGroupSize": GROUP_SHARDS,
        "shardGroups": layout.shards.firsts.iter().step_by(GROUP_SHARDS).collect::<Vec<_>>(),
        "listDir": list_dir,
        "lists": layout.lists.firsts,
        "chunkDir": chunk_dir,
        "chunks": layout.chunks.len(),
        "trouble": "trouble.json",
        "base": site.opts.config.base_path(),
    });
    let mut meta = meta;
    // synonym groups only when kb.toml has some: meta.json is read by every query
    if !index.synonyms().is_empty() {
        meta["synonyms"] = serde_json::json!(index.synonyms());
    }
    let bytes = serde_json::to_vec(&meta)?;
    stats.bytes += bytes.len();
    stats.files_written += 1;
    sink.put("search/meta.json", &bytes)?;
    layout.meta = *blake3::hash(&bytes).as_bytes();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::site::assemble;
    use crate::site::BuildOptions;
    use crate::site::sink::{Files, MemSink};
    use std::collections::BTreeMap;
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

    fn read_str(b: &[u8], p: &mut usize) -> String {
        let n = read_varint(b, p) as usize;
        let s = String::from_utf8(b[*p..*p + n].to_vec()).unwrap();
        *p += n;
        s
    }

    /// Per field: (field, df, postings as (ordinal, tf, fieldnorm id)).
    type FieldPostings = Vec<(usize, u64, Vec<(u64, u64, u8)>)>;

    /// Per term: per field (field, df, postings as (note path, line, tf, norm)).
    type Terms = BTreeMap<String, Vec<(usize, u64, Vec<(String, u64, u64, u8)>)>>;

    /// Terms; list dfs; rows; meta figures that do not depend on the layout.
    type Canon = (
        Terms,
        BTreeMap<String, u64>,
        Vec<Vec<serde_json::Value>>,
        serde_json::Value,
    );

    /// An export's entry point and the folders and first terms it names.
    struct Meta {
        meta: serde_json::Value,
        /// Folders of shards, lists, result data and shard groups.
        dirs: [String; 4],
        shards: Vec<String>,
        lists: Vec<String>,
    }

    fn read_meta(files: &Files) -> Meta {
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
        let dirs = [
            dir("shardDir"),
            dir("listDir"),
            dir("chunkDir"),
            dir("shardGroupDir"),
        ];
        let tops = firsts("shardGroups");
        let mut shards: Vec<String> = Vec::new();
        for (g, top) in tops.iter().enumerate() {
            let group: Vec<String> =
                serde_json::from_slice(&files[&format!("search/{}/{g}.json", dirs[3])]).unwrap();
            assert_eq!(&group[0], top);
            assert!(group.len() == GROUP_SHARDS || g + 1 == tops.len());
            shards.extend(group);
        }
        let lists = firsts("lists");
        Meta {
            meta,
            dirs,
            shards,
            lists,
        }
    }

    /// Result rows by ordinal; checks that each row's note range holds rows of that note only.
    fn read_rows(files: &Files, m: &Meta) -> BTreeMap<u64, serde_json::Value> {
        let mut rows: BTreeMap<u64, serde_json::Value> = BTreeMap::new();
        let mut chunk_count = 0;
        for (k, v) in files {
            if let Some(rest) = k.strip_prefix(&format!("search/{}/", m.dirs[2])) {
                chunk_count += 1;
                let file: u64 = rest.trim_end_matches(".bin").parse().unwrap();
                let pack = m.meta["chunkSlots"].as_u64().unwrap();
                let slots = rows::read_slots(v, pack as usize).expect("a result-data file");
                assert!(slots.len() as u64 <= pack);
                for (k, slot) in slots.into_iter().enumerate() {
                    for (j, row) in slot.into_iter().enumerate() {
                        rows.insert((file * pack + k as u64) * CHUNK_DOCS as u64 + j as u64, row);
                    }
                }
            }
        }
        assert_eq!(chunk_count, m.meta["chunks"].as_u64().unwrap());
        for (o, row) in &rows {
            let (first, last) = (row[7].as_u64().unwrap(), row[8].as_u64().unwrap());
            assert!(first <= *o && *o <= last, "{o} outside {first}..={last}");
            for x in first..=last {
                assert_eq!(rows[&x][0], row[0], "ordinal {x} of another note");
            }
        }
        rows
    }

    /// One shard entry's fields, after its term and at `p`.
    fn read_entry(b: &[u8], p: &mut usize) -> FieldPostings {
        let mask = b[*p];
        *p += 1;
        let present: Vec<usize> = (0..6).filter(|k| mask & (1 << k) != 0).collect();
        let mut lists: FieldPostings = Vec::new();
        if mask & terms::RANGE_CODED != 0 {
            let heads: Vec<(u64, usize)> = present
                .iter()
                .map(|_| {
                    let df = read_varint(b, p);
                    (df, read_varint(b, p) as usize)
                })
                .collect();
            let len = read_varint(b, p) as usize;
            let counts: Vec<usize> = heads.iter().map(|h| h.1).collect();
            let dec = crate::search::rangecode::decode(&b[*p..*p + len], &counts);
            *p += len;
            for ((k, (df, _)), posts) in present.iter().zip(heads).zip(dec) {
                let posts = posts
                    .into_iter()
                    .map(|(o, tf, norm)| (o as u64, tf as u64, norm))
                    .collect();
                lists.push((*k, df, posts));
            }
            return lists;
        }
        for &k in &present {
            let df = read_varint(b, p);
            let n = read_varint(b, p);
            let mut o = 0;
            let ords: Vec<u64> = (0..n)
                .map(|_| {
                    o += read_varint(b, p);
                    o
                })
                .collect();
            let tfs: Vec<u64> = (0..n).map(|_| read_varint(b, p)).collect();
            let posts = (0..n as usize)
                .map(|j| (ords[j], tfs[j], b[*p + j]))
                .collect();
            *p += n as usize;
            lists.push((k, df, posts));
        }
        lists
    }

    /// Every term of every shard, its postings named by note and line; checks that each term
    /// sits in the shard its range says and that a field's df counts its postings.
    fn read_terms(files: &Files, m: &Meta, rows: &BTreeMap<u64, serde_json::Value>) -> Terms {
        let mut terms = BTreeMap::new();
        let mut aliased = Vec::new();
        for (i, first) in m.shards.iter().enumerate() {
            let b = &files[&format!("search/{}/{i}.bin", m.dirs[0])];
            assert_eq!(&b[..4], b"KBS2");
            let mut p = 4;
            let count = read_varint(b, &mut p);
            for _ in 0..count {
                let term = read_str(b, &mut p);
                assert!(i == 0 || term >= *first, "{term} before shard {i}");
                assert!(
                    m.shards.get(i + 1).is_none_or(|n| term < *n),
                    "{term} past {i}"
                );
                if b[p] == alias::ALIAS {
                    p += 1;
                    let same = read_str(b, &mut p);
                    assert!(same < term, "{term} aliases {same}");
                    aliased.push((term, same));
                    continue;
                }
                let mut fields = Vec::new();
                for (k, df, list) in read_entry(b, &mut p) {
                    // the filter field's postings are runs of ordinals (first, length)
                    let list: Vec<(u64, u64, u8)> = if k == terms::FILTER_FIELD {
                        list.iter()
                            .flat_map(|&(o, len, _)| (o..o + len).map(|x| (x, 1, 0)))
                            .collect()
                    } else {
                        list
                    };
                    // live documents only: the df is the number of postings
                    assert_eq!(df, list.len() as u64, "{term}");
                    let mut posts: Vec<(String, u64, u64, u8)> = list
                        .into_iter()
                        .map(|(o, tf, norm)| {
                            let row = &rows[&o];
                            let note = row[0].as_str().unwrap().to_string();
                            (note, row[5].as_u64().unwrap(), tf, norm)
                        })
                        .collect();
                    posts.sort();
                    fields.push((k, df, posts));
                }
                assert!(terms.insert(term, fields).is_none());
            }
            assert_eq!(p, b.len());
        }
        // an alias stands for the postings of the term it names
        for (term, same) in aliased {
            let fields = terms.get(&same).cloned().expect("an aliased term");
            assert!(terms.insert(term, fields).is_none());
        }
        terms
    }

    /// Total dfs of the term lists; checks that each term sits in the list its range says.
    fn read_lists(files: &Files, m: &Meta) -> BTreeMap<String, u64> {
        let mut dfs = BTreeMap::new();
        for (i, first) in m.lists.iter().enumerate() {
            let b = &files[&format!("search/{}/{i}.bin", m.dirs[1])];
            let mut p = 4;
            let count = read_varint(b, &mut p);
            for _ in 0..count {
                let term = read_str(b, &mut p);
                assert!(i == 0 || term >= *first);
                assert!(m.lists.get(i + 1).is_none_or(|n| term < *n));
                let df = read_varint(b, &mut p);
                dfs.insert(term, df);
            }
        }
        dfs
    }

    /// The content of an export apart from how it is laid out in files; also checks that the
    /// export folders hold no other file.
    fn canon(files: &Files) -> Canon {
        let m = read_meta(files);
        let rows = read_rows(files, &m);
        let terms = read_terms(files, &m, &rows);
        let dfs = read_lists(files, &m);
        for k in files.keys() {
            let known = k == "search/meta.json"
                || k == "search/trouble.json"
                || m.dirs
                    .iter()
                    .any(|d| k.starts_with(&format!("search/{d}/")));
            assert!(known, "stray file {k}");
        }
        let mut all_rows: Vec<Vec<serde_json::Value>> = rows
            .values()
            .map(|r| r.as_array().unwrap()[..7].to_vec())
            .collect();
        all_rows.sort_by_key(|r| format!("{r:?}"));
        let mut fixed = m.meta.clone();
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
        // an edit may change a nested tag: the filter terms of tags change with it
        let mut s = format!(
            "---\ntags: [t{}, r{}/n{}]\n---\n# Note {i}\n\n",
            i % 3,
            round % 2,
            i % 2
        );
        // a long word in most notes: its bigrams' posting lists are identical (the smallest,
        // 러블, holds them and the others alias it) until a round splits the word or writes 러블
        // in a note without it; then the next bigram, 블슈, holds them though it is unchanged
        let trouble = match (i, round) {
            (20, 6) => "",
            (20, 7) => "러블리",
            _ if (i + round) % 3 == 1 && i != 0 => "",
            _ if i.is_multiple_of(7) && round % 2 == 1 => "트러 블슈팅",
            _ => "트러블슈팅",
        };
        s.push_str(&format!(
            "{} 를 {} 로 사용 {} {} {trouble}\n",
            words[i % 8],
            words[(i + round) % 8],
            word(i, 1000 + round),
            (0..12).map(|j| word(i, j)).collect::<Vec<_>>().join(" ")
        ));
        for h in 0..sections {
            s.push_str(&format!(
                "\n## 섹션 {h}\n\n{} 설정 {h} 번째 {} {} {trouble}\n",
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
            config: crate::config::Config::load(root).unwrap(),
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
        /// Merge every segment.
        MergeAll,
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

    /// Small shards and lists, so one note touches a few of many.
    const SMALL: Targets = (128, 128);

    /// Merges the segments of fewer than `below` documents (with 50, single edits' segments),
    /// dropping the deleted documents they hold.
    fn merge_small(index: &SearchIndex, below: u32) {
        let ids: Vec<_> = index
            .index
            .searchable_segment_metas()
            .unwrap()
            .iter()
            .filter(|m| m.max_doc() < below)
            .map(|m| m.id())
            .collect();
        assert!(ids.len() >= 2, "nothing to merge");
        let mut w: tantivy::IndexWriter = index.index.writer(15_000_000).unwrap();
        w.merge(&ids).wait().unwrap();
        w.wait_merging_threads().unwrap();
        index.reader.reload().unwrap();
    }

    /// A full export of the notes under `root` from an index built cold.
    fn cold(root: &Path) -> Files {
        let index = SearchIndex::in_memory().unwrap().deterministic();
        let s = site(root);
        index.update(&s).unwrap();
        let sink = MemSink::default();
        full(&index, &s, &sink, &|| false, SMALL).unwrap();
        sink.take()
    }

    fn apply(step: &Step, notes: &Path, index: &SearchIndex) {
        match *step {
            Step::Write(name, i, round, sections) => {
                std::fs::write(notes.join(name), note(i, round, sections)).unwrap()
            }
            Step::Remove(name) => std::fs::remove_file(notes.join(name)).unwrap(),
            Step::Rename(a, b) => std::fs::rename(notes.join(a), notes.join(b)).unwrap(),
            Step::MergeSmall | Step::MergeAll => {
                index.update(&site(notes.parent().unwrap())).unwrap();
                let below = if matches!(step, Step::MergeAll) {
                    u32::MAX
                } else {
                    50
                };
                merge_small(index, below);
            }
        }
    }

    /// After edits, renames, removals and merges, the export updated in place (or, where that
    /// is not possible, exported in full from the updated index) is byte for byte the export
    /// of an index built cold from the same notes: the same statistics (live documents only),
    /// ordinals and shard cuts. The layout goes through its file between steps, as between
    /// two builds.
    #[test]
    fn updates_match_a_cold_export() {
        updates_match_a_cold_export_with("");
    }

    /// The same with three result-data slots a file: an edit rewrites the files holding the
    /// note's slots, its neighbours' rows included.
    #[test]
    fn packed_updates_match_a_cold_export() {
        updates_match_a_cold_export_with("search_result_pack = 3\n");
    }

    fn updates_match_a_cold_export_with(kb_toml: &str) {
        use Step::*;
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("kb.toml"), kb_toml).unwrap();
        let notes = tmp.path().join("notes");
        std::fs::create_dir_all(notes.join("sub")).unwrap();
        for i in 0..150 {
            std::fs::write(notes.join(format!("n{i}.md")), note(i, 0, i % 4)).unwrap();
        }
        let index = SearchIndex::in_memory().unwrap().deterministic();
        let s = site(tmp.path());
        index.update(&s).unwrap();
        let sink = MemSink::default();
        let (_, mut layout) = full(&index, &s, &sink, &|| false, SMALL).unwrap();
        let mut files = sink.take();
        let aliases = |files: &Files| {
            files
                .iter()
                .filter(|(k, b)| k.starts_with("search/t/") && b.len() > 5)
                .filter(|(_, b)| alias::is_alias(&b[5..]))
                .count()
        };
        assert!(aliases(&files) >= 3, "{} alias entries", aliases(&files));
        let saved = tmp.path().join(".kb/cache").join(LAYOUT_FILE);
        // (changes, whether the export is updated in place)
        let steps: [(&[Step], bool); 15] = [
            // one segment with two notes, then one of them again: its first version stays
            // in that segment as deleted documents
            (&[Write("n0.md", 0, 1, 2), Write("n1.md", 1, 1, 1)], true),
            (&[Write("n0.md", 0, 2, 2)], true),
            // the merge drops n0's first version for good; the export does not change
            (&[MergeSmall], true),
            // a note after every other one: no ordinal moves
            (&[Write("sub/new1.md", 151, 1, 1)], true),
            // a note before others moves their ordinals: a full export
            (&[Remove("n149.md")], false),
            // grows past its slots, then shrinks
            (&[Write("n13.md", 13, 3, 20)], false),
            // fewer sections on as many slots; the merge drops the replaced version, which
            // the layout kept (its segment was small)
            (&[Write("n0.md", 0, 4, 0), MergeSmall], true),
            // edits to notes whose versions a merge put together
            (&[Write("n0.md", 0, 5, 0), Write("n1.md", 1, 5, 1)], true),
            // a merge drops a replaced version the layout does not keep: a full export
            (&[Write("n5.md", 5, 1, 1), MergeAll], false),
            (&[Rename("sub/new1.md", "sub/moved.md")], true),
            (
                &[Write("n13.md", 13, 5, 1), Write("n20.md", 20, 6, 2)],
                false,
            ),
            (&[MergeSmall], true),
            (&[Write("n20.md", 20, 7, 2)], true),
            (&[Remove("n13.md")], false),
            (&[Write("n20.md", 20, 8, 2), MergeSmall], true),
        ];
        for (n, (changes, in_place)) in steps.iter().enumerate() {
            for step in changes.iter() {
                apply(step, &notes, &index);
            }
            let s = site(tmp.path());
            index.update(&s).unwrap();
            let sink = MemSink::with(files.clone());
            let updated = export_update(&index, &s, &layout, &sink, &|| false).unwrap();
            // with several slots a file, the empty slots after an alone note may absorb a
            // removal that moves the ordinals of a single-slot export
            if kb_toml.is_empty() || *in_place {
                assert_eq!(updated.is_some(), *in_place, "step {n}");
            }
            let want = cold(tmp.path());
            let (stats, next) = match updated {
                Some(u) => u,
                None => {
                    assert_eq!(sink.take(), files, "step {n}: written though not updated");
                    let fresh = MemSink::default();
                    let done = full(&index, &s, &fresh, &|| false, SMALL).unwrap();
                    sink.files.lock().unwrap().clone_from(&fresh.take());
                    done
                }
            };
            files = sink.take();
            let (got, cold_canon) = (canon(&files), canon(&want));
            assert_eq!(got.3, cold_canon.3, "step {n}: meta");
            assert_eq!(got.2, cold_canon.2, "step {n}: rows");
            assert_eq!(got.1, cold_canon.1, "step {n}: term lists");
            assert_eq!(got.0, cold_canon.0, "step {n}: terms");
            let differing: Vec<&String> = want
                .keys()
                .chain(files.keys())
                .filter(|k| want.get(*k) != files.get(*k))
                .collect();
            assert!(differing.is_empty(), "step {n}: {differing:?}");
            if *in_place {
                // an edit rewrites a small part
                let all = stats.shards + stats.lists + stats.chunks;
                assert!(stats.files_written * 2 < all, "step {n}: {stats:?}");
            }
            let mut listed = next.files();
            listed.sort();
            let mut held: Vec<&String> = files.keys().collect();
            held.sort();
            assert_eq!(
                listed.iter().collect::<Vec<_>>(),
                held,
                "step {n}: the layout's files"
            );
            next.save(&saved).unwrap();
            layout = Layout::load(&saved).unwrap();
            assert_eq!(layout, next, "step {n}: the layout read back");
        }
    }

    /// With two slots a file, the notes with the most text are alone in their files (a
    /// query fetching one does not download a neighbour), and the others share files.
    #[test]
    fn notes_with_the_most_text_get_files_of_their_own() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("kb.toml"), "search_result_pack = 2\n").unwrap();
        let notes = tmp.path().join("notes");
        std::fs::create_dir_all(&notes).unwrap();
        for i in 0..40 {
            let body = "Redis 캐시 브로커 ".repeat(if i % 10 == 3 { 200 } else { 20 });
            let text = format!("# N{i:02}\n\n{body}\n");
            std::fs::write(notes.join(format!("n{i:02}.md")), text).unwrap();
        }
        let files = cold(tmp.path());
        let mut shared = 0;
        for (name, bytes) in files.iter().filter(|(k, _)| k.starts_with("search/d/")) {
            let slots = rows::read_slots(bytes, 2).unwrap();
            let mut paths: Vec<&str> = slots
                .iter()
                .flatten()
                .filter_map(|r| r[0].as_str())
                .collect();
            paths.dedup();
            let long = paths.iter().any(|p| p.ends_with("3.md"));
            assert!(!long || paths.len() == 1, "{name}: {paths:?}");
            shared += usize::from(paths.len() == 2);
        }
        assert!(shared >= 14, "{shared} files shared by two notes");
    }

    /// A layout file that is damaged or from another version is not used.
    #[test]
    fn a_damaged_layout_is_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let notes = tmp.path().join("notes");
        std::fs::create_dir_all(&notes).unwrap();
        std::fs::write(notes.join("a.md"), note(1, 0, 2)).unwrap();
        let index = SearchIndex::in_memory().unwrap();
        let s = site(tmp.path());
        index.update(&s).unwrap();
        let (_, layout) = export_cancellable(&index, &s, &MemSink::default(), &|| false).unwrap();
        let path = tmp.path().join(LAYOUT_FILE);
        layout.save(&path).unwrap();
        assert_eq!(Layout::load(&path), Some(layout));
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(Layout::load(&path), None);
        assert_eq!(Layout::load(&tmp.path().join("missing")), None);
    }
}
