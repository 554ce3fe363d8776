//! Term-shard entries whose postings repeat an earlier term's (format 10). A Korean word's
//! bigrams mostly occur only inside that word, so their posting lists are identical (the
//! bigrams of 트러블슈팅 hold the same sections with the same frequencies and norms), and a
//! query for the word would download each list. A big entry (one in a file of its own) whose
//! postings equal those of a term before it in byte order is written as an alias naming that
//! term, in a file of its own, so a query downloads the postings once.
//!
//! [`Aliases`] keeps, for every big entry of scored terms, the hash of its postings; the
//! smallest term of a hash holds the postings and the others alias it. A cold export fills it
//! term by term in order; an update changes the changed terms' hashes and re-packs the shards
//! of every term of a hash whose terms changed.

use super::pack::{read_varint, varint};
use super::terms::{FILTER_FIELD, RANGE_CODED};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Flags byte of an alias entry; the flags of a postings entry never set bit 6.
pub(super) const ALIAS: u8 = 0x40;

/// A postings hash.
type Key = [u8; 32];

/// The big entries' terms by the hash of their postings.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Aliases {
    of: BTreeMap<String, Key>,
    groups: HashMap<Key, BTreeSet<String>>,
}

/// The offset of an entry's flags byte (after its term's varint length and bytes).
fn flags_at(entry: &[u8]) -> Option<usize> {
    let mut p = 0;
    let len = usize::try_from(read_varint(entry, &mut p)?).ok()?;
    p.checked_add(len).filter(|&at| at < entry.len())
}

/// The hash of the postings of an entry that may be an alias or aliased: a range-coded entry
/// of scored fields only, `target` bytes or more (so in a file of its own).
pub(super) fn key(entry: &[u8], target: usize) -> Option<Key> {
    if entry.len() < target {
        return None;
    }
    let at = flags_at(entry)?;
    let flags = entry[at];
    let scored = flags & (1 << FILTER_FIELD) == 0;
    (flags & RANGE_CODED != 0 && scored).then(|| *blake3::hash(&entry[at..]).as_bytes())
}

/// Whether `entry` is an alias entry.
pub(super) fn is_alias(entry: &[u8]) -> bool {
    flags_at(entry).is_some_and(|at| entry[at] == ALIAS)
}

impl Aliases {
    /// Records `term`'s postings hash (`None`: its entry is not a big one), replacing the one
    /// it had; returns the hashes whose terms changed.
    pub(super) fn set(&mut self, term: &str, key: Option<Key>) -> Vec<Key> {
        let old = self.of.get(term).copied();
        if old == key {
            return Vec::new();
        }
        if let Some(k) = old {
            self.of.remove(term);
            if let Some(g) = self.groups.get_mut(&k) {
                g.remove(term);
                if g.is_empty() {
                    self.groups.remove(&k);
                }
            }
        }
        if let Some(k) = key {
            self.of.insert(term.to_string(), k);
            self.groups.entry(k).or_default().insert(term.to_string());
        }
        old.into_iter().chain(key).collect()
    }

    /// The terms whose postings hash to `key`.
    pub(super) fn members(&self, key: &Key) -> impl Iterator<Item = &str> {
        self.groups
            .get(key)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Records the entry of `term` in `buf` (terms in ascending order, as a full export
    /// writes them) and rewrites it as an alias when a smaller term has the same postings.
    pub(super) fn record(&mut self, term: &str, buf: &mut Vec<u8>, target: usize) {
        let k = key(buf, target);
        self.set(term, k);
        self.rewrite(term, k, buf);
    }

    /// Rewrites the entry of `term` in `buf` as an alias when a smaller term has the same
    /// postings (as recorded).
    pub(super) fn apply(&self, term: &str, buf: &mut Vec<u8>, target: usize) {
        self.rewrite(term, key(buf, target), buf);
    }

    /// Rewrites `buf`, the entry of `term` with postings hash `key`, as an alias when a
    /// smaller term has that hash.
    fn rewrite(&self, term: &str, key: Option<Key>, buf: &mut Vec<u8>) {
        let Some(first) = key
            .and_then(|k| self.groups.get(&k))
            .and_then(|g| g.first())
        else {
            return;
        };
        if first.as_str() < term {
            buf.clear();
            varint(buf, term.len() as u64);
            buf.extend_from_slice(term.as_bytes());
            buf.push(ALIAS);
            varint(buf, first.len() as u64);
            buf.extend_from_slice(first.as_bytes());
        }
    }

    /// The recorded terms and hashes, in term order (for the layout file).
    pub(super) fn entries(&self) -> impl Iterator<Item = (&str, &Key)> {
        self.of.iter().map(|(t, k)| (t.as_str(), k))
    }

    /// Number of terms recorded.
    pub(super) fn len(&self) -> usize {
        self.of.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: &str, postings: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        varint(&mut e, term.len() as u64);
        e.extend_from_slice(term.as_bytes());
        e.push(RANGE_CODED | 0b1_0001);
        e.extend_from_slice(postings);
        e
    }

    #[test]
    fn a_big_entry_repeating_a_smaller_terms_postings_becomes_an_alias() {
        let same = [7u8; 40];
        let mut a = Aliases::default();
        for t in ["러블", "블슈", "트러"] {
            a.set(t, key(&entry(t, &same), 32));
        }
        a.set("다른", key(&entry("다른", &[9u8; 40]), 32));
        let mut e = entry("트러", &same);
        a.apply("트러", &mut e, 32);
        assert!(is_alias(&e));
        assert!(e.ends_with("러블".as_bytes()));
        // the smallest term keeps its postings; so does a term with postings of its own
        for t in ["러블", "다른"] {
            let mut e = entry(t, if t == "다른" { &[9u8; 40] } else { &same });
            a.apply(t, &mut e, 32);
            assert!(!is_alias(&e), "{t}");
        }
        // small entries and filter terms are never aliased
        assert_eq!(key(&entry("작은", &[7u8; 4]), 32), None);
        let mut f = entry("#tag", &same);
        f[5] = RANGE_CODED | (1 << FILTER_FIELD);
        assert_eq!(key(&f, 32), None);
        // the smallest term changing hands its postings to the next
        let changed = a.set("러블", None);
        assert_eq!(changed.len(), 1);
        assert_eq!(a.members(&changed[0]).collect::<Vec<_>>(), ["블슈", "트러"]);
        let mut e = entry("블슈", &same);
        a.apply("블슈", &mut e, 32);
        assert!(!is_alias(&e));
    }

    #[test]
    fn damaged_entries_are_not_aliases() {
        for e in [&[][..], &[5, b'a'], &[0x80], &[1, b'a']] {
            assert!(!is_alias(e));
            assert_eq!(key(e, 0), None);
        }
    }
}
