//! The link stage as a whole: page identities (titles, URLs and their collisions,
//! categories, dates), the graph, troubleshooting entries and the collected diagnostics of a
//! site whose notes are loaded and parsed, into a [`Site`]; and [`assemble`], the first three
//! stages run in order.

use crate::config::Config;
use crate::diag::{Code, Diagnostic, Severity};
use crate::link::Graph;
use crate::load::{Attachment, Note, load_options};
use crate::parse::{ParsedNote, slug};
use crate::progress::timing;
use crate::site::{BuildOptions, NoteId, PageMeta, RESERVED, RESERVED_TREES, Site, title_of};
use rayon::prelude::*;
use std::collections::HashMap;

/// Runs load, parse and link.
pub fn assemble(opts: &BuildOptions) -> Site {
    let t = std::time::Instant::now();
    let mut vault = crate::load::load(&load_options(opts));
    if !opts.drafts {
        vault.notes.retain(|n| !n.front.draft);
    }
    let load_diags = std::mem::take(&mut vault.diagnostics);
    timing("load", t);
    let t = std::time::Instant::now();
    crate::progress::stage("parse", vault.notes.len());
    let parsed: Vec<ParsedNote> = vault
        .notes
        .par_iter()
        .map(|n| {
            let p = crate::parse::parse_note(n);
            crate::progress::inc(1);
            p
        })
        .collect();
    timing("parse", t);
    link_stage(opts, vault.notes, vault.attachments, parsed, load_diags)
}

/// Page identities and the link stage over already loaded and parsed notes; collects every
/// diagnostic. Shared by full builds and the dev server's incremental rebuilds.
pub fn link_stage(
    opts: &BuildOptions,
    notes: Vec<Note>,
    attachments: Vec<Attachment>,
    parsed: Vec<ParsedNote>,
    load_diags: Vec<Diagnostic>,
) -> Site {
    let t = std::time::Instant::now();
    let mut diagnostics = load_diags;
    for p in &parsed {
        diagnostics.extend(p.diagnostics.iter().cloned());
    }
    let pages = page_meta(&opts.config, &notes, &parsed, &mut diagnostics);
    let titles: Vec<String> = pages.iter().map(|p| p.title.clone()).collect();
    let graph = crate::link::link(&notes, &parsed, &titles, &attachments);
    let mut attachments = attachments;
    mark_published(&opts.config, &graph, &mut attachments);
    diagnostics.extend(graph.diagnostics.iter().cloned());
    timing("link", t);
    apply_strict(&opts.config, &mut diagnostics);
    if let Some(h) = opts.config.home.as_deref()
        && !notes.iter().any(|n| {
            let h = h.trim_start_matches("./").trim_start_matches('/');
            n.rel_path.eq_ignore_ascii_case(h)
                || n.rel_path.eq_ignore_ascii_case(&format!("{h}.md"))
        })
    {
        diagnostics.push(Diagnostic::warning(
            Code::HomeMissing,
            "kb.toml",
            (1, 1),
            format!("`home = \"{h}\"` names no note"),
            "give the note's path relative to the notes folder, e.g. `home = \"Start here.md\"`",
        ));
    }
    let mut opts = opts.clone();
    if opts.config.language == "auto" {
        // the first 4 KiB of each body decide, not the whole of it read back from the spill file
        let heads = notes.iter().map(|n| n.body_head(LANGUAGE_SAMPLE));
        opts.config.language = detect_language(heads).into();
    }
    let mut site = Site {
        opts,
        notes,
        attachments,
        parsed,
        pages,
        graph,
        diagnostics,
        trouble: Vec::new(),
    };
    site.trouble = (0..site.notes.len())
        .into_par_iter()
        .map(|i| find_trouble(&site, NoteId::from(i)))
        .collect();
    // without a title in kb.toml, a vault is named by its home note (its README's heading)
    if !site.opts.config.title_set
        && let Some(h) = site.home_note()
    {
        site.opts.config.title = site.pages[h].title.clone();
    }
    site
}

/// Finds the troubleshooting entries of note `i`, as kb.toml asks them recognised.
fn find_trouble(site: &Site, i: NoteId) -> Vec<crate::parse::trouble::Entry> {
    let n = &site.notes[i];
    if n.kind != crate::site::NoteKind::Markdown {
        return Vec::new();
    }
    let body_line = n.body_line;
    crate::parse::trouble::entries(
        &n.body(),
        body_line,
        &site.pages[i].title,
        &site.parsed[i],
        &site.opts.config.trouble_options(),
    )
}

/// Bytes of each note's body that [`detect_language`] reads.
const LANGUAGE_SAMPLE: usize = 4096;

/// The interface language for `language = "auto"`: Korean when Hangul makes up a fifth or
/// more of the letters of the notes (Korean notes mix in many English terms), else English.
pub fn detect_language<S: AsRef<str>>(bodies: impl Iterator<Item = S>) -> &'static str {
    let (mut hangul, mut latin) = (0usize, 0usize);
    for body in bodies {
        let body = body.as_ref();
        let mut end = body.len().min(LANGUAGE_SAMPLE);
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        for c in body[..end].chars() {
            if ('\u{ac00}'..='\u{d7a3}').contains(&c) {
                hangul += 1;
            } else if c.is_ascii_alphabetic() {
                latin += 1;
            }
        }
    }
    // a Hangul syllable carries about as much as three Latin letters
    if hangul * 3 * 5 >= (hangul * 3 + latin) && hangul > 0 {
        "ko"
    } else {
        "en"
    }
}

