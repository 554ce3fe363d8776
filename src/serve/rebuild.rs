//! Incremental rebuilds for `kb serve --watch`: reload and re-parse only changed notes, re-run
//! the (fast) link stage, render only the pages whose output depends on the change, update the
//! tantivy index for the changed notes, and swap the new files in.

use super::{MemSink, State};
use crate::diag::{Diagnostic, Severity};
use crate::load::{Note, read_note, walk};
use crate::parse::{ParsedNote, parse_note};
use crate::pipeline::{BuildOptions, Site, assemble, link_stage, load_options, timing};
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
    let mut c = Changes::default();
    for p in paths {
        if is_editor_noise(&p) {
            continue;
        }
        let p = if p.is_absolute() { p } else { root.join(p) };
        if p.starts_with(&notes) {
            c.notes.push(p);
        } else if p.starts_with(&templates) {
            c.templates = true;
        } else if let Ok(rel) = p.strip_prefix(&statics) {
            c.statics.push(crate::load::rel_string(rel));
        } else if p == root.join("kb.toml") {
            c.config = true;
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
}

/// A note's title, category, aliases, tags and slug before a rebuild.
type OldMeta = (String, String, Vec<String>, Vec<String>, String);

/// What the home page, feed and tag index show of a note.
fn listing(site: &Site, i: usize) -> String {
    let p = &site.pages[i];
    format!("{}\u{0}{}\u{0}{:?}\u{0}{}\u{0}{:?}\u{0}{}", p.title, p.description, p.updated, p.category, p.tags, p.slug)
}

/// The notes a note links to, by path.
fn links_of(site: &Site, i: usize) -> Vec<String> {
    let mut v: Vec<String> = site.graph.outgoing[i].iter().map(|&j| site.notes[j].rel_path.clone()).collect();
    v.sort();
    v
}

fn by_rel(site: &Site) -> HashMap<String, usize> {
    site.notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.rel_path.clone(), i))
        .collect()
}

