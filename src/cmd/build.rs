//! `kb build`: run the whole pipeline and replace the output folder atomically.

use super::{EXIT_ERRORS, EXIT_FATAL};
use crate::pipeline::{BuildOptions, build};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `kb build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Knowledge base root (the folder with kb.toml and notes/).
    #[arg(long, short = 'r', value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Output folder (default: `output_dir` from kb.toml, `public`).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Base URL the site is published at, e.g. https://me.github.io/kb/.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Include notes marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Treat broken links as errors.
    #[arg(long)]
    pub strict: bool,
    /// Print only diagnostics, no summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Turns command-line arguments into pipeline options.
pub fn options(args: &Args) -> Result<BuildOptions, i32> {
    super::open_kb(args.root.clone(), args.drafts, |config| {
        if let Some(o) = &args.output {
            let o = std::env::current_dir()
                .map(|d| d.join(o))
                .unwrap_or_else(|_| o.clone());
            config.output_dir = o.to_string_lossy().into_owned();
        }
        if let Some(b) = &args.base_url {
            config.base_url = b.clone();
        }
        if args.strict {
            config.strict = true;
        }
    })
}

/// Runs `kb build`.
pub fn run(args: Args) -> i32 {
    let opts = match options(&args) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let start = Instant::now();
    crate::progress::start(args.quiet);
    let built = build(&opts);
    crate::progress::finish();
    match built {
        Ok(mut report) => {
            let mut diags = std::mem::take(&mut report.diagnostics);
            crate::diag::sort(&mut diags);
            crate::diag::print(&diags);
            if !args.quiet {
                eprintln!(
                    "built {} notes, {} files into {} in {:.2}s ({})",
                    report.notes,
                    report.files,
                    opts.output_dir().display(),
                    start.elapsed().as_secs_f64(),
                    crate::diag::summary(&diags)
                );
                let left_out = report.left_out;
                if left_out > 0 {
                    eprintln!(
                        "left out {left_out} file(s) no note links to (`kb check` lists them; `publish` in kb.toml adds folders)"
                    );
                }
            }
            if crate::diag::has_errors(&diags) {
                EXIT_ERRORS
            } else {
                0
            }
        }
        Err(e) => {
            eprintln!(
                "error: build failed: {e:#}\n  hint: the previous site in {} was left untouched",
                opts.output_dir().display()
            );
            EXIT_FATAL
        }
    }
}
