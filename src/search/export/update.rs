//! [`export_update`](super::export_update): rewrites the parts of an export that changed
//! notes touch, so that the files equal a full export's.
//!
//! A note changed when the index manifest's hash of its sections differs from the layout's.
//! Its replaced version comes from the layout when it kept it (notes in small segments, which
//! tantivy drops or merges soon), else from the stored fields of its documents deleted since
//! the layout (the layout lists each segment's deleted documents); its current version comes
//! from the site. Both are tokenized as the index tokenized them, giving per term their
//! postings (section, term frequency, fieldnorm id). A term whose postings differ between the
//! versions has a new shard entry, and a new term-list entry when its document count changed;
//! only the shards and lists holding such terms are re-packed. Re-packing starts at such a
//! file's first term (one file earlier when the file before ended because of that file's first
//! entry, which may have changed) and stops where a new file would start at the first term of
//! an unchanged file: the cuts are content-defined, so from there on they are the old ones.
//!
//! The ordinals must not move: a note whose slots change (it needs more or fewer of them, or
//! a note is added or removed before it) makes the update give way to a full export, and so do
//! replaced versions that can no longer be read (tantivy merged their segment away).

use super::alias::{self, Aliases};
use super::layout::{FileSet, NoteSlots, SegmentState};
use super::pack::{Cut, Packed, Packer, set_dir};
use super::rows::SlotRows;
use super::terms::{FILTER_FIELD, Merged, Source, list_entry, merge_terms, shard_entry, sources};
use super::{
    Addr, CHUNK_DOCS, Cancelled, ExportStats, FileHashes, Layout, Placement, alone_notes,
    group_files, live_docs, note_slots, place, range_of, segment_states, volatile_texts,
    write_meta,
};
use crate::search::analyzer::TokenBuf;
use crate::search::index::{LiveStats, SearchIndex, note_key, note_sections};
use crate::site::{Sink, Site};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::schema::Value;
use tantivy::{SegmentReader, TantivyDocument};

/// Exports of at most this many shards are updated in place however many of them change.
const SMALL_EXPORT_SHARDS: usize = 64;

/// A file of an updated set: an old file kept (by its old number) or a new one.
enum Slot {
    Old(usize),
    New(Packed),
}

/// What changed since the layout, and where.
struct Plan {
    addr: Vec<Addr>,
    placed: Placement,
    /// Every note of the site, as the new layout records it.
    notes: Vec<NoteSlots>,
    /// Per note of the site: whether its sections changed (or it is new).
    redo: Vec<bool>,
    /// The slots of the layout's notes that are gone (removed or renamed): empty now, since
    /// the empty slots after an alone note may keep the notes after them in place.
    vacated: Vec<u32>,
    /// Term shards and term lists (old numbers) holding a changed entry.
    dirty_shards: BTreeSet<usize>,
    /// The terms whose postings changed.
    changed: BTreeSet<String>,
    dirty_lists: BTreeSet<usize>,
    /// The statistics of the live documents.
    live: LiveStats,
}

