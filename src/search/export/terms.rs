//! Terms merged over every (field, segment) term dictionary, with the document frequencies
//! and postings of live documents, and the shard and term-list entries written for them.

use super::pack::varint;
use crate::search::index::SearchIndex;
use std::sync::Arc;
use tantivy::fastfield::AliveBitSet;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, InvertedIndexReader, SegmentReader, TERMINATED};

/// One (field, segment) term dictionary and what reading its postings needs.
pub(super) struct Source {
    /// Field number in [`FIELDS`](crate::search::index::FIELDS) order.
    k: usize,
    /// Segment number in the searcher.
    so: usize,
    inv: Arc<InvertedIndexReader>,
    norms: FieldNormReader,
    /// The segment's live documents, when it has deleted ones.
    alive: Option<AliveBitSet>,
}

/// Fields in the export: the scored ones in [`FIELDS`](crate::search::index::FIELDS) order, then
/// the `filter` field (number [`FILTER_FIELD`]).
pub(super) const EXPORT_FIELDS: usize = 6;
/// The export's number of the `filter` field, whose postings are runs of ordinals.
pub(super) const FILTER_FIELD: usize = 5;

/// The term dictionaries of every exported field of every segment.
pub(super) fn sources(index: &SearchIndex, segs: &[SegmentReader]) -> tantivy::Result<Vec<Source>> {
    let mut out = Vec::new();
    let fields = index.fields.text.iter().chain([&index.fields.filter]);
    for (k, field) in fields.enumerate() {
        for (so, seg) in segs.iter().enumerate() {
            out.push(Source {
                k,
                so,
                inv: seg.inverted_index(*field)?,
                norms: seg.get_fieldnorms_reader(*field)?,
                alive: seg.alive_bitset().cloned(),
            });
        }
    }
    Ok(out)
}

/// One term merged over every source: per-field document frequency of live documents and,
/// when asked for, their postings (ordinal, term frequency, fieldnorm id) sorted by ordinal.
#[derive(Default, Clone)]
pub(super) struct Merged {
    pub df: [u64; EXPORT_FIELDS],
    pub postings: [Vec<(u32, u32, u8)>; EXPORT_FIELDS],
}

/// Walks the terms from `lo` on (all with `None`) of every source in byte order and calls
/// `each` per term that a live document holds, until it returns false. With `ord` (ordinals
/// by segment and doc id, `u32::MAX` for deleted documents) the postings are read too.
pub(super) fn merge_terms(
    srcs: &[Source],
    lo: Option<&[u8]>,
    ord: Option<&[Vec<u32>]>,
    each: &mut dyn FnMut(&str, &Merged) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let mut streams = Vec::with_capacity(srcs.len());
    for s in srcs {
        let mut b = s.inv.terms().range();
        if let Some(lo) = lo {
            b = b.ge(lo);
        }
        let mut st = b.into_stream()?;
        let live = st.advance();
        streams.push((st, live));
    }
    let mut m = Merged::default();
    let mut min = Vec::new();
    loop {
        let Some(key) = streams
            .iter()
            .filter(|(_, live)| *live)
            .map(|(s, _)| s.key())
            .min()
        else {
            return Ok(());
        };
        min.clear();
        min.extend_from_slice(key);
        m.df = [0; EXPORT_FIELDS];
        for p in m.postings.iter_mut() {
            p.clear();
        }
        for (si, (stream, live)) in streams.iter_mut().enumerate() {
            if !*live || stream.key() != &min[..] {
                continue;
            }
            let info = stream.value().clone();
            read_term(&srcs[si], &info, ord, &mut m)?;
            *live = stream.advance();
        }
        // a term only deleted documents hold is not in the export
        let Ok(term) = std::str::from_utf8(&min) else {
            continue;
        };
        if m.df.iter().all(|&d| d == 0) {
            continue;
        }
        for p in m.postings.iter_mut() {
            p.sort_unstable();
        }
        if !each(term, &m)? {
            return Ok(());
        }
    }
}

