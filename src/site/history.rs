//! Created and updated dates from Git history, read once per build.

use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// A history read once, when the first note is loaded, and kept by the build options (the
/// dev server's rebuilds use the one read at start).
pub type Shared = std::sync::Arc<std::sync::OnceLock<History>>;

/// When a file was first and last committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    /// Author date of the first commit that added the file (under any earlier name).
    pub created: DateTime<Utc>,
    /// Author date of the last commit that touched it.
    pub updated: DateTime<Utc>,
}

/// Dates of every file the notes folder's Git history knows, by path relative to the notes
/// folder (NFC, `/`-separated). Empty when the folder is not in a Git repository or Git is
/// not installed.
#[derive(Debug, Default)]
pub struct History {
    pub(crate) dates: HashMap<String, Dates>,
    /// Files changed in the work tree since the last commit: their file time is newer.
    pub(crate) dirty: HashSet<String>,
}