pub(super) fn update(
    index: &SearchIndex,
    site: &Site,
    layout: &Layout,
    sink: &dyn Sink,
    cancel: &dyn Fn() -> bool,
) -> anyhow::Result<Option<(ExportStats, Layout)>> {
    let searcher = index.reader.searcher();
    let segs = searcher.segment_readers();
    let Some(plan) = plan(index, segs, site, layout)? else {
        return Ok(None);
    };
    let srcs = sources(index, segs)?;
    let target = layout.targets.0;
    let (aliases, dirty_shards) = update_aliases(&srcs, &plan, layout)?;
    let (shards, terms) = {
        let write_entry = |buf: &mut Vec<u8>, term: &str, m: &Merged| {
            shard_entry(buf, term, m);
            aliases.apply(term, buf, target);
        };
        let shard_entries = entries(&srcs, Some(&plan.placed.ord), &write_entry);
        let shard_runs = Runs {
            set: &layout.shards,
            dirty: &dirty_shards,
            cut: Cut::new(target, true),
            magic: b"KBS2",
            entries: &shard_entries,
        };
        shard_runs.repack(cancel)?
    };
    let list_entries = entries(&srcs, None, &list_entry);
    let list_runs = Runs {
        set: &layout.lists,
        dirty: &plan.dirty_lists,
        cut: Cut::new(layout.targets.1, false),
        magic: b"KBL1",
        entries: &list_entries,
    };
    let (lists, _) = list_runs.repack(cancel)?;
    let chunks = chunk_files(site, &plan, layout.pack)?;
    if cancel() {
        return Err(Cancelled.into());
    }

    // every file is computed: now the sink changes
    let mut stats = ExportStats {
        docs: plan.addr.len(),
        terms,
        ..Default::default()
    };
    let mut next = Layout {
        targets: layout.targets,
        pack: layout.pack,
        shards: FileSet::default(),
        lists: FileSet::default(),
        aliases,
        chunks: Vec::new(),
        dirs: Default::default(),
        groups: layout.groups.clone(),
        notes: plan.notes,
        segments: segment_states(segs),
        texts: volatile_texts(segs, &plan.addr, site),
        live: plan.live,
        meta: [0; 32],
    };
    let old_chunks = FileSet {
        hashes: layout.chunks.clone(),
        ..Default::default()
    };
    let sets = [
        ("t", "bin", &layout.shards, shards),
        ("l", "bin", &layout.lists, lists),
        ("d", "bin", &old_chunks, chunks),
    ];
    for (n, (prefix, ext, old, files)) in sets.into_iter().enumerate() {
        let dir = write_set(
            sink,
            (prefix, ext),
            (&layout.dirs[n], &old.hashes),
            &files,
            &mut stats,
        )?;
        next.dirs[n] = dir;
        let set = kept_set(old, files);
        match n {
            0 => next.shards = set,
            1 => next.lists = set,
            _ => next.chunks = set.hashes,
        }
    }
    stats.shards = next.shards.len();
    stats.lists = next.lists.len();
    stats.chunks = next.chunks.len();
    write_meta(
        index,
        &searcher,
        site,
        sink,
        &mut next,
        &plan.placed.ord,
        &mut stats,
    )?;
    Ok(Some((stats, next)))
}

/// The postings hashes of the big shard entries after the changes, and the shards to re-pack:
/// those holding a changed term, and those holding a term of a postings hash whose terms
/// changed (the smallest of them holds the postings, the others alias it).
fn update_aliases(
    srcs: &[Source],
    plan: &Plan,
    layout: &Layout,
) -> anyhow::Result<(Aliases, BTreeSet<usize>)> {
    let mut aliases = layout.aliases.clone();
    let mut dirty = plan.dirty_shards.clone();
    let mut buf = Vec::new();
    for t in &plan.changed {
        let mut key = None;
        merge_terms(
            srcs,
            Some(t.as_bytes()),
            Some(&plan.placed.ord),
            &mut |term, m| {
                // only a range-coded entry of scored fields can be a big one: the others are
                // not encoded
                let postings: usize = m.postings.iter().map(Vec::len).sum();
                let coded = postings >= crate::search::rangecode::MIN_POSTINGS;
                if term == t && coded && m.df[FILTER_FIELD] == 0 {
                    buf.clear();
                    shard_entry(&mut buf, term, m);
                    key = alias::key(&buf, layout.targets.0);
                }
                Ok(false)
            },
        )?;
        for k in aliases.set(t, key) {
            for m in aliases.members(&k) {
                dirty.insert(range_of(&layout.shards.firsts, m.as_bytes()));
            }
        }
    }
    Ok((aliases, dirty))
}

