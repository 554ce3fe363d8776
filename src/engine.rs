//! The incremental engine: every page the render stage writes declares what it reads, as a
//! digest of those inputs; the engine compares the digests with the ones of the last run and
//! selects exactly the pages whose inputs changed. `kb build` persists the digests in
//! `.kb/cache/pages` and the dev server keeps them in memory, so both re-render the same pages
//! for the same edit.
//!
//! What a page reads:
//! - every page: the site-wide inputs ([`global`]): the configuration, the theme, the binary,
//!   every note's title, address, category, aliases and tags, and the attachments. A change
//!   there re-renders everything (titles feed link labels and autolinks on every page).
//! - a note page: its note (text, front matter, dates), how its links resolve, the link lists
//!   of every note up to two links away (its local graph and related notes), the text of the
//!   notes linking to it (their backlink context) and of the notes it embeds (a canvas: of
//!   every note it links, whose first lines its file cards show); a page showing a base (a
//!   `.base` file, a `base` block, an embedded base): every note's text and links.
//! - a tag page: the listing facts (title, description, dates) of the notes under the tag.
//! - a folder page: the listing facts of the notes in the folder and of its subfolders' folder
//!   notes (the folders themselves are names and addresses, site-wide inputs).
//! - the site pages (home, tag index, feed, sitemap, 404, search, robots): every note's
//!   listing facts, and the home note's page.
//! - the troubleshooting pages: the entries and listing facts of the notes with entries.
//! - the graph page: every note's links.
//! - static files and attachments: the theme and the attachments' sizes and times.

use crate::render::Selection;
use crate::site::{NoteId, Sink, Site, Target};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// A digest of a page's inputs.
type Digest = [u8; 16];

/// Incremental state: the digest of each page group's inputs and the files each group wrote.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct State {
    /// Digest per group key (see [`Group`]).
    digests: BTreeMap<String, Digest>,
    /// Output files by site-relative path, with the key of the group that wrote them.
    files: BTreeMap<String, String>,
    /// The output folder the files are in (see [`output_stamp`]).
    output: String,
    /// The site the last build replaced, kept for the next one (see [`output_stamp`]).
    spare: String,
    /// What the kept site lacks of the output: the last build's renames, in order, and the
    /// files it wrote or deleted. `None` after a build that rewrote everything.
    delta: Option<Delta>,
    /// What the last build read and reported.
    summary: Option<Summary>,
}

/// How the output differs from the site the build before it left (see [`State::set_spare`]).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Delta {
    /// Files and folders renamed, in order.
    pub moves: Vec<(String, String)>,
    /// Files written or deleted.
    pub paths: Vec<String>,
}

/// What a build read (see [`inputs_digest`]) and reported, so that a build with the same
/// inputs can report it again without reading a note.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// The digest of the inputs.
    inputs: String,
    /// Notes built.
    pub notes: usize,
    /// Attachments left out.
    pub left_out: usize,
    /// The build's diagnostics.
    pub diagnostics: Vec<crate::site::Diagnostic>,
}

/// A set of output files rendered together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// One note's page.
    Note(String),
    /// One tag's page.
    Tag(String),
    /// One folder's listing page, by the folder's path.
    Folder(String),
    /// Home, tag index, feed, sitemap, 404, search page, robots.
    SitePages,
    /// The troubleshooting pages.
    Trouble,
    /// The graph page and its data file.
    Graph,
    /// Static files and attachments.
    Assets,
    /// The static search export.
    Search,
}

impl Group {
    fn key(&self) -> String {
        match self {
            Group::Note(rel) => format!("note:{rel}"),
            Group::Tag(t) => format!("tag:{t}"),
            Group::Folder(f) => format!("folder:{f}"),
            Group::SitePages => "site".into(),
            Group::Trouble => "trouble".into(),
            Group::Graph => "graph".into(),
            Group::Assets => "assets".into(),
            Group::Search => "search".into(),
        }
    }
}

