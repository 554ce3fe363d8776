//! The tantivy index in `.kb/index/`: one document per note section, updated incrementally
//! (a manifest of note hashes rides in tantivy's commit payload, so index and manifest always
//! change together), and kb's own query semantics scored with tantivy's BM25.

use super::analyzer::{self, Class, QueryWord};
use super::operators::{self, Operators};
use super::phonetic;
use crate::site::Site;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use tantivy::index::{SegmentComponent, SegmentId};
use tantivy::query::Bm25Weight;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, ReloadPolicy, Searcher, SegmentReader, TERMINATED,
    TantivyDocument, Term,
};

/// Searchable fields in scoring order, with their boosts.
pub const FIELDS: [(&str, f32); 5] = [
    ("title", 5.0),
    ("aliases", 4.0),
    ("heading", 3.0),
    ("tags", 2.0),
    ("body", 1.0),
];
/// Expansions kept for a prefix or fuzzy token, by document frequency.
pub const MAX_EXPANSIONS: usize = 10;
pub use crate::site::config::EXPANSION_BUDGET;
/// Sub-results shown per note.
pub const SECTIONS_PER_NOTE: usize = 3;
/// Bumped whenever the schema or the analyzer changes: the index is then rebuilt.
pub const INDEX_VERSION: u32 = 10;

/// A 64-bit key of a note id, stored as a fast field so the export can order documents
/// without loading stored documents.
pub fn note_key(id: &str) -> u64 {
    let h = blake3::hash(id.as_bytes());
    u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or([0; 8]))
}

/// kb's analyzer as a tantivy tokenizer. It keeps its token buffer between field values, so
/// indexing allocates no string per token.
#[derive(Default)]
pub struct KbTokenizer {
    buf: analyzer::TokenBuf,
    token: Token,
}

impl Clone for KbTokenizer {
    fn clone(&self) -> Self {
        KbTokenizer::default()
    }
}

/// Token stream over the tokens of one text, held in the tokenizer's buffer.
pub struct KbTokenStream<'a> {
    buf: &'a analyzer::TokenBuf,
    i: usize,
    token: &'a mut Token,
}

