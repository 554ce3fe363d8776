//! One module per command; each turns its arguments into pipeline calls and an exit code.

pub mod build;
pub mod check;
pub mod init;
pub mod new;
pub mod search;
pub mod serve;

use crate::config::Config;
use crate::diag::{Code, Diagnostic};
use std::path::{Path, PathBuf};

/// Exit code when notes have errors.
pub const EXIT_ERRORS: i32 = 1;
/// Exit code for usage, configuration and I/O failures.
pub const EXIT_FATAL: i32 = 2;

/// Loads kb.toml from `root`, printing the problem as a diagnostic on failure.
pub fn load_config(root: &Path) -> Result<Config, i32> {
    Config::load(root).map_err(|e| {
        let d = Diagnostic::error(
            Code::Config,
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
    if !config.notes_dir_set && is_vault_in_place(&root, &config.notes_dir) {
        eprintln!(
            "note: building the vault in `{}` in place (no `{}/` folder{}); set `notes_dir` in kb.toml to change",
            root.display(),
            config.notes_dir,
            if root.join(".obsidian").is_dir() {
                ", an `.obsidian/` vault"
            } else {
                ""
            }
        );
        config.notes_dir = ".".into();
    }
    let opts = crate::pipeline::BuildOptions {
        root,
        config,
        drafts,
        history: Default::default(),
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

/// Whether `root` is a vault to build where it lies: it holds an `.obsidian/` folder, or
/// Markdown notes and no notes folder.
pub fn is_vault_in_place(root: &Path, notes_dir: &str) -> bool {
    if root.join(".obsidian").is_dir() {
        return true;
    }
    if root.join(notes_dir).is_dir() {
        return false;
    }
    // Markdown within two levels, outside hidden folders and kb's own
    walkdir::WalkDir::new(root)
        .max_depth(3)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(crate::load::is_hidden(e.file_name())
                    || (e.depth() == 1
                        && matches!(
                            e.file_name().to_str(),
                            Some("public" | "templates" | "static" | "target")
                        )))
        })
        .filter_map(Result::ok)
        .any(|e| e.file_type().is_file() && crate::load::is_note_path(e.path()))
}

/// The root given on the command line, or the current folder.
pub fn root_or_cwd(root: Option<PathBuf>) -> PathBuf {
    root.unwrap_or_else(|| PathBuf::from("."))
}
