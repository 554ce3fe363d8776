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
            // sizes need every file's size: measured when the whole site was written; an
            // incremental build checks the number of files, which the build keeps
            match (report.full, report.site_files) {
                (true, _) => diags.extend(host_limits(&opts.output_dir(), HostLimits::default())),
                (false, Some(n)) if report.files > 0 => diags.extend(file_count_limits(
                    n,
                    &opts.output_dir(),
                    HostLimits::default(),
                )),
                _ => {}
            }
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

/// Limits of the static hosts the README recommends.
#[derive(Debug, Clone, Copy)]
pub struct HostLimits {
    /// Files per site on Cloudflare Pages' free plan.
    pub cloudflare_free_files: usize,
    /// Files per site on Cloudflare Pages' paid plans.
    pub cloudflare_paid_files: usize,
    /// Bytes per file on Cloudflare Pages.
    pub cloudflare_file_bytes: u64,
    /// Bytes per published site on GitHub Pages.
    pub github_pages_bytes: u64,
}

impl Default for HostLimits {
    fn default() -> Self {
        HostLimits {
            cloudflare_free_files: 20_000,
            cloudflare_paid_files: 100_000,
            cloudflare_file_bytes: 25 * 1024 * 1024,
            github_pages_bytes: 1_000_000_000,
        }
    }
}

/// A warning when a site of `files` files is over Cloudflare Pages' file limits.
pub fn file_count_limits(
    files: usize,
    dir: &std::path::Path,
    limits: HostLimits,
) -> Vec<crate::diag::Diagnostic> {
    let (free, paid) = (limits.cloudflare_free_files, limits.cloudflare_paid_files);
    let shown = dir.display().to_string();
    let warn = |message: String, hint: &str| {
        crate::diag::Diagnostic::warning(
            crate::diag::Code::HostLimit,
            shown.clone(),
            (1, 1),
            message,
            hint,
        )
    };
    let mut out = Vec::new();
    if files > paid {
        out.push(warn(
            format!(
                "the site has {files} files; Cloudflare Pages allows {paid} even on paid plans"
            ),
            "publish on a host without a file limit (GitHub Pages, Netlify, an object store)",
        ));
    } else if files > free {
        out.push(warn(
            format!("the site has {files} files; Cloudflare Pages allows {free} on its free plan ({paid} on paid plans)"),
            "use a paid Cloudflare plan or another host",
        ));
    }
    out
}

/// One warning per host limit the site in `dir` exceeds, naming the limit and the figure.
pub fn host_limits(dir: &std::path::Path, limits: HostLimits) -> Vec<crate::diag::Diagnostic> {
    let (mut files, mut bytes, mut largest) = (0usize, 0u64, (0u64, String::new()));
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if let Ok(m) = e.metadata()
            && m.is_file()
        {
            files += 1;
            bytes += m.len();
            if m.len() > largest.0 {
                largest = (m.len(), e.path().display().to_string());
            }
        }
    }
    let warn = |path: String, message: String, hint: &str| {
        crate::diag::Diagnostic::warning(crate::diag::Code::HostLimit, path, (1, 1), message, hint)
    };
    let shown = dir.display().to_string();
    let (per_file, site_bytes) = (limits.cloudflare_file_bytes, limits.github_pages_bytes);
    let mut out = file_count_limits(files, dir, limits);
    if bytes > site_bytes {
        out.push(warn(
            shown,
            format!(
                "the site is {:.2} GB; GitHub Pages publishes sites up to {:.0} GB",
                bytes as f64 / 1e9,
                site_bytes as f64 / 1e9
            ),
            "publish on another host, or leave large attachments out (`publish` in kb.toml)",
        ));
    }
    if largest.0 > per_file {
        out.push(warn(
            largest.1,
            format!(
                "this file is {:.1} MiB; Cloudflare Pages serves files up to {} MiB",
                largest.0 as f64 / 1024.0 / 1024.0,
                per_file / 1024 / 1024
            ),
            "leave it out of the site or publish on another host",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_exceeded_gives_one_warning_with_its_figure() {
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..5 {
            std::fs::write(tmp.path().join(format!("{i}.html")), vec![b'x'; 3 << 20]).unwrap();
        }
        let at = |free, paid, per_file_mib: u64, site_bytes| {
            host_limits(
                tmp.path(),
                HostLimits {
                    cloudflare_free_files: free,
                    cloudflare_paid_files: paid,
                    cloudflare_file_bytes: per_file_mib << 20,
                    github_pages_bytes: site_bytes,
                },
            )
            .into_iter()
            .map(|d| d.message)
            .collect::<Vec<_>>()
        };
        assert!(
            at(5, 10, 3, 15 << 20).is_empty(),
            "at the limits is within them"
        );
        let m = at(4, 10, 3, 15 << 20);
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("5 files") && m[0].contains("allows 4 on its free plan"));
        let m = at(2, 4, 3, 15 << 20);
        assert!(m[0].contains("allows 4 even on paid plans"), "{m:?}");
        let m = at(5, 10, 2, 10 << 20);
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].contains("GitHub Pages") && m[1].contains("3.0 MiB"));
    }
}