impl Tokenizer for KbTokenizer {
    type TokenStream<'a> = KbTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> KbTokenStream<'a> {
        self.buf.fill(text, false);
        KbTokenStream {
            buf: &self.buf,
            i: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for KbTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.i >= self.buf.len() {
            return false;
        }
        self.token.text.clear();
        self.token.text.push_str(self.buf.get(self.i));
        self.token.position = self.i;
        self.token.offset_from = 0;
        self.token.offset_to = 0;
        self.token.position_length = 1;
        self.i += 1;
        true
    }
    fn token(&self) -> &Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The terms of a section's `filter` field: the tag and path terms of its note
/// ([`operators::filter_terms`]) and the phonetic key terms of its Latin words
/// ([`phonetic::key_terms`]), sorted and unique.
pub fn filter_field_terms(path: &str, texts: [&str; 5]) -> Vec<String> {
    let mut out = operators::filter_terms(path, texts[3]);
    out.extend(phonetic::key_terms(&texts));
    out.sort();
    out.dedup();
    out
}

/// The tokenizer of the `filter` field: each line of the text is one term, as it is.
#[derive(Clone, Default)]
pub struct LineTokenizer {
    token: Token,
}

/// Token stream over the lines of one text.
pub struct LineTokenStream<'a> {
    lines: std::str::Split<'a, char>,
    position: usize,
    token: &'a mut Token,
}

impl Tokenizer for LineTokenizer {
    type TokenStream<'a> = LineTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> LineTokenStream<'a> {
        LineTokenStream {
            lines: text.split('\n'),
            position: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for LineTokenStream<'_> {
    fn advance(&mut self) -> bool {
        for line in self.lines.by_ref() {
            if line.is_empty() {
                continue;
            }
            self.token.text.clear();
            self.token.text.push_str(line);
            self.token.position = self.position;
            self.token.offset_from = 0;
            self.token.offset_to = 0;
            self.token.position_length = 1;
            self.position += 1;
            return true;
        }
        false
    }
    fn token(&self) -> &Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Field handles of the schema.
#[derive(Clone, Copy)]
pub struct Fields {
    /// Stable note id (the note's path relative to notes/).
    pub note_id: Field,
    /// Section anchor (heading id, empty for the opening text).
    pub anchor: Field,
    /// Searchable fields in [`FIELDS`] order.
    pub text: [Field; 5],
    /// Page URL below the base (stored).
    pub url: Field,
    /// Heading path shown in results (stored).
    pub heading_label: Field,
    /// 1-based line of the section (stored, fast).
    pub line: Field,
    /// [`note_key`] of the note id (fast).
    pub note_key: Field,
    /// The reserved terms of tag and path filters ([`operators::filter_terms`], one per line;
    /// never scored).
    pub filter: Field,
    /// 1 for a section of a troubleshooting entry, else 0 (fast; `in:troubleshooting`).
    pub trouble: Field,
    /// Place of the section in its note, from 0 (fast): orders a note's documents however
    /// tantivy spread them over segments.
    pub section: Field,
}

/// The index writer's memory budget over all its (at most 2) threads, in bytes: at least the
/// 15 MB tantivy wants per thread. At 10k notes 32 MB makes two segments where 16 MB made seven
/// and merged them (about 1 CPU-s more); 48 MB raised the peak when the segment is written
/// while pages render.
const WRITER_BUDGET: usize = 32_000_000;
const _: () = assert!(WRITER_BUDGET / 2 >= 15_000_000);

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let note_id = b.add_text_field("note_id", STRING | STORED);
    let anchor = b.add_text_field("anchor", STORED);
    let idx = TextFieldIndexing::default()
        .set_tokenizer("kb")
        .set_index_option(IndexRecordOption::WithFreqs);
    let stored = TextOptions::default()
        .set_indexing_options(idx)
        .set_stored();
    // every searchable field is stored: an export update reads the replaced version of an
    // edited note from its deleted documents to tell which terms changed
    let text = [
        b.add_text_field("title", stored.clone()),
        b.add_text_field("aliases", stored.clone()),
        b.add_text_field("heading", stored.clone()),
        b.add_text_field("tags", stored.clone()),
        b.add_text_field("body", stored),
    ];
    let filter = b.add_text_field(
        "filter",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("kbfilter")
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    let url = b.add_text_field("url", STORED);
    let heading_label = b.add_text_field("heading_label", STORED);
    let line = b.add_u64_field("line", STORED | FAST);
    let note_key = b.add_u64_field("note_key", FAST);
    let trouble = b.add_u64_field("trouble", FAST);
    let section = b.add_u64_field("section", FAST);
    (
        b.build(),
        Fields {
            note_id,
            anchor,
            text,
            url,
            heading_label,
            line,
            note_key,
            filter,
            trouble,
            section,
        },
    )
}

/// One section as indexed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SectionDoc {
    /// Note path relative to notes/.
    pub note_id: String,
    /// Heading id or empty.
    pub anchor: String,
    /// Note title.
    pub title: String,
    /// Aliases, space separated.
    pub aliases: String,
    /// Tags, space separated.
    pub tags: String,
    /// Heading path text (searchable).
    pub heading: String,
    /// Heading shown in results (the section's own heading).
    pub heading_label: String,
    /// Plain text.
    pub body: String,
    /// URL below the base, e.g. `messaging/redis/`.
    pub url: String,
    /// 1-based line.
    pub line: u64,
    /// Part of a troubleshooting entry.
    pub trouble: bool,
}

impl SectionDoc {
    /// The texts of the searchable fields, in [`FIELDS`] order.
    pub fn texts(&self) -> [&str; 5] {
        [
            &self.title,
            &self.aliases,
            &self.heading,
            &self.tags,
            &self.body,
        ]
    }
}

/// The sections of every note, in note order.
pub fn section_docs(site: &Site) -> Vec<(String, Vec<SectionDoc>)> {
    (0..site.notes.len())
        .map(|i| (site.notes[i].rel_path.clone(), note_sections(site, i)))
        .collect()
}

/// The section documents of note `i` (the opening text, with the description, first).
pub fn note_sections(site: &Site, i: usize) -> Vec<SectionDoc> {
    std::iter::once(&site.notes[i])
        .map(|n| {
            let p = &site.parsed[i];
            let page = &site.pages[i];
            let entries = site.trouble_entries(crate::site::NoteId::from(i));
            // a section is part of an entry when its heading lies in the entry's range
            let in_entry = |s: &crate::parse::Section| {
                s.heading.and_then(|h| p.headings.get(h)).is_some_and(|h| {
                    entries
                        .iter()
                        .any(|e| e.anchor == h.id || e.range.contains(&h.start))
                })
            };
            let mut docs: Vec<SectionDoc> = p
                .sections
                .unpack()
                .iter()
                .map(|s| SectionDoc {
                    trouble: in_entry(s),
                    note_id: n.rel_path.clone(),
                    anchor: s.anchor.clone(),
                    title: page.title.clone(),
                    aliases: n.front.aliases.join(" "),
                    tags: page.tags.join(" "),
                    heading: s.path.join(" "),
                    heading_label: s.path.last().cloned().unwrap_or_default(),
                    body: s.text.clone(),
                    url: page.slug.clone(),
                    line: s.line as u64,
                })
                .collect();
            // the front matter description belongs to the note's opening text
            let desc = n.front.description.clone().unwrap_or_default();
            let opening = docs.first().is_some_and(|d| d.anchor.is_empty());
            if opening {
                if !desc.is_empty() {
                    docs[0].body = format!("{desc} {}", docs[0].body);
                }
            } else if docs.is_empty() || !desc.is_empty() {
                let line = n.body_line as u64;
                docs.insert(
                    0,
                    SectionDoc {
                        note_id: n.rel_path.clone(),
                        anchor: String::new(),
                        title: page.title.clone(),
                        aliases: n.front.aliases.join(" "),
                        tags: page.tags.join(" "),
                        heading: String::new(),
                        heading_label: String::new(),
                        body: desc,
                        url: page.slug.clone(),
                        trouble: false,
                        line: line.min(
                            docs.first()
                                .map(|d| d.line.saturating_sub(1))
                                .unwrap_or(line),
                        ),
                    },
                );
            }
            docs
        })
        .next()
        .unwrap_or_default()
}

fn note_hash(docs: &[SectionDoc]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(&INDEX_VERSION.to_le_bytes());
    for d in docs {
        for s in [
            &d.anchor,
            &d.title,
            &d.aliases,
            &d.tags,
            &d.heading,
            &d.heading_label,
            &d.body,
            &d.url,
        ] {
            h.update(s.as_bytes());
            h.update(&[0]);
        }
        h.update(&d.line.to_le_bytes());
        h.update(&[u8::from(d.trouble)]);
    }
    h.finalize().to_hex()[..16].to_string()
}

/// Per segment, the column that marks troubleshooting sections (`None` in an index made
/// before the field existed).
fn trouble_flags(searcher: &tantivy::Searcher) -> Vec<Option<tantivy::columnar::Column<u64>>> {
    searcher
        .segment_readers()
        .iter()
        .map(|s| s.fast_fields().u64("trouble").ok())
        .collect()
}

/// tantivy's default merge policy, sparing the segments the last commit deleted documents
/// from: an export update reads the replaced versions of edited notes back from those
/// documents, which a merge drops. Such a segment is merged at a later commit. The segments
/// it proposes to merge are listed in `merging` (see [`SearchIndex::update`]).
#[derive(Debug, Default)]
struct SparingMergePolicy(tantivy::indexer::LogMergePolicy, Merging);

/// The files of the segments a merge policy proposed to merge (paths, not segment metas:
/// tantivy keeps the files of a segment while any copy of its meta lives).
type Merging = Arc<std::sync::Mutex<Vec<std::path::PathBuf>>>;

impl tantivy::indexer::MergePolicy for SparingMergePolicy {
    fn compute_merge_candidates(
        &self,
        segments: &[tantivy::index::SegmentMeta],
    ) -> Vec<tantivy::indexer::MergeCandidate> {
        let newest = segments.iter().filter_map(|s| s.delete_opstamp()).max();
        let rest: Vec<tantivy::index::SegmentMeta> = segments
            .iter()
            .filter(|s| newest.is_none() || s.delete_opstamp() != newest)
            .cloned()
            .collect();
        let candidates = self.0.compute_merge_candidates(&rest);
        if let Ok(mut merging) = self.1.lock() {
            use SegmentComponent::*;
            let parts = [Postings, Positions, Terms, Store, FastFields, FieldNorms];
            let proposed = candidates.iter().flat_map(|c| &c.0);
            let metas = proposed.filter_map(|id| rest.iter().find(|m| m.id() == *id));
            merging.extend(metas.flat_map(|m| parts.iter().map(|p| m.relative_path(p.clone()))));
        }
        candidates
    }
}

/// The index: tantivy plus kb's schema handles.
pub struct SearchIndex {
    /// The tantivy index.
    pub index: Index,
    /// A reader reloaded after each update.
    pub reader: IndexReader,
    /// Field handles.
    pub fields: Fields,
    /// Off only in tests that need segments to stay as written: then one indexing thread
    /// (one segment per commit) and no background merges.
    auto_merge: bool,
    /// Indexing threads (at most 2).
    threads: usize,
    /// See [`EXPANSION_BUDGET`].
    expansion_budget: u64,
    /// Synonym groups from kb.toml (`[search] synonyms`).
    synonyms: Vec<Vec<String>>,
    /// Token counts per document and field of the segments read so far (segments never
    /// change, so this holds until tantivy merges one away).
    lengths: std::sync::Mutex<HashMap<SegmentId, Arc<DocLengths>>>,
    /// Whether the segment files are mapped from a folder (not held in memory).
    mapped: bool,
}

/// Tokens per document (by doc id) and field, in [`FIELDS`] order.
type DocLengths = Vec<[u32; 5]>;

/// BM25's collection statistics over the live documents: the number of documents and the
/// tokens per field. Deleted documents (the replaced sections of edited notes, until a merge
/// drops them) are left out, so an index updated in place scores exactly as one built cold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveStats {
    /// Live documents (N).
    pub docs: u64,
    /// Tokens of the live documents, per field in [`FIELDS`] order.
    pub tokens: [u64; 5],
}

impl LiveStats {
    /// The average field lengths, in f32 as BM25 and the JavaScript client compute them.
    pub fn avg(&self) -> [f32; 5] {
        self.tokens.map(|t| {
            if self.docs == 0 {
                0.0
            } else {
                t as f32 / self.docs as f32
            }
        })
    }
}

/// The tokens of every document of `seg` in `field`: the sum of its term frequencies (what
/// tantivy's `total_num_tokens` adds up, which a merge of segments with deletions only
/// estimates).
fn field_lengths(seg: &SegmentReader, field: Field) -> tantivy::Result<Vec<u32>> {
    use tantivy::postings::Postings;
    let mut lens = vec![0u32; seg.max_doc() as usize];
    let inv = seg.inverted_index(field)?;
    let mut terms = inv.terms().stream()?;
    while terms.advance() {
        let mut p = inv.read_postings_from_terminfo(terms.value(), IndexRecordOption::WithFreqs)?;
        let mut doc = p.doc();
        while doc != TERMINATED {
            lens[doc as usize] += p.term_freq();
            doc = p.advance();
        }
    }
    Ok(lens)
}

/// Live documents of the searcher holding `term`: tantivy's document frequency, less the
/// deleted documents in segments that have some.
pub fn live_doc_freq(searcher: &Searcher, term: &Term) -> tantivy::Result<u64> {
    let mut n = 0u64;
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(term.field())?;
        match seg.alive_bitset() {
            None => n += u64::from(inv.doc_freq(term)?),
            Some(alive) => {
                if let Some(mut p) = inv.read_postings(term, IndexRecordOption::Basic)? {
                    let mut doc = p.doc();
                    while doc != TERMINATED {
                        n += u64::from(alive.is_alive(doc));
                        doc = p.advance();
                    }
                }
            }
        }
    }
    Ok(n)
}

/// What an update did.
#[derive(Debug, Default, Clone, Copy)]
pub struct UpdateStats {
    /// Notes (re)indexed.
    pub indexed: usize,
    /// Notes removed.
    pub removed: usize,
    /// Notes unchanged.
    pub unchanged: usize,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Payload {
    version: u32,
    notes: BTreeMap<String, String>,
}

impl SearchIndex {
    /// Opens `.kb/index` (creating it, or rebuilding it when its version differs).
    pub fn open(dir: &Path) -> tantivy::Result<SearchIndex> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir)?;
        let index = match Index::open_in_dir(dir) {
            Ok(ix) if payload(&ix).map(|p| p.version) == Some(INDEX_VERSION) => ix,
            _ => {
                // wrong version or damaged: start over
                for e in std::fs::read_dir(dir)?.flatten() {
                    let _ = if e.path().is_dir() {
                        std::fs::remove_dir_all(e.path())
                    } else {
                        std::fs::remove_file(e.path())
                    };
                }
                Index::create_in_dir(dir, schema)?
            }
        };
        let mut index = Self::with_index(index, fields)?;
        index.mapped = true;
        Ok(index)
    }

    /// Opens the `.kb/index` of a knowledge base with its configured expansion budget; when
    /// that fails, a temporary index in memory, with the error for the caller to report.
    pub fn open_for(
        opts: &crate::site::BuildOptions,
    ) -> tantivy::Result<(SearchIndex, Option<tantivy::TantivyError>)> {
        let (index, err) = match Self::open(&opts.index_dir()) {
            Ok(i) => (i, None),
            Err(e) => (Self::in_memory()?, Some(e)),
        };
        let budget = opts.config.search_expansion_budget;
        let synonyms = opts.config.search.synonyms.clone();
        Ok((
            index.with_expansion_budget(budget).with_synonyms(synonyms),
            err,
        ))
    }