/// Decides which attachments the site publishes: all of them, or (a vault built in place,
/// `publish_unlinked = false`) those a note links or embeds and those under a `publish` folder.
pub fn mark_published(config: &Config, graph: &Graph, attachments: &mut [Attachment]) {
    let all = config.publishes_unlinked();
    let folders: Vec<String> = config
        .publish
        .iter()
        .map(|f| f.trim_matches('/').to_string())
        .collect();
    for a in attachments.iter_mut() {
        a.published = all
            || folders.iter().any(|f| {
                f.is_empty()
                    || f == "."
                    || a.rel_path
                        .strip_prefix(f.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            });
    }
    for res in &graph.resolutions {
        for r in res {
            if let crate::link::Target::Attachment(a) = r.target
                && let Some(a) = attachments.get_mut(a)
            {
                a.published = true;
            }
        }
    }
}

/// Computes titles, URLs (reporting collisions), categories, tags and dates.
pub fn page_meta(
    config: &Config,
    notes: &[Note],
    parsed: &[ParsedNote],
    diags: &mut Vec<Diagnostic>,
) -> Vec<PageMeta> {
    let base = config.base_path();
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(notes.len());
    for (i, (n, p)) in notes.iter().zip(parsed).enumerate() {
        let title = title_of(n, p);
        let mut s = slug::slugify_path(n.address_path());
        let top = s.split('/').next().unwrap_or("").to_string();
        if RESERVED.contains(&s.as_str())
            || (RESERVED_TREES.contains(&top.as_str()) && s.contains('/'))
        {
            diags.push(Diagnostic::warning(
                Code::ReservedUrl,
                n.display_path.clone(),
                (1, 1),
                format!(
                    "`/{top}/` is used by kb's own pages; this note is published at `/{s}-note/`"
                ),
                "rename the file or move it into a folder",
            ));
            s.push_str("-note");
        }
        if let Some(&other) = taken.get(&s) {
            let mut k = 2;
            while taken.contains_key(&format!("{s}-{k}")) {
                k += 1;
            }
            let new = format!("{s}-{k}");
            diags.push(Diagnostic::error(
                Code::DuplicateUrl,
                n.display_path.clone(),
                (1, 1),
                format!("this note and {} would both be published at `/{s}/`; it is published at `/{new}/` instead", notes[other].display_path),
                "rename one of the files so their names differ by more than case or punctuation",
            ));
            s = new;
        }
        taken.insert(s.clone(), i);
        out.push(meta_for(&base, n, p, title, format!("{s}/")));
    }
    out
}

/// With `strict`, broken links, anchors, embeds and attachments are errors.
fn apply_strict(config: &Config, diagnostics: &mut [Diagnostic]) {
    if config.strict {
        for d in diagnostics.iter_mut() {
            if d.code.strict_error() {
                d.severity = Severity::Error;
            }
        }
    }
}

/// The page identity of one note once its title and URL path are known.
pub fn meta_for(base: &str, n: &Note, p: &ParsedNote, title: String, slug_dir: String) -> PageMeta {
    let href = format!("{base}{}", slug::encode_path(&slug_dir));
    let category = n.front.category.clone().unwrap_or_else(|| n.folder.clone());
    let mut tags = n.front.tags.clone();
    for t in &p.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let front_date = |a: &Option<String>, b: &Option<String>| {
        a.as_deref()
            .and_then(crate::load::frontmatter::parse_date)
            .or_else(|| b.as_deref().and_then(crate::load::frontmatter::parse_date))
    };
    // front matter, else Git history, else the file time (a checkout's time, the least useful)
    let written = front_date(&n.front.date, &n.front.created);
    let date = written.or(n.committed_first).or(n.modified);
    let updated = front_date(&n.front.updated, &n.front.modified)
        .or(n.committed_last)
        .or(written)
        .or(n.modified);
    let description = n
        .front
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(crate::parse::plain_inline)
        .unwrap_or_else(|| p.summary.clone());
    PageMeta {
        title,
        slug: slug_dir,
        href,
        category,
        tags,
        date,
        updated,
        description,
    }
}

/// Re-links after some notes changed in place without changing any name, heading or block id
/// (the common edit): only their links are resolved again and the backlinks they feed updated.
pub fn relink_changed(site: &mut Site, changed: &[NoteId], load_diags: Vec<Diagnostic>) {
    let base = site.opts.config.base_path();
    for &i in changed {
        let title = title_of(&site.notes[i], &site.parsed[i]);
        let slug_dir = site.pages[i].slug.clone();
        site.pages[i] = meta_for(&base, &site.notes[i], &site.parsed[i], title, slug_dir);
    }
    crate::link::relink(&mut site.graph, &site.notes, &site.parsed, changed);
    mark_published(&site.opts.config, &site.graph, &mut site.attachments);
    for &i in changed {
        let entries = find_trouble(site, i);
        if let Some(slot) = site.trouble.get_mut(i.index()) {
            *slot = entries;
        }
    }
    let mut diagnostics = load_diags;
    for p in &site.parsed {
        diagnostics.extend(p.diagnostics.iter().cloned());
    }
    // page diagnostics (reserved and duplicate URLs) are unchanged: keep them
    diagnostics.extend(
        site.diagnostics
            .iter()
            .filter(|d| matches!(d.code, Code::ReservedUrl | Code::DuplicateUrl))
            .cloned(),
    );
    diagnostics.extend(site.graph.diagnostics.iter().cloned());
    apply_strict(&site.opts.config, &mut diagnostics);
    site.diagnostics = diagnostics;
}