/// Works out what changed since `layout`; `None` when a full export is due.
fn plan(
    index: &SearchIndex,
    segs: &[SegmentReader],
    site: &Site,
    layout: &Layout,
) -> anyhow::Result<Option<Plan>> {
    if layout.shards.len() == 0 || layout.pack != super::result_pack(site) {
        return Ok(None);
    }
    let addr = live_docs(segs, site)?;
    if addr.iter().any(|a| a.note == usize::MAX) {
        return Ok(None);
    }
    let pack = super::result_pack(site);
    let placed = place(&addr, segs, &alone_notes(site, pack), pack);
    let notes = note_slots(site, &addr, &placed, index);
    let Some((redo, gone)) = changed_notes(layout, &notes) else {
        return Ok(None);
    };
    let present: std::collections::HashSet<&str> = notes.iter().map(|n| n.path.as_str()).collect();
    let vacated = layout
        .notes
        .iter()
        .filter(|n| !present.contains(n.path.as_str()))
        .flat_map(|n| n.first..n.first + n.slots)
        .collect();
    let Some(v) = versions(index, segs, site, layout, &redo, &gone)? else {
        return Ok(None);
    };
    let mut live = layout.live;
    live.docs = (live.docs + v.docs[1])
        .checked_sub(v.docs[0])
        .unwrap_or(u64::MAX);
    for k in 0..5 {
        live.tokens[k] = (live.tokens[k] + v.tokens[1][k]).saturating_sub(v.tokens[0][k]);
    }
    // the index and the layout disagree: better export it all again
    if live.docs != addr.len() as u64 {
        return Ok(None);
    }
    let (dirty_shards, dirty_lists, changed) = v.dirty(&layout.shards.firsts, &layout.lists.firsts);
    // re-packing most of a large export costs what exporting it does; a small one is cheap
    // either way, and an update writes fewer files
    if layout.shards.len() > SMALL_EXPORT_SHARDS && dirty_shards.len() * 2 > layout.shards.len() {
        return Ok(None);
    }
    Ok(Some(Plan {
        addr,
        placed,
        notes,
        redo,
        vacated,
        dirty_shards,
        changed,
        dirty_lists,
        live,
    }))
}

/// Per note of the site, whether it changed or is new; and the notes of the layout whose
/// version is gone (changed or removed). `None` when a note that stays moved to other slots.
fn changed_notes(layout: &Layout, notes: &[NoteSlots]) -> Option<(Vec<bool>, Vec<usize>)> {
    let old: HashMap<&str, usize> = layout
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.path.as_str(), i))
        .collect();
    let mut kept = vec![false; layout.notes.len()];
    let mut gone = Vec::new();
    let mut redo = Vec::with_capacity(notes.len());
    for n in notes {
        match old.get(n.path.as_str()) {
            Some(&o) => {
                let was = &layout.notes[o];
                if (was.first, was.slots) != (n.first, n.slots) {
                    return None;
                }
                kept[o] = true;
                // a note the manifest does not know (an index not updated for this site) is
                // taken as changed
                let changed = was.hash != n.hash || n.hash.is_empty();
                redo.push(changed);
                if changed {
                    gone.push(o);
                }
            }
            None => redo.push(true),
        }
    }
    gone.extend((0..kept.len()).filter(|&o| !kept[o]));
    Some((redo, gone))
}

/// What [`Versions::dirty`] finds: dirty shards, dirty term lists, changed terms.
type Dirty = (BTreeSet<usize>, BTreeSet<usize>, BTreeSet<String>);

/// One posting of a note version, to compare versions by: (note, section, tf, fieldnorm id).
type NotePosting = (usize, u64, u32, u8);

/// The postings of the replaced versions of changed notes (`[0]`) and of their current
/// versions (`[1]`), by field and term; and their documents and tokens per field.
#[derive(Default)]
struct Versions {
    postings: [HashMap<(usize, String), Vec<NotePosting>>; 2],
    docs: [u64; 2],
    tokens: [[u64; 5]; 2],
    buf: TokenBuf,
}

impl Versions {
    /// Adds one section (`side` 0 for a replaced version), tokenized as the index tokenizes
    /// it: tantivy drops tokens longer than `MAX_TOKEN_LEN` and quantizes each field's length
    /// into a fieldnorm id.
    fn add(&mut self, side: usize, (note, path): (usize, &str), section: u64, texts: [&str; 5]) {
        self.docs[side] += 1;
        for term in crate::search::index::filter_field_terms(path, texts) {
            if term.len() <= tantivy::tokenizer::MAX_TOKEN_LEN {
                self.postings[side]
                    .entry((FILTER_FIELD, term))
                    .or_default()
                    .push((note, section, 1, 0));
            }
        }
        for (k, text) in texts.into_iter().enumerate() {
            self.buf.fill(text, false);
            let mut tfs: HashMap<&str, u32> = HashMap::new();
            for t in 0..self.buf.len() {
                let term = self.buf.get(t);
                if term.len() <= tantivy::tokenizer::MAX_TOKEN_LEN {
                    *tfs.entry(term).or_default() += 1;
                }
            }
            let len: u32 = tfs.values().sum();
            self.tokens[side][k] += u64::from(len);
            let norm = FieldNormReader::fieldnorm_to_id(len);
            for (term, tf) in tfs {
                self.postings[side]
                    .entry((k, term.to_string()))
                    .or_default()
                    .push((note, section, tf, norm));
            }
        }
    }

