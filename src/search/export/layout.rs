//! What an export leaves behind for the next one to update it in place ([`Layout`]), and its
//! file under `.kb/`.

use super::FileHashes;
use super::alias::Aliases;
use super::pack::varint;
use crate::search::index::LiveStats;
use std::collections::BTreeMap;
use std::path::Path;

/// The files of one numbered set (term shards or term lists), by number.
#[derive(Clone, Default, Debug, PartialEq)]
pub(super) struct FileSet {
    /// First term of each file.
    pub firsts: Vec<String>,
    /// Whether each file ended because a big entry came next (see
    /// [`Cut`](super::pack::Cut)), not because of its own last entry.
    pub open: Vec<bool>,
    /// Content hash of each file.
    pub hashes: FileHashes,
}

impl FileSet {
    /// Appends one file's record.
    pub(super) fn push(&mut self, first: String, open: bool, hash: [u8; 32]) {
        self.firsts.push(first);
        self.open.push(open);
        self.hashes.push(hash);
    }

    /// Number of files.
    pub(super) fn len(&self) -> usize {
        self.firsts.len()
    }
}

/// Where one note's sections sit, and which version of the note they are.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct NoteSlots {
    /// Path relative to notes/.
    pub path: String,
    /// The index manifest's hash of the note's sections.
    pub hash: String,
    /// First slot (ordinal / [`CHUNK_DOCS`](super::CHUNK_DOCS)).
    pub first: u32,
    /// Slots taken.
    pub slots: u32,
    /// Documents (sections).
    pub docs: u32,
}

/// The sections of a note as indexed: the texts of its searchable fields, in section order.
pub(super) type NoteTexts = Vec<[String; 5]>;

/// A segment the export read: its id and its deleted documents then, ascending (the
/// documents deleted since are the replaced versions of changed notes).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct SegmentState {
    pub id: String,
    pub deleted: Vec<u32>,
}

/// What an export leaves for the next one to update it in place: the first term of every
/// term shard and term list, where each note's sections sit and which version of the note
/// they hold, the hash of every file, the statistics stated, and the segments the export read
/// with their deleted documents. It holds no handle on the index, so it can be saved
/// ([`Layout::save`]) and used by another process ([`Layout::load`], then
/// [`export_update`](super::export_update)).
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Target bytes of a term shard and of a term list.
    pub(super) targets: (usize, usize),
    /// Result-data slots per file (see [`result_pack`](super::result_pack)).
    pub(super) pack: usize,
    pub(super) shards: FileSet,
    pub(super) lists: FileSet,
    /// The postings hashes of the big shard entries (which of them are aliases).
    pub(super) aliases: Aliases,
    /// Result-data files (`pack` slots each).
    pub(super) chunks: FileHashes,
    /// Folders of the shards, lists and result data.
    pub(super) dirs: [String; 3],
    /// Folder and count of the shard group files.
    pub(super) groups: (String, usize),
    /// Every note in note order.
    pub(super) notes: Vec<NoteSlots>,
    /// The segments the export read.
    pub(super) segments: Vec<SegmentState>,
    /// The sections of the notes whose documents sit in segments of few notes (by index in
    /// `notes`): tantivy drops a segment once all its documents are deleted, and merges small
    /// ones soon, so an update could not read these versions back from the index.
    pub(super) texts: BTreeMap<u32, NoteTexts>,
    /// The statistics meta.json states.
    pub(super) live: LiveStats,
    /// Hash of the meta.json written.
    pub(super) meta: [u8; 32],
}

/// Opening bytes of a layout file; the number after it changes with the layout's encoding or
/// the export format.
const MAGIC: &[u8] = b"KBLAYOUT";
const VERSION: u32 = 3;

impl Layout {
    /// Number of result-data slots (the ordinal space over [`CHUNK_DOCS`](super::CHUNK_DOCS)).
    pub(super) fn slot_count(&self) -> usize {
        self.notes
            .iter()
            .map(|n| (n.first + n.slots) as usize)
            .max()
            .unwrap_or(0)
    }