/// What a run must do: the pages to render, the files to delete afterwards (given the files
/// the render wrote, see [`Plan::finish`]), and the state to keep.
#[derive(Debug)]
pub struct Plan {
    /// Pages to render.
    pub selection: Selection,
    /// Whether anything at all is to be rendered or deleted.
    pub changed: bool,
    digests: BTreeMap<String, Digest>,
    dirty: HashSet<String>,
    /// Files of the last run, with their group.
    old_files: BTreeMap<String, String>,
    /// Output file of each note, tag and folder page, by path: their group.
    known: HashMap<String, String>,
}

/// Digests inputs with two seeded Fx hashes (128 bits): fast on the many short strings a
/// page's inputs are made of, and the same in every process (no random keys).
struct Hasher(rustc_hash::FxHasher, rustc_hash::FxHasher);

impl Hasher {
    fn new() -> Self {
        Hasher(
            rustc_hash::FxHasher::with_seed(0x6b62_7061_6765_7331_u64 as usize),
            rustc_hash::FxHasher::with_seed(0x9e37_79b9_7f4a_7c15_u64 as usize),
        )
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        use std::hash::Hasher as _;
        self.0.write(b);
        self.1.write(b);
        self
    }
    fn s(&mut self, s: &str) -> &mut Self {
        self.n(s.len() as u64).bytes(s.as_bytes())
    }
    fn n(&mut self, n: u64) -> &mut Self {
        use std::hash::Hasher as _;
        self.0.write_u64(n);
        self.1.write_u64(n);
        self
    }
    fn id(&mut self, id: NoteId) -> &mut Self {
        self.n(u64::from(id.0))
    }
    fn d(&mut self, d: &Digest) -> &mut Self {
        self.bytes(d)
    }
    fn date(&mut self, d: Option<chrono::DateTime<chrono::Utc>>) -> &mut Self {
        self.n(d.map_or(u64::MAX, |d| d.timestamp_millis() as u64))
    }
    fn done(&self) -> Digest {
        use std::hash::Hasher as _;
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.0.finish().to_le_bytes());
        out[8..].copy_from_slice(&self.1.finish().to_le_bytes());
        out
    }
}

/// The digests every page's inputs are built from, one set per run.
struct Facts {
    global: Digest,
    /// A note's own text, front matter and page facts.
    note: Vec<Digest>,
    /// What listings show of a note: title, address, description, category, tags, dates.
    card: Vec<Digest>,
    /// A note's outgoing links, their resolutions and its backlinks.
    links: Vec<Digest>,
}

/// Which kb renders: its version, and the size and time of its executable, so that a kb
/// rebuilt with other rendering code (the same version number) renders every page again.
fn binary() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .ok()
        .map(|m| {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{t}", m.len())
        })
        .unwrap_or_default();
    format!("{} {exe}", env!("CARGO_PKG_VERSION"))
}

/// The site-wide inputs: configuration, theme (`theme` is its digest), every note's names,
/// categories and tags, and the attachments.
fn global(site: &Site, theme: &[u8]) -> Digest {
    let mut h = Hasher::new();
    h.s(env!("CARGO_PKG_VERSION"))
        .s(&format!("{:?}", site.opts.config));
    h.bytes(theme);
    h.s(&format!(
        "{:?}",
        site.home_note().map(|i| &site.notes[i].rel_path)
    ));
    for (n, p) in site.notes.iter().zip(&site.pages) {
        h.s(&n.rel_path).s(&p.title).s(&p.slug).s(&p.category);
        h.n(n.front.aliases.len() as u64);
        for a in &n.front.aliases {
            h.s(a);
        }
        h.n(p.tags.len() as u64);
        for t in &p.tags {
            h.s(t);
        }
    }
    for a in &site.attachments {
        h.s(&a.rel_path).n(a.published as u64);
    }
    h.done()
}

