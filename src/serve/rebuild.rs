//! Incremental rebuilds for `kb serve --watch`: reload and re-parse only changed notes, re-run
//! the (fast) link stage, render only the pages whose output depends on the change, update the
//! tantivy index for the changed notes, and swap the new files in.

use super::{MemSink, State};
use crate::diag::{Diagnostic, Severity};
use crate::load::{Note, read_note, walk};
use crate::parse::{ParsedNote, parse_note};
use crate::pipeline::{BuildOptions, Site, assemble, link_stage, load_options};
use crate::progress::timing;
use crate::render::{Selection, render_selected, theme::Theme};
use crate::search::index::SearchIndex;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// What changed on disk, by kind.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    /// Paths under the notes folder.
    pub notes: Vec<PathBuf>,
    /// A template changed.
    pub templates: bool,
    /// Static files changed (names relative to static/).
    pub statics: Vec<String>,
    /// kb.toml changed.
    pub config: bool,
}

impl Changes {
    /// Whether nothing relevant changed.
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty() && !self.templates && self.statics.is_empty() && !self.config
    }
}

/// Files editors write beside the real one: swap files, backups, lock files.
pub fn is_editor_noise(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
        || name.starts_with("#")
}

/// Sorts changed paths into kinds.
pub fn classify(opts: &BuildOptions, paths: impl IntoIterator<Item = PathBuf>) -> Changes {
    let notes = opts.notes_dir();
    let notes = std::fs::canonicalize(&notes).unwrap_or(notes);
    let root = std::fs::canonicalize(&opts.root).unwrap_or_else(|_| opts.root.clone());
    let templates = root.join("templates");
    let statics = root.join("static");
    let lo = load_options(opts);
    let mut c = Changes::default();
    for p in paths {
        if is_editor_noise(&p) {
            continue;
        }
        let p = if p.is_absolute() { p } else { root.join(p) };
        if p.starts_with(&templates) {
            c.templates = true;
        } else if let Ok(rel) = p.strip_prefix(&statics) {
            // the folder itself (created or removed) is not a file to serve; its files
            // arrive as their own events or from the walk of a newly watched folder
            if !rel.as_os_str().is_empty() && !p.is_dir() {
                c.statics.push(crate::load::rel_string(rel));
            }
        } else if p == root.join("kb.toml") {
            c.config = true;
        } else if let Ok(rel) = p.strip_prefix(&notes) {
            // a vault built in place holds kb's cache and output: their writes are no edits
            if !lo.excluded(&crate::load::rel_string(rel)) {
                c.notes.push(p);
            }
        }
    }
    c.notes.sort();
    c.notes.dedup();
    c
}

/// The result of one rebuild.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Site keys whose content changed.
    pub changed: Vec<String>,
    /// Every page should reload.
    pub all: bool,
    /// Only stylesheets changed (names under static/).
    pub css_only: Vec<String>,
    /// Errors that kept the new pages from being served.
    pub errors: Vec<Diagnostic>,
}

/// The dev server's build state.
pub struct Rebuilder {
    /// Build options (base URL set for serving).
    pub opts: BuildOptions,
    /// The current site model.
    pub site: Site,
    theme: Theme,
    hl: crate::parse::highlight::Cache,
    index: Arc<SearchIndex>,
    state: Arc<State>,
    load_diags: HashMap<String, Vec<Diagnostic>>,
    walk_diags: Vec<Diagnostic>,
    /// Set after a failed rebuild: the next good one re-renders everything.
    stale: bool,
    /// The last search export's layout, for updating it in place.
    export_layout: Option<crate::search::export::Layout>,
    /// What the pages served were rendered from, for the incremental engine.
    pages: crate::engine::State,
}

/// The names of a touched note before a rebuild: when they change, every link is resolved
/// again.
struct OldInfo {
    title: String,
    aliases: Vec<String>,
    /// Its heading and block ids.
    ids: Vec<String>,
}

/// A note's heading and block ids: the anchors links into it can name.
fn anchor_ids(p: &ParsedNote) -> Vec<String> {
    p.headings
        .iter()
        .map(|h| h.id.clone())
        .chain(p.block_ids.iter().map(|b| b.id.clone()))
        .collect()
}