    /// The shards (by `shards`, their first terms) holding a term whose entry changed, the
    /// term lists (by `lists`) holding a term whose document count changed, and the terms whose
    /// entries changed.
    fn dirty(mut self, shards: &[String], lists: &[String]) -> Dirty {
        let mut dirty = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let mut counts: HashMap<String, i64> = HashMap::new();
        let keys: BTreeSet<(usize, String)> = self
            .postings
            .iter()
            .flat_map(|m| m.keys().cloned())
            .collect();
        for key in keys {
            let [mut old, mut new] =
                [0, 1].map(|s| self.postings[s].remove(&key).unwrap_or_default());
            old.sort_unstable();
            new.sort_unstable();
            if old != new {
                dirty.0.insert(range_of(shards, key.1.as_bytes()));
                dirty.2.insert(key.1.clone());
                // filter terms are in no term list, except the phonetic key terms
                if key.0 < FILTER_FIELD || crate::search::phonetic::is_key_term(&key.1) {
                    *counts.entry(key.1).or_default() += new.len() as i64 - old.len() as i64;
                }
            }
        }
        for (term, delta) in counts {
            if delta != 0 {
                dirty.1.insert(range_of(lists, term.as_bytes()));
            }
        }
        dirty
    }
}

/// The versions of the changed notes: replaced ones from the layout when it keeps them, else
/// from the stored fields of the documents deleted since the layout; current ones from the
/// site. `None` when a replaced version is no longer (wholly) in the index.
fn versions(
    index: &SearchIndex,
    segs: &[SegmentReader],
    site: &Site,
    layout: &Layout,
    redo: &[bool],
    gone: &[usize],
) -> anyhow::Result<Option<Versions>> {
    let mut v = Versions::default();
    let by_key: HashMap<u64, usize> = layout
        .notes
        .iter()
        .enumerate()
        .map(|(o, n)| (note_key(&n.path), o))
        .collect();
    let site_index: HashMap<&str, usize> = site
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.rel_path.as_str(), i))
        .collect();
    let note_of = |o: usize| {
        site_index
            .get(layout.notes[o].path.as_str())
            .copied()
            .unwrap_or(site.notes.len() + o)
    };
    // the versions the layout keeps, and the others to read from the index
    let mut wanted = vec![false; layout.notes.len()];
    for &o in gone {
        match layout.texts.get(&(o as u32)) {
            Some(sections) => {
                for (j, texts) in sections.iter().enumerate() {
                    v.add(
                        0,
                        (note_of(o), &layout.notes[o].path),
                        j as u64,
                        texts.each_ref().map(String::as_str),
                    );
                }
            }
            None => wanted[o] = true,
        }
    }
    let mut found = vec![0u32; layout.notes.len()];
    let states: HashMap<&str, &SegmentState> =
        layout.segments.iter().map(|s| (s.id.as_str(), s)).collect();
    for seg in segs {
        let Some(state) = states.get(seg.segment_id().uuid_string().as_str()) else {
            continue;
        };
        for (o, doc) in deleted_since(seg, state, &by_key)? {
            // a note indexed again with the same sections (changed and changed back) is
            // no change
            if !wanted[o] {
                continue;
            }
            found[o] += 1;
            let note = note_of(o);
            let section = seg.fast_fields().u64("section")?.first(doc).unwrap_or(0);
            let d: TantivyDocument = seg.get_store_reader(1)?.get(doc)?;
            let texts = index.fields.text.map(|f| {
                d.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            });
            v.add(
                0,
                (note, &layout.notes[o].path),
                section,
                texts.each_ref().map(String::as_str),
            );
        }
    }
    if gone
        .iter()
        .any(|&o| wanted[o] && found[o] != layout.notes[o].docs)
    {
        return Ok(None);
    }
    for (i, _) in redo.iter().enumerate().filter(|(_, r)| **r) {
        for (j, d) in note_sections(site, i).iter().enumerate() {
            v.add(1, (i, &site.notes[i].rel_path), j as u64, d.texts());
        }
    }
    Ok(Some(v))
}

