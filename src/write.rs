//! Stage 6, write: pages go into a staging folder beside the output, which then replaces the
//! output in one atomic rename, so a failed or killed build leaves the previous site whole.
//!
//! The site a build replaces is kept (in `.kb/`) as the next build's staging folder: files
//! whose bytes are unchanged are left alone, changed ones are replaced by new files, and only
//! those the new site lacks are deleted, because deleting and recreating tens of thousands of
//! files was a large part of a big build.

use std::io;
use std::path::{Path, PathBuf};

/// A staging folder that becomes the output folder on [`Staging::commit`].
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
    /// Where the replaced site is kept for the next build.
    spare: Option<PathBuf>,
    /// When the staging folder started as a previous site: the files written since, so the
    /// rest can be deleted before the swap.
    written: Option<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// The staging folder holds the output's files as hard links: a write must replace a
    /// link, never write through it into the published file.
    linked: bool,
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
        Self::reusing(target, None)
    }

    /// Creates a staging folder next to `target`, starting from the site kept at `spare` by
    /// the previous build when there is one (it must be on the same file system), and keeps
    /// the site this build replaces there.
    pub fn reusing(target: &Path, spare: Option<&Path>) -> io::Result<Staging> {
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        clean_stale(target);
        let dir = sibling(target, "new");
        let reused = spare.is_some_and(|s| s.is_dir() && std::fs::rename(s, &dir).is_ok());
        if !reused {
            if let Some(s) = spare {
                let _ = std::fs::remove_dir_all(s);
            }
            std::fs::create_dir_all(&dir)?;
        }
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            committed: false,
            spare: spare.map(Path::to_path_buf),
            written: reused.then(Default::default),
            linked: false,
        })
    }

    /// Creates a staging folder next to `target` holding the target's files as hard links
    /// (copies where a link cannot be made), for a build that rewrites only some files: each
    /// write replaces its link, and what is not written stays as it was. The replaced site is
    /// kept at `spare` for [`Staging::catching_up`].
    pub fn linked(target: &Path, spare: Option<&Path>) -> io::Result<Staging> {
        clean_stale(target);
        let dir = sibling(target, "new");
        let staging = Staging {
            dir: dir.clone(),
            target: target.to_path_buf(),
            committed: false,
            spare: spare.map(Path::to_path_buf),
            written: None,
            linked: true,
        };
        link_tree(target, &dir)?;
        Ok(staging)
    }

    /// Like [`Staging::linked`], but starts from the site kept at `spare`, which is `target`
    /// as it was one build earlier: that build's renames (`moves`, in order; those of files it
    /// had written itself find nothing to move) are done again, and the files it wrote or
    /// deleted (`delta`) are brought over from `target`, so a build that changes a few pages
    /// touches a few files, not the whole site.
    pub fn catching_up(
        target: &Path,
        spare: &Path,
        moves: &[(String, String)],
        delta: &[String],
    ) -> io::Result<Staging> {
        clean_stale(target);
        let dir = sibling(target, "new");
        std::fs::rename(spare, &dir)?;
        let staging = Staging {
            dir,
            target: target.to_path_buf(),
            committed: false,
            spare: Some(spare.to_path_buf()),
            written: None,
            linked: true,
        };
        for (from, to) in moves {
            if safe_join(&staging.dir, from)?.exists() {
                staging.rename(from, to)?;
            }
        }
        for rel in delta {
            let (from, to) = (safe_join(target, rel)?, safe_join(&staging.dir, rel)?);
            match std::fs::symlink_metadata(&from) {
                Ok(m) if m.is_file() => {
                    staging.clear_way(&to, None);
                    if let Some(p) = to.parent() {
                        std::fs::create_dir_all(p)?;
                    }
                    if std::fs::hard_link(&from, &to).is_err() {
                        std::fs::copy(&from, &to)?;
                    }
                }
                _ => staging.remove(rel)?,
            }
        }
        Ok(staging)
    }

    fn record(&self, rel: &str) {
        if let Some(w) = &self.written
            && let Ok(mut w) = w.lock()
        {
            w.insert(rel.trim_matches('/').to_string());
        }
    }

    /// Makes room for a file at `path` in a reused folder: what the old site has there (a
    /// folder, or a file) is removed, and so is a file of the old site where one of its folders
    /// goes. Returns true, removing nothing, when the old file already holds exactly `new`.
    ///
    /// An old file is removed rather than overwritten because overwriting truncates it, and
    /// ext4 (`auto_da_alloc`) writes a truncated file back to disk at once: that made a warm
    /// 10k-note build wait on the disk longer than reusing the old site saves. A new file is
    /// written back lazily.
    fn clear_way(&self, path: &Path, new: Option<&[u8]>) -> bool {
        if self.written.is_none() && !self.linked {
            return false;
        }
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => {
                let _ = std::fs::remove_dir_all(path);
            }
            Ok(m) => {
                if let Some(bytes) = new
                    && m.is_file()
                    && m.len() == bytes.len() as u64
                    && std::fs::read(path).is_ok_and(|old| old == bytes)
                {
                    return true;
                }
                let _ = std::fs::remove_file(path);
            }
            Err(_) => {}
        }
        let mut p = path.parent();
        while let Some(d) = p.filter(|d| d.starts_with(&self.dir) && *d != self.dir) {
            if d.is_file() || d.is_symlink() {
                let _ = std::fs::remove_file(d);
            }
            p = d.parent();
        }
        false
    }

    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one file (creating parent folders). `rel` uses `/` and must stay inside.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = safe_join(&self.dir, rel)?;
        if self.clear_way(&path, Some(bytes)) {
            self.record(rel);
            return Ok(());
        }
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(path, bytes)?;
        self.record(rel);
        Ok(())
    }

    /// Copies a file into the staging folder.
    pub fn copy(&self, rel: &str, from: &Path) -> io::Result<()> {
        let path = safe_join(&self.dir, rel)?;
        self.clear_way(&path, None);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::copy(from, path)?;
        self.record(rel);
        Ok(())
    }

    /// Renames a file or folder inside the staging folder.
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let (a, b) = (safe_join(&self.dir, from)?, safe_join(&self.dir, to)?);
        self.clear_way(&b, None);
        if let Some(p) = b.parent() {
            std::fs::create_dir_all(p)?;
        }
        if b.is_dir() {
            std::fs::remove_dir_all(&b)?;
        }
        std::fs::rename(a, b)?;
        // the files written under `from` now sit under `to`
        if let Some(w) = &self.written
            && let Ok(mut w) = w.lock()
        {
            crate::site::sink::move_paths(&mut w, from, to);
        }
        Ok(())
    }

    /// In a reused folder, moves one old folder under `parent` to `to` (which must not
    /// exist yet), so a set of files written to `to` overwrites files instead of creating them.
    pub fn recycle_dir(&self, parent: &str, to: &str) {
        if self.written.is_none() {
            return;
        }
        let (Ok(p), Ok(t)) = (safe_join(&self.dir, parent), safe_join(&self.dir, to)) else {
            return;
        };
        if t.exists() {
            return;
        }
        let old = std::fs::read_dir(&p)
            .into_iter()
            .flatten()
            .flatten()
            .find(|e| e.file_type().is_ok_and(|f| f.is_dir()));
        if let Some(e) = old {
            let _ = std::fs::rename(e.path(), t);
        }
    }

    /// Removes one file from the staging folder (no error if it does not exist).
    pub fn remove(&self, rel: &str) -> io::Result<()> {
        if let Some(w) = &self.written
            && let Ok(mut w) = w.lock()
        {
            w.remove(rel.trim_matches('/'));
        }
        let path = safe_join(&self.dir, rel)?;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        // a folder left empty goes too, as it would in a site built from scratch
        let mut p = path.parent();
        while let Some(d) = p.filter(|d| d.starts_with(&self.dir) && *d != self.dir) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            p = d.parent();
        }
        Ok(())
    }

    /// Replaces the output folder with the staging folder atomically (after deleting what a
    /// reused folder holds of the old site and this build did not write).
    pub fn commit(mut self) -> io::Result<()> {
        if let Some(w) = self.written.take() {
            let written = w.into_inner().map_err(|_| io::Error::other("poisoned"))?;
            sweep(&self.dir, &written)?;
        }
        swap_in(&self.dir, &self.target, self.spare.as_deref())?;
        self.committed = true;
        Ok(())
    }
}

