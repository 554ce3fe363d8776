//! The build pipeline, one direction: load -> parse -> link -> render -> write. Commands and the
//! dev server drive it; each stage is a module with plain data in and out.

pub use crate::site::{BuildOptions, PageMeta, RESERVED, RESERVED_TREES, Site};

use crate::config::Config;
use crate::diag::{Code, Diagnostic, Severity};
use crate::link::Graph;
use crate::load::{Attachment, LoadOptions, Note};
use crate::parse::{ParsedNote, slug};
use crate::progress::timing;
use crate::site::{NoteId, title_of};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

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

/// Options for the load stage derived from the build options.
pub fn load_options(opts: &BuildOptions) -> LoadOptions {
    LoadOptions {
        notes_dir: opts.notes_dir(),
        display_prefix: opts.config.display_prefix(),
        max_note_bytes: opts.config.max_note_bytes,
        exclude: own_files(opts),
        history: opts.history.clone(),
    }
}

/// kb's own files and folders that lie inside the notes folder (all of them when a vault is
/// built in place), relative to it: never read as notes or attachments.
fn own_files(opts: &BuildOptions) -> Vec<String> {
    let notes = absolute(&opts.notes_dir());
    let root = &opts.root;
    let mut own = vec![opts.output_dir(), root.join(".kb"), root.join("kb.toml")];
    if opts.config.in_place() {
        own.extend([root.join("templates"), root.join("static")]);
    }
    let mut rels: Vec<String> = own
        .iter()
        .filter_map(|p| {
            absolute(p)
                .strip_prefix(&notes)
                .ok()
                .map(crate::load::rel_string)
        })
        .filter(|r| !r.is_empty())
        .collect();
    rels.extend(obsidian_excluded(&opts.notes_dir()));
    rels
}

/// What the vault's Obsidian settings keep out of the vault's content: the core Templates
/// plugin's folder (`.obsidian/templates.json`) and the "Excluded files" path filters
/// (`userIgnoreFilters` in `.obsidian/app.json`; regular expressions, written `/.../`, are not
/// read).
fn obsidian_excluded(notes: &Path) -> Vec<String> {
    let read = |name: &str| -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(notes.join(".obsidian").join(name)).ok()?;
        serde_json::from_str(&text).ok()
    };
    let mut out = Vec::new();
    if let Some(folder) = read("templates.json")
        .as_ref()
        .and_then(|v| v.get("folder")?.as_str().map(str::to_string))
    {
        out.push(folder);
    }
    if let Some(filters) = read("app.json")
        .as_ref()
        .and_then(|v| v.get("userIgnoreFilters")?.as_array().cloned())
    {
        out.extend(
            filters
                .iter()
                .filter_map(|f| f.as_str())
                .map(str::to_string),
        );
    }
    out.into_iter()
        .filter(|f| !(f.starts_with('/') && f.ends_with('/') && f.len() > 1))
        .map(|f| f.trim_matches('/').trim_start_matches("./").to_string())
        .filter(|f| !f.is_empty() && !f.split('/').any(|c| c == ".."))
        .collect()
}

/// A path made absolute and canonical as far as it exists (the output folder may not yet).
fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => absolute(parent).join(name),
        _ => std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf()),
    }
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
        opts.config.language = detect_language(notes.iter().map(Note::body)).into();
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
    let body_line = crate::diag::line_col(&n.text, n.body_offset).0;
    crate::parse::trouble::entries(
        n.body(),
        body_line,
        &site.pages[i].title,
        &site.parsed[i],
        &site.opts.config.trouble_options(),
    )
}