/// The documents of `seg` deleted since the layout's export, with their notes (by index in
/// the layout); documents of notes the layout does not know are left out.
fn deleted_since(
    seg: &SegmentReader,
    state: &SegmentState,
    by_key: &HashMap<u64, usize>,
) -> anyhow::Result<Vec<(usize, u32)>> {
    let Some(alive) = seg.alive_bitset() else {
        return Ok(Vec::new());
    };
    if seg.num_deleted_docs() as usize == state.deleted.len() {
        return Ok(Vec::new());
    }
    let keys = seg.fast_fields().u64("note_key")?;
    let mut out = Vec::new();
    for doc in 0..seg.max_doc() {
        if alive.is_deleted(doc)
            && state.deleted.binary_search(&doc).is_err()
            && let Some(&o) = keys.first(doc).and_then(|k| by_key.get(&k))
        {
            out.push((o, doc));
        }
    }
    Ok(out)
}

/// Takes each term and its entry, in order, and returns whether to go on.
type EachEntry<'a> = dyn FnMut(&str, &[u8]) -> anyhow::Result<bool> + 'a;

/// Calls its second argument with each term from the first on (all with `None`) and the
/// term's entry, until that returns false.
type Entries<'a> = dyn Fn(Option<&[u8]>, &mut EachEntry) -> anyhow::Result<()> + Sync + 'a;

/// The entries `entry` writes for the merged terms of `srcs` (with postings when given `ord`,
/// ordinals by segment and doc id).
fn entries<'a>(
    srcs: &'a [Source],
    ord: Option<&'a [Vec<u32>]>,
    entry: &'a (dyn Fn(&mut Vec<u8>, &str, &Merged) + Sync),
) -> impl Fn(Option<&[u8]>, &mut EachEntry) -> anyhow::Result<()> + Sync + 'a {
    move |lo, each| {
        let mut buf = Vec::new();
        merge_terms(srcs, lo, ord, &mut |term, m| {
            buf.clear();
            entry(&mut buf, term, m);
            // a term a set does not hold (a filter term in the term lists) is skipped
            if buf.is_empty() {
                return Ok(true);
            }
            each(term, &buf)
        })
    }
}

/// How to re-pack the dirty files of one set.
struct Runs<'a> {
    set: &'a FileSet,
    dirty: &'a BTreeSet<usize>,
    cut: Cut,
    magic: &'static [u8],
    entries: &'a Entries<'a>,
}

/// One re-packed stretch: first and end (exclusive) old file numbers it replaces, new files,
/// terms packed.
type Run = (usize, usize, Vec<Packed>, usize);

impl Runs<'_> {
    /// The new files of the set, in order: kept old files and re-packed ones; and the number of
    /// terms re-packed. `cancel` is asked between batches of stretches.
    fn repack(&self, cancel: &dyn Fn() -> bool) -> anyhow::Result<(Vec<Slot>, usize)> {
        // a stretch of consecutive dirty files starts one file earlier when the file before
        // ended because of the first entry of the stretch, which may have changed
        let mut starts = Vec::new();
        for &d in self.dirty {
            if d == 0 || !self.dirty.contains(&(d - 1)) {
                starts.push(if d > 0 && self.set.open[d - 1] {
                    d - 1
                } else {
                    d
                });
            }
        }
        // stretches are independent: a batch at a time in parallel, checking for a newer edit
        // between batches
        let mut runs: Vec<Run> = Vec::with_capacity(starts.len());
        for batch in starts.chunks(32) {
            if cancel() {
                return Err(Cancelled.into());
            }
            let done: Vec<anyhow::Result<Run>> =
                batch.par_iter().map(|&start| self.run(start)).collect();
            for r in done {
                runs.push(r?);
            }
        }
        let mut out = Vec::new();
        let (mut pos, mut terms) = (0, 0);
        for (start, end, files, n) in runs {
            // a stretch the one before ran into is re-packed by that one already
            if start < pos {
                continue;
            }
            out.extend((pos..start).map(Slot::Old));
            out.extend(files.into_iter().map(Slot::New));
            terms += n;
            pos = end;
        }
        out.extend((pos..self.set.len()).map(Slot::Old));
        Ok((out, terms))
    }

    /// Re-packs from the first term of old file `start` until a new file would start where an
    /// unchanged old file starts (or the terms end).
    fn run(&self, start: usize) -> anyhow::Result<Run> {
        let firsts = &self.set.firsts;
        let n = firsts.len();
        let lo = (start > 0).then(|| firsts[start].as_bytes());
        let mut packer = Packer::new(self.magic, self.cut);
        let (mut j, mut end, mut terms) = (start, n, 0usize);
        (self.entries)(lo, &mut |term, entry| {
            while j + 1 < n && firsts[j + 1].as_str() <= term {
                j += 1;
            }
            if j > start
                && term == firsts[j]
                && !self.dirty.contains(&j)
                && packer.starts_file(entry)
            {
                end = j;
                return Ok(false);
            }
            terms += 1;
            packer.push(term, entry);
            Ok(true)
        })?;
        packer.flush();
        Ok((start, end, packer.done, terms))
    }
}