fn facts(site: &Site, theme: &[u8]) -> Facts {
    use rayon::prelude::*;
    let global = global(site, theme);
    let (note, card): (Vec<Digest>, Vec<Digest>) = (0..site.notes.len())
        .into_par_iter()
        .map(|i| {
            let i = NoteId::from(i);
            let (n, p) = (&site.notes[i], &site.pages[i]);
            let mut c = Hasher::new();
            c.s(&p.title).s(&p.href).s(&p.description).s(&p.category);
            c.date(p.date).date(p.updated);
            for t in &p.tags {
                c.s(t);
            }
            let card = c.done();
            let mut h = Hasher::new();
            h.d(&card).s(&n.rel_path).s(&n.display_path).s(&n.source());
            for e in site.trouble_entries(i) {
                h.s(&format!("{e:?}"));
            }
            (h.done(), card)
        })
        .unzip();
    let links = (0..site.notes.len())
        .into_par_iter()
        .map(|i| {
            let i = NoteId::from(i);
            let g = &site.graph;
            let mut h = Hasher::new();
            for &j in &g.outgoing[i] {
                h.id(j);
            }
            h.s("|");
            for b in &g.backlinks[i] {
                h.id(b.from).n(b.link as u64);
            }
            h.s("|");
            for r in &g.resolutions[i] {
                match &r.target {
                    Target::Note { id, anchor } => h.id(*id).s(anchor.as_deref().unwrap_or("")),
                    Target::Attachment(a) => h.s("a").n(*a as u64),
                    Target::Broken => h.s("b"),
                };
                h.s(r.missing_anchor.as_deref().unwrap_or(""));
            }
            h.done()
        })
        .collect();
    Facts {
        global,
        note,
        card,
        links,
    }
}

/// Notes whose text a note's page shows: those it embeds, transitively.
fn embedded(site: &Site, i: NoteId) -> Vec<NoteId> {
    let mut seen = vec![i];
    let mut k = 0;
    while k < seen.len() && seen.len() <= 1 + crate::link::MAX_EMBED_DEPTH * 64 {
        let v = seen[k];
        k += 1;
        for (l, r) in site.parsed[v].links.iter().zip(&site.graph.resolutions[v]) {
            if let (crate::site::LinkKind::Embed, Target::Note { id, .. }) = (l.kind, &r.target)
                && !seen.contains(id)
            {
                seen.push(*id);
            }
        }
    }
    seen.remove(0);
    seen
}

/// The digest of a note page's inputs.
fn note_digest(site: &Site, f: &Facts, i: NoteId) -> Digest {
    let g = &site.graph;
    let mut h = Hasher::new();
    h.d(&f.global).d(&f.note[i]).d(&f.links[i]);
    // related notes read the links of the direct neighbours, which the local-graph search
    // visits first
    for v in crate::link::graph::reach(
        g,
        i,
        crate::link::graph::LOCAL_HOPS,
        crate::link::graph::LOCAL_MAX,
    ) {
        h.id(v).d(&f.links[v]);
    }
    h.s("backlinks");
    for b in &g.backlinks[i] {
        h.d(&f.note[b.from]);
    }
    h.s("embeds");
    for e in embedded(site, i) {
        h.d(&f.note[e]);
    }
    // a base selects among every note, by anything it knows of them
    if site.parsed[i].bases > 0 || embedded(site, i).iter().any(|&e| site.parsed[e].bases > 0) {
        h.s("bases");
        for (n, l) in f.note.iter().zip(&f.links) {
            h.d(n).d(l);
        }
    }
    // a canvas's file cards show the first lines of the notes they name
    if site.parsed[i].canvas.is_some() {
        for r in &g.resolutions[i] {
            if let Target::Note { id, .. } = r.target {
                h.d(&f.note[id]);
            }
        }
    }
    h.done()
}

