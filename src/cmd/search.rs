//! `kb search`: ranked results from `.kb/index`, refreshed first if notes changed.

use crate::pipeline::{BuildOptions, assemble};
use crate::search::index::{Hit, SearchIndex};
use std::io::Write;
use std::path::PathBuf;

/// The query syntax, shown by `kb search --help` (the README documents the same).
const QUERY_SYNTAX: &str = "\
Query syntax (the same in kb search, the dev server and the site's search box):
  redis 메모리          notes with these words first (particles, typos, joined or spaced
                        Korean words are understood); the last word also matches as a prefix
  \"exact phrase\"        sections whose title, heading or text holds the phrase
  tag:db                notes tagged db or a tag nested below it (db/nosql)
  path:msg              notes with a folder or file name starting with msg (path:db/red)
  in:troubleshooting    troubleshooting entries only
  -word  -\"phrase\"  -tag:x  -path:x  -in:troubleshooting
                        leave out what the operator without - keeps
Names match however they are spelled: elasticsearch finds \"Elastic search\" (the two words
side by side), node js finds \"nodejs\", 카프카 finds Kafka and kafka finds 카프카 (by sound;
below matches as written, the spelling found is highlighted; kb.toml [search] synonyms adds more).
Operators alone (tag:redis, path:infra, in:troubleshooting) list the matching notes by path.
A query starting with - needs -- first: kb search -- -tag:old redis";

/// Arguments of `kb search`.
#[derive(Debug, clap::Args)]
#[command(after_help = QUERY_SYNTAX)]
pub struct Args {
    /// The query, in Korean and/or English (several words are joined), with the operators
    /// below.
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
    pub query: Vec<String>,
    /// Maximum number of notes.
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// Print a JSON array of {title, path, url, heading, anchor, score, snippet, line, sections}.
    #[arg(long)]
    pub json: bool,
    /// Knowledge base root.
    #[arg(long, short = 'r', value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// Opens `.kb/index` under `opts.root` and brings it up to date with the notes.
pub fn fresh_index(opts: &BuildOptions) -> anyhow::Result<(SearchIndex, crate::pipeline::Site)> {
    let site = assemble(opts);
    let (index, _) = SearchIndex::open_for(opts)?;
    index.update(&site)?;
    Ok((index, site))
}

fn terminal_snippet(s: &str) -> String {
    let text = s
        .replace("<mark>", "\u{1}")
        .replace("</mark>", "\u{2}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let m = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Yellow.into()));
    text.replace('\u{1}', &format!("{m}"))
        .replace('\u{2}', &format!("{m:#}"))
}

/// Runs `kb search`.
pub fn run(args: Args) -> i32 {
    let opts = match super::open_kb(args.root.clone(), false, |_| {}) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let (index, _site) = match fresh_index(&opts) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: search index: {e:#}\n  hint: delete .kb/index and try again");
            return super::EXIT_FATAL;
        }
    };
    let q = args.query.join(" ");
    let hits: Vec<Hit> = match index.search(&q, args.limit) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: search failed: {e}");
            return super::EXIT_FATAL;
        }
    };
    let base = opts.config.base_path();
    if args.json {
        let out = crate::search::index::hits_json(&hits, &base);
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return 0;
    }
    let mut out = anstream::stdout().lock();
    if hits.is_empty() {
        let _ = writeln!(out, "no notes match `{q}`");
        return 0;
    }
    let bold = anstyle::Style::new().bold();
    let dim = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Cyan.into()));
    let shown = |path: &str| opts.config.display_path(path);
    for (i, h) in hits.iter().enumerate() {
        for (k, s) in h.sections.iter().enumerate() {
            let heading = if s.heading.is_empty() {
                String::new()
            } else {
                format!(" § {}", s.heading)
            };
            if k == 0 {
                let _ = writeln!(
                    out,
                    "{:>2}. {bold}{}{bold:#}{heading}  {dim}{}:{}{dim:#}",
                    i + 1,
                    h.title,
                    shown(&h.path),
                    s.line
                );
            } else {
                let _ = writeln!(
                    out,
                    "    ↳{heading}  {dim}{}:{}{dim:#}",
                    shown(&h.path),
                    s.line
                );
            }
            if !s.snippet.is_empty() {
                let _ = writeln!(out, "      {}", terminal_snippet(&s.snippet));
            }
        }
    }
    0
}
