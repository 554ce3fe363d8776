//! Stage 6, write: pages go into a staging folder beside the output, which then replaces the
//! output in one atomic rename, so a failed or killed build leaves the previous site whole.

use std::io;
use std::path::{Path, PathBuf};

/// A staging folder that becomes the output folder on [`Staging::commit`].
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

fn sibling(target: &Path, tag: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.kb-{tag}-{}", std::process::id()))
}

/// Removes staging folders left by builds that were killed.
pub fn clean_stale(target: &Path) {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefix = format!(".{name}.kb-");
    if let Ok(rd) = std::fs::read_dir(parent) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

impl Staging {
    /// Creates an empty staging folder next to `target`.
    pub fn new(target: &Path) -> io::Result<Staging> {
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        clean_stale(target);
        let dir = sibling(target, "new");
        std::fs::create_dir_all(&dir)?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one file (creating parent folders). `rel` uses `/` and must stay inside.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = safe_join(&self.dir, rel)?;
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(path, bytes)
    }

    /// Copies a file into the staging folder.
    pub fn copy(&self, rel: &str, from: &Path) -> io::Result<()> {
        let path = safe_join(&self.dir, rel)?;
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::copy(from, path).map(|_| ())
    }

    /// Renames a file or folder inside the staging folder.
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let (a, b) = (safe_join(&self.dir, from)?, safe_join(&self.dir, to)?);
        if let Some(p) = b.parent() {
            std::fs::create_dir_all(p)?;
        }
        if b.exists() {
            std::fs::remove_dir_all(&b)?;
        }
        std::fs::rename(a, b)
    }

    /// Removes one file from the staging folder (no error if it does not exist).
    pub fn remove(&self, rel: &str) -> io::Result<()> {
        match std::fs::remove_file(safe_join(&self.dir, rel)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Replaces the output folder with the staging folder atomically.
    pub fn commit(mut self) -> io::Result<()> {
        swap_in(&self.dir, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Joins `rel` under `dir`, refusing absolute paths and `..`.
pub fn safe_join(dir: &Path, rel: &str) -> io::Result<PathBuf> {
    let mut p = dir.to_path_buf();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("path leaves the output: {rel}"),
                ));
            }
            s if s.contains('\\') || s.contains('\0') => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("bad path: {rel}"),
                ));
            }
            s => p.push(s),
        }
    }
    Ok(p)
}

/// Moves `new` into place at `target`. On Linux the two folders are exchanged in one
/// `renameat2(RENAME_EXCHANGE)`, so `target` always exists and is always complete.
pub fn swap_in(new: &Path, target: &Path) -> io::Result<()> {
    if !target.exists() {
        return std::fs::rename(new, target);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, new, CWD, target, RenameFlags::EXCHANGE) {
            Ok(()) => {
                // `new` now holds the previous site
                remove_tree(new);
                return Ok(());
            }
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    let old = sibling(target, "old");
    std::fs::rename(target, &old)?;
    if let Err(e) = std::fs::rename(new, target) {
        let _ = std::fs::rename(&old, target);
        return Err(e);
    }
    remove_tree(&old);
    Ok(())
}

/// Deletes a folder tree, its top-level entries in parallel (deleting 10k pages one by one
/// is a noticeable part of a build).
pub fn remove_tree(dir: &Path) {
    use rayon::prelude::*;
    if let Ok(rd) = std::fs::read_dir(dir) {
        let entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.par_iter().for_each(|p| {
            if p.is_dir() && !p.is_symlink() {
                let _ = std::fs::remove_dir_all(p);
            } else {
                let _ = std::fs::remove_file(p);
            }
        });
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_whole_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("old.html"), "old").unwrap();
        let s = Staging::new(&out).unwrap();
        s.put("a/index.html", b"new").unwrap();
        s.commit().unwrap();
        assert!(out.join("a/index.html").exists());
        assert!(!out.join("old.html").exists());
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "staging folders are cleaned up");
    }

    #[test]
    fn dropped_staging_leaves_output() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("keep.html"), "x").unwrap();
        {
            let s = Staging::new(&out).unwrap();
            s.put("a.html", b"y").unwrap();
        }
        assert!(out.join("keep.html").exists());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_escape() {
        assert!(safe_join(Path::new("/x"), "../a").is_err());
        assert_eq!(
            safe_join(Path::new("/x"), "/a//b").unwrap(),
            PathBuf::from("/x/a/b")
        );
    }
}
