//! One module per command; each turns its arguments into pipeline calls and an exit code.

pub mod build;
pub mod check;
pub mod init;
pub mod new;
pub mod search;
pub mod serve;

use crate::config::Config;
use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};

/// Exit code when notes have errors.
pub const EXIT_ERRORS: i32 = 1;
/// Exit code for usage, configuration and I/O failures.
pub const EXIT_FATAL: i32 = 2;

/// Loads kb.toml from `root`, printing the problem as a diagnostic on failure.
pub fn load_config(root: &Path) -> Result<Config, i32> {
    Config::load(root).map_err(|e| {
        let d = Diagnostic::error(
            "config",
            e.path.display().to_string(),
            (e.line, e.col),
            e.message,
            e.hint,
        );
        crate::diag::print(&[d]);
        EXIT_FATAL
    })
}

/// The root given on the command line, or the current folder.
pub fn root_or_cwd(root: Option<PathBuf>) -> PathBuf {
    root.unwrap_or_else(|| PathBuf::from("."))
}