/// Adds one source's live document frequency (and postings, with `ord`) of a term to `m`.
fn read_term(
    src: &Source,
    info: &tantivy::postings::TermInfo,
    ord: Option<&[Vec<u32>]>,
    m: &mut Merged,
) -> anyhow::Result<()> {
    if ord.is_none() && src.alive.is_none() {
        m.df[src.k] += u64::from(info.doc_freq);
        return Ok(());
    }
    let option = if ord.is_some() {
        IndexRecordOption::WithFreqs
    } else {
        IndexRecordOption::Basic
    };
    let mut p = src.inv.read_postings_from_terminfo(info, option)?;
    let mut doc = p.doc();
    while doc != TERMINATED {
        match ord {
            Some(ord) => {
                let o = ord[src.so][doc as usize];
                if o != u32::MAX {
                    m.df[src.k] += 1;
                    m.postings[src.k].push((o, p.term_freq(), src.norms.fieldnorm_id(doc)));
                }
            }
            None => m.df[src.k] += u64::from(src.alive.as_ref().is_none_or(|a| a.is_alive(doc))),
        }
        doc = p.advance();
    }
    Ok(())
}

/// The flag of a term-shard entry's field mask that says its postings are range-coded.
pub(super) const RANGE_CODED: u8 = 0x80;

/// Postings of consecutive ordinals as runs: (first ordinal, length, 0). The `filter` field's
/// terms hold every section of a note, so a note takes one posting.
fn runs(postings: &[(u32, u32, u8)]) -> Vec<(u32, u32, u8)> {
    let mut out: Vec<(u32, u32, u8)> = Vec::new();
    for &(o, _, _) in postings {
        match out.last_mut() {
            Some((first, len, _)) if *first + *len == o => *len += 1,
            _ => out.push((o, 1, 0)),
        }
    }
    out
}

/// Appends a term-shard entry (see the format document).
pub(super) fn shard_entry(buf: &mut Vec<u8>, term: &str, m: &Merged) {
    // a key term's postings are never read: its word is in the term lists
    if crate::search::phonetic::is_key_term(term) {
        return;
    }
    varint(buf, term.len() as u64);
    buf.extend_from_slice(term.as_bytes());
    if m.df[FILTER_FIELD] > 0 {
        let mut m = m.clone();
        m.postings[FILTER_FIELD] = runs(&m.postings[FILTER_FIELD]);
        return postings_entry(buf, &m);
    }
    postings_entry(buf, m);
}

/// The part of a term-shard entry after the term.
fn postings_entry(buf: &mut Vec<u8>, m: &Merged) {
    let present: Vec<usize> = (0..EXPORT_FIELDS).filter(|&k| m.df[k] > 0).collect();
    let mask: u8 = present.iter().fold(0, |acc, k| acc | (1 << k));
    let total: usize = present.iter().map(|&k| m.postings[k].len()).sum();
    if total >= crate::search::rangecode::MIN_POSTINGS {
        // a long list: the counts, then every field's postings in one range-coded stream
        buf.push(mask | RANGE_CODED);
        for &k in &present {
            varint(buf, m.df[k]);
            varint(buf, m.postings[k].len() as u64);
        }
        let lists: Vec<&[(u32, u32, u8)]> =
            present.iter().map(|&k| m.postings[k].as_slice()).collect();
        let stream = crate::search::rangecode::encode(&lists);
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

/// Appends a term-list entry: the term and its document frequency summed over fields. The
/// terms of the `filter` field are in no list (nothing expands to them; a path filter finds
/// its terms in the shards), so their entries are empty, except the phonetic key terms, which
/// are only there (a query reads their words, never their postings).
pub(super) fn list_entry(buf: &mut Vec<u8>, term: &str, m: &Merged) {
    let key = crate::search::phonetic::is_key_term(term);
    if !key && m.df[..FILTER_FIELD].iter().all(|&d| d == 0) {
        return;
    }
    varint(buf, term.len() as u64);
    buf.extend_from_slice(term.as_bytes());
    varint(buf, m.df.iter().sum());
}

/// The [`shard_entry`] of every term of a batch, in order. A batch with many postings is
/// split in two halves of about equal postings, one encoded on a thread of its own.
pub(super) fn encode_batch(batch: &[(String, Merged)]) -> anyhow::Result<Vec<Vec<u8>>> {
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
