//! The build pipeline, one direction: load -> parse -> link -> render -> write. Commands and the
//! dev server drive it; each stage is a module with plain data in and out.

pub use crate::link::site::{
    assemble, detect_language, link_stage, mark_published, meta_for, page_meta, relink_changed,
};
pub use crate::load::load_options;
pub use crate::site::{BuildOptions, PageMeta, RESERVED, RESERVED_TREES, Site};

use crate::diag::{Code, Diagnostic};
use crate::progress::timing;
use std::collections::HashSet;

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
/// at once instead of after 1 s. Rendering frees pages at a high rate while indexing allocates
/// beside it; with the default delay a cold 10k-note build peaked about 40 MiB higher, and
/// with 10 ms 2-8 MiB higher than at once (10k and 50k), for no time measured. The dev server
/// relies on it too to give back what its rebuilds free.
/// A `MIMALLOC_PURGE_DELAY` in the environment wins.
pub fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: sets one integer option; mimalloc reads its options at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
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
    // the index's files are mapped while it is open: close it before the state is saved
    drop(index);
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
    let (remove, mut state) = plan.finish(&written, search_all.as_ref());
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