impl Rebuilder {
    /// Builds everything once and publishes it to `state`.
    pub fn new(opts: BuildOptions, state: Arc<State>) -> anyhow::Result<Rebuilder> {
        let site = assemble(&opts);
        let theme = Theme::load(&opts.root)?;
        let hl = crate::parse::highlight::Cache::load(&opts.cache_dir().join("highlight.bin"));
        let index = Arc::new(match SearchIndex::open(&opts.index_dir()) {
            Ok(i) => i,
            Err(_) => SearchIndex::in_memory()?,
        });
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
        let link_codes = [
            "broken-link",
            "broken-embed",
            "broken-anchor",
            "missing-attachment",
            "ambiguous-link",
            "embed-cycle",
            "duplicate-url",
            "reserved-url",
        ];
        for d in &self.site.diagnostics {
            if link_codes.contains(&d.code)
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
            .map(|a| (a.rel_path.clone(), a.fs_path.clone()))
            .collect()
    }

    /// Renders everything and swaps it in.
    fn publish_all(&mut self) -> anyhow::Result<()> {
        let sink = MemSink::default();
        render_selected(&self.site, &self.theme, &sink, &self.hl, &Selection::all())?;
        let mut files = sink.take();
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
        let t = Instant::now();
        self.index.update(&self.site)?;
        let sink = MemSink::default();
        crate::search::export::export(&self.index, &self.site, &sink)?;
        let export = sink.take();
        let mut files: super::Files = (*self.state.files()).clone();
        files.retain(|k, _| !k.starts_with("search/") || k == "search/index.html");
        files.extend(export);
        self.state.swap_files(files);
        timing("search", t);
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

    fn apply_notes(&mut self, _changes: &Changes) -> anyhow::Result<Outcome> {
        let t = Instant::now();
        let lo = load_options(&self.opts);
        let mut walk_diags = Vec::new();
        let (md, attachments) = walk(&lo, &mut walk_diags);
        let old_index = by_rel(&self.site);
        let on_disk: HashSet<String> = md.iter().map(|(r, _)| r.clone()).collect();
        let changed_paths: HashSet<PathBuf> = _changes
            .notes
            .iter()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
            .collect();
        let notes_root =
            std::fs::canonicalize(&lo.notes_dir).unwrap_or_else(|_| lo.notes_dir.clone());
        let is_changed = |rel: &str, fs: &Path| -> bool {
            let c = std::fs::canonicalize(fs).unwrap_or_else(|_| fs.to_path_buf());
            changed_paths.contains(&c)
                || changed_paths
                    .iter()
                    .any(|p| p.starts_with(&c) || c.starts_with(p) && p != &notes_root)
                || !old_index.contains_key(rel)
        };
        // old facts for the dependency computation
        let old_site = &self.site;
        let old_meta: HashMap<String, OldMeta> = old_site
            .notes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let p = &old_site.pages[i];
                (
                    n.rel_path.clone(),
                    (
                        p.title.clone(),
                        p.category.clone(),
                        n.front.aliases.clone(),
                        p.tags.clone(),
                        p.slug.clone(),
                    ),
                )
            })
            .collect();
        let old_listing: HashMap<String, (String, Vec<String>)> = (0..old_site.notes.len())
            .map(|i| (old_site.notes[i].rel_path.clone(), (listing(old_site, i), links_of(old_site, i))))
            .collect();
        let old_neighbours: HashMap<String, HashSet<String>> = old_site
            .notes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut s: HashSet<String> = old_site.graph.outgoing[i]
                    .iter()
                    .map(|&j| old_site.notes[j].rel_path.clone())
                    .collect();
                s.extend(
                    old_site.graph.backlinks[i]
                        .iter()
                        .map(|b| old_site.notes[b.from].rel_path.clone()),
                );
                (n.rel_path.clone(), s)
            })
            .collect();

        let mut notes: Vec<Note> = Vec::with_capacity(md.len());
        let mut parsed: Vec<ParsedNote> = Vec::with_capacity(md.len());
        let mut touched: HashSet<String> = HashSet::new();
        let mut old_notes: HashMap<String, (Note, ParsedNote)> = HashMap::new();
        {
            let site = std::mem::replace(&mut self.site, assemble_empty(&self.opts));
            for (n, p) in site.notes.into_iter().zip(site.parsed) {
                old_notes.insert(n.rel_path.clone(), (n, p));
            }
        }
        for (rel, fs) in md {
            if is_changed(&rel, &fs) || !old_notes.contains_key(&rel) {
                let (note, d) = read_note(&lo, rel.clone(), fs);
                let disp = format!("{}/{}", lo.display_prefix, rel);
                self.load_diags.insert(disp, d);
                touched.insert(rel.clone());
                if let Some(n) = note {
                    if n.front.draft && !self.opts.drafts {
                        continue;
                    }
                    let p = parse_note(&n);
                    notes.push(n);
                    parsed.push(p);
                }
            } else if let Some((n, p)) = old_notes.remove(&rel) {
                notes.push(n);
                parsed.push(p);
            }
        }
        let removed: Vec<String> = old_index
            .keys()
            .filter(|r| !on_disk.contains(r.as_str()))
            .cloned()
            .collect();
        for r in &removed {
            self.load_diags
                .remove(&format!("{}/{}", lo.display_prefix, r));
            touched.insert(r.clone());
        }
        let mut load_diags: Vec<Diagnostic> = walk_diags.clone();
        for d in self.load_diags.values() {
            load_diags.extend(d.iter().cloned());
        }
        self.walk_diags = walk_diags;
        self.site = link_stage(&self.opts, notes, attachments, parsed, load_diags);
        timing("relink", t);

        let errors = self.errors();
        if !errors.is_empty() {
            self.stale = true;
            return Ok(Outcome {
                errors,
                ..Default::default()
            });
        }
        if self.stale {
            self.publish_all()?;
            return Ok(Outcome {
                all: true,
                ..Default::default()
            });
        }

        // which pages depend on the change
        let new_index = by_rel(&self.site);
        let mut dirty: HashSet<usize> = HashSet::new();
        let mut tags: HashSet<String> = HashSet::new();
        let mut all_notes = false;
        let mut removed_keys: Vec<String> = Vec::new();
        let add_tag = |tags: &mut HashSet<String>, t: &str| {
            let parts: Vec<&str> = t.split('/').collect();
            for k in 1..=parts.len() {
                tags.insert(parts[..k].join("/"));
            }
        };
        for rel in &touched {
            let new = new_index.get(rel).copied();
            let old = old_meta.get(rel);
            if let Some(i) = new {
                dirty.insert(i);
                for &j in &self.site.graph.outgoing[i] {
                    dirty.insert(j);
                }
                for b in &self.site.graph.backlinks[i] {
                    dirty.insert(b.from);
                }
                for t in &self.site.pages[i].tags {
                    add_tag(&mut tags, t);
                }
            }
            if let Some(ns) = old_neighbours.get(rel) {
                for r in ns {
                    if let Some(&j) = new_index.get(r) {
                        dirty.insert(j);
                    }
                }
            }
            if let Some((title, category, aliases, old_tags, slug)) = old {
                for t in old_tags {
                    add_tag(&mut tags, t);
                }
                match new {
                    Some(i) => {
                        let p = &self.site.pages[i];
                        if &p.title != title || &self.site.notes[i].front.aliases != aliases {
                            // titles and aliases feed autolinks and link labels everywhere
                            all_notes = true;
                        }
                        if &p.category != category || &p.title != title {
                            for (j, q) in self.site.pages.iter().enumerate() {
                                if &q.category == category || q.category == p.category {
                                    dirty.insert(j);
                                }
                            }
                        }
                        if &p.slug != slug {
                            removed_keys.push(format!("{slug}index.html"));
                            all_notes = true;
                        }
                    }
                    None => {
                        removed_keys.push(format!("{slug}index.html"));
                        all_notes = true;
                    }
                }
            } else {
                // a new note: its name may resolve links that were broken
                all_notes = true;
            }
        }
        // site pages only when what they list changed; the graph only when links did
        let mut site_pages = all_notes;
        let mut graph = all_notes;
        for rel in &touched {
            match (old_listing.get(rel), new_index.get(rel)) {
                (Some((l, links)), Some(&i)) => {
                    site_pages |= *l != listing(&self.site, i);
                    graph |= *links != links_of(&self.site, i) || *l != listing(&self.site, i);
                }
                _ => {
                    site_pages = true;
                    graph = true;
                }
            }
        }
        let sel = Selection {
            notes: if all_notes { None } else { Some(dirty) },
            tags: if site_pages { Some(tags) } else { Some(HashSet::new()) },
            assets: false,
            site_pages,
            graph,
        };
        let sink = MemSink::default();
        render_selected(&self.site, &self.theme, &sink, &self.hl, &sel)?;
        let rendered = sink.take();
        let mut files: super::Files = (*self.state.files()).clone();
        for k in &removed_keys {
            files.remove(k);
        }
        let mut changed: Vec<String> = Vec::new();
        for (k, v) in rendered {
            if files.get(&k).is_none_or(|old| old[..] != v[..]) {
                changed.push(k.clone());
            }
            files.insert(k, v);
        }
        changed.extend(removed_keys);
        self.state.set_attachments(self.attachments_table());
        self.state.swap_files(files);
        timing("rerender", t);
        Ok(Outcome {
            changed,
            ..Default::default()
        })
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
    } else {
        state.send(
            "reload",
            serde_json::json!({"all": out.all, "paths": out.changed}).to_string(),
        );
    }
}