fn by_rel(site: &Site) -> HashMap<String, crate::site::NoteId> {
    site.notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.rel_path.clone(), crate::site::NoteId::from(i)))
        .collect()
}

impl Rebuilder {
    /// Builds everything once and publishes it to `state`.
    pub fn new(opts: BuildOptions, state: Arc<State>) -> anyhow::Result<Rebuilder> {
        let site = assemble(&opts);
        let theme = Theme::load(&opts.root)?;
        let hl = crate::parse::highlight::Cache::load(&opts.cache_dir().join("highlight.bin"));
        let index = Arc::new(SearchIndex::open_for(&opts)?.0);
        state.set_index(index.clone());
        let mut r = Rebuilder {
            opts,
            site,
            theme,
            hl,
            index,
            state,
            load_diags: HashMap::new(),
            walk_diags: Vec::new(),
            stale: false,
            export_layout: None,
            pages: Default::default(),
        };
        r.split_load_diags();
        let errors = r.errors();
        r.publish_all()?;
        r.refresh_search()?;
        if !errors.is_empty() {
            r.state
                .send("error-overlay", serde_json::to_string(&errors)?);
        }
        let _ = r.hl.save();
        Ok(r)
    }

    fn split_load_diags(&mut self) {
        // diagnostics from loading are kept per note so unchanged notes keep theirs
        let notes: HashSet<&str> = self
            .site
            .notes
            .iter()
            .map(|n| n.display_path.as_str())
            .collect();
        self.load_diags.clear();
        self.walk_diags.clear();
        for d in &self.site.diagnostics {
            if !d.code.survives_relink()
                || self.site.parsed.iter().any(|p| p.diagnostics.contains(d))
            {
                continue;
            }
            if notes.contains(d.path.as_str()) {
                self.load_diags
                    .entry(d.path.clone())
                    .or_default()
                    .push(d.clone());
            } else {
                self.walk_diags.push(d.clone());
            }
        }
    }

    /// Errors in the current model.
    pub fn errors(&self) -> Vec<Diagnostic> {
        self.site
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect()
    }

    fn attachments_table(&self) -> HashMap<String, PathBuf> {
        self.site
            .attachments
            .iter()
            .filter(|a| a.published)
            .map(|a| (a.rel_path.clone(), a.fs_path.clone()))
            .collect()
    }

