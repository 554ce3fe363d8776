//! `kb check`: run load, parse and link, and report every problem without writing the site.

use crate::diag::{Diagnostic, Severity};
use crate::pipeline::{BuildOptions, assemble};
use std::path::PathBuf;

/// Arguments of `kb check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Knowledge base root.
    #[arg(long, short = 'r', value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print one JSON object per finding (severity, code, path, line, column, message, target, suggestion).
    #[arg(long)]
    pub json: bool,
    /// Include drafts.
    #[arg(long)]
    pub drafts: bool,
}

/// Orphans: notes with no links in or out.
pub fn orphans(site: &crate::pipeline::Site) -> Vec<Diagnostic> {
    (0..site.notes.len())
        .filter(|&i| {
            site.graph.backlinks[i].is_empty()
                && site.graph.outgoing[i].is_empty()
                && site.notes.len() > 1
        })
        .map(|i| {
            Diagnostic::warning(
                "orphan",
                site.notes[i].display_path.clone(),
                (1, 1),
                format!(
                    "`{}` is an orphan: no note links to it and it links to none",
                    site.pages[i].title
                ),
                "link it from a related note or an overview note",
            )
        })
        .collect()
}

/// Runs `kb check`.
pub fn run(args: Args) -> i32 {
    let root = super::root_or_cwd(args.root.clone());
    let config = match super::load_config(&root) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = BuildOptions {
        root,
        config,
        drafts: args.drafts,
    };
    if !opts.notes_dir().is_dir() {
        eprintln!(
            "error: notes folder `{}` not found\n  hint: pass --root or run `kb init`",
            opts.notes_dir().display()
        );
        return super::EXIT_FATAL;
    }
    let site = assemble(&opts);
    let mut diags = site.diagnostics.clone();
    diags.extend(orphans(&site));
    crate::diag::sort(&mut diags);
    if args.json {
        let mut out = String::new();
        for d in &diags {
            out.push_str(&serde_json::to_string(d).unwrap_or_default());
            out.push('\n');
        }
        print!("{out}");
    } else {
        crate::diag::print(&diags);
        eprintln!(
            "checked {} notes: {}",
            site.notes.len(),
            crate::diag::summary(&diags)
        );
    }
    if diags.iter().any(|d| d.severity == Severity::Error) {
        super::EXIT_ERRORS
    } else {
        0
    }
}