/// The interface language for `language = "auto"`: Korean when Hangul makes up a fifth or
/// more of the letters of the notes (Korean notes mix in many English terms), else English.
pub fn detect_language<'a>(bodies: impl Iterator<Item = &'a str>) -> &'static str {
    let (mut hangul, mut latin) = (0usize, 0usize);
    for body in bodies {
        let mut end = body.len().min(4096);
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
        let stem_path = &n.rel_path[..n.rel_path.len() - 3];
        let mut s = slug::slugify_path(stem_path);
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

/// The result of a build.
pub struct BuildReport {
    /// Notes built.
    pub notes: usize,
    /// Attachments left out of the site (no note links them).
    pub left_out: usize,
    /// Every diagnostic of the build.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of files written.
    pub files: usize,
    /// Sizes of the static search export.
    pub search: crate::search::export::ExportStats,
    /// Files the site holds (after a build that wrote files).
    pub site_files: Option<usize>,
    /// Whether the build rendered the whole site (not only pages whose inputs changed).
    pub full: bool,
}

impl BuildReport {
    /// The report of a build of `site` that wrote `files` files.
    fn of(site: Site, files: usize, search: crate::search::export::ExportStats) -> BuildReport {
        let report = BuildReport {
            notes: site.notes.len(),
            left_out: site.attachments.iter().filter(|a| !a.published).count(),
            diagnostics: site.diagnostics.clone(),
            files,
            search,
            site_files: None,
            full: false,
        };
        // the model is done with: freeing it note by note would only delay the end of the build
        std::mem::forget(site);
        report
    }
}

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_e` (mimalloc.h, v3), which the
/// sys crate does not export as a constant.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes the allocator (mimalloc, set in `main`) return freed memory to the operating system
/// after 10 ms instead of 1 s. Rendering frees pages at a high rate while indexing allocates
/// beside it; with the default delay a cold 10k-note build peaked about 40 MiB higher. The dev
/// server relies on it too to give back what its rebuilds free.
/// A `MIMALLOC_PURGE_DELAY` in the environment wins.
pub fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: sets one integer option; mimalloc reads its options at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) }
}

/// Runs the whole pipeline and atomically replaces the output folder. With the state the
/// last build kept in `.kb/cache` (and its output folder untouched since), only the pages
/// whose inputs changed are rendered ([`crate::engine`]); the rest of the site is carried
/// over as hard links.
pub fn build(opts: &BuildOptions) -> anyhow::Result<BuildReport> {
    let t = std::time::Instant::now();
    let theme = crate::render::theme::Theme::load(&opts.root)?;
    let theme_digest = theme.digest();
    let out = opts.output_dir();
    let state_path = opts.cache_dir().join("pages.json");
    let stamp = crate::engine::output_stamp(&out);
    let prev = crate::engine::State::load(&state_path).filter(|s| s.matches_output(&stamp));
    // no file, setting or commit changed since the last build: its report stands
    let inputs = crate::engine::inputs_digest(opts, &theme_digest);
    timing("inputs", t);
    if let Some(summary) = prev.as_ref().and_then(|s| s.unchanged(inputs.as_deref())) {
        return Ok(BuildReport {
            notes: summary.notes,
            left_out: summary.left_out,
            diagnostics: summary.diagnostics.clone(),
            files: 0,
            search: Default::default(),
            site_files: None,
            full: false,
        });
    }
    let mut site = assemble(opts);
    let incremental = prev.is_some();
    let t = std::time::Instant::now();
    let plan = crate::engine::plan(&site, &theme_digest, prev.as_ref());
    timing("plan", t);
    if let (false, Some(state)) = (plan.changed, &prev) {
        let mut state = state.clone();
        // no page's inputs changed, so neither did any note the index holds; the inputs did
        // (a file saved unchanged, say): the next build needs not look further
        state.set_summary(inputs, &site);
        let _ = state.save(&state_path);
        return Ok(BuildReport::of(site, 0, Default::default()));
    }
    // from here on the state no longer describes what is on disk: a build killed midway
    // leaves none, and the next one is cold
    let _ = std::fs::remove_file(&state_path);
    let t = std::time::Instant::now();
    let (index, warning) = open_index(opts)?;
    timing("open index", t);
    // the export reads the configuration too (base path, expansion budget)
    let export_due = !incremental || plan.global_changed();
    let hl = crate::parse::highlight::Cache::load(&opts.cache_dir().join("highlight.bin"));
    let t = std::time::Instant::now();
    // the site this build replaces is kept in the cache, and the next build starts from it
    let spare = opts.cache_dir().join("previous-site");
    let delta = prev
        .as_ref()
        .and_then(|s| s.delta_for(&crate::engine::output_stamp(&spare)));
    let staging = match (incremental, delta) {
        (true, Some(delta)) => {
            crate::write::Staging::catching_up(&out, &spare, &delta.moves, &delta.paths)
                .or_else(|_| crate::write::Staging::linked(&out, Some(&spare)))?
        }
        (true, None) => crate::write::Staging::linked(&out, Some(&spare))?,
        (false, _) => crate::write::Staging::reusing(&out, Some(&spare))?,
    };
    timing("staging", t);
    let layout_path = opts.cache_dir().join(crate::search::export::LAYOUT_FILE);
    let previous = crate::search::export::Layout::load(&layout_path)
        .filter(|l| incremental && l.describes(&out));
    let (pages, search_files) = (
        crate::engine::Recorder::new(&staging),
        crate::engine::Recorder::new(&staging),
    );
    let selection = if incremental {
        plan.selection.clone()
    } else {
        crate::render::Selection::all()
    };
    let sinks = (
        &pages as &dyn crate::site::Sink,
        &search_files as &dyn crate::site::Sink,
    );
    let exporting = (export_due, previous);
    let (diags, search) =
        render_and_export(&site, &theme, sinks, &hl, &index, &selection, exporting)?;
    site.diagnostics.extend(diags);
    site.diagnostics.extend(warning);
    // an incremental build used the entries of a few pages only: it keeps the others
    let saved = if incremental {
        hl.save_partial()
    } else {
        hl.save()
    };
    if let Err(e) = saved {
        site.diagnostics.push(Diagnostic::warning(
            Code::Cache,
            ".kb/cache",
            (1, 1),
            format!("cannot save the highlight cache: {e}"),
            "the site is fine; the next build highlights code again",
        ));
    }
    let t = std::time::Instant::now();
    crate::progress::stage("write", 0);
    let written = pages.into_written();
    let (search_put, moves) = search_files.into_parts();
    let files = written.len() + search_put.len();
    // an export updated in place renames the files it keeps: its layout lists them all
    let search_all: Option<HashSet<String>> = search
        .as_ref()
        .map(|(_, l)| l.files().into_iter().collect());
    let (remove, mut state) = plan.finish(&site, &written, search_all.as_ref());
    for path in &remove {
        staging.remove(path)?;
    }
    staging.commit()?;
    if let Some((_, layout)) = &search
        && let Err(e) = layout.save(&layout_path)
    {
        site.diagnostics.push(Diagnostic::warning(
            Code::Cache,
            ".kb/cache",
            (1, 1),
            format!("cannot save the search export's layout: {e}"),
            "the site is fine; the next build exports search in full",
        ));
    }
    state.set_output(crate::engine::output_stamp(&out));
    state.set_summary(inputs, &site);
    let site_files = state.file_count();
    // what the kept site lacks of the output: the renames, files written and deleted
    let delta = incremental.then(|| {
        let mut paths: Vec<String> = written.iter().cloned().collect();
        paths.extend(search_put);
        paths.extend(remove);
        crate::engine::Delta { moves, paths }
    });
    state.set_spare(crate::engine::output_stamp(&spare), delta);
    if let Err(e) = state.save(&state_path) {
        site.diagnostics.push(Diagnostic::warning(
            Code::Cache,
            ".kb/cache",
            (1, 1),
            format!("cannot save the page state: {e}"),
            "the site is fine; the next build renders every page again",
        ));
    }
    timing("commit", t);
    let mut report = BuildReport::of(site, files, search.map(|(s, _)| s).unwrap_or_default());
    report.site_files = Some(site_files);
    report.full = !incremental;
    Ok(report)
}

/// Opens the search index in `.kb/index` (a temporary one, with a warning, when it cannot).
fn open_index(
    opts: &BuildOptions,
) -> anyhow::Result<(crate::search::index::SearchIndex, Option<Diagnostic>)> {
    let (index, err) = crate::search::index::SearchIndex::open_for(opts)?;
    let warning = err.map(|e| {
        Diagnostic::warning(
            Code::Index,
            ".kb/index",
            (1, 1),
            format!("cannot open the search index ({e}); using a temporary one"),
            "delete .kb/index if this repeats",
        )
    });
    Ok((index.with_threads(1), warning))
}

/// A search export written, with its layout.
type Exported = (
    crate::search::export::ExportStats,
    crate::search::export::Layout,
);

/// Writes the search export into `sink`: in place from the `previous` layout when it allows
/// (the sink holds the export it describes), else in full.
fn export_search(
    index: &crate::search::index::SearchIndex,
    site: &Site,
    sink: &dyn crate::site::Sink,
    previous: Option<crate::search::export::Layout>,
) -> anyhow::Result<Exported> {
    use crate::search::export;
    if let Some(layout) = previous
        && let Some(done) = export::export_update(index, site, &layout, sink, &|| false)?
    {
        return Ok(done);
    }
    export::export_cancellable(index, site, sink, &|| false)
}

/// Renders the selected pages into the first sink while, on a thread of its own, the search
/// index is updated and the static export written to the second sink when the index changed
/// or `export_due` says so. Returns the render's diagnostics and the export's figures (`None`
/// when it was not written).
fn render_and_export(
    site: &Site,
    theme: &crate::render::theme::Theme,
    (sink, search_sink): (&dyn crate::site::Sink, &dyn crate::site::Sink),
    hl: &crate::parse::highlight::Cache,
    index: &crate::search::index::SearchIndex,
    selection: &crate::render::Selection,
    (export_due, previous): (bool, Option<crate::search::export::Layout>),
) -> anyhow::Result<(Vec<Diagnostic>, Option<Exported>)> {
    // the search index needs the parsed notes only, not the pages: tantivy indexes and the
    // static export is written on a thread of their own while the pages render, filling the
    // cores the other stage leaves idle
    let (rendered, indexed) = std::thread::scope(|scope| {
        let indexing = scope.spawn(move || {
            let t = std::time::Instant::now();
            let stats = index.update(site)?;
            timing("index", t);
            let changed = export_due || stats.indexed + stats.removed > 0;
            if !changed {
                return anyhow::Ok(None);
            }
            // the static export needs the index only: it too runs beside the pages
            let t = std::time::Instant::now();
            let search = export_search(index, site, search_sink, previous)?;
            timing("export", t);
            anyhow::Ok(Some(search))
        });
        let t = std::time::Instant::now();
        crate::progress::stage("render", site.notes.len());
        let rendered = crate::render::render_selected(site, theme, sink, hl, selection);
        crate::progress::stage("index", 0);
        timing("render", t);
        let indexed = indexing
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the indexing thread panicked")));
        (rendered, indexed)
    });
    let (_, diags) = rendered?;
    let search = indexed?;
    // a template that fails on pages would publish a site without them: keep the previous one
    let failed: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == Code::Template).collect();
    if let Some(first) = failed.first() {
        anyhow::bail!(
            "{} page(s) failed to render; the first: {}: {}",
            failed.len(),
            first.path,
            first.message
        );
    }
    Ok((diags, search))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_tuned() {
        // mimalloc's default purge delay is 1000 ms, and no other option defaults to 1000
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads one integer option.
            let v = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(v, 1000);
        }
    }
}
