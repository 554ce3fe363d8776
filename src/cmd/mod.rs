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

/// Pipeline options for a knowledge base: its kb.toml (adjusted by command-line flags), and
/// a clear error when it has no notes folder.
pub fn open_kb(
    root: Option<PathBuf>,
    drafts: bool,
    adjust: impl FnOnce(&mut Config),
) -> Result<crate::pipeline::BuildOptions, i32> {
    let root = root_or_cwd(root);
    let mut config = load_config(&root)?;
    adjust(&mut config);
    let opts = crate::pipeline::BuildOptions {
        root,
        config,
        drafts,
    };
    if !opts.notes_dir().is_dir() {
        eprintln!(
            "error: notes folder `{}` not found\n  hint: run `kb init` to create a knowledge base, or pass --root",
            opts.notes_dir().display()
        );
        return Err(EXIT_FATAL);
    }
    Ok(opts)
}

/// The root given on the command line, or the current folder.
pub fn root_or_cwd(root: Option<PathBuf>) -> PathBuf {
    root.unwrap_or_else(|| PathBuf::from("."))
}