    /// An index in memory (tests, and `kb search` on a read-only folder).
    pub fn in_memory() -> tantivy::Result<SearchIndex> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> tantivy::Result<SearchIndex> {
        index
            .tokenizers()
            .register("kb", TextAnalyzer::from(KbTokenizer::default()));
        index
            .tokenizers()
            .register("kbfilter", TextAnalyzer::from(LineTokenizer::default()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            auto_merge: true,
            threads: 2,
            expansion_budget: EXPANSION_BUDGET,
            synonyms: Vec::new(),
            lengths: Default::default(),
            mapped: false,
        })
    }

    /// A function that lets the pages of the postings files of `segs` that were read go out
    /// of the process's memory (they stay in the page cache). The export reads every posting
    /// once, in term order: without this, all the postings it read (70 MB at 50k notes) stayed
    /// in the process's resident memory until the index was closed; pages read again are
    /// mapped again.
    pub fn postings_release(&self, segs: &[tantivy::SegmentReader]) -> impl Fn() + '_ {
        let metas = match self.mapped {
            true => self.index.searchable_segment_metas().unwrap_or_default(),
            false => Vec::new(),
        };
        let paths: Vec<std::path::PathBuf> = metas
            .iter()
            .filter(|m| segs.iter().any(|s| s.segment_id() == m.id()))
            .map(|m| m.relative_path(SegmentComponent::Postings))
            .collect();
        move || self.release_files(paths.iter().cloned())
    }

    /// Unmaps the pages of the segment files at `paths` (files of complete segments only:
    /// tantivy never changes one) from the process; the next read maps them again.
    fn release_files(&self, paths: impl Iterator<Item = std::path::PathBuf>) {
        #[cfg(target_os = "linux")]
        if self.mapped {
            let dir = self.index.directory();
            for path in paths {
                let Ok(Ok(bytes)) =
                    tantivy::directory::Directory::open_read(dir, &path).map(|f| f.read_bytes())
                else {
                    continue;
                };
                let b = bytes.as_slice();
                // SAFETY: `b` is the whole of a file that tantivy's MmapDirectory maps shared
                // and read-only (`mapped`: the index was opened from a folder), so it starts
                // on a page, and the file never changes. MADV_DONTNEED on such a mapping only
                // unmaps the pages: the next read maps the same bytes again.
                unsafe {
                    let _ = rustix::mm::madvise(
                        b.as_ptr() as *mut std::ffi::c_void,
                        b.len(),
                        rustix::mm::Advice::LinuxDontNeed,
                    );
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = paths;
    }

    /// Every 50 ms until `stop`, unmaps the pages of the segments in `merging` from the
    /// process. A merge reads its segments once, in order, and tantivy keeps them mapped until
    /// it is done: at 50k notes, the merge of eight segments while the pages render held 120 MB
    /// of them at the end, the build's peak.
    fn release_merged(&self, merging: &Merging, stop: &std::sync::atomic::AtomicBool) {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::park_timeout(std::time::Duration::from_millis(50));
            let paths = merging.lock().map(|m| m.clone()).unwrap_or_default();
            self.release_files(paths.into_iter());
        }
    }

    /// The statistics of the live documents `searcher` sees. Token counts are read from the
    /// postings once per segment and kept, so after an edit only the new segment is read.
    pub fn live_stats(&self, searcher: &Searcher) -> tantivy::Result<LiveStats> {
        use rayon::prelude::*;
        let segs = searcher.segment_readers();
        let known: HashMap<SegmentId, Arc<DocLengths>> = {
            let mut cache = self.lengths.lock().unwrap_or_else(|e| e.into_inner());
            // segments merged away are not asked for again
            cache.retain(|id, _| segs.iter().any(|s| s.segment_id() == *id));
            cache.clone()
        };
        let missing: Vec<(usize, usize)> = (0..segs.len())
            .filter(|&so| !known.contains_key(&segs[so].segment_id()))
            .flat_map(|so| (0..5).map(move |k| (so, k)))
            .collect();
        let read: Vec<((usize, usize), Vec<u32>)> = missing
            .par_iter()
            .map(|&(so, k)| Ok(((so, k), field_lengths(&segs[so], self.fields.text[k])?)))
            .collect::<tantivy::Result<_>>()?;
        let mut fresh: HashMap<usize, DocLengths> = HashMap::new();
        for ((so, k), lens) in read {
            let doc_lens = fresh.entry(so).or_insert_with(|| vec![[0; 5]; lens.len()]);
            for (d, l) in lens.into_iter().enumerate() {
                doc_lens[d][k] = l;
            }
        }
        let mut stats = LiveStats::default();
        let mut cache = self.lengths.lock().unwrap_or_else(|e| e.into_inner());
        for (so, seg) in segs.iter().enumerate() {
            let lens = match fresh.remove(&so) {
                Some(l) => cache.entry(seg.segment_id()).or_insert(Arc::new(l)).clone(),
                None => known[&seg.segment_id()].clone(),
            };
            for doc in seg.doc_ids_alive() {
                stats.docs += 1;
                for (t, l) in stats.tokens.iter_mut().zip(lens[doc as usize]) {
                    *t += u64::from(l);
                }
            }
        }
        Ok(stats)
    }

    /// The same index writing with `n` threads (1 to 2; a build that renders pages at the same
    /// time uses one: the cores are busy anyway, and each thread holds a 16 MB buffer).
    pub fn with_threads(mut self, n: usize) -> Self {
        self.threads = n.clamp(1, 2);
        self
    }

    /// The same index expanding prefix and fuzzy tokens within `budget` postings (the
    /// `search_expansion_budget` key of kb.toml; the static export states it for the client).
    pub fn with_expansion_budget(mut self, budget: u64) -> Self {
        self.expansion_budget = budget;
        self
    }

    /// The same index with synonym groups: a query word with few matches also finds the other
    /// members of its groups (`[search] synonyms` of kb.toml; the static export states them).
    pub fn with_synonyms(mut self, groups: Vec<Vec<String>>) -> Self {
        self.synonyms = groups;
        self
    }

    /// The configured synonym groups.
    pub fn synonyms(&self) -> &[Vec<String>] {
        &self.synonyms
    }

    /// The postings a prefix or fuzzy expansion may add up to.
    pub fn expansion_budget(&self) -> u64 {
        self.expansion_budget
    }

    /// The manifest of the last commit: a hash of each indexed note's sections, by note path.
    /// Equal hashes mean equal documents, so the export can tell which notes changed.
    pub fn note_hashes(&self) -> BTreeMap<String, String> {
        payload(&self.index).map(|p| p.notes).unwrap_or_default()
    }

    /// The same index with deterministic segments: one indexing thread, no background merges.
    #[cfg(test)]
    pub(crate) fn deterministic(mut self) -> Self {
        self.auto_merge = false;
        self
    }

    /// Brings the index up to date with `site`, touching only notes whose sections changed.
    pub fn update(&self, site: &Site) -> tantivy::Result<UpdateStats> {
        let merging = Merging::default();
        if !self.mapped || !self.auto_merge {
            return self.update_merging(site, &merging);
        }
        // the segments merged meanwhile are unmapped as the merge goes
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let releaser = s.spawn(|| self.release_merged(&merging, &stop));
            let updated = self.update_merging(site, &merging);
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            releaser.thread().unpark();
            updated
        })
    }

    /// [`SearchIndex::update`], listing in `merging` the segments its merges read.
    fn update_merging(&self, site: &Site, merging: &Merging) -> tantivy::Result<UpdateStats> {
        let old = payload(&self.index).unwrap_or_default();
        let mut stats = UpdateStats::default();
        let mut new_manifest = BTreeMap::new();
        let f = self.fields;
        // the writer is opened at the first change; documents go to it one note at a time
        let mut writer: Option<tantivy::IndexWriter> = None;
        let open_writer = || -> tantivy::Result<tantivy::IndexWriter> {
            let threads = if self.auto_merge {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
                    .clamp(1, self.threads)
            } else {
                1
            };
            let w: tantivy::IndexWriter =
                self.index.writer_with_num_threads(threads, WRITER_BUDGET)?;
            if self.auto_merge {
                let policy = SparingMergePolicy(Default::default(), merging.clone());
                w.set_merge_policy(Box::new(policy));
            } else {
                w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            }
            // a build killed mid-commit leaves files the last commit does not use (a `.del`
            // file with the name the next commit wants, say): remove them first
            w.garbage_collect_files().wait()?;
            Ok(w)
        };
        for i in 0..site.notes.len() {
            let id = &site.notes[i].rel_path;
            let docs = note_sections(site, i);
            let h = note_hash(&docs);
            if old.notes.get(id) == Some(&h) && old.version == INDEX_VERSION {
                stats.unchanged += 1;
            } else {
                stats.indexed += 1;
                if writer.is_none() {
                    writer = Some(open_writer()?);
                }
                let w = writer.as_mut().expect("writer");
                if old.notes.contains_key(id) {
                    w.delete_term(Term::from_field_text(f.note_id, id));
                }
                for (j, d) in docs.into_iter().enumerate() {
                    let mut doc = TantivyDocument::default();
                    doc.add_text(f.note_id, &d.note_id);
                    doc.add_text(f.anchor, &d.anchor);
                    for (field, text) in f.text.iter().zip(d.texts()) {
                        doc.add_text(*field, text);
                    }
                    doc.add_text(f.url, &d.url);
                    doc.add_text(f.heading_label, &d.heading_label);
                    doc.add_u64(f.line, d.line);
                    doc.add_u64(f.note_key, note_key(&d.note_id));
                    doc.add_text(
                        f.filter,
                        filter_field_terms(&d.note_id, d.texts()).join("\n"),
                    );
                    doc.add_u64(f.trouble, u64::from(d.trouble));
                    doc.add_u64(f.section, j as u64);
                    w.add_document(doc)?;
                }
            }
            new_manifest.insert(id.clone(), h);
        }
        let removed: Vec<&String> = old
            .notes
            .keys()
            .filter(|k| !new_manifest.contains_key(*k))
            .collect();
        stats.removed = removed.len();
        if writer.is_none() && removed.is_empty() && old.version == INDEX_VERSION {
            self.reader.reload()?;
            return Ok(stats);
        }
        let mut writer = match writer {
            Some(w) => w,
            None => open_writer()?,
        };
        for id in removed {
            writer.delete_term(Term::from_field_text(f.note_id, id));
        }
        let payload = Payload {
            version: INDEX_VERSION,
            notes: new_manifest,
        };
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&payload).unwrap_or_default());
        prepared.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(stats)
    }
}

