//! Created and updated dates from Git history: one `git log` pass over the notes folder
//! (following renames) and one `git diff` for files edited since the last commit, instead of
//! a process per note.

pub use crate::site::history::{Dates, History, Shared};

use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;
use unicode_normalization::UnicodeNormalization;

impl History {
    /// Reads the history of everything under `dir`.
    pub fn read(dir: &Path) -> History {
        let log = git(
            dir,
            &[
                "log",
                "--relative",
                "-M",
                "--name-status",
                "-z",
                "--format=%x01%at",
                "--",
                ".",
            ],
        );
        let mut h = match log {
            Some(out) => History::parse_log(&out),
            None => return History::default(),
        };
        if let Some(out) = git(
            dir,
            &["diff", "HEAD", "--relative", "--name-only", "-z", "--", "."],
        ) {
            h.dirty = out
                .split(|&b| b == 0)
                .filter(|p| !p.is_empty())
                .map(path_key)
                .collect();
        }
        h
    }

    /// Parses `git log -M --name-status -z --format=%x01%at` output, newest commit first.
    pub fn parse_log(out: &[u8]) -> History {
        let mut dates: HashMap<String, Dates> = HashMap::new();
        // a path as it was named in an older commit -> the name it has now
        let mut renamed: HashMap<String, String> = HashMap::new();
        for commit in out.split(|&b| b == 1).filter(|c| !c.is_empty()) {
            let mut fields = commit.split(|&b| b == 0);
            let Some(when) = fields
                .next()
                .and_then(|t| std::str::from_utf8(t).ok())
                .and_then(|t| t.trim().parse::<i64>().ok())
                .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
            else {
                continue;
            };
            let fields: Vec<&[u8]> = fields.collect();
            let mut k = 0;
            while k < fields.len() {
                let status = trim_newline(fields[k]);
                k += 1;
                if status.is_empty() {
                    continue;
                }
                let two = matches!(status[0], b'R' | b'C');
                let Some(&path) = fields.get(k + usize::from(two)) else {
                    break;
                };
                let old = two.then(|| path_key(fields[k]));
                k += 1 + usize::from(two);
                let path = path_key(path);
                let current = renamed.get(&path).cloned().unwrap_or(path);
                let d = dates.entry(current.clone()).or_insert(Dates {
                    created: when,
                    updated: when,
                });
                // commits come newest first: every older one moves the creation back
                d.created = d.created.min(when);
                d.updated = d.updated.max(when);
                if let Some(old) = old.filter(|_| status[0] == b'R') {
                    renamed.insert(old, current);
                }
            }
        }
        History {
            dates,
            dirty: HashSet::new(),
        }
    }

    /// The dates of a file, unless it has uncommitted changes (`created` still comes from
    /// history then, in the second value).
    pub fn get(&self, rel: &str) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        match self.dates.get(rel) {
            Some(d) if self.dirty.contains(rel) => (Some(d.created), None),
            Some(d) => (Some(d.created), Some(d.updated)),
            None => (None, None),
        }
    }

    /// Number of files with dates.
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// Whether no file has dates.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }
}

fn trim_newline(b: &[u8]) -> &[u8] {
    let mut b = b;
    while let [b'\n' | b'\r', rest @ ..] = b {
        b = rest;
    }
    b
}

fn path_key(p: &[u8]) -> String {
    String::from_utf8_lossy(trim_newline(p)).nfc().collect()
}

/// Runs git in `dir`; `None` when git is missing or fails (not a repository).
fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.quotepath=off"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(t, 0).unwrap()
    }

    #[test]
    fn renames_are_followed_back_to_the_first_commit() {
        // newest first: rename one.md -> uno.md at 300, edit at 200, add at 100
        let log = b"\x01300\0\nR080\0a/one.md\0a/uno.md\0M\0b.md\0\x01200\0\nM\0a/one.md\0\x01100\0\nA\0a/one.md\0A\0b.md\0";
        let h = History::parse_log(log);
        assert_eq!(h.get("a/uno.md"), (Some(at(100)), Some(at(300))));
        assert_eq!(h.get("b.md"), (Some(at(100)), Some(at(300))));
        assert_eq!(h.get("nothing.md"), (None, None));
    }

    #[test]
    fn garbage_never_panics() {
        for log in [
            &b""[..],
            b"\x01",
            b"\x01x\0M",
            b"\x0112\0R100\0only-one",
            b"\x01\0\0\0",
        ] {
            let _ = History::parse_log(log);
        }
    }
}
