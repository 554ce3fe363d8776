//! Where rendered files go.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Site files by key (`messaging/redis/index.html`).
pub type Files = HashMap<String, Arc<[u8]>>;

/// Where rendered files go (a staging folder for builds, memory for the dev server).
pub trait Sink: Sync {
    /// Stores one file under its site-relative path.
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// Moves the file `from`, or every file under the folder `from`, to `to`.
    fn rename_dir(&self, from: &str, to: &str) -> std::io::Result<()>;
    /// Removes one file (no error if it does not exist).
    fn remove(&self, rel: &str) -> std::io::Result<()>;
    /// Before a set of files is written to the new folder `to`: a sink that starts from the
    /// previous site may move one of its old folders under `parent` there, so the writes
    /// overwrite files instead of creating them (what the new set does not rewrite is
    /// deleted when the site is committed).
    fn recycle_dir(&self, _parent: &str, _to: &str) {}
    /// Stores a copy of a file from disk.
    fn copy(&self, rel: &str, from: &Path) -> std::io::Result<()> {
        let bytes = std::fs::read(from)?;
        self.put(rel, &bytes)
    }
}

/// A [`Sink`] collecting files in memory (the dev server serves them; tests read them).
/// Attachments are not copied: the dev server serves them from disk.
#[derive(Default)]
pub struct MemSink {
    /// Files written so far.
    pub files: Mutex<Files>,
}

impl Sink for MemSink {
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.files
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .insert(rel.to_string(), Arc::from(bytes));
        Ok(())
    }
    fn rename_dir(&self, from: &str, to: &str) -> std::io::Result<()> {
        let mut files = self
            .files
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        // a file moves alone
        if let Some(v) = files.remove(from) {
            files.insert(to.to_string(), v);
            return Ok(());
        }
        let prefix = format!("{}/", from.trim_end_matches('/'));
        let keys: Vec<String> = files
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for k in keys {
            if let Some(v) = files.remove(&k) {
                files.insert(
                    format!("{}/{}", to.trim_end_matches('/'), &k[prefix.len()..]),
                    v,
                );
            }
        }
        Ok(())
    }
    fn remove(&self, rel: &str) -> std::io::Result<()> {
        self.files
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .remove(rel);
        Ok(())
    }
    fn copy(&self, _rel: &str, _from: &std::path::Path) -> std::io::Result<()> {
        // attachments are served from disk
        Ok(())
    }
}

impl MemSink {
    /// A sink already holding `files`.
    pub fn with(files: Files) -> Self {
        MemSink {
            files: Mutex::new(files),
        }
    }

    /// Takes the collected files.
    pub fn take(&self) -> Files {
        self.files
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default()
    }
}

/// Renames, in a set of site-relative paths, the path `from` and every path under it to
/// their place under `to`, as [`Sink::rename_dir`] moves the files.
pub fn move_paths(paths: &mut std::collections::HashSet<String>, from: &str, to: &str) {
    let (from, to) = (from.trim_matches('/'), to.trim_matches('/'));
    let moved: Vec<String> = paths
        .iter()
        .filter(|k| *k == from || k.starts_with(&format!("{from}/")))
        .cloned()
        .collect();
    for k in moved {
        paths.remove(&k);
        paths.insert(format!("{to}{}", &k[from.len()..]));
    }
}