fn payload(index: &Index) -> Option<Payload> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

/// One section found by a query.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SectionHit {
    /// Heading of the section (empty for the opening text).
    pub heading: String,
    /// Heading id.
    pub anchor: String,
    /// 1-based line in the note.
    pub line: u64,
    /// Score (f32, as tantivy computes it).
    pub score: f32,
    /// Query words matched.
    pub matched: u32,
    /// Part of a troubleshooting entry (serialized only when true).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub trouble: bool,
    /// Highlighted excerpt (HTML-escaped, matches in `<mark>`).
    pub snippet: String,
}

/// One note in the results, with its best sections.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// Note title.
    pub title: String,
    /// Path relative to notes/.
    pub path: String,
    /// URL below the base.
    pub url: String,
    /// Best section's heading.
    pub heading: String,
    /// Best section's anchor.
    pub anchor: String,
    /// Best section's line.
    pub line: u64,
    /// Best section's score.
    pub score: f32,
    /// Best section's snippet.
    pub snippet: String,
    /// Up to three sections, best first.
    pub sections: Vec<SectionHit>,
}

/// Results as `kb search --json` and `/_kb/search` print them: page URLs with the site base.
pub fn hits_json(hits: &[Hit], base: &str) -> Vec<serde_json::Value> {
    hits.iter()
        .map(|h| {
            let mut v = serde_json::to_value(h).unwrap_or_default();
            v["url"] = serde_json::Value::String(format!(
                "{base}{}",
                crate::parse::slug::encode_uri(&crate::parse::slug::encode_path(&h.url))
            ));
            v
        })
        .collect()
}

/// A resolved query token: the terms it stands for (one, or several after expansion).
type TokenTerms = Vec<String>;

/// Live document frequency of a term text in each field.
fn dfs(searcher: &tantivy::Searcher, f: &Fields, t: &str) -> [u64; 5] {
    let mut out = [0u64; 5];
    for (k, field) in f.text.iter().enumerate() {
        out[k] = live_doc_freq(searcher, &Term::from_field_text(*field, t)).unwrap_or(0);
    }
    out
}

/// All distinct terms (any field) in `[lo, hi)`.
fn terms_in_range(
    searcher: &tantivy::Searcher,
    f: &Fields,
    lo: &str,
    hi: Option<&str>,
) -> Vec<String> {
    let mut set = std::collections::BTreeSet::new();
    for seg in searcher.segment_readers() {
        for field in f.text {
            let Ok(inv) = seg.inverted_index(field) else {
                continue;
            };
            let mut b = inv.terms().range().ge(lo.as_bytes());
            if let Some(h) = hi {
                b = b.lt(h.as_bytes());
            }
            let Ok(mut s) = b.into_stream() else { continue };
            while s.advance() {
                if let Ok(k) = std::str::from_utf8(s.key()) {
                    set.insert(k.to_string());
                }
            }
        }
    }
    set.into_iter().collect()
}

/// The smallest string greater than every string starting with `prefix`.
pub fn prefix_upper(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Picks the expansions of a token: `exact` first when the index has it, then the other
/// candidates by total document frequency (ties: term order), at most [`MAX_EXPANSIONS`], and
/// after the first only while their total document frequency stays within `budget`.
fn top_by_df(
    searcher: &tantivy::Searcher,
    f: &Fields,
    mut cands: Vec<String>,
    exact: Option<&str>,
    budget: u64,
) -> Vec<String> {
    let mut scored: Vec<(u64, String)> = cands
        .drain(..)
        .map(|t| (dfs(searcher, f, &t).iter().sum(), t))
        .filter(|(d, _)| *d > 0)
        .collect();
    scored.sort_by(|a, b| {
        let ea = Some(a.1.as_str()) == exact;
        let eb = Some(b.1.as_str()) == exact;
        eb.cmp(&ea).then(b.0.cmp(&a.0)).then(a.1.cmp(&b.1))
    });
    let mut total = 0u64;
    let mut out = Vec::new();
    for (d, t) in scored {
        if out.len() == MAX_EXPANSIONS || (!out.is_empty() && total + d > budget) {
            break;
        }
        total += d;
        out.push(t);
    }
    out
}

/// Whether `a` and `b` are one edit apart: Levenshtein distance 1, or one adjacent transposition.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    if a.chars().count().abs_diff(b.chars().count()) > 1 {
        return false;
    }
    // one insertion, deletion or substitution, or two adjacent letters swapped (mergesrot)
    strsim::osa_distance(a, b) <= 1
}

/// Whether a token is one Latin (or other alphabetic) word: joined and split forms apply to it.
fn latin(t: &str) -> bool {
    t.chars().all(|c| analyzer::class(c) == Class::Word)
}

/// Total live document frequency of a term over the scored fields.
fn total_df(searcher: &tantivy::Searcher, f: &Fields, t: &str) -> u64 {
    dfs(searcher, f, t).iter().sum()
}

/// The split of a Latin token into two halves of at least [`analyzer::SPLIT_MIN`] characters
/// that are both terms of the index (`elasticsearch` -> `elastic`, `search`): of those, the
/// one whose rarer half is the most frequent (ties: the leftmost).
fn best_split(searcher: &tantivy::Searcher, f: &Fields, t: &str) -> Option<(String, String)> {
    let chars: Vec<char> = t.chars().collect();
    let min = analyzer::SPLIT_MIN;
    if chars.len() < 2 * min {
        return None;
    }
    let mut best: Option<(u64, usize)> = None;
    for i in min..=chars.len() - min {
        let left: String = chars[..i].iter().collect();
        let dl = total_df(searcher, f, &left);
        if dl == 0 {
            continue;
        }
        let dr = total_df(searcher, f, &chars[i..].iter().collect::<String>());
        if dr > 0 && best.is_none_or(|(b, _)| dl.min(dr) > b) {
            best = Some((dl.min(dr), i));
        }
    }
    best.map(|(_, i)| (chars[..i].iter().collect(), chars[i..].iter().collect()))
}

/// Resolves one word's tokens to terms: exact, or prefix-expanded (the last token of a word
/// being typed). A single Latin token that matches nothing is tried as two words the notes
/// write spaced ([`best_split`], as alternative terms), else, from 5 letters, as the terms one
/// edit away.
fn resolve_word(
    searcher: &tantivy::Searcher,
    f: &Fields,
    w: &QueryWord,
    budget: u64,
) -> Vec<TokenTerms> {
    let n = w.tokens.len();
    let mut out: Vec<TokenTerms> = w
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if w.prefix && i + 1 == n {
                let cands = terms_in_range(searcher, f, t, prefix_upper(t).as_deref());
                let mut top = top_by_df(searcher, f, cands, Some(t), budget);
                if top.is_empty() {
                    top.push(t.clone());
                }
                top
            } else {
                vec![t.clone()]
            }
        })
        .collect();
    let t = &w.tokens[0];
    if n != 1 || !latin(t) || out[0].iter().any(|x| total_df(searcher, f, x) > 0) {
        return out;
    }
    if let Some((left, right)) = best_split(searcher, f, t) {
        return vec![
            vec![analyzer::alt_term(&left)],
            vec![analyzer::alt_term(&right)],
        ];
    }
    if t.chars().count() >= 5 {
        let first: String = t.chars().take(1).collect();
        let cands: Vec<String> =
            terms_in_range(searcher, f, &first, prefix_upper(&first).as_deref())
                .into_iter()
                .filter(|c| within_one_edit(c, t))
                .collect();
        let top = top_by_df(searcher, f, cands, None, budget);
        if !top.is_empty() {
            out[0] = top;
        }
    }
    out
}