    /// Renders everything and swaps it in.
    fn publish_all(&mut self) -> anyhow::Result<()> {
        let plan = crate::engine::plan(&self.site, &self.theme.digest(), None);
        let sink = MemSink::default();
        render_selected(&self.site, &self.theme, &sink, &self.hl, &Selection::all())?;
        let mut files = sink.take();
        let written: HashSet<String> = files.keys().cloned().collect();
        self.pages = plan.finish(&written, None).1;
        // keep the current search export until it is refreshed
        for (k, v) in self.state.files().iter() {
            if k.starts_with("search/") && k != "search/index.html" {
                files.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        self.state.set_attachments(self.attachments_table());
        self.state.swap_files(files);
        self.stale = false;
        Ok(())
    }

    /// Updates the tantivy index for changed notes and swaps in a new static export.
    pub fn refresh_search(&mut self) -> anyhow::Result<()> {
        self.refresh_search_unless(&|| false)
    }

    /// Like [`Rebuilder::refresh_search`], abandoning the export when `cancel` returns true
    /// (the index update is kept; the export is redone later). The export is updated in place
    /// when the last one's layout allows: only the shards, term lists and result files that
    /// the changed notes touch are rewritten.
    pub fn refresh_search_unless(&mut self, cancel: &dyn Fn() -> bool) -> anyhow::Result<()> {
        let t = Instant::now();
        self.index.update(&self.site)?;
        let current = self.state.files();
        let is_export = |k: &str| k.starts_with("search/") && k != "search/index.html";
        let mut export = None;
        if let Some(layout) = &self.export_layout {
            let sink = MemSink::with(
                current
                    .iter()
                    .filter(|(k, _)| is_export(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            );
            if let Some((stats, layout)) = crate::search::export::export_update(
                &self.index,
                &self.site,
                layout,
                &sink,
                cancel,
            )? {
                export = Some((sink.take(), stats, "updated"));
                self.export_layout = Some(layout);
            }
        }
        let (export, stats, how) = match export {
            Some(e) => e,
            None => {
                let sink = MemSink::default();
                let (stats, layout) = crate::search::export::export_cancellable(
                    &self.index,
                    &self.site,
                    &sink,
                    cancel,
                )?;
                self.export_layout = Some(layout);
                (sink.take(), stats, "full")
            }
        };
        let mut files: super::Files = (*current).clone();
        files.retain(|k, _| !is_export(k));
        files.extend(export);
        self.state.swap_files(files);
        drop(current);
        timing(
            &format!(
                "search ({how} export, {} files of {} written)",
                stats.files_written,
                stats.shards + stats.lists + stats.chunks + 1
            ),
            t,
        );
        Ok(())
    }

    /// Applies one batch of changes.
    pub fn apply(&mut self, changes: &Changes) -> anyhow::Result<Outcome> {
        if changes.config {
            let root = self.opts.root.clone();
            let mut config = crate::config::Config::load(&root).map_err(|e| {
                anyhow::anyhow!("{}:{}:{}: {}", e.path.display(), e.line, e.col, e.message)
            })?;
            config.base_url = self.opts.config.base_url.clone();
            config.output_dir = self.opts.config.output_dir.clone();
            self.opts.config = config;
            self.site = assemble(&self.opts);
            self.theme = Theme::load(&self.opts.root)?;
            self.split_load_diags();
            return self.finish_full();
        }
        if changes.templates || !changes.statics.is_empty() {
            self.theme = Theme::load(&self.opts.root)?;
        }
        let mut out = if !changes.notes.is_empty() {
            self.apply_notes(changes)?
        } else {
            Outcome::default()
        };
        if !out.errors.is_empty() {
            return Ok(out);
        }
        if changes.templates {
            return self.finish_full();
        }
        if !changes.statics.is_empty() {
            let css_only = changes.statics.iter().all(|s| s.ends_with(".css"));
            self.publish_all()?;
            if css_only && changes.notes.is_empty() {
                out.css_only = changes.statics.clone();
            } else {
                out.all = true;
            }
        }
        Ok(out)
    }

    fn finish_full(&mut self) -> anyhow::Result<Outcome> {
        let errors = self.errors();
        if !errors.is_empty() {
            self.stale = true;
            return Ok(Outcome {
                errors,
                ..Default::default()
            });
        }
        self.publish_all()?;
        Ok(Outcome {
            all: true,
            ..Default::default()
        })
    }

    /// Rel paths (under the notes folder) of changed paths; `None` for a path outside it.
    fn rel_of(&self, p: &Path) -> Option<String> {
        // only the folder: load_options also reads the vault's Obsidian settings
        let notes = self.opts.notes_dir();
        let roots = [
            std::fs::canonicalize(&notes).unwrap_or_else(|_| notes.clone()),
            notes,
        ];
        let canon = std::fs::canonicalize(p).ok().or_else(|| {
            // deleted: canonicalize the parent
            let parent = std::fs::canonicalize(p.parent()?).ok()?;
            Some(parent.join(p.file_name()?))
        });
        for cand in [canon, Some(p.to_path_buf())].into_iter().flatten() {
            for r in &roots {
                if let Ok(rel) = cand.strip_prefix(r) {
                    return Some(crate::load::rel_string(rel));
                }
            }
        }
        None
    }

    fn apply_notes(&mut self, changes: &Changes) -> anyhow::Result<Outcome> {
        let t = Instant::now();
        let lo = load_options(&self.opts);
        let rels: Vec<String> = changes
            .notes
            .iter()
            .filter_map(|p| self.rel_of(p))
            .collect();
        let old_index = by_rel(&self.site);
        // the common case: notes that exist and are already known were modified in place
        let in_place = !rels.is_empty()
            && rels
                .iter()
                .all(|r| old_index.contains_key(r) && lo.notes_dir.join(r).is_file());
        let mut touched: HashSet<String> = HashSet::new();
        let mut md: Option<Vec<(String, PathBuf)>> = None;
        let mut attachments = self.site.attachments.clone();
        if in_place {
            touched.extend(rels.iter().cloned());
        } else {
            let mut walk_diags = Vec::new();
            let (list, att) = walk(&lo, &mut walk_diags);
            self.walk_diags = walk_diags;
            attachments = att;
            let on_disk: HashSet<&str> = list.iter().map(|(r, _)| r.as_str()).collect();
            for r in &rels {
                // a changed folder touches everything below it
                let dir = format!("{}/", r.trim_end_matches('/'));
                for (x, _) in &list {
                    if x == r || x.starts_with(&dir) {
                        touched.insert(x.clone());
                    }
                }
            }
            for (x, _) in &list {
                if !old_index.contains_key(x) {
                    touched.insert(x.clone());
                }
            }
            for x in old_index.keys() {
                if !on_disk.contains(x.as_str()) {
                    touched.insert(x.clone());
                }
            }
            md = Some(list);
        }

        // what the pages showed before, for the touched notes only
        let old_info: HashMap<String, OldInfo> = touched
            .iter()
            .filter_map(|r| old_index.get(r).map(|&i| (r, i)))
            .map(|(r, i)| {
                let s = &self.site;
                (
                    r.clone(),
                    OldInfo {
                        title: s.pages[i].title.clone(),
                        aliases: s.notes[i].front.aliases.clone(),
                        ids: anchor_ids(&s.parsed[i]),
                    },
                )
            })
            .collect();

        // reload and re-parse the touched notes
        let mut names_changed = !in_place;
        let mut changed_ids: Vec<crate::site::NoteId> = Vec::new();
        if let Some(list) = md {
            let mut old_notes: HashMap<String, (Note, ParsedNote)> = HashMap::new();
            let site = std::mem::replace(&mut self.site, assemble_empty(&self.opts));
            for (n, p) in site.notes.into_iter().zip(site.parsed) {
                old_notes.insert(n.rel_path.clone(), (n, p));
            }
            let mut notes = Vec::with_capacity(list.len());
            let mut parsed = Vec::with_capacity(list.len());
            for (rel, fs) in list {
                if touched.contains(&rel) || !old_notes.contains_key(&rel) {
                    let (note, d) = read_note(&lo, rel.clone(), fs);
                    self.load_diags
                        .insert(format!("{}/{}", lo.display_prefix, rel), d);
                    if let Some(n) = note.filter(|n| !n.front.draft || self.opts.drafts) {
                        parsed.push(parse_note(&n));
                        notes.push(n);
                    }
                } else if let Some((n, p)) = old_notes.remove(&rel) {
                    notes.push(n);
                    parsed.push(p);
                }
            }
            for r in touched
                .iter()
                .filter(|r| !notes.iter().any(|n| &n.rel_path == *r))
            {
                self.load_diags
                    .remove(&format!("{}/{}", lo.display_prefix, r));
            }
            let load_diags = self.collected_load_diags();
            self.site = link_stage(&self.opts, notes, attachments, parsed, load_diags);
        } else {
            for rel in &touched {
                let i = old_index[rel];
                let fs = lo.notes_dir.join(rel);
                let (note, d) = read_note(&lo, rel.clone(), fs);
                self.load_diags
                    .insert(format!("{}/{}", lo.display_prefix, rel), d);
                match note.filter(|n| !n.front.draft || self.opts.drafts) {
                    Some(n) => {
                        let p = parse_note(&n);
                        let old = &old_info[rel];
                        let title = crate::site::title_of(&n, &p);
                        if title != old.title
                            || n.front.aliases != old.aliases
                            || anchor_ids(&p) != old.ids
                        {
                            names_changed = true;
                        }
                        self.site.notes[i] = n;
                        self.site.parsed[i] = p;
                        changed_ids.push(i);
                    }
                    None => names_changed = true,
                }
            }
            if names_changed {
                // a name, heading or block id changed: resolve everything again
                let site = std::mem::replace(&mut self.site, assemble_empty(&self.opts));
                let mut notes = Vec::new();
                let mut parsed = Vec::new();
                for (n, p) in site.notes.into_iter().zip(site.parsed) {
                    if !n.front.draft || self.opts.drafts {
                        notes.push(n);
                        parsed.push(p);
                    }
                }
                let load_diags = self.collected_load_diags();
                self.site = link_stage(&self.opts, notes, site.attachments, parsed, load_diags);
            } else {
                let load_diags = self.collected_load_diags();
                crate::pipeline::relink_changed(&mut self.site, &changed_ids, load_diags);
            }
        }
        timing("relink", t);

        // errors keep the last good pages; after a failed rebuild everything is re-rendered
        if self.stale || !self.errors().is_empty() {
            return self.finish_full();
        }

        self.rerender()
    }

    /// Renders the pages whose inputs changed (the engine compares them with the last
    /// render's) and swaps them in.
    fn rerender(&mut self) -> anyhow::Result<Outcome> {
        let t = Instant::now();
        let plan = crate::engine::plan(&self.site, &self.theme.digest(), Some(&self.pages));
        let sink = MemSink::default();
        render_selected(&self.site, &self.theme, &sink, &self.hl, &plan.selection)?;
        let rendered = sink.take();
        let written: HashSet<String> = rendered.keys().cloned().collect();
        let (remove, pages) = plan.finish(&written, None);
        self.pages = pages;
        let mut files: super::Files = (*self.state.files()).clone();
        let mut changed: Vec<String> = Vec::new();
        for k in remove {
            if files.remove(&k).is_some() {
                changed.push(k);
            }
        }
        for (k, v) in rendered {
            if files.get(&k).is_none_or(|old| old[..] != v[..]) {
                changed.push(k.clone());
            }
            files.insert(k, v);
        }
        self.state.set_attachments(self.attachments_table());
        self.state.swap_files(files);
        timing("rerender", t);
        Ok(Outcome {
            changed,
            ..Default::default()
        })
    }

    fn collected_load_diags(&self) -> Vec<Diagnostic> {
        let mut v = self.walk_diags.clone();
        for d in self.load_diags.values() {
            v.extend(d.iter().cloned());
        }
        v
    }

    /// Saves caches (called after quiet periods).
    pub fn save_caches(&self) {
        let _ = self.hl.save();
    }
}

fn assemble_empty(opts: &BuildOptions) -> Site {
    link_stage(opts, vec![], vec![], vec![], vec![])
}

/// Sends the outcome of a rebuild to the connected pages.
pub fn announce(state: &State, out: &Outcome) {
    if !out.errors.is_empty() {
        state.send(
            "error-overlay",
            serde_json::to_string(&out.errors).unwrap_or_default(),
        );
    } else if !out.css_only.is_empty() {
        let version = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
        );
        state.send(
            "css",
            serde_json::json!({"paths": out.css_only, "version": version}).to_string(),
        );
        // a page that had an error overlay reloads through the normal path
        if state.last_error().is_some() {
            state.send(
                "reload",
                serde_json::json!({"all": true, "paths": []}).to_string(),
            );
        }
    } else if out.all || !out.changed.is_empty() || state.last_error().is_some() {
        // (a rebuild that changed no page says nothing, unless an overlay is to be cleared)
        state.send(
            "reload",
            serde_json::json!({"all": out.all, "paths": out.changed}).to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages (not the search export) a server holds.
    fn pages(state: &State) -> Vec<(String, Arc<[u8]>)> {
        let mut v: Vec<(String, Arc<[u8]>)> = state
            .files()
            .iter()
            .filter(|(k, _)| !k.starts_with("search/") || k.as_str() == "search/index.html")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        v.sort();
        v
    }

    /// After each edit, the pages the dev server re-rendered for it and kept from before add up
    /// to exactly what a full build of the same notes renders.
    #[test]
    fn incremental_pages_equal_a_full_build() {
        let tmp = tempfile::tempdir().unwrap();
        let notes = tmp.path().join("notes");
        std::fs::create_dir_all(&notes).unwrap();
        let filler = "Redis는 인메모리 저장소다. ".repeat(40);
        let write = |name: &str, text: &str| std::fs::write(notes.join(name), text).unwrap();
        let hub = "---\ntags: [db]\n---\n# Hub\n\n허브 노트.\n";
        let a = |near: &str, far: &str, tags: &str| {
            format!(
                "---\ntags: [{tags}]\n---\n# A\n\n{near} [[Hub]] 참고.\n\n{filler}\n\n## 끝\n\n{far}\n"
            )
        };
        write("hub.md", hub);
        write("a.md", &a("처음", "마지막", "db"));
        write("b.md", "# B\n\n![[A]]\n\nB의 본문.\n");
        write("c.md", "# C\n\n![[B]]\n");
        write("d.md", "# D\n\n[[A]]를 본다.\n");
        let opts = || BuildOptions {
            root: tmp.path().to_path_buf(),
            config: crate::config::Config::default(),
            drafts: false,
            history: Default::default(),
        };
        let state = Arc::new(State::new("/".into()));
        let mut r = Rebuilder::new(opts(), state.clone()).unwrap();
        let edits: [(&str, String); 5] = [
            // text far from the link: hub's backlink context stays, b and c embed a
            ("a.md", a("처음", "고친 마지막", "db")),
            // text next to the link: hub's backlinks list quotes it
            ("a.md", a("바뀐 처음", "고친 마지막", "db")),
            // b's text reaches c through c's embed of b
            ("b.md", "# B\n\n![[A]]\n\nB의 새 본문.\n".into()),
            // a tag: tag pages and related notes
            ("a.md", a("바뀐 처음", "고친 마지막", "db, cache")),
            // a's backlinks quote d's new text
            ("d.md", "# D\n\n[[A]]를 다시 본다.\n".into()),
        ];
        let same_as_full = |n: &str| {
            let fresh = Arc::new(State::new("/".into()));
            let _full = Rebuilder::new(opts(), fresh.clone()).unwrap();
            let (got, want) = (pages(&state), pages(&fresh));
            assert_eq!(
                got.iter().map(|(k, _)| k).collect::<Vec<_>>(),
                want.iter().map(|(k, _)| k).collect::<Vec<_>>(),
                "{n}"
            );
            for ((k, g), (_, w)) in got.iter().zip(&want) {
                assert!(g == w, "{n}: {k} differs from a full build");
            }
        };
        let mut apply = |n: &str, changes: Changes| {
            let out = r.apply(&changes).unwrap();
            assert!(out.errors.is_empty(), "{n}: {:?}", out.errors);
            same_as_full(n);
        };
        let notes_changed = |paths: &[&str]| Changes {
            notes: paths.iter().map(|p| notes.join(p)).collect(),
            ..Default::default()
        };
        for (n, (name, text)) in edits.iter().enumerate() {
            write(name, text);
            apply(&format!("edit {n}"), notes_changed(&[name]));
        }
        write("e.md", "# E\n\n[[Hub]]과 [[D]]를 잇는 새 노트.\n");
        apply("a new note", notes_changed(&["e.md"]));
        std::fs::rename(notes.join("e.md"), notes.join("e2.md")).unwrap();
        apply("a renamed note", notes_changed(&["e.md", "e2.md"]));
        std::fs::remove_file(notes.join("d.md")).unwrap();
        apply("a deleted note", notes_changed(&["d.md"]));
        let templates = tmp.path().join("templates");
        std::fs::create_dir_all(&templates).unwrap();
        std::fs::write(templates.join("404.html"), "<p>Nothing here.</p>\n").unwrap();
        apply(
            "a template",
            Changes {
                templates: true,
                ..Default::default()
            },
        );
    }

    #[test]
    fn classify_sorts_paths_and_skips_folders_and_noise() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        for d in ["notes", "static/css", "templates"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("static/css/extra.css"), "a{}").unwrap();
        let opts = BuildOptions {
            root: root.clone(),
            config: crate::config::Config::default(),
            drafts: false,
            history: Default::default(),
        };
        let c = classify(
            &opts,
            [
                root.join("static"),
                root.join("static/css"),
                root.join("static/css/extra.css"),
                root.join("static/gone.js"),
                root.join("notes/B.md"),
                root.join("notes/A.md"),
                root.join("notes/A.md"),
                root.join("notes/.A.md.swp"),
                root.join("kb.toml"),
                root.join(".kb/cache/highlight.bin"),
            ],
        );
        assert_eq!(c.statics, vec!["css/extra.css", "gone.js"]);
        assert_eq!(
            c.notes,
            vec![root.join("notes/A.md"), root.join("notes/B.md")]
        );
        assert!(c.config && !c.templates);
        let c = classify(&opts, [root.join("templates")]);
        assert!(c.templates && c.statics.is_empty());
    }
}
