//! `kb check`: run load, parse and link, and report every problem without writing the site.

use crate::diag::{Code, Diagnostic, Severity};
use crate::pipeline::assemble;
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
                Code::Orphan,
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

/// Attachments left out of the site: in a vault built in place, files no note links or embeds
/// and no `publish` folder holds.
pub fn unpublished(site: &crate::pipeline::Site) -> Vec<Diagnostic> {
    site.attachments
        .iter()
        .filter(|a| !a.published)
        .map(|a| {
            Diagnostic::warning(
                Code::Unpublished,
                site.opts.config.display_path(&a.rel_path),
                (1, 1),
                "not published: no note links to or embeds this file",
                "link it from a note, or publish its folder with `publish = [\"folder/\"]` (or everything with `publish_unlinked = true`) in kb.toml",
            )
        })
        .collect()
}

/// With `strict_troubleshooting`: troubleshooting entries that lack a symptom or a fix.
pub fn incomplete_troubleshooting(site: &crate::pipeline::Site) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for i in crate::site::NoteId::all(site.notes.len()) {
        for e in site.trouble_entries(i) {
            let missing: Vec<&str> = [("a symptom", &e.symptom), ("a fix", &e.fix)]
                .into_iter()
                .filter(|(_, v)| v.is_none())
                .map(|(name, _)| name)
                .collect();
            if !missing.is_empty() {
                out.push(
                    Diagnostic::warning(
                        Code::TroubleIncomplete,
                        site.notes[i].display_path.clone(),
                        (e.line, 1),
                        format!(
                            "troubleshooting entry `{}` has no {}",
                            e.title,
                            missing.join(" and no ").trim_start_matches("a ")
                        ),
                        "write `**증상**: ...` and `**해결**: ...` (or Symptom / Fix) lines under it",
                    )
                    .with_target(e.title.clone()),
                );
            }
        }
    }
    out
}

/// Unlinked mentions: with `autolink = "off"`, the first plain-text mention of another note's
/// title or alias in each note that does not link to it.
pub fn unlinked_mentions(site: &crate::pipeline::Site) -> Vec<Diagnostic> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let m =
        crate::link::mentions::Mentions::new(site.notes.iter().enumerate().flat_map(|(i, n)| {
            let i = crate::site::NoteId::from(i);
            std::iter::once((i, site.pages[i].title.clone()))
                .chain(n.front.aliases.iter().map(move |a| (i, a.clone())))
        }));
    let mut out = Vec::new();
    for (i, n) in site.notes.iter().enumerate() {
        let i = crate::site::NoteId::from(i);
        let mut seen: std::collections::HashSet<crate::site::NoteId> =
            site.graph.outgoing[i].iter().copied().collect();
        let text = n.source();
        let body = &text[n.body_offset..];
        let idx = crate::diag::LineIndex::new(&text);
        let mut skip = 0usize;
        for (ev, r) in crate::parse::events(body) {
            match ev {
                Event::Start(
                    Tag::CodeBlock(_)
                    | Tag::Link { .. }
                    | Tag::Image { .. }
                    | Tag::Heading { .. }
                    | Tag::HtmlBlock,
                ) => skip += 1,
                Event::End(
                    TagEnd::CodeBlock
                    | TagEnd::Link
                    | TagEnd::Image
                    | TagEnd::Heading(_)
                    | TagEnd::HtmlBlock,
                ) => skip = skip.saturating_sub(1),
                Event::Text(t) if skip == 0 => {
                    for (s, _, target) in m.find(&t, i, &seen) {
                        seen.insert(target);
                        // the text run starts at r.start; find the mention's byte offset in the source
                        let src = &body[r.clone()];
                        let off = src.find(&t[s..]).map(|k| r.start + k).unwrap_or(r.start);
                        out.push(
                            Diagnostic::warning(
                                Code::UnlinkedMention,
                                n.display_path.clone(),
                                idx.pos(n.body_offset + off),
                                format!(
                                    "mentions `{}` without linking it",
                                    site.pages[target].title
                                ),
                                format!(
                                    "link it as [[{}]], or set autolink = \"first\" in kb.toml",
                                    site.notes[target].stem
                                ),
                            )
                            .with_target(site.notes[target].stem.clone())
                            .with_suggestion(Some(format!("[[{}]]", site.notes[target].stem))),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Links and embeds in all notes, and how many resolve to a note or file (with their anchor).
pub fn link_counts(site: &crate::pipeline::Site) -> (usize, usize) {
    let mut total = 0;
    let mut ok = 0;
    for r in site.graph.resolutions.iter().flatten() {
        total += 1;
        if !matches!(r.target, crate::link::Target::Broken) && r.missing_anchor.is_none() {
            ok += 1;
        }
    }
    (total, ok)
}

/// Runs `kb check`.
pub fn run(args: Args) -> i32 {
    let opts = match super::open_kb(args.root.clone(), args.drafts, |_| {}) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let site = assemble(&opts);
    let mut diags = site.diagnostics.clone();
    diags.extend(orphans(&site));
    diags.extend(unpublished(&site));
    if site.opts.config.strict_troubleshooting {
        diags.extend(incomplete_troubleshooting(&site));
    }
    if site.opts.config.autolink == crate::config::Autolink::Off {
        diags.extend(unlinked_mentions(&site));
    }
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
        let (total, resolved) = link_counts(&site);
        eprintln!(
            "checked {} notes, {} links and embeds ({} resolved): {}",
            site.notes.len(),
            total,
            resolved,
            crate::diag::summary(&diags)
        );
    }
    if diags.iter().any(|d| d.severity == Severity::Error) {
        super::EXIT_ERRORS
    } else {
        0
    }
}