/// Resolves each word's tokens to terms ([`resolve_word`]); two adjacent single Latin words
/// also reach the term the notes write joined (`pub sub` -> `pubsub`), as an alternative term
/// of both.
fn resolve_words(
    searcher: &tantivy::Searcher,
    f: &Fields,
    words: &[QueryWord],
    budget: u64,
) -> Vec<Vec<TokenTerms>> {
    let mut out: Vec<Vec<TokenTerms>> = words
        .iter()
        .map(|w| resolve_word(searcher, f, w, budget))
        .collect();
    for i in 1..words.len() {
        let single = |k: usize| words[k].tokens.len() == 1 && out[k].len() == 1;
        let (a, b) = (&words[i - 1].tokens[0], &words[i].tokens[0]);
        if single(i - 1) && single(i) && latin(a) && latin(b) {
            let joined = format!("{a}{b}");
            if total_df(searcher, f, &joined) > 0 {
                out[i - 1][0].push(analyzer::alt_term(&joined));
                out[i][0].push(analyzer::alt_term(&joined));
            }
        }
    }
    out
}

/// Per-document accumulator.
#[derive(Default, Clone)]
struct Acc {
    score: f32,
    matched: u32,
    /// Words matched as written: every token through a term of its own, not only through a
    /// cross-space twin (`인 메모리` for `인메모리`). They rank above words matched otherwise.
    exact: u32,
}

/// A document of the searcher: (segment ordinal, doc id).
type DocKey = (u32, u32);

/// Per document of one query word: tokens present, tokens present as written, score.
type WordDocs = HashMap<DocKey, (usize, usize, f32)>;

/// What scoring a query needs besides the index: the searcher, the schema, and BM25's
/// statistics of the live documents.
struct Scorer<'a> {
    searcher: &'a Searcher,
    f: &'a Fields,
    n: u64,
    avg: [f32; 5],
    /// Configured synonym groups (`[search] synonyms` in kb.toml).
    synonyms: &'a [Vec<String>],
}

impl Scorer<'_> {
    /// Adds the score of `term` in every live document holding it to `out`, summed over fields
    /// (a cross-space twin's field weights scaled by `scale`).
    fn score_term(
        &self,
        term: &str,
        scale: f32,
        out: &mut HashMap<DocKey, f32>,
    ) -> tantivy::Result<()> {
        use tantivy::postings::Postings;
        for (k, field) in self.f.text.iter().enumerate() {
            let t = Term::from_field_text(*field, term);
            // the live postings first: their number is the document frequency
            let mut live: Vec<(DocKey, u8, u32)> = Vec::new();
            for (so, seg) in self.searcher.segment_readers().iter().enumerate() {
                let inv = seg.inverted_index(*field)?;
                let Some(mut postings) = inv.read_postings(&t, IndexRecordOption::WithFreqs)?
                else {
                    continue;
                };
                let norms = seg.get_fieldnorms_reader(*field)?;
                let alive = seg.alive_bitset();
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        let norm = norms.fieldnorm_id(doc);
                        live.push(((so as u32, doc), norm, postings.term_freq()));
                    }
                    doc = postings.advance();
                }
            }
            if live.is_empty() {
                continue;
            }
            let w = Bm25Weight::for_one_term(live.len() as u64, self.n, self.avg[k])
                .boost_by(FIELDS[k].1 * scale);
            for (d, norm, tf) in live {
                *out.entry(d).or_insert(0.0) += w.score(norm, tf);
            }
        }
        Ok(())
    }

    /// Scores one query word: per document, how many of its tokens are present (a token's
    /// score is the best of its terms'), how many as written, and the sum of their scores.
    fn score_word(&self, tokens: &[TokenTerms]) -> tantivy::Result<WordDocs> {
        let mut word_docs: WordDocs = HashMap::new();
        for tt in tokens {
            let mut tok_docs: HashMap<DocKey, (f32, bool)> = HashMap::new();
            for term in tt {
                // a cross-space twin or an alternative term scores less and is not as written
                let (real, scale) = match term.strip_prefix(analyzer::ALT_MARK) {
                    Some(real) => (real, analyzer::CROSS_WEIGHT),
                    None if term.starts_with(analyzer::CROSS_MARK) => {
                        (term.as_str(), analyzer::CROSS_WEIGHT)
                    }
                    None => (term.as_str(), 1.0),
                };
                let mut term_docs: HashMap<DocKey, f32> = HashMap::new();
                self.score_term(real, scale, &mut term_docs)?;
                let exact = scale == 1.0;
                for (d, s) in term_docs {
                    let e = tok_docs.entry(d).or_insert((f32::MIN, false));
                    if s > e.0 {
                        e.0 = s;
                    }
                    e.1 |= exact;
                }
            }
            for (d, (s, exact)) in tok_docs {
                let e = word_docs.entry(d).or_insert((0, 0, 0.0));
                e.0 += 1;
                e.1 += usize::from(exact);
                e.2 += s;
            }
        }
        Ok(word_docs)
    }

    /// Scores every word and adds up, per document, the words it matches (all tokens present).
    fn score_words(
        &self,
        words: &[QueryWord],
        resolved: &[Vec<TokenTerms>],
    ) -> tantivy::Result<Scored> {
        let mut scored = Scored {
            spellings: alt_terms(resolved),
            ..Scored::default()
        };
        let (acc, splits) = (&mut scored.acc, &mut scored.splits);
        for (w, tokens) in words.iter().zip(resolved) {
            let split = split_phrase(w, tokens).map(|phrase| Split {
                phrase,
                docs: HashMap::new(),
            });
            let mut word_docs = self.score_word(tokens)?;
            // as written: every token through a term of its own (not the halves of a split,
            // not a joined alternative)
            let held = word_docs
                .values()
                .filter(|e| e.0 == tokens.len() && e.1 == tokens.len())
                .count();
            // a word few sections hold as written is retried with the cross-space twins of its
            // Hangul bigrams (at a lower weight): 인메모리 finds 인 메모리
            if held < analyzer::TWIN_RETRY_BELOW
                && tokens
                    .iter()
                    .any(|tt| tt.iter().any(|t| analyzer::cross_term(t).is_some()))
            {
                let twinned: Vec<TokenTerms> = tokens
                    .iter()
                    .map(|tt| {
                        let mut tt = tt.clone();
                        let twins: Vec<String> =
                            tt.iter().filter_map(|t| analyzer::cross_term(t)).collect();
                        tt.extend(twins);
                        tt
                    })
                    .collect();
                word_docs = self.score_word(&twinned)?;
            }
            let mut full = HashSet::new();
            let mut split = split;
            for (d, (count, exact, s)) in word_docs {
                if count == tokens.len() {
                    let a = acc.entry(d).or_default();
                    a.score += s;
                    a.matched += 1;
                    a.exact += u32::from(exact == count);
                    full.insert(d);
                    if let Some(sp) = split.as_mut() {
                        sp.docs.insert(d, s);
                    }
                }
            }
            splits.extend(split);
            // a word few sections hold as written also matches its other spellings (카프카:
            // kafka), below the sections holding it as written
            if held < analyzer::TWIN_RETRY_BELOW {
                for (d, s) in self.alternative_docs(w, &mut scored.spellings)? {
                    if !full.contains(&d) {
                        let a = acc.entry(d).or_default();
                        a.score += s;
                        a.matched += 1;
                    }
                }
            }
        }
        Ok(scored)
    }

    /// The other spellings of a query word, each as alternative terms per token: the words of
    /// the other script that share its phonetic key and sound closest ([`phonetic::closest`]:
    /// Latin terms for a Hangul word, Hangul words, as their query tokens, for a Latin word),
    /// and the other members of its groups in [`phonetic::IRREGULAR`] and the configured
    /// synonyms.
    fn alternatives(&self, w: &QueryWord) -> tantivy::Result<Vec<(String, Vec<TokenTerms>)>> {
        let stem = analyzer::strip_particle(&w.text).to_lowercase();
        let mut out: Vec<(String, Vec<TokenTerms>)> = Vec::new();
        let hangul = phonetic::is_hangul_word(&stem);
        let (sounds, keys) = if hangul {
            let sound = phonetic::hangul_sound(&stem);
            let key = phonetic::hangul_key(&stem);
            (sound.into_iter().collect(), key.into_iter().collect())
        } else if phonetic::is_latin_word(&stem) {
            (phonetic::latin_sounds(&stem), phonetic::latin_keys(&stem))
        } else {
            (Vec::new(), Vec::new())
        };
        let mut cands: Vec<(String, Vec<String>)> = Vec::new();
        for key in keys {
            let prefix = format!("{}{key}{}", phonetic::KEY_MARK, phonetic::KEY_SEP);
            for t in filter_term_names(self.searcher, self.f, &prefix)? {
                let word = &t[prefix.len()..];
                // the other script only
                if phonetic::is_hangul_word(word) != hangul {
                    cands.push((word.to_string(), phonetic::word_sounds(word)));
                }
            }
        }
        for word in phonetic::closest(&sounds, &cands) {
            let toks = analyzer::tokens(&word, true);
            out.push((
                word,
                toks.iter().map(|t| vec![analyzer::alt_term(t)]).collect(),
            ));
        }
        let irregular = phonetic::IRREGULAR.iter().map(|(a, b)| vec![*a, *b]);
        let configured = self
            .synonyms
            .iter()
            .map(|g| g.iter().map(String::as_str).collect::<Vec<_>>());
        for group in irregular.chain(configured) {
            let key = |s: &str| analyzer::normalize(s).to_lowercase();
            if !group.iter().any(|m| key(m) == stem) {
                continue;
            }
            for other in group.iter().filter(|m| key(m) != stem) {
                let toks = analyzer::tokens(other, true);
                if !toks.is_empty() {
                    let alt = toks.iter().map(|t| vec![analyzer::alt_term(t)]).collect();
                    out.push((other.to_string(), alt));
                }
            }
        }
        Ok(out)
    }

    /// The documents matching one of the word's [`Scorer::alternatives`] (all its tokens), with
    /// the best score; the spellings that matched a document are added to `used`.
    fn alternative_docs(
        &self,
        w: &QueryWord,
        used: &mut Vec<String>,
    ) -> tantivy::Result<Vec<(DocKey, f32)>> {
        let mut best: HashMap<DocKey, f32> = HashMap::new();
        for (text, alt) in self.alternatives(w)? {
            let mut any = false;
            for (d, (count, _, s)) in self.score_word(&alt)? {
                if count == alt.len() {
                    let e = best.entry(d).or_insert(s);
                    *e = e.max(s);
                    any = true;
                }
            }
            if any {
                used.push(text);
            }
        }
        Ok(best.into_iter().collect())
    }
}