/// Every tag of a note with its parents (`db/nosql` gives `db` too), as the tag pages do.
fn with_parents(tags: &[String]) -> HashSet<String> {
    let mut out = HashSet::new();
    for t in tags {
        let parts: Vec<&str> = t.split('/').collect();
        for k in 1..=parts.len() {
            out.insert(parts[..k].join("/"));
        }
    }
    out
}

/// The digests of every page group of `site`, and where each note and tag page is written.
fn digests(
    site: &Site,
    theme: &[u8],
    attachments: Digest,
) -> (BTreeMap<String, Digest>, HashMap<String, String>) {
    use rayon::prelude::*;
    let t = std::time::Instant::now();
    let f = facts(site, theme);
    crate::progress::timing("facts", t);
    let mut out = BTreeMap::new();
    out.insert(GLOBAL.to_string(), f.global);
    let mut known = HashMap::new();
    let notes: Vec<Digest> = (0..site.notes.len())
        .into_par_iter()
        .map(|i| note_digest(site, &f, NoteId::from(i)))
        .collect();
    for (i, d) in notes.into_iter().enumerate() {
        let key = Group::Note(site.notes[i].rel_path.clone()).key();
        known.insert(format!("{}index.html", site.pages[i].slug), key.clone());
        out.insert(key, d);
    }
    let mut tags: BTreeMap<String, Hasher> = BTreeMap::new();
    for (i, p) in site.pages.iter().enumerate() {
        for t in with_parents(&p.tags) {
            tags.entry(t)
                .or_insert_with(|| {
                    let mut h = Hasher::new();
                    h.d(&f.global);
                    h
                })
                .n(i as u64)
                .d(&f.card[i]);
        }
    }
    for (t, h) in tags {
        let path = crate::site::slug::slugify_path(&t);
        let key = Group::Tag(t).key();
        known
            .entry(format!("tags/{path}/index.html"))
            .or_insert_with(|| key.clone());
        out.insert(key, h.done());
    }
    let folders = site.folders();
    for folder in &folders.list {
        let mut h = Hasher::new();
        h.d(&f.global);
        for &i in &folder.notes {
            h.id(i).d(&f.card[i]);
        }
        // a subfolder is described by its folder note
        for i in folder.folders.iter().filter_map(|&c| folders.list[c].note) {
            h.id(i).d(&f.card[i]);
        }
        let key = Group::Folder(folder.path.clone()).key();
        known.insert(format!("{}index.html", folder.slug), key.clone());
        out.insert(key, h.done());
    }
    // attachments are copied with the assets; note pages and tag pages win a shared path,
    // as the render stage writes them later
    for a in site.attachments.iter().filter(|a| a.published) {
        known
            .entry(a.rel_path.clone())
            .or_insert_with(|| Group::Assets.key());
    }
    let mut site_pages = Hasher::new();
    let mut trouble = Hasher::new();
    site_pages.d(&f.global);
    trouble.d(&f.global);
    for (i, c) in f.card.iter().enumerate() {
        site_pages.d(c);
        let entries = site.trouble_entries(NoteId::from(i));
        if !entries.is_empty() {
            trouble.n(i as u64).d(c);
            for e in entries {
                trouble.s(&format!("{e:?}"));
            }
        }
    }
    out.insert(Group::Trouble.key(), trouble.done());
    if let Some(home) = site.home_note() {
        site_pages.d(&out[&Group::Note(site.notes[home].rel_path.clone()).key()]);
    }
    out.insert(Group::SitePages.key(), site_pages.done());
    let mut graph = Hasher::new();
    graph.d(&f.global);
    for l in &f.links {
        graph.d(l);
    }
    out.insert(Group::Graph.key(), graph.done());
    let mut assets = Hasher::new();
    assets.d(&f.global).d(&attachments);
    out.insert(Group::Assets.key(), assets.done());
    (out, known)
}

/// A digest of the published attachments' paths, sizes and modification times.
fn attachments_digest(site: &Site) -> Digest {
    let mut h = Hasher::new();
    for a in site.attachments.iter().filter(|a| a.published) {
        h.s(&a.rel_path);
        if let Ok(m) = std::fs::metadata(&a.fs_path) {
            h.n(m.len());
            h.n(m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as u64));
        }
    }
    h.done()
}