    /// Number of term shards.
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Whether the site folder `site_dir` holds the export this layout describes (its
    /// `search/meta.json` is the one written; the sets it names are checked by hash only).
    pub fn describes(&self, site_dir: &Path) -> bool {
        std::fs::read(site_dir.join("search/meta.json"))
            .is_ok_and(|m| blake3::hash(&m).as_bytes() == &self.meta)
    }

    /// Every file of the export this layout describes, site-relative (`search/meta.json`,
    /// `search/t/<hash>/0.bin`, ..): what a build keeps of the previous export after an update
    /// that rewrote only some of them.
    pub fn files(&self) -> Vec<String> {
        let mut out = vec![
            "search/meta.json".to_string(),
            "search/trouble.json".to_string(),
        ];
        let sets = [
            (&self.dirs[0], self.shards.len(), "bin"),
            (&self.dirs[1], self.lists.len(), "bin"),
            (&self.dirs[2], self.chunks.len(), "bin"),
            (&self.groups.0, self.groups.1, "json"),
        ];
        for (dir, count, ext) in sets {
            out.extend((0..count).map(|i| format!("search/{dir}/{i}.{ext}")));
        }
        out
    }

    /// Writes the layout to `path` (through a temporary file and a rename, so a killed build
    /// leaves the old file or the new one).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&VERSION.to_le_bytes());
        self.encode(&mut out);
        let sum = *blake3::hash(&out).as_bytes();
        out.extend_from_slice(&sum);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, &out)?;
        std::fs::rename(&tmp, path)
    }

    /// Reads a layout [`Layout::save`] wrote; `None` when the file is missing, damaged, or
    /// from another version of kb.
    pub fn load(path: &Path) -> Option<Layout> {
        let bytes = std::fs::read(path).ok()?;
        let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
        if blake3::hash(body).as_bytes() != sum {
            return None;
        }
        let rest = body.strip_prefix(MAGIC)?;
        let (version, rest) = rest.split_at_checked(4)?;
        if u32::from_le_bytes(version.try_into().ok()?) != VERSION {
            return None;
        }
        let mut r = Reader { b: rest, p: 0 };
        let layout = Layout::decode(&mut r)?;
        (r.p == rest.len()).then_some(layout)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let w = |out: &mut Vec<u8>, s: &str| {
            varint(out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        };
        varint(out, u64::from(super::FORMAT));
        varint(out, u64::from(crate::search::index::INDEX_VERSION));
        varint(out, self.targets.0 as u64);
        varint(out, self.targets.1 as u64);
        varint(out, self.pack as u64);
        for d in &self.dirs {
            w(out, d);
        }
        w(out, &self.groups.0);
        varint(out, self.groups.1 as u64);
        varint(out, self.segments.len() as u64);
        for s in &self.segments {
            w(out, &s.id);
            varint(out, s.deleted.len() as u64);
            let mut prev = 0;
            for &d in &s.deleted {
                varint(out, u64::from(d - prev));
                prev = d;
            }
        }
        varint(out, self.texts.len() as u64);
        for (n, sections) in &self.texts {
            varint(out, u64::from(*n));
            varint(out, sections.len() as u64);
            for t in sections.iter().flatten() {
                w(out, t);
            }
        }
        varint(out, self.live.docs);
        for t in self.live.tokens {
            varint(out, t);
        }
        varint(out, self.notes.len() as u64);
        for n in &self.notes {
            w(out, &n.path);
            w(out, &n.hash);
            varint(out, u64::from(n.first));
            varint(out, u64::from(n.slots));
            varint(out, u64::from(n.docs));
        }
        for set in [&self.shards, &self.lists] {
            varint(out, set.len() as u64);
            for i in 0..set.len() {
                w(out, &set.firsts[i]);
                out.push(u8::from(set.open[i]));
                out.extend_from_slice(&set.hashes[i]);
            }
        }
        varint(out, self.aliases.len() as u64);
        for (t, k) in self.aliases.entries() {
            w(out, t);
            out.extend_from_slice(k);
        }
        varint(out, self.chunks.len() as u64);
        for h in &self.chunks {
            out.extend_from_slice(h);
        }
        out.extend_from_slice(&self.meta);
    }

    fn decode(r: &mut Reader) -> Option<Layout> {
        if r.num()? != u64::from(super::FORMAT)
            || r.num()? != u64::from(crate::search::index::INDEX_VERSION)
        {
            return None;
        }
        let targets = (r.num()? as usize, r.num()? as usize);
        let pack = r.num()? as usize;
        let dirs = [r.str()?, r.str()?, r.str()?];
        let groups = (r.str()?, r.num()? as usize);
        let segments = (0..r.num()?)
            .map(|_| {
                let id = r.str()?;
                let mut prev = 0u32;
                let deleted = (0..r.num()?)
                    .map(|_| {
                        prev = prev.checked_add(r.num()?.try_into().ok()?)?;
                        Some(prev)
                    })
                    .collect::<Option<_>>()?;
                Some(SegmentState { id, deleted })
            })
            .collect::<Option<_>>()?;
        let texts = (0..r.num()?)
            .map(|_| {
                let n = r.num()?.try_into().ok()?;
                let sections = (0..r.num()?)
                    .map(|_| Some([r.str()?, r.str()?, r.str()?, r.str()?, r.str()?]))
                    .collect::<Option<_>>()?;
                Some((n, sections))
            })
            .collect::<Option<_>>()?;
        let mut live = LiveStats {
            docs: r.num()?,
            ..Default::default()
        };
        for t in &mut live.tokens {
            *t = r.num()?;
        }
        let notes = (0..r.num()?)
            .map(|_| {
                Some(NoteSlots {
                    path: r.str()?,
                    hash: r.str()?,
                    first: r.num()?.try_into().ok()?,
                    slots: r.num()?.try_into().ok()?,
                    docs: r.num()?.try_into().ok()?,
                })
            })
            .collect::<Option<_>>()?;
        let mut sets = [FileSet::default(), FileSet::default()];
        for set in &mut sets {
            for _ in 0..r.num()? {
                let first = r.str()?;
                let open = r.bytes(1)?[0] != 0;
                let hash = r.bytes(32)?.try_into().ok()?;
                set.push(first, open, hash);
            }
        }
        let mut aliases = Aliases::default();
        for _ in 0..r.num()? {
            let term = r.str()?;
            aliases.set(&term, Some(r.bytes(32)?.try_into().ok()?));
        }
        let chunks = (0..r.num()?)
            .map(|_| r.bytes(32)?.try_into().ok())
            .collect::<Option<_>>()?;
        let meta = r.bytes(32)?.try_into().ok()?;
        let [shards, lists] = sets;
        Some(Layout {
            targets,
            pack,
            shards,
            lists,
            aliases,
            chunks,
            dirs,
            groups,
            notes,
            segments,
            texts,
            live,
            meta,
        })
    }
}

/// Reads what [`Layout::encode`] wrote; every read is `None` past the end.
struct Reader<'a> {
    b: &'a [u8],
    p: usize,
}

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.b.get(self.p..self.p.checked_add(n)?)?;
        self.p += n;
        Some(s)
    }

    fn num(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let x = *self.b.get(self.p)?;
            self.p += 1;
            v |= u64::from(x & 0x7f) << shift;
            if x < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn str(&mut self) -> Option<String> {
        let n = usize::try_from(self.num()?).ok()?;
        String::from_utf8(self.bytes(n)?.to_vec()).ok()
    }
}