/// The terms of the `filter` field starting with `prefix` that a live document holds, sorted.
fn filter_term_names(
    searcher: &Searcher,
    f: &Fields,
    prefix: &str,
) -> tantivy::Result<Vec<String>> {
    let mut out = std::collections::BTreeSet::new();
    let upper = prefix_upper(prefix);
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(f.filter)?;
        let mut b = inv.terms().range().ge(prefix.as_bytes());
        if let Some(h) = &upper {
            b = b.lt(h.as_bytes());
        }
        let mut terms = b.into_stream()?;
        while terms.advance() {
            let mut p = inv.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let mut doc = p.doc();
            while doc != TERMINATED {
                if seg.alive_bitset().is_none_or(|a| a.is_alive(doc)) {
                    if let Ok(t) = std::str::from_utf8(terms.key()) {
                        out.insert(t.to_string());
                    }
                    break;
                }
                doc = p.advance();
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// The live documents of troubleshooting entries.
fn trouble_docs(searcher: &Searcher) -> HashSet<DocKey> {
    let mut out = HashSet::new();
    for (so, col) in trouble_flags(searcher).iter().enumerate() {
        let seg = searcher.segment_reader(so as u32);
        for doc in seg.doc_ids_alive() {
            if col.as_ref().and_then(|c| c.first(doc)) == Some(1) {
                out.insert((so as u32, doc));
            }
        }
    }
    out
}

/// The live documents holding a term of the `filter` field that starts with `prefix` (the
/// term `prefix` alone with `whole`).
fn filter_docs(
    searcher: &Searcher,
    f: &Fields,
    prefix: &str,
    whole: bool,
) -> tantivy::Result<HashSet<DocKey>> {
    let mut out = HashSet::new();
    let upper = prefix_upper(prefix);
    for (so, seg) in searcher.segment_readers().iter().enumerate() {
        let inv = seg.inverted_index(f.filter)?;
        let mut b = inv.terms().range().ge(prefix.as_bytes());
        b = if whole {
            b.le(prefix.as_bytes())
        } else if let Some(h) = &upper {
            b.lt(h.as_bytes())
        } else {
            b
        };
        let mut terms = b.into_stream()?;
        while terms.advance() {
            let mut p = inv.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let mut doc = p.doc();
            while doc != TERMINATED {
                if seg.alive_bitset().is_none_or(|a| a.is_alive(doc)) {
                    out.insert((so as u32, doc));
                }
                doc = p.advance();
            }
        }
    }
    Ok(out)
}

/// The documents results must be among (`None`: any) and those they must not be, by the
/// operators other than phrases (which [`ranked_rows`] checks on the stored text).
fn operator_sets(
    scorer: &Scorer,
    ops: &Operators,
) -> tantivy::Result<(Option<HashSet<DocKey>>, HashSet<DocKey>)> {
    let (searcher, f) = (scorer.searcher, scorer.f);
    let mut allowed: Option<HashSet<DocKey>> = None;
    let mut denied = HashSet::new();
    let mut keep = |set: HashSet<DocKey>| {
        allowed = Some(match allowed.take() {
            None => set,
            Some(a) => a.intersection(&set).copied().collect(),
        });
    };
    match ops.trouble {
        Some(true) => keep(trouble_docs(searcher)),
        Some(false) => denied.extend(trouble_docs(searcher)),
        None => {}
    }
    // tags match whole (`db` matches `db/nosql` through its indexed parents), paths by prefix
    let filters = [
        (&ops.tags, operators::TAG_MARK, true, true),
        (&ops.paths, operators::PATH_MARK, false, true),
        (&ops.not_tags, operators::TAG_MARK, true, false),
        (&ops.not_paths, operators::PATH_MARK, false, false),
    ];
    for (values, mark, whole, wanted) in filters {
        for v in values {
            let docs = filter_docs(searcher, f, &format!("{mark}{v}"), whole)?;
            if wanted {
                keep(docs);
            } else {
                denied.extend(docs);
            }
        }
    }
    for w in &ops.not_words {
        // the word's tokens as written (no prefix or fuzzy expansion): a section holding them all
        for qw in analyzer::parse_query(&format!("{w} ")) {
            let tokens: Vec<TokenTerms> = qw.tokens.iter().map(|t| vec![t.clone()]).collect();
            let docs = scorer.score_word(&tokens)?;
            denied.extend(
                docs.into_iter()
                    .filter(|(_, e)| e.0 == tokens.len())
                    .map(|(d, _)| d),
            );
        }
    }
    Ok((allowed, denied))
}

/// What scoring the words gives: per document its accumulator, the words matched as the halves
/// of their split, and the other spellings that matched (highlighted in snippets).
#[derive(Default)]
struct Scored {
    acc: HashMap<DocKey, Acc>,
    splits: Vec<Split>,
    spellings: Vec<String>,
}

/// The alternative terms among the resolved words (halves of a split, joined words), unmarked.
fn alt_terms(resolved: &[Vec<TokenTerms>]) -> Vec<String> {
    resolved
        .iter()
        .flatten()
        .flatten()
        .filter_map(|t| t.strip_prefix(analyzer::ALT_MARK))
        .map(str::to_string)
        .collect()
}

/// The query words and, for snippets, the other spellings that matched, each parsed as a word.
fn snippet_words(words: &[QueryWord], spellings: &[String]) -> Vec<QueryWord> {
    let mut out = words.to_vec();
    for s in spellings {
        out.extend(analyzer::parse_query(&format!("{s} ")));
    }
    out
}

/// A query word the notes write spaced, matched as the two halves of its split
/// ([`best_split`]): the halves as a phrase (`elastic search`) and, per document matching the
/// word through them, the word's score there.
struct Split {
    phrase: String,
    docs: HashMap<DocKey, f32>,
}

/// The phrase of a word resolved to the two halves of its split, if it was.
fn split_phrase(w: &QueryWord, tokens: &[TokenTerms]) -> Option<String> {
    if w.tokens.len() != 1 || tokens.len() != 2 {
        return None;
    }
    fn half(tt: &TokenTerms) -> Option<&str> {
        tt.first()?.strip_prefix(analyzer::ALT_MARK)
    }
    Some(format!("{} {}", half(&tokens[0])?, half(&tokens[1])?))
}

/// The best documents of `docs` by words matched, matched as written and score, in whole
/// groups of equal rank until [`PHRASE_CANDIDATES`] are taken.
fn best_candidates(
    acc: &HashMap<DocKey, Acc>,
    docs: impl Iterator<Item = DocKey>,
) -> HashSet<DocKey> {
    let mut ranked: Vec<(DocKey, (u32, u32, f32))> = docs
        .filter_map(|d| acc.get(&d).map(|a| (d, (a.matched, a.exact, a.score))))
        .collect();
    ranked.sort_by(|x, y| {
        (y.1.0, y.1.1).cmp(&(x.1.0, x.1.1)).then(
            y.1.2
                .partial_cmp(&x.1.2)
                .unwrap_or(std::cmp::Ordering::Equal),
        )
    });
    let mut end = 0;
    while end < ranked.len() && end < PHRASE_CANDIDATES {
        let rank = ranked[end].1;
        while end < ranked.len() && ranked[end].1 == rank {
            end += 1;
        }
    }
    ranked[..end].iter().map(|(d, _)| *d).collect()
}

/// A word matched as the halves of its split counts only where they are adjacent: in each
/// of the best candidates ([`best_candidates`], as phrases are checked), the title, heading or
/// text holds the halves as a phrase; elsewhere the word is taken back (its score and its count
/// of matched words), and a document left with no word is dropped.
fn check_adjacent(
    searcher: &Searcher,
    f: &Fields,
    acc: &mut HashMap<DocKey, Acc>,
    splits: &[Split],
) -> tantivy::Result<()> {
    for sp in splits {
        let best = best_candidates(acc, sp.docs.keys().copied());
        for (d, s) in &sp.docs {
            let Some(a) = acc.get(d) else { continue };
            if a.matched == 0 {
                continue;
            }
            if best.contains(d) {
                let doc: TantivyDocument = searcher.doc(DocAddress::new(d.0, d.1))?;
                let text = |field| stored_text(&doc, field);
                let cut: String = text(f.text[4])
                    .chars()
                    .take(super::export::TEXT_CHARS)
                    .collect();
                let texts = [text(f.text[0]), text(f.heading_label), cut];
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                if operators::holds_phrase(&texts, &sp.phrase) {
                    continue;
                }
            }
            let a = acc.get_mut(d).expect("present");
            a.matched -= 1;
            a.score -= s;
        }
        acc.retain(|_, a| a.matched > 0);
    }
    Ok(())
}

/// Sections a phrase is checked in, at most (whole tie groups): the static client reads each
/// one's result data, so a phrase no section holds must not read them all.
pub const PHRASE_CANDIDATES: usize = 64;

/// Keeps the best-ranked documents, by words matched, matched as written and score, in whole
/// groups of equal rank until [`PHRASE_CANDIDATES`] are kept.
fn keep_phrase_candidates(acc: &mut HashMap<DocKey, Acc>) {
    let keep = best_candidates(acc, acc.keys().copied());
    acc.retain(|d, _| keep.contains(d));
}

/// Whether a section's title, heading and text (as the static export keeps them) hold every
/// phrase of the query and none of its excluded phrases.
pub fn phrases_hold(ops: &Operators, title: &str, heading: &str, text: &str) -> bool {
    if ops.phrases.is_empty() && ops.not_phrases.is_empty() {
        return true;
    }
    let cut: String = text.chars().take(super::export::TEXT_CHARS).collect();
    let texts = [title, heading, cut.as_str()];
    ops.phrases
        .iter()
        .all(|p| operators::holds_phrase(&texts, p))
        && !ops
            .not_phrases
            .iter()
            .any(|p| operators::holds_phrase(&texts, p))
}

/// A scored document with what ranking and grouping read of it: note path, anchor, the
/// stored document, whether it is part of a troubleshooting entry.
type Row = (Acc, String, String, TantivyDocument, bool);

/// The first stored text value of `field` (empty when there is none).
fn stored_text(d: &TantivyDocument, field: Field) -> String {
    d.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

/// Loads the scored documents and ranks them: words matched, words matched as written,
/// score (all descending), then note path and anchor, so ties break the same way everywhere.
fn ranked_rows(
    searcher: &Searcher,
    f: &Fields,
    acc: HashMap<DocKey, Acc>,
    ops: &Operators,
) -> tantivy::Result<Vec<Row>> {
    let flags = trouble_flags(searcher);
    let mut rows = Vec::with_capacity(acc.len());
    for ((so, doc), a) in acc {
        let d: TantivyDocument = searcher.doc(DocAddress::new(so, doc))?;
        let text = |field| stored_text(&d, field);
        if !phrases_hold(
            ops,
            &text(f.text[0]),
            &text(f.heading_label),
            &text(f.text[4]),
        ) {
            continue;
        }
        let is_trouble = flags[so as usize].as_ref().and_then(|c| c.first(doc)) == Some(1);
        let (note, anchor) = (stored_text(&d, f.note_id), stored_text(&d, f.anchor));
        rows.push((a, note, anchor, d, is_trouble));
    }
    rows.sort_by(|x, y| {
        y.0.matched
            .cmp(&x.0.matched)
            .then(y.0.exact.cmp(&x.0.exact))
            .then(
                y.0.score
                    .partial_cmp(&x.0.score)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(x.1.cmp(&y.1))
            .then(x.2.cmp(&y.2))
    });
    Ok(rows)
}

/// Groups ranked rows by note, in rank order: up to `limit` notes, each with its first
/// [`SECTIONS_PER_NOTE`] sections, its best one also giving the note's heading and snippet.
fn group_hits(rows: Vec<Row>, f: &Fields, words: &[QueryWord], limit: usize) -> Vec<Hit> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Hit> = HashMap::new();
    for (a, note, anchor, d, is_trouble) in rows {
        let line = d.get_first(f.line).and_then(|v| v.as_u64()).unwrap_or(1);
        if !groups.contains_key(&note) {
            if order.len() >= limit {
                continue;
            }
            order.push(note.clone());
            groups.insert(
                note.clone(),
                Hit {
                    title: stored_text(&d, f.text[0]),
                    path: note.clone(),
                    url: stored_text(&d, f.url),
                    heading: String::new(),
                    anchor: String::new(),
                    line,
                    score: a.score,
                    snippet: String::new(),
                    sections: vec![],
                },
            );
        }
        let h = groups.get_mut(&note).expect("group");
        if h.sections.len() < SECTIONS_PER_NOTE {
            h.sections.push(SectionHit {
                heading: stored_text(&d, f.heading_label),
                anchor,
                line,
                score: a.score,
                matched: a.matched,
                trouble: is_trouble,
                // the same text the static export keeps, so both sides cut the same snippet
                snippet: super::snippet::snippet(
                    &stored_text(&d, f.text[4])
                        .chars()
                        .take(super::export::TEXT_CHARS)
                        .collect::<String>(),
                    words,
                    160,
                ),
            });
        }
    }
    order
        .into_iter()
        .filter_map(|n| groups.remove(&n))
        .map(|mut h| {
            if let Some(s) = h.sections.first() {
                h.heading = s.heading.clone();
                h.anchor = s.anchor.clone();
                h.line = s.line;
                h.snippet = s.snippet.clone();
            }
            h
        })
        .collect()
}

impl SearchIndex {
    /// Runs a query and returns up to `limit` notes, each with up to three sections. BM25
    /// reads the statistics of the live documents ([`SearchIndex::live_stats`],
    /// [`live_doc_freq`]), the ones the static export states, so both rank alike.
    pub fn search(&self, query: &str, limit: usize) -> tantivy::Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let ops = operators::split_operators(query);
        let words = analyzer::parse_query(&ops.rest);
        if words.is_empty() && !ops.lists() {
            return Ok(vec![]);
        }
        let stats = self.live_stats(&searcher)?;
        let scorer = Scorer {
            searcher: &searcher,
            f,
            n: stats.docs,
            avg: stats.avg(),
            synonyms: &self.synonyms,
        };
        let resolved = resolve_words(&searcher, f, &words, self.expansion_budget);
        let (allowed, denied) = operator_sets(&scorer, &ops)?;
        let mut spellings = Vec::new();
        let mut acc = match (&allowed, words.is_empty()) {
            // operators alone list the documents they name, in note order
            (Some(set), true) => set.iter().map(|&d| (d, Acc::default())).collect(),
            _ => {
                let mut scored = scorer.score_words(&words, &resolved)?;
                scored.acc.retain(|d, _| {
                    !denied.contains(d) && allowed.as_ref().is_none_or(|a| a.contains(d))
                });
                check_adjacent(&searcher, f, &mut scored.acc, &scored.splits)?;
                spellings = scored.spellings;
                scored.acc
            }
        };
        acc.retain(|d, _| !denied.contains(d) && allowed.as_ref().is_none_or(|a| a.contains(d)));
        if !words.is_empty() && (!ops.phrases.is_empty() || !ops.not_phrases.is_empty()) {
            keep_phrase_candidates(&mut acc);
        }
        let rows = ranked_rows(&searcher, f, acc, &ops)?;
        Ok(group_hits(
            rows,
            f,
            &snippet_words(&words, &spellings),
            limit,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-syllable word expands to the word itself first, then its most frequent
    /// completions while their document frequencies fit the budget (the first always stays).
    #[test]
    fn expansions_take_the_exact_term_first_and_stop_at_the_budget() {
        let tmp = tempfile::tempdir().unwrap();
        let notes = tmp.path().join("notes");
        std::fs::create_dir_all(&notes).unwrap();
        // punctuation keeps words apart (no cross-space bigrams): dfs 가 1, 가나 2, 가다 4, 가라 1
        for (name, text) in [
            ("a", "가. 가나. 가다."),
            ("b", "가나. 가다."),
            ("c", "가다. 가라."),
            ("d", "가다."),
        ] {
            std::fs::write(notes.join(format!("{name}.md")), text).unwrap();
        }
        let site = crate::link::site::assemble(&crate::site::BuildOptions {
            root: tmp.path().to_path_buf(),
            config: crate::config::Config::default(),
            drafts: false,
            history: Default::default(),
        });
        let index = SearchIndex::in_memory().unwrap();
        index.update(&site).unwrap();
        let searcher = index.reader.searcher();
        let words = analyzer::parse_query("가 ");
        let terms = |budget| resolve_words(&searcher, &index.fields, &words, budget)[0][0].clone();
        assert_eq!(terms(40_000), ["가", "가다", "가나", "가라"]);
        assert_eq!(terms(5), ["가", "가다"]);
        assert_eq!(terms(0), ["가"]);
        let hits = |budget| {
            let ix = SearchIndex::in_memory()
                .unwrap()
                .with_expansion_budget(budget);
            ix.update(&site).unwrap();
            let mut paths: Vec<String> = ix
                .search("가", 10)
                .unwrap()
                .into_iter()
                .map(|h| h.path)
                .collect();
            paths.sort();
            paths
        };
        assert_eq!(hits(40_000), ["a.md", "b.md", "c.md", "d.md"]);
        assert_eq!(hits(5), ["a.md", "b.md", "c.md", "d.md"]);
        assert_eq!(hits(0), ["a.md"]);
    }

    fn site_of(notes: &[(&str, &str)]) -> (tempfile::TempDir, crate::site::Site) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("notes");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in notes {
            std::fs::write(dir.join(format!("{name}.md")), text).unwrap();
        }
        let site = crate::link::site::assemble(&crate::site::BuildOptions {
            root: tmp.path().to_path_buf(),
            config: crate::config::Config::default(),
            drafts: false,
            history: Default::default(),
        });
        (tmp, site)
    }

    fn paths(site: &crate::site::Site, q: &str) -> Vec<String> {
        let ix = SearchIndex::in_memory().unwrap();
        ix.update(site).unwrap();
        ix.search(q, 10)
            .unwrap()
            .into_iter()
            .map(|h| h.path)
            .collect()
    }

    /// A word typed without its space finds the spaced spelling through the cross-space twins
    /// when few sections hold the word as written, and those sections rank first.
    #[test]
    fn joined_words_fall_back_to_the_spaced_spelling() {
        let spaced = ("a", "인 메모리 캐시.");
        let other = ("b", "메모리 관리.");
        let (_t, site) = site_of(&[spaced, other]);
        assert_eq!(paths(&site, "인메모리 "), ["a.md"]);
        let (_t, site) = site_of(&[spaced, other, ("c", "인메모리 데이터.")]);
        assert_eq!(paths(&site, "인메모리 "), ["c.md", "a.md"]);
        // enough sections hold it as written: the spaced spelling is not read
        let many: Vec<(String, &str)> = (0..analyzer::TWIN_RETRY_BELOW)
            .map(|i| (format!("m{i}"), "인메모리 데이터."))
            .collect();
        let mut notes: Vec<(&str, &str)> = many.iter().map(|(n, t)| (n.as_str(), *t)).collect();
        notes.push(spaced);
        let (_t, site) = site_of(&notes);
        assert!(!paths(&site, "인메모리 ").contains(&"a.md".to_string()));
        // the twin weighs half: a section holding only the spaced words scores below one
        // holding them as written
        let ix = SearchIndex::in_memory().unwrap();
        let (_t, site) = site_of(&[spaced]);
        ix.update(&site).unwrap();
        let twin = ix.search("인메모리 ", 1).unwrap()[0].sections[0].score;
        let (_t, site) = site_of(&[("a", "인메모리 캐시.")]);
        let ix = SearchIndex::in_memory().unwrap();
        ix.update(&site).unwrap();
        let written = ix.search("인메모리 ", 1).unwrap()[0].sections[0].score;
        assert!(twin < written, "{twin} vs {written}");
    }

    /// A Latin word no section holds finds the two words the notes write spaced, and two words
    /// find the one the notes write joined; both rank below matches as written.
    #[test]
    fn joined_and_spaced_latin_words_find_each_other() {
        let (_t, site) = site_of(&[
            ("a", "Elastic search 클러스터."),
            ("b", "pubsub 메시지."),
            ("c", "search 엔진과 elastic 밴드."),
            ("d", "pub 그리고 sub."),
        ]);
        // the halves count only where they are adjacent: c.md holds both apart
        assert_eq!(paths(&site, "elasticsearch "), ["a.md"]);
        assert_eq!(paths(&site, "elasticsearch 밴드 "), ["c.md", "a.md"]);
        assert_eq!(paths(&site, "pub sub "), ["d.md", "b.md"]);
        assert_eq!(paths(&site, "pubsub "), ["b.md"]);
        // the split halves score below the same words as written
        let ix = SearchIndex::in_memory().unwrap();
        ix.update(&site).unwrap();
        let split = ix.search("elasticsearch ", 1).unwrap()[0].score;
        let written = ix.search("elastic search ", 1).unwrap()[0].score;
        assert!(split < written, "{split} vs {written}");
        // a word some section holds as written is not split
        let (_t, site) = site_of(&[("a", "Elastic search."), ("e", "elasticsearch.")]);
        assert_eq!(paths(&site, "elasticsearch "), ["e.md"]);
    }

    /// A Hangul word few sections hold finds the Latin terms sharing its phonetic key and
    /// sounding closest, below the sections holding it as written, and a Latin word finds the
    /// Hangul words the same way; more than three equally close terms are not used; kb.toml's
    /// synonyms reach what the key does not.
    #[test]
    fn hangul_words_find_latin_names() {
        let (_t, site) = site_of(&[
            ("a", "Kafka 파티션 설정."),
            ("b", "카프카 소개."),
            ("c", "Redis 캐시."),
            ("d", "MongoDB 컬렉션."),
        ]);
        assert_eq!(paths(&site, "카프카 "), ["b.md", "a.md"]);
        assert_eq!(paths(&site, "레디스를 "), ["c.md"]);
        assert!(paths(&site, "몽고 ").contains(&"d.md".to_string()));
        let ix = SearchIndex::in_memory()
            .unwrap()
            .with_synonyms(vec![vec!["레디스".into(), "Kafka".into()]]);
        ix.update(&site).unwrap();
        let mut found: Vec<String> = ix
            .search("레디스 ", 10)
            .unwrap()
            .into_iter()
            .map(|h| h.path)
            .collect();
        found.sort();
        assert_eq!(found, ["a.md", "c.md"]);
        // of the terms with the key of 레디스 (RTS), the vowels pick redis
        let (_t, site) = site_of(&[("c", "Redis 캐시."), ("e", "reads rides roads 메모.")]);
        assert_eq!(paths(&site, "레디스 "), ["c.md"]);
        // four terms sounding alike: too many, none is used
        let (_t, site) = site_of(&[("e", "reddis rediss redys ledis 메모.")]);
        assert!(paths(&site, "레디스 ").is_empty());
        // a Latin word finds the Hangul spelling the notes use, below the sections holding it
        let (_t, site) = site_of(&[
            ("a", "Kafka 파티션."),
            ("b", "카프카를 쓴다."),
            ("c", "젠킨스 파이프라인."),
            ("d", "커피가 식었다."),
        ]);
        assert_eq!(paths(&site, "kafka "), ["a.md", "b.md"]);
        assert_eq!(paths(&site, "jenkins "), ["c.md"]);
        assert_eq!(paths(&site, "jenkins 파이프라인 "), ["c.md"]);
        // the spelling that matched is marked in the snippet like a query word
        let ix = SearchIndex::in_memory().unwrap();
        ix.update(&site).unwrap();
        let hits = ix.search("jenkins ", 10).unwrap();
        assert!(
            hits[0].snippet.contains("<mark>젠킨스</mark>"),
            "{}",
            hits[0].snippet
        );
        let (_t, site) = site_of(&[("a", "Elastic search 클러스터.")]);
        let ix = SearchIndex::in_memory().unwrap();
        ix.update(&site).unwrap();
        let hits = ix.search("elasticsearch ", 10).unwrap();
        assert!(
            hits[0]
                .snippet
                .contains("<mark>Elastic</mark> <mark>search</mark>"),
            "{}",
            hits[0].snippet
        );
    }

    #[test]
    fn one_edit_includes_transpositions() {
        assert!(within_one_edit("mergesort", "mergesrot"));
        assert!(within_one_edit("redis", "rediss"));
        assert!(within_one_edit("kafka", "kafak"));
        assert!(!within_one_edit("kafka", "akfak"));
        assert!(!within_one_edit("spark", "sprak2"));
    }
}