/// The result-data files of the updated export, `pack` slots each: a file holding a slot of a
/// changed note is made anew (its other slots' rows from their notes, which stay), the others
/// kept (a note that stays keeps its slots).
fn chunk_files(site: &Site, plan: &Plan, pack: usize) -> anyhow::Result<Vec<Slot>> {
    let pack = pack.max(1) as u32;
    let mut fresh: HashMap<u32, SlotRows> = HashMap::new();
    let group_slots = |first: u32, last: u32| first / CHUNK_DOCS as u32..=last / CHUNK_DOCS as u32;
    for (range, first, last) in &plan.placed.groups {
        if plan.redo[plan.addr[range.start].note] {
            let files = group_files(
                site,
                &plan.addr[range.clone()],
                &plan.placed.ordinals[range.clone()],
                (*first, *last),
            )?;
            fresh.extend(files);
        }
    }
    let touched: std::collections::BTreeSet<u32> = fresh
        .keys()
        .chain(&plan.vacated)
        .map(|s| s / pack)
        .collect();
    if pack > 1 {
        for (range, first, last) in &plan.placed.groups {
            let slots = group_slots(*first, *last);
            if slots
                .clone()
                .any(|s| touched.contains(&(s / pack)) && !fresh.contains_key(&s))
            {
                fresh.extend(group_files(
                    site,
                    &plan.addr[range.clone()],
                    &plan.placed.ordinals[range.clone()],
                    (*first, *last),
                )?);
            }
        }
    }
    let slots = plan.placed.slots;
    Ok((0..slots.div_ceil(pack))
        .map(|f| {
            if !touched.contains(&f) {
                return Slot::Old(f as usize);
            }
            let mine: Vec<SlotRows> = (f * pack..((f + 1) * pack).min(slots))
                .map(|s| fresh.remove(&s).unwrap_or_else(SlotRows::empty))
                .collect();
            Slot::New(Packed {
                first: String::new(),
                open: false,
                bytes: super::rows::pack_slots(mine, pack as usize),
            })
        })
        .collect())
}

/// Turns the set in `search/<old dir>` into `files` in their set's new folder: removes the old
/// files not kept, moves kept ones to their new numbers (in an order where none lands on a
/// file still to move) and writes the new ones (a new file with the bytes of the old one
/// there is left alone). Returns the folder.
fn write_set(
    sink: &dyn Sink,
    (prefix, ext): (&str, &str),
    (old_dir, old): (&str, &FileHashes),
    files: &[Slot],
    stats: &mut ExportStats,
) -> anyhow::Result<String> {
    let hashes: FileHashes = files
        .iter()
        .map(|f| match f {
            Slot::Old(i) => old[*i],
            Slot::New(p) => *blake3::hash(&p.bytes).as_bytes(),
        })
        .collect();
    let dir = set_dir(prefix, &hashes);
    if dir == old_dir {
        return Ok(dir);
    }
    if !old.is_empty() {
        sink.rename_dir(&format!("search/{old_dir}"), &format!("search/{dir}"))?;
    }
    let path = |i: usize| format!("search/{dir}/{i}.{ext}");
    let mut moves: Vec<(usize, usize)> = Vec::new();
    let mut kept = vec![false; old.len()];
    for (p, f) in files.iter().enumerate() {
        match f {
            Slot::Old(i) => {
                kept[*i] = true;
                if *i != p {
                    moves.push((*i, p));
                }
            }
            // the same bytes at the same number: nothing to write
            Slot::New(_) if old.get(p) == Some(&hashes[p]) => kept[p] = true,
            Slot::New(_) => {}
        }
    }
    for (i, _) in kept.iter().enumerate().filter(|(_, k)| !**k) {
        sink.remove(&path(i))?;
    }
    // kept files keep their order: those moving down go first from the lowest, then those
    // moving up from the highest, so none lands on one that has not moved yet
    let (down, up): (Vec<_>, Vec<_>) = moves.into_iter().partition(|(i, p)| p < i);
    for (i, p) in down.into_iter().chain(up.into_iter().rev()) {
        sink.rename_dir(&path(i), &path(p))?;
    }
    for (p, f) in files.iter().enumerate() {
        if let Slot::New(packed) = f
            && old.get(p) != Some(&hashes[p])
        {
            sink.put(&path(p), &packed.bytes)?;
            stats.bytes += packed.bytes.len();
            stats.files_written += 1;
        }
    }
    Ok(dir)
}