/// Plans a run over `site`: compares its page digests with `prev` (the state of the last
/// run, `None` for a cold one) and selects the pages whose inputs changed. `theme` is a
/// digest of the theme's templates and static files.
pub fn plan(site: &Site, theme: &[u8], prev: Option<&State>) -> Plan {
    let (digests, known) = digests(site, theme, attachments_digest(site));
    let empty = State::default();
    let prev = prev.unwrap_or(&empty);
    let dirty: HashSet<String> = digests
        .iter()
        .filter(|(k, d)| prev.digests.get(*k) != Some(d))
        .map(|(k, _)| k.clone())
        .collect();
    let gone = prev.digests.keys().any(|k| !digests.contains_key(k));
    let notes: HashSet<NoteId> = site
        .notes
        .iter()
        .enumerate()
        .filter(|(_, n)| dirty.contains(&Group::Note(n.rel_path.clone()).key()))
        .map(|(i, _)| NoteId::from(i))
        .collect();
    let tags: HashSet<String> = dirty
        .iter()
        .filter_map(|k| k.strip_prefix("tag:").map(str::to_string))
        .collect();
    let folders: HashSet<String> = dirty
        .iter()
        .filter_map(|k| k.strip_prefix("folder:").map(str::to_string))
        .collect();
    let selection = Selection {
        notes: Some(notes),
        tags: Some(tags),
        folders: Some(folders),
        assets: dirty.contains(&Group::Assets.key()),
        site_pages: dirty.contains(&Group::SitePages.key()),
        trouble: dirty.contains(&Group::Trouble.key()),
        graph: dirty.contains(&Group::Graph.key()),
    };
    Plan {
        selection,
        changed: !dirty.is_empty() || gone,
        digests,
        dirty,
        old_files: prev.files.clone(),
        known,
    }
}

/// The key of the site-wide inputs' digest (no files of their own).
const GLOBAL: &str = "global";

impl Plan {
    /// Whether the site-wide inputs changed (configuration, theme, names, tags, attachments).
    pub fn global_changed(&self) -> bool {
        self.dirty.contains(GLOBAL)
    }

    /// The group a written file belongs to.
    fn group_of(&self, path: &str) -> String {
        if let Some(k) = self.known.get(path) {
            return k.clone();
        }
        let top = path.split('/').next().unwrap_or("");
        let g = match top {
            "graph" => Group::Graph,
            "static" => Group::Assets,
            "troubleshooting" => Group::Trouble,
            _ => Group::SitePages,
        };
        g.key()
    }

    /// Given every page file the run wrote (site-relative paths) and every file of the search
    /// export (`None` when the export was not written), returns the files of the last run to
    /// delete (those of re-rendered or removed groups that were not written again) and the
    /// state to keep for the next run.
    pub fn finish(
        self,
        pages: &HashSet<String>,
        search: Option<&HashSet<String>>,
    ) -> (Vec<String>, State) {
        let search_key = Group::Search.key();
        let written = |p: &String| pages.contains(p) || search.is_some_and(|s| s.contains(p));
        let redone = |g: &String| {
            if *g == search_key {
                search.is_some()
            } else {
                self.dirty.contains(g) || !self.digests.contains_key(g)
            }
        };
        let mut files = BTreeMap::new();
        let mut remove = Vec::new();
        for (path, g) in &self.old_files {
            if written(path) {
                continue;
            }
            if redone(g) {
                remove.push(path.clone());
            } else {
                files.insert(path.clone(), g.clone());
            }
        }
        for path in pages {
            files.insert(path.clone(), self.group_of(path));
        }
        for path in search.into_iter().flatten() {
            files.insert(path.clone(), search_key.clone());
        }
        (
            remove,
            State {
                digests: self.digests,
                files,
                ..Default::default()
            },
        )
    }
}

