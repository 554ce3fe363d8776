//! Packing entries into numbered files of about a target size, and writing a set of them.
//!
//! Cuts are content-defined: whether a file ends after an entry depends only on the entries
//! since the file began (and a big entry starts a file of its own). An edit that changes a
//! few entries therefore moves the cuts near them only, and an update re-packs from the file
//! before the first changed entry until its cuts meet the old ones again; cuts by running size
//! alone would shift every file after the first change.

use super::{ExportStats, FileHashes};
use crate::site::Sink;

/// Appends `v` as an unsigned LEB128 varint.
pub(super) fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads an unsigned LEB128 varint at `*p` and moves past it; `None` when the bytes end first
/// or the value passes 64 bits.
pub(super) fn read_varint(b: &[u8], p: &mut usize) -> Option<u64> {
    let (mut v, mut shift) = (0u64, 0u32);
    loop {
        let y = *b.get(*p)?;
        *p += 1;
        v |= u64::from(y & 0x7F).checked_shl(shift)?;
        if y < 0x80 {
            return Some(v);
        }
        shift += 7;
    }
}

/// The folder of a set of files: `prefix/<hash over every file's number and hash>`. Names
/// change whenever any file changes, so every file can be cached forever, and an update that
/// rewrites a few files can name the set without reading the others.
pub(super) fn set_dir(prefix: &str, files: &FileHashes) -> String {
    let mut h = blake3::Hasher::new();
    for (i, fh) in files.iter().enumerate() {
        h.update(&(i as u32).to_le_bytes());
        h.update(fh);
    }
    format!("{prefix}/{}", &h.finalize().to_hex()[..16])
}

/// A shard or term-list file: magic, entry count, entries.
pub(super) fn packed_file(magic: &[u8], count: u64, entries: &[u8]) -> Vec<u8> {
    let mut file = magic.to_vec();
    varint(&mut file, count);
    file.extend_from_slice(entries);
    file
}

/// A 64-bit hash of a term (FNV-1a, then a final mix so that every bit depends on every
/// byte). Fixed here rather than taken from std, whose hashers may change between releases:
/// the cuts it decides must stay where a saved layout says they are.
fn term_hash(term: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in term {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Where files of entries end, for files of about `target` raw bytes: a file holds at least
/// half of it and at most twice (unless one entry is longer); in between, an entry of `len`
/// bytes ends its file with probability `2 len / target`, decided by its term's hash, so files
/// average about `target` bytes. An entry of `target` bytes or more gets a file of its own, so
/// a query reading a long posting list does not also download its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cut {
    /// The raw bytes a file aims at.
    pub target: usize,
    /// Whether alias entries (term shards: see `alias.rs`) get files of their own too.
    pub aliases: bool,
}

impl Cut {
    /// A cut of term shards (alias entries alone in their files) or term lists.
    pub(super) fn new(target: usize, aliases: bool) -> Cut {
        Cut { target, aliases }
    }

    /// Whether `entry` gets a file of its own.
    fn alone(self, entry: &[u8]) -> bool {
        entry.len() >= self.target || (self.aliases && super::alias::is_alias(entry))
    }

    /// Whether `entry` ends the file before it, `count` entries being in it.
    fn before(self, count: u64, entry: &[u8]) -> bool {
        count > 0 && self.alone(entry)
    }

    /// Whether the file ends after `entry` for `term`, `size` bytes with it.
    fn after(self, size: usize, entry: &[u8], term: &[u8]) -> bool {
        let len = entry.len();
        self.alone(entry)
            || size >= 2 * self.target
            || (size >= self.target / 2 && term_hash(term) % self.target as u64 <= 2 * len as u64)
    }
}

/// One finished file of a [`Packer`].
pub(super) struct Packed {
    /// Its first term.
    pub first: String,
    /// Whether it ended because the next entry is a big one (see [`Cut`]), not because of
    /// its own last entry: an update that changes that entry must re-pack this file too.
    pub open: bool,
    /// The file.
    pub bytes: Vec<u8>,
}

/// Accumulates entries into files cut by a [`Cut`]; finished files collect in `done`.
pub(super) struct Packer {
    magic: &'static [u8],
    cut: Cut,
    buf: Vec<u8>,
    count: u64,
    first: String,
    /// Files finished and not yet taken.
    pub done: Vec<Packed>,
}

impl Packer {
    /// A packer of files starting with `magic`.
    pub(super) fn new(magic: &'static [u8], cut: Cut) -> Self {
        Packer {
            magic,
            cut,
            buf: Vec::new(),
            count: 0,
            first: String::new(),
            done: Vec::new(),
        }
    }

    /// Whether `entry` would be the first of a file.
    pub(super) fn starts_file(&self, entry: &[u8]) -> bool {
        self.count == 0 || self.cut.before(self.count, entry)
    }

    /// Appends the entry of `term`.
    pub(super) fn push(&mut self, term: &str, entry: &[u8]) {
        if self.cut.before(self.count, entry) {
            self.finish(true);
        }
        if self.count == 0 {
            self.first.clear();
            self.first.push_str(term);
        }
        self.buf.extend_from_slice(entry);
        self.count += 1;
        if self.cut.after(self.buf.len(), entry, term.as_bytes()) {
            self.finish(false);
        }
    }

    /// Finishes the current file, if it holds anything (after the last entry).
    pub(super) fn flush(&mut self) {
        self.finish(false);
    }

    /// Finishes the current file, if it holds anything; `open` when a big entry comes next.
    fn finish(&mut self, open: bool) {
        if self.count == 0 {
            return;
        }
        self.done.push(Packed {
            first: std::mem::take(&mut self.first),
            open,
            bytes: packed_file(self.magic, self.count, &self.buf),
        });
        self.buf.clear();
        self.count = 0;
    }
}

/// Writes a numbered set of files as they are produced into a temporary folder, then renames
/// it to its [`set_dir`]; no more than one file is held in memory.
pub(super) struct SetWriter<'a> {
    sink: &'a dyn Sink,
    prefix: &'static str,
    ext: &'static str,
    tmp: String,
    /// Hashes of the files written, by number.
    pub hashes: FileHashes,
    bytes: usize,
}

