//! Where rendered files go.

use std::path::Path;

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