impl State {
    /// Reads the state kept at `path`; `None` when there is none or it cannot be read (then
    /// the run is cold).
    pub fn load(path: &Path) -> Option<State> {
        let bytes = std::fs::read(path).ok()?;
        let saved: Saved = serde_json::from_slice(&bytes).ok()?;
        if saved.format != FORMAT {
            return None;
        }
        let mut digests = BTreeMap::new();
        for (k, hex) in saved.digests {
            let mut d = [0u8; 16];
            for (i, b) in d.iter_mut().enumerate() {
                *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
            }
            digests.insert(k, d);
        }
        Some(State {
            digests,
            files: saved.files,
            output: saved.output,
            spare: saved.spare,
            delta: saved.delta,
            summary: saved.summary,
        })
    }

    /// Writes the state to `path`, atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        use std::fmt::Write;
        let saved = Saved {
            format: FORMAT.into(),
            output: self.output.clone(),
            spare: self.spare.clone(),
            delta: self.delta.clone(),
            summary: self.summary.clone(),
            digests: self
                .digests
                .iter()
                .map(|(k, d)| {
                    let hex = d.iter().fold(String::new(), |mut s, b| {
                        let _ = write!(s, "{b:02x}");
                        s
                    });
                    (k.clone(), hex)
                })
                .collect(),
            files: self.files.clone(),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(&saved)?)?;
        std::fs::rename(tmp, path)
    }

    /// Number of files of the site the state describes.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Records which output folder the state describes (see [`output_stamp`]).
    pub fn set_output(&mut self, stamp: String) {
        self.output = stamp;
    }

    /// Records what the build of `site` read (`inputs`, see [`inputs_digest`]; `None` when
    /// that could not be told) and reported.
    pub fn set_summary(&mut self, inputs: Option<String>, site: &Site) {
        self.summary = inputs.map(|inputs| Summary {
            inputs,
            notes: site.notes.len(),
            left_out: site.attachments.iter().filter(|a| !a.published).count(),
            diagnostics: site.diagnostics.clone(),
        });
    }

    /// The last build's summary, when its inputs were `inputs`.
    pub fn unchanged(&self, inputs: Option<&str>) -> Option<&Summary> {
        self.summary
            .as_ref()
            .filter(|s| inputs.is_some_and(|i| i == s.inputs))
    }

    /// Records the site kept for the next build (its stamp) and what it lacks of the output
    /// (`None`: unknown, the next build starts from the output instead).
    pub fn set_spare(&mut self, stamp: String, delta: Option<Delta>) {
        self.spare = stamp;
        self.delta = delta;
    }

    /// The files to bring over from the output to the kept site whose stamp is `stamp`, when
    /// the state describes that site.
    pub fn delta_for(&self, stamp: &str) -> Option<&Delta> {
        (!stamp.is_empty() && self.spare == stamp)
            .then_some(self.delta.as_ref())
            .flatten()
    }

    /// Whether the state describes the output folder as it is now: a folder replaced or
    /// deleted since makes the run cold.
    pub fn matches_output(&self, stamp: &str) -> bool {
        !stamp.is_empty() && self.output == stamp
    }
}