impl<'a> SetWriter<'a> {
    pub(super) fn new(sink: &'a dyn Sink, prefix: &'static str, ext: &'static str) -> Self {
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

    /// Writes the next file.
    pub(super) fn push(&mut self, file: &[u8]) -> std::io::Result<()> {
        let i = self.hashes.len();
        self.hashes.push(*blake3::hash(file).as_bytes());
        self.sink
            .put(&format!("search/{}/{i}.{}", self.tmp, self.ext), file)?;
        self.bytes += file.len();
        Ok(())
    }

    /// Moves the files to the set's folder; returns it and the files' hashes.
    pub(super) fn finish(self, stats: &mut ExportStats) -> std::io::Result<(String, FileHashes)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(entries: &[(String, usize)], cut: Cut) -> Vec<(String, usize)> {
        let mut p = Packer::new(b"TEST", cut);
        for (t, len) in entries {
            p.push(t, &vec![0; *len]);
        }
        p.flush();
        p.done
            .iter()
            .map(|f| (f.first.clone(), f.bytes.len()))
            .collect()
    }

    /// Files stay within their bounds, big entries sit alone, and a changed entry moves the
    /// cuts near it only: the files far after it are the same.
    #[test]
    fn cuts_are_local() {
        let cut = Cut::new(256, false);
        let entries: Vec<(String, usize)> = (0..5000)
            .map(|i| {
                (
                    format!("t{i:05}"),
                    if i % 997 == 0 { 400 } else { 5 + i % 17 },
                )
            })
            .collect();
        let files = pack(&entries, cut);
        for (first, len) in &files {
            let n = entries.iter().find(|e| &e.0 == first).unwrap().1;
            assert!(*len < 2 * 256 + 400 || n >= 256, "{first} {len}");
        }
        let mean = entries.iter().map(|e| e.1).sum::<usize>() / files.len();
        assert!((128..=512).contains(&mean), "mean {mean}");
        let mut edited = entries.clone();
        edited[1000].1 += 9;
        edited.remove(1500);
        let again = pack(&edited, cut);
        let tail = |f: &[(String, usize)]| -> Vec<(String, usize)> {
            f.iter()
                .filter(|x| x.0.as_str() > "t01700")
                .cloned()
                .collect()
        };
        assert_eq!(tail(&files), tail(&again));
        let head = |f: &[(String, usize)]| -> Vec<(String, usize)> {
            f.iter()
                .filter(|x| x.0.as_str() < "t00950")
                .cloned()
                .collect()
        };
        assert_eq!(head(&files), head(&again));
        assert_ne!(files, again);
    }
}
