//! Text a build holds from one stage to a much later one, kept in a temporary file instead of
//! the heap. A note's source is read at load and again at render; its sections' plain text
//! at parse and again at indexing; link contexts at parse and again for backlinks. Held in
//! memory, they were most of a large build's peak (at 50k notes about 200 MB of sources and
//! 170 MB of section text). Spilled, they live in the operating system's page cache, which it
//! can drop and read back, and the process holds an offset and a length per text.
//!
//! Each full load starts a new file ([`renew`]); a text holds its file, which goes away with
//! the last text in it, so a dev server reloading the whole vault does not pile up files.

use std::fmt;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};

/// Texts shorter than this stay on the heap: a read costs a system call.
const INLINE: usize = 96;

/// A string kept in the spill file (or on the heap, when short or when no temporary file can
/// be made); [`Spilled::unpack`] reads it back.
#[derive(Clone)]
pub struct Spilled(Repr);

#[derive(Clone)]
enum Repr {
    Heap(Box<str>),
    File {
        store: Arc<Store>,
        at: u64,
        len: u32,
    },
}

impl PartialEq for Spilled {
    fn eq(&self, other: &Spilled) -> bool {
        self.len() == other.len() && self.unpack() == other.unpack()
    }
}

impl Eq for Spilled {}

impl Default for Spilled {
    fn default() -> Spilled {
        Spilled(Repr::Heap(Box::from("")))
    }
}

/// The spill file: unlinked as soon as it is made, so it goes away with the process.
struct Store {
    file: File,
    end: Mutex<u64>,
}

/// The file new texts go to: made at the first spill after [`renew`].
static CURRENT: Mutex<Option<Arc<Store>>> = Mutex::new(None);

/// Sends the texts spilled from now on to a new file. A full load calls it: the texts of the
/// site it replaces keep their file until they are dropped.
pub fn renew() {
    if let Ok(mut c) = CURRENT.lock() {
        *c = None;
    }
}

/// The current spill file; `None` when none can be made.
fn current() -> Option<Arc<Store>> {
    let mut c = CURRENT.lock().ok()?;
    if c.is_none() {
        *c = Store::create().map(Arc::new);
    }
    c.clone()
}

impl Store {
    /// A new file in the temporary folder, unlinked at once.
    fn create() -> Option<Store> {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(".kb-spill-{}-{seq}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .ok()?;
        std::fs::remove_file(&path).ok()?;
        Some(Store {
            file,
            end: Mutex::new(0),
        })
    }
}

impl Spilled {
    /// Keeps `s`: in the spill file when it is long enough and the file works.
    pub fn new(s: &str) -> Spilled {
        if s.len() >= INLINE
            && let Ok(len) = u32::try_from(s.len())
            && let Some(store) = current()
        {
            let at = store.end.lock().ok().and_then(|mut end| {
                let at = *end;
                store.file.write_all_at(s.as_bytes(), at).ok()?;
                *end += u64::from(len);
                Some(at)
            });
            if let Some(at) = at {
                return Spilled(Repr::File { store, at, len });
            }
        }
        Spilled(Repr::Heap(Box::from(s)))
    }

    /// The length of the string in bytes.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Heap(s) => s.len(),
            Repr::File { len, .. } => *len as usize,
        }
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// At most `len` bytes of the string from byte `from` (a character cut at either end is
    /// dropped), read without reading the rest.
    pub fn slice(&self, from: usize, len: usize) -> String {
        let end = from.saturating_add(len).min(self.len());
        let from = from.min(end);
        let bytes = match &self.0 {
            Repr::Heap(s) => s.as_bytes()[from..end].to_vec(),
            Repr::File { store, at, .. } => {
                let mut buf = vec![0; end - from];
                if store
                    .file
                    .read_exact_at(&mut buf, at + from as u64)
                    .is_err()
                {
                    return String::new();
                }
                buf
            }
        };
        String::from_utf8_lossy(&bytes)
            .trim_matches(char::REPLACEMENT_CHARACTER)
            .to_string()
    }

    /// The string, read back.
    pub fn unpack(&self) -> String {
        match &self.0 {
            Repr::Heap(s) => s.to_string(),
            Repr::File { store, at, len } => {
                let mut buf = vec![0; *len as usize];
                // the file is private to this process and was written whole; a read that fails
                // (the disk gone) gives an empty text rather than a crash of the whole build
                if store.file.read_exact_at(&mut buf, *at).is_err() {
                    return String::new();
                }
                String::from_utf8(buf).unwrap_or_default()
            }
        }
    }
}

impl fmt::Debug for Spilled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Spilled({} bytes)", self.len())
    }
}

impl From<&str> for Spilled {
    fn from(s: &str) -> Spilled {
        Spilled::new(s)
    }
}

impl serde::Serialize for Spilled {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.unpack())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_short_and_long_text_of_every_script() {
        let long = "Kafka 파티션 리밸런싱 ".repeat(1000);
        let texts = ["", "a", "Redis를 메세지 브로커로 사용\n", long.as_str()];
        let kept: Vec<Spilled> = texts.iter().map(|s| Spilled::new(s)).collect();
        // read back after later writes, from several threads at once
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for (s, k) in texts.iter().zip(&kept) {
                        assert_eq!(k.unpack(), *s);
                        assert_eq!(k.len(), s.len());
                    }
                });
            }
        });
        assert!(
            matches!(kept[3].0, Repr::File { .. }),
            "a long text is spilled"
        );
        assert!(matches!(kept[2].0, Repr::Heap(_)), "a short one stays");
        // a slice cut inside a syllable drops the broken character, spilled or not
        assert_eq!(kept[3].slice(0, 7), "Kafka ");
        assert_eq!(kept[3].slice(6, 6), "파티");
        assert_eq!(kept[2].slice(0, 5), "Redis");
        assert_eq!(kept[2].slice(5, 4), "를 ");
        assert_eq!(kept[2].slice(4, 3), "s");
        assert_eq!(kept[2].slice(1000, 4), "");
    }

    #[test]
    fn a_renewed_store_leaves_earlier_texts_readable() {
        let long = "Elasticsearch 인덱스 ".repeat(200);
        let before = Spilled::new(&long);
        renew();
        let after = Spilled::new(&long);
        let (Repr::File { store: a, .. }, Repr::File { store: b, .. }) = (&before.0, &after.0)
        else {
            panic!("long texts are spilled");
        };
        // whoever spills first after `renew` makes the new file: never the earlier one
        assert!(!Arc::ptr_eq(a, b));
        assert_eq!(before.unpack(), long);
        assert_eq!(after.unpack(), long);
        assert_eq!(before, after);
    }
}