/// The layout's record of an updated set.
fn kept_set(old: &FileSet, files: Vec<Slot>) -> FileSet {
    let mut set = FileSet::default();
    for f in files {
        match f {
            Slot::Old(i) => set.push(
                old.firsts.get(i).cloned().unwrap_or_default(),
                old.open.get(i).copied().unwrap_or(false),
                old.hashes[i],
            ),
            Slot::New(p) => {
                let hash = *blake3::hash(&p.bytes).as_bytes();
                set.push(p.first, p.open, hash);
            }
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry of `len` bytes (at least the term's) that no other term's equals.
    fn entry(term: &str, len: usize) -> Vec<u8> {
        let mut b = term.as_bytes().to_vec();
        b.resize(len.max(b.len()), b'.');
        b
    }

    /// The files of a full pack of `entries`, and their record.
    fn pack(entries: &[(String, usize)], cut: Cut) -> (FileSet, Vec<Vec<u8>>) {
        let mut p = Packer::new(b"TEST", cut);
        for (t, len) in entries {
            p.push(t, &entry(t, *len));
        }
        p.flush();
        let mut set = FileSet::default();
        let mut files = Vec::new();
        for f in p.done {
            set.push(f.first, f.open, *blake3::hash(&f.bytes).as_bytes());
            files.push(f.bytes);
        }
        (set, files)
    }

    /// Re-packing the files that hold a changed entry gives the files of a full pack of the new
    /// entries, whatever changed: lengths (big entries, which sit alone, growing and
    /// shrinking across the size that makes them big), terms added and terms removed.
    #[test]
    fn repacking_the_changed_files_gives_a_full_pack() {
        let cut = Cut::new(64, false);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let size = |r: u64| {
            if r.is_multiple_of(9) {
                60 + r % 90
            } else {
                6 + r % 20
            }
        };
        for round in 0..400 {
            let n = 20 + rand(300);
            let old: Vec<(String, usize)> = (0..n)
                .map(|i| (format!("t{:05}", i * 4), size(rand(1 << 20)) as usize))
                .collect();
            let mut new: std::collections::BTreeMap<String, usize> = old.iter().cloned().collect();
            let mut changed = BTreeSet::new();
            for _ in 0..1 + rand(4) {
                let t = format!("t{:05}", rand(n) * 4 + rand(2));
                match rand(3) {
                    0 => {
                        new.insert(t.clone(), size(rand(1 << 20)) as usize);
                    }
                    1 => {
                        new.remove(&t);
                    }
                    _ => {
                        if let Some(len) = new.get_mut(&t) {
                            *len = if *len >= 64 { 10 } else { 70 };
                        }
                    }
                }
                changed.insert(t);
            }
            let new: Vec<(String, usize)> = new.into_iter().collect();
            let (set, old_files) = pack(&old, cut);
            let dirty: BTreeSet<usize> = changed
                .iter()
                .map(|t| range_of(&set.firsts, t.as_bytes()))
                .collect();
            let stream = |lo: Option<&[u8]>, each: &mut EachEntry| -> anyhow::Result<()> {
                for (t, len) in new
                    .iter()
                    .filter(|e| lo.is_none_or(|lo| e.0.as_bytes() >= lo))
                {
                    if !each(t, &entry(t, *len))? {
                        break;
                    }
                }
                Ok(())
            };
            let runs = Runs {
                set: &set,
                dirty: &dirty,
                cut,
                magic: b"TEST",
                entries: &stream,
            };
            let (slots, _) = runs.repack(&|| false).unwrap();
            let got: Vec<Vec<u8>> = slots
                .into_iter()
                .map(|s| match s {
                    Slot::Old(i) => old_files[i].clone(),
                    Slot::New(p) => p.bytes,
                })
                .collect();
            assert_eq!(got, pack(&new, cut).1, "round {round}: {changed:?}");
        }
    }
}