/// A build's rendered files go into its staging folder.
impl crate::site::Sink for Staging {
    fn put(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        Staging::put(self, rel, bytes)
    }
    fn rename_dir(&self, from: &str, to: &str) -> io::Result<()> {
        self.rename(from, to)
    }
    fn remove(&self, rel: &str) -> io::Result<()> {
        Staging::remove(self, rel)
    }
    fn recycle_dir(&self, parent: &str, to: &str) {
        Staging::recycle_dir(self, parent, to)
    }
    fn copy(&self, rel: &str, from: &Path) -> io::Result<()> {
        Staging::copy(self, rel, from)
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

/// Deletes every file under `dir` whose path (relative, `/`-separated) is not in `keep`, and
/// the folders that leaves empty.
fn sweep(dir: &Path, keep: &std::collections::HashSet<String>) -> io::Result<()> {
    for e in walkdir::WalkDir::new(dir).contents_first(true).min_depth(1) {
        let e = e.map_err(io::Error::other)?;
        let rel = e
            .path()
            .strip_prefix(dir)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if e.file_type().is_dir() {
            // fails (and is meant to) when the folder still holds files
            let _ = std::fs::remove_dir(e.path());
        } else if !keep.contains(&rel) {
            std::fs::remove_file(e.path())?;
        }
    }
    Ok(())
}

/// Keeps the replaced site at `spare` (for the next build to reuse) or deletes it.
fn retire(old: &Path, spare: Option<&Path>) {
    if let Some(s) = spare {
        let _ = std::fs::remove_dir_all(s);
        if let Some(p) = s.parent() {
            let _ = std::fs::create_dir_all(p);
        }
        if std::fs::rename(old, s).is_ok() {
            return;
        }
    }
    remove_tree(old);
}

/// Moves `new` into place at `target`, keeping the replaced site at `spare` when given. On
/// Linux the two folders are exchanged in one `renameat2(RENAME_EXCHANGE)`, so `target`
/// always exists and is always complete.
pub fn swap_in(new: &Path, target: &Path, spare: Option<&Path>) -> io::Result<()> {
    if !target.exists() {
        return std::fs::rename(new, target);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, new, CWD, target, RenameFlags::EXCHANGE) {
            Ok(()) => {
                // `new` now holds the previous site
                retire(new, spare);
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
    retire(&old, spare);
    Ok(())
}

/// Recreates the tree `from` at `to` with hard links to its files.
fn link_tree(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in walkdir::WalkDir::new(from).min_depth(1) {
        let e = e.map_err(io::Error::other)?;
        let rel = e.path().strip_prefix(from).map_err(io::Error::other)?;
        let dest = to.join(rel);
        let t = e.file_type();
        if t.is_dir() {
            std::fs::create_dir(&dest)?;
        } else if t.is_file() {
            if std::fs::hard_link(e.path(), &dest).is_err() {
                std::fs::copy(e.path(), &dest)?;
            }
        } else if t.is_symlink() {
            let link = std::fs::read_link(e.path())?;
            std::os::unix::fs::symlink(link, &dest)?;
        }
    }
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

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path()
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_kept_site_is_written_over_and_its_leftovers_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let spare = tmp.path().join(".kb/cache/previous-site");
        let build = |pages: &[(&str, &str)], renames: &[(&str, &str)]| {
            let s = Staging::reusing(&out, Some(&spare)).unwrap();
            for (p, t) in pages {
                s.put(p, t.as_bytes()).unwrap();
            }
            for (a, b) in renames {
                s.rename(a, b).unwrap();
            }
            s.commit().unwrap();
        };
        build(
            &[
                ("a/index.html", "a1"),
                ("b/index.html", "b1"),
                ("x", "file"),
            ],
            &[],
        );
        assert!(!spare.exists());
        build(
            &[
                ("a/index.html", "a2"),
                ("c/index.html", "c2"),
                ("set/tmp/0.bin", "s"),
            ],
            &[("set/tmp", "set/h2")],
        );
        assert!(spare.exists(), "the replaced site is kept");
        // a third build starts from the first site: b and x must go, a folder replaces file x
        build(
            &[
                ("a/index.html", "a3"),
                ("x/index.html", "x3"),
                ("set/tmp/0.bin", "t"),
            ],
            &[("set/tmp", "set/h3")],
        );
        let want = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            files(&out),
            want(&[
                ("a/index.html", "a3"),
                ("set/h3/0.bin", "t"),
                ("x/index.html", "x3")
            ])
        );
        assert!(!out.join("b").exists(), "emptied folders are removed");
        assert_eq!(
            files(&spare),
            want(&[
                ("a/index.html", "a2"),
                ("c/index.html", "c2"),
                ("set/h2/0.bin", "s")
            ])
        );
    }

    #[test]
    fn a_kept_file_is_left_alone_when_unchanged_and_replaced_by_a_new_file_otherwise() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let spare = tmp.path().join(".kb/cache/previous-site");
        let write_all = |pages: &[(&str, &str)]| {
            let s = Staging::reusing(&out, Some(&spare)).unwrap();
            for (p, t) in pages {
                s.put(p, t.as_bytes()).unwrap();
            }
            s.commit().unwrap();
        };
        write_all(&[
            ("same.html", "same"),
            ("grow.html", "v1"),
            ("len.html", "aaaa"),
        ]);
        write_all(&[
            ("same.html", "same"),
            ("grow.html", "v1"),
            ("len.html", "aaaa"),
        ]);
        // the third build starts from the first site's files: keep a second link to each
        let side = tmp.path().join("side");
        std::fs::create_dir_all(&side).unwrap();
        for p in ["same.html", "grow.html", "len.html"] {
            std::fs::hard_link(spare.join(p), side.join(p)).unwrap();
        }
        write_all(&[
            ("same.html", "same"),
            ("grow.html", "v2 longer"),
            ("len.html", "bbbb"),
        ]);
        let links = |p: &str| std::fs::metadata(side.join(p)).unwrap().nlink();
        let old = |p: &str| std::fs::read_to_string(side.join(p)).unwrap();
        assert_eq!(links("same.html"), 2, "an unchanged file is not rewritten");
        assert_eq!(links("grow.html"), 1, "a changed file is a new file");
        assert_eq!(links("len.html"), 1, "same length, other bytes: a new file");
        assert_eq!(old("grow.html"), "v1", "not truncated in place");
        assert_eq!(old("len.html"), "aaaa", "not truncated in place");
        assert_eq!(
            std::fs::read_to_string(out.join("grow.html")).unwrap(),
            "v2 longer"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("len.html")).unwrap(),
            "bbbb"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("same.html")).unwrap(),
            "same"
        );
    }

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