/// A digest of everything a build reads, from file metadata only: the binary, the options
/// and configuration, the theme (`theme`, its digest), every file under the notes folder
/// with its size and modification time, and the Git state the dates come from (`HEAD`, the
/// index, the reflog). `None` when a file cannot be read; then the build looks at the notes.
pub fn inputs_digest(opts: &crate::site::BuildOptions, theme: &[u8]) -> Option<String> {
    let mut h = Hasher::new();
    h.s(&binary())
        .s(&format!("{:?}", opts.config))
        .n(opts.drafts as u64)
        .bytes(theme);
    let lo = crate::pipeline::load_options(opts);
    let mut diags = Vec::new();
    let (notes, attachments) = crate::load::walk(&lo, &mut diags);
    let stat = |h: &mut Hasher, p: &Path| -> Option<()> {
        let m = std::fs::metadata(p).ok()?;
        let t = m
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        h.n(m.len()).n(t.as_nanos() as u64);
        Some(())
    };
    for (rel, path) in &notes {
        h.s(rel);
        stat(&mut h, path)?;
    }
    for a in &attachments {
        h.s(&a.rel_path);
        stat(&mut h, &a.fs_path)?;
    }
    h.n(diags.len() as u64);
    let notes_dir = std::fs::canonicalize(opts.notes_dir()).ok()?;
    if let Some(git) = notes_dir
        .ancestors()
        .map(|d| d.join(".git"))
        .find(|g| g.exists())
    {
        for f in ["HEAD", "index", "packed-refs", "logs/HEAD"] {
            h.s(f);
            let _ = stat(&mut h, &git.join(f));
        }
    }
    let d = h.done();
    Some(d.iter().map(|b| format!("{b:02x}")).collect())
}

/// The state as kept on disk.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    format: String,
    output: String,
    spare: String,
    delta: Option<Delta>,
    summary: Option<Summary>,
    digests: BTreeMap<String, String>,
    files: BTreeMap<String, String>,
}

/// Identifies an output folder as a build left it: its path, device, inode and modification
/// time (each build swaps in a new folder, so another tool's rebuild or a deletion changes
/// it). Empty when the folder does not exist.
pub fn output_stamp(dir: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => format!(
            "{}:{}:{}:{}.{}",
            dir.display(),
            m.dev(),
            m.ino(),
            m.mtime(),
            m.mtime_nsec()
        ),
        _ => String::new(),
    }
}

/// A [`Sink`] that records the paths written through it.
pub struct Recorder<'a> {
    inner: &'a dyn Sink,
    written: std::sync::Mutex<HashSet<String>>,
    moves: std::sync::Mutex<Vec<(String, String)>>,
}

impl<'a> Recorder<'a> {
    /// Records what goes to `inner`.
    pub fn new(inner: &'a dyn Sink) -> Self {
        Recorder {
            inner,
            written: Default::default(),
            moves: Default::default(),
        }
    }

    /// The paths written.
    pub fn into_written(self) -> HashSet<String> {
        self.written.into_inner().unwrap_or_default()
    }

    /// The paths written, and the renames done, in order.
    pub fn into_parts(self) -> (HashSet<String>, Vec<(String, String)>) {
        (
            self.written.into_inner().unwrap_or_default(),
            self.moves.into_inner().unwrap_or_default(),
        )
    }

    fn note(&self, rel: &str) {
        if let Ok(mut w) = self.written.lock() {
            w.insert(rel.trim_matches('/').to_string());
        }
    }
}

impl Sink for Recorder<'_> {
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.put(rel, bytes)?;
        self.note(rel);
        Ok(())
    }
    fn rename_dir(&self, from: &str, to: &str) -> std::io::Result<()> {
        self.inner.rename_dir(from, to)?;
        if let Ok(mut m) = self.moves.lock() {
            m.push((from.to_string(), to.to_string()));
        }
        if let Ok(mut w) = self.written.lock() {
            crate::site::sink::move_paths(&mut w, from, to);
        }
        Ok(())
    }
    fn remove(&self, rel: &str) -> std::io::Result<()> {
        self.inner.remove(rel)?;
        if let Ok(mut w) = self.written.lock() {
            w.remove(rel.trim_matches('/'));
        }
        Ok(())
    }
    fn recycle_dir(&self, parent: &str, to: &str) {
        self.inner.recycle_dir(parent, to)
    }
    fn copy(&self, rel: &str, from: &Path) -> std::io::Result<()> {
        self.inner.copy(rel, from)?;
        self.note(rel);
        Ok(())
    }
}

/// First line of the state file; a new format makes old state files cold.
const FORMAT: &str = "kb-pages-1";
