//! Stage 5, render: page contexts for every note, the home page, tag pages, 404, feed and
//! sitemap, rendered with tera from the merged theme, and handed to a [`Sink`].

pub use crate::site::Sink;
pub use crate::site::text::{esc, esc_attr, escape_to};

pub mod bases;
pub mod canvas;
pub mod folders;
pub mod html;
pub mod icons;
pub mod strings;
pub mod theme;

use crate::diag::{Code, Diagnostic};
use crate::parse::slug;
use crate::site::{Folders, NoteId, Site};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use theme::Theme;

/// A date as `YYYY-MM-DD`.
fn fmt_day(d: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// The href of a tag page.
pub fn tag_href(base: &str, tag: &str) -> String {
    format!(
        "{base}tags/{}/",
        slug::encode_path(&slug::slugify_path(tag))
    )
}

/// A cache-busted asset URL: `/static/style.css?v=hash`.
fn asset_url(base: &str, name: &str, bytes: &[u8]) -> String {
    let h = blake3::hash(bytes).to_hex();
    format!("{base}static/{}?v={}", slug::encode_path(name), &h[..10])
}

/// The mention matcher for the current titles and aliases, rebuilt only when they change
/// (building it is the slowest part of re-rendering one page in a large knowledge base).
type MentionsMemo = std::sync::Mutex<
    Option<(
        blake3::Hash,
        std::sync::Arc<crate::link::mentions::Mentions>,
    )>,
>;
static MENTIONS_MEMO: MentionsMemo = std::sync::Mutex::new(None);

fn mentions_for(site: &Site, titles: &[String]) -> std::sync::Arc<crate::link::mentions::Mentions> {
    use std::sync::Arc;
    let memo = &MENTIONS_MEMO;
    let names: Vec<(NoteId, String)> = site
        .notes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| {
            let i = NoteId::from(i);
            std::iter::once((i, titles[i].clone()))
                .chain(n.front.aliases.iter().map(move |a| (i, a.clone())))
        })
        .collect();
    let mut h = blake3::Hasher::new();
    for (i, n) in &names {
        h.update(&u64::from(i.0).to_le_bytes());
        h.update(n.as_bytes());
        h.update(&[0]);
    }
    let key = h.finalize();
    if let Ok(m) = memo.lock()
        && let Some((k, v)) = m.as_ref()
        && *k == key
    {
        return v.clone();
    }
    let built = Arc::new(crate::link::mentions::Mentions::new(names));
    if let Ok(mut m) = memo.lock() {
        *m = Some((key, built.clone()));
    }
    built
}

/// Builds the tera environment from the theme, with the site-wide global context.
pub fn tera_for(
    site: &Site,
    theme: &Theme,
    assets: &BTreeMap<String, String>,
) -> anyhow::Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_to);
    let items: Vec<(String, String)> = theme
        .templates
        .iter()
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    tera.add_raw_templates(items)
        .map_err(|e| anyhow::anyhow!("template error: {e}"))?;
    let cfg = &site.opts.config;
    let g = tera.global_context();
    g.insert(
        "site",
        &json!({
            "title": cfg.title,
            "description": cfg.description,
            "base": cfg.base_path(),
            "base_url": cfg.absolute_base(),
            "lang": cfg.language,
            "note_count": site.notes.len(),
            "generator": concat!("kb ", env!("CARGO_PKG_VERSION")),
        }),
    );
    g.insert("t", &strings::strings(&cfg.language));
    g.insert("assets", assets);
    g.insert("dev", &false);
    Ok(tera)
}

/// Renders the whole site into `sink`. Returns the number of files and render diagnostics.
pub fn render_site(
    site: &Site,
    theme: &Theme,
    sink: &dyn Sink,
    hl: &crate::parse::highlight::Cache,
) -> anyhow::Result<(usize, Vec<Diagnostic>)> {
    render_selected(site, theme, sink, hl, &Selection::all())
}

/// Which outputs to render: everything for a build, a few pages for an incremental rebuild.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Note pages to render (`None`: all).
    pub notes: Option<HashSet<NoteId>>,
    /// Tag pages to render by tag name, parents included (`None`: all).
    pub tags: Option<HashSet<String>>,
    /// Folder pages to render by the folder's path (`None`: all).
    pub folders: Option<HashSet<String>>,
    /// Static assets and attachments.
    pub assets: bool,
    /// Home, tag index, 404, search page, feed, sitemap, robots, the explorer's tree.
    pub site_pages: bool,
    /// The troubleshooting pages.
    pub trouble: bool,
    /// The graph page and its data (layout included).
    pub graph: bool,
}

impl Selection {
    /// Everything.
    pub fn all() -> Self {
        Selection {
            notes: None,
            tags: None,
            folders: None,
            assets: true,
            site_pages: true,
            trouble: true,
            graph: true,
        }
    }
}

/// The stylesheets every page links, in cascade order, and the file that holds them together.
const SHARED_CSS: &[&str] = &["style.css", "highlight.css", "preview.css", "graph.css"];
const SHARED_CSS_NAME: &str = "kb.css";

/// The theme's static files and the stylesheets kb makes: highlighting, and the diagrams'
/// shared rules (on every site, as a note edited in the dev server may gain its first diagram;
/// pages without diagrams do not link them).
///
/// Three are put together so that no page repeats them: `kb.css`, the stylesheets every page
/// uses in one file (one tag and one request instead of four), `bundle.js`, the same for the
/// module scripts, and the interface strings the scripts need, added to `theme.js` (a blocking
/// script every page runs first) as `window.KB_STRINGS`.
fn merged_statics(
    theme: &Theme,
    hl: &crate::parse::highlight::Cache,
    lang: &str,
) -> BTreeMap<String, Vec<u8>> {
    let mut statics: BTreeMap<String, Vec<u8>> = theme
        .statics
        .iter()
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    statics
        .entry("highlight.css".into())
        .or_insert_with(|| crate::parse::highlight::stylesheet().into_bytes());
    let mut css = Vec::new();
    for name in SHARED_CSS {
        if let Some(bytes) = statics.get(*name) {
            css.extend_from_slice(bytes);
            css.push(b'\n');
        }
    }
    statics.insert(SHARED_CSS_NAME.into(), css);
    let parts: Vec<(&str, &[u8])> = theme::SHARED_JS
        .iter()
        .filter_map(|n| statics.get(*n).map(|b| (*n, b.as_slice())))
        .collect();
    let bundle = theme::bundle_modules(&parts);
    statics.insert(theme::SHARED_JS_NAME.into(), bundle);
    if let Some(js) = statics.get_mut("theme.js") {
        js.extend_from_slice(strings::script_strings(lang).as_bytes());
    }
    statics.entry("diagrams.css".into()).or_insert_with(|| {
        // made from canonical diagrams of every kind: cached, as it only changes with kb
        hl.cached("", "\0diagrams-css", || {
            Some(crate::parse::diagram::stylesheet().to_string())
        })
        .unwrap_or_default()
        .into_bytes()
    });
    statics
}

/// Renders the outputs in `sel` into `sink`.
pub fn render_selected(
    site: &Site,
    theme: &Theme,
    sink: &dyn Sink,
    hl: &crate::parse::highlight::Cache,
    sel: &Selection,
) -> anyhow::Result<(usize, Vec<Diagnostic>)> {
    let cfg = &site.opts.config;
    let base = cfg.base_path();
    let mut diags = Vec::new();
    let (mut files, assets) = write_assets(site, theme, sink, hl, sel, &mut diags)?;
    let mut tera = tera_for(site, theme, &assets)?;
    // the explorer's tree: every page names it, the site pages' group writes it
    let folders = site.folders();
    let tree = folders::tree_json(site, &folders);
    let tree_name = folders::tree_name(&tree);
    if sel.site_pages {
        sink.put(&tree_name, &tree)?;
        files += 1;
    }
    let g = tera.global_context();
    g.insert("explorer_tree", &format!("{base}{tree_name}"));
    // the explorer's link leads to the folder of the page (pages that set `folder_url`) or
    // to the root folder's page
    g.insert("folder_url", &format!("{base}{}", folders.list[0].slug));
    let att_urls: Vec<String> = site
        .attachments
        .iter()
        .map(|a| format!("{base}{}", slug::encode_path(&a.rel_path)))
        .collect();
    let urls: Vec<String> = site.pages.iter().map(|p| p.href.clone()).collect();
    let titles: Vec<String> = site.pages.iter().map(|p| p.title.clone()).collect();
    let mentions = match cfg.autolink {
        crate::config::Autolink::Off => None,
        _ => Some(mentions_for(site, &titles)),
    };
    let ctx = html::Ctx {
        notes: &site.notes,
        parsed: &site.parsed,
        graph: &site.graph,
        titles: &titles,
        urls: &urls,
        pages: &site.pages,
        att_urls: &att_urls,
        base_path: &base,
        autolink: mentions.as_deref(),
        autolink_all: cfg.autolink == crate::config::Autolink::All,
        highlight: hl,
    };

    // related notes and the graph
    let tag_lists: Vec<Vec<String>> = site.pages.iter().map(|p| p.tags.clone()).collect();
    let by_tag = crate::link::graph::tag_index(&tag_lists);
    let graph_ctx = GraphCtx {
        tags: &tag_lists,
        by_tag: &by_tag,
    };

    let prev_next = prev_next(site, &titles);
    let t = std::time::Instant::now();
    let (n, note_diags) = note_pages(
        site,
        (&ctx, &graph_ctx, &tera),
        sink,
        sel,
        (&prev_next, &folders),
    );
    files += n;
    diags.extend(note_diags);
    crate::progress::timing("notes", t);
    files += site_pages(site, theme, (&ctx, &tera), sink, sel, &folders)?;
    Ok((files, diags))
}

/// Writes the static files (theme, highlighting, diagrams) and the published attachments
/// when `sel` asks for them, and returns the number written and every static file's URL by
/// template name.
fn write_assets(
    site: &Site,
    theme: &Theme,
    sink: &dyn Sink,
    hl: &crate::parse::highlight::Cache,
    sel: &Selection,
    diags: &mut Vec<Diagnostic>,
) -> anyhow::Result<(usize, BTreeMap<String, String>)> {
    let cfg = &site.opts.config;
    let base = cfg.base_path();
    let mut files = 0usize;
    // static assets
    let statics = merged_statics(theme, hl, &cfg.language);
    let mut assets = BTreeMap::new();
    for (name, bytes) in &statics {
        if sel.assets {
            sink.put(&format!("static/{name}"), bytes)?;
            files += 1;
        }
        assets.insert(
            name.replace(['.', '/', '-'], "_"),
            asset_url(&base, name, bytes),
        );
    }

    // attachments
    for a in site
        .attachments
        .iter()
        .filter(|a| sel.assets && a.published)
    {
        if let Err(e) = sink.copy(&a.rel_path, &a.fs_path) {
            diags.push(Diagnostic::error(
                Code::Write,
                cfg.display_path(&a.rel_path),
                (1, 1),
                format!("cannot copy attachment: {e}"),
                "check permissions and disk space",
            ));
        } else {
            files += 1;
        }
    }

    Ok((files, assets))
}

/// The notes before and after one in its category, by title.
#[derive(Debug, Clone, Copy, Default)]
struct PrevNext {
    prev: Option<NoteId>,
    next: Option<NoteId>,
}

/// Previous and next note of every note within its category, by title.
fn prev_next(site: &Site, titles: &[String]) -> Vec<PrevNext> {
    let mut by_cat: BTreeMap<&str, Vec<NoteId>> = BTreeMap::new();
    for (i, p) in site.pages.iter().enumerate() {
        by_cat
            .entry(p.category.as_str())
            .or_default()
            .push(NoteId::from(i));
    }
    let mut out = vec![PrevNext::default(); site.notes.len()];
    let lower: Vec<String> = titles.iter().map(|t| t.to_lowercase()).collect();
    for ids in by_cat.values_mut() {
        ids.sort_by(|&a, &b| lower[a].cmp(&lower[b]).then(a.cmp(&b)));
        for (k, &i) in ids.iter().enumerate() {
            out[i] = PrevNext {
                prev: k.checked_sub(1).map(|j| ids[j]),
                next: ids.get(k + 1).copied(),
            };
        }
    }
    out
}

/// Renders the selected note pages in parallel; returns how many were written and the
/// diagnostics of those that failed.
fn note_pages(
    site: &Site,
    (ctx, graph_ctx, tera): (&html::Ctx, &GraphCtx, &tera::Tera),
    sink: &dyn Sink,
    sel: &Selection,
    (prev_next, folders): (&[PrevNext], &Folders),
) -> (usize, Vec<Diagnostic>) {
    let (mut files, mut diags) = (0, Vec::new());
    let wanted: Vec<NoteId> = match &sel.notes {
        None => NoteId::all(site.notes.len()).collect(),
        Some(set) => set
            .iter()
            .copied()
            .filter(|&i| i.index() < site.notes.len())
            .collect(),
    };
    let results: Vec<Result<(), Box<Diagnostic>>> = wanted
        .into_par_iter()
        .map(|i| {
            let html =
                note_page(site, (ctx, graph_ctx, folders), tera, i, prev_next[i]).map_err(|e| {
                    Box::new(Diagnostic::error(
                        Code::Template,
                        site.notes[i].display_path.clone(),
                        (1, 1),
                        format!("rendering failed: {e}"),
                        "fix the template named in the message",
                    ))
                })?;
            crate::progress::inc(1);
            sink.put(&format!("{}index.html", site.pages[i].slug), &html)
                .map_err(|e| {
                    Box::new(Diagnostic::error(
                        Code::Write,
                        site.notes[i].display_path.clone(),
                        (1, 1),
                        format!("cannot write page: {e}"),
                        "check disk space and permissions",
                    ))
                })
        })
        .collect();
    for r in results {
        match r {
            Ok(()) => files += 1,
            Err(d) => diags.push(*d),
        }
    }

    (files, diags)
}

/// Renders the home, tag, graph, troubleshooting and other site pages that `sel` asks for;
/// returns how many files were written.
fn site_pages(
    site: &Site,
    theme: &Theme,
    (ctx, tera): (&html::Ctx, &tera::Tera),
    sink: &dyn Sink,
    sel: &Selection,
    folders: &Folders,
) -> anyhow::Result<usize> {
    let cfg = &site.opts.config;
    let base = cfg.base_path();
    let mut files = 0usize;
    let t = std::time::Instant::now();
    // site pages
    let render_one = |name: &str, out: &str, c: tera::Context| -> anyhow::Result<()> {
        let s = tera
            .render(name, &c)
            .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        sink.put(out, s.as_bytes())?;
        Ok(())
    };
    // the home and tag pages on one side, the graph layout (one thread) on the other
    let (listed, graphed) = rayon::join(
        || -> anyhow::Result<usize> {
            let mut n = 0;
            if sel.site_pages {
                render_one("index.html", "index.html", home_context(site, ctx))?;
                n += 1;
            }
            let (tag_index, tag_pages) = tag_contexts(site, sel.tags.as_ref());
            if sel.site_pages {
                render_one("tags.html", "tags/index.html", tag_index)?;
                n += 1;
            }
            // a tag page's context is built only when it is rendered (a big tag lists
            // thousands of notes)
            tag_pages.par_iter().try_for_each(|tp| {
                render_one(
                    "tag.html",
                    &format!("tags/{}/index.html", tp.slug_path),
                    tag_page_context(site, tp),
                )
            })?;
            crate::progress::timing("tag pages", t);
            // folder pages, each built when rendered
            let wanted: Vec<usize> = (0..folders.list.len())
                .filter(|&k| {
                    sel.folders
                        .as_ref()
                        .is_none_or(|w| w.contains(&folders.list[k].path))
                })
                .collect();
            if theme.templates.contains_key("folder.html") {
                wanted.par_iter().try_for_each(|&k| {
                    render_one(
                        "folder.html",
                        &format!("{}index.html", folders.list[k].slug),
                        folders::folder_context(site, folders, k),
                    )
                })?;
                n += wanted.len();
            }
            Ok(n + tag_pages.len())
        },
        || -> anyhow::Result<usize> {
            if !sel.graph {
                return Ok(0);
            }
            let packs = local_graph_packs(site, sink)?;
            if !theme.templates.contains_key("graph.html") {
                return Ok(packs);
            }
            let mut c = page_context("graph");
            let tg = std::time::Instant::now();
            c.insert("graph_data", &graph_data(site, sink, &base)?);
            crate::progress::timing("graph", tg);
            render_one("graph.html", "graph/index.html", c)?;
            Ok(packs + 1)
        },
    );
    files += listed? + graphed?;
    let mut put_tpl = |name: &str, out: &str, c: tera::Context| -> anyhow::Result<()> {
        render_one(name, out, c)?;
        files += 1;
        Ok(())
    };
    if sel.trouble && theme.templates.contains_key("troubleshooting.html") {
        let t = std::time::Instant::now();
        trouble_pages(site, |out, c| put_tpl("troubleshooting.html", out, c))?;
        crate::progress::timing("trouble", t);
    }
    if !sel.site_pages {
        return Ok(files);
    }
    crate::progress::timing("tags", t);
    put_tpl("404.html", "404.html", page_context("404"))?;
    if theme.templates.contains_key("search.html") {
        put_tpl("search.html", "search/index.html", page_context("search"))?;
    }
    put_tpl("atom.xml", "atom.xml", feed_context(site))?;
    put_tpl("sitemap.xml", "sitemap.xml", sitemap_context(site))?;
    let mut robots = page_context("robots");
    robots.insert(
        "sitemap_url",
        &abs_url(site, &format!("{}sitemap.xml", cfg.base_path())),
    );
    put_tpl("robots.txt", "robots.txt", robots)?;
    Ok(files)
}

fn page_context(kind: &str) -> tera::Context {
    let mut c = tera::Context::new();
    c.insert("page_kind", kind);
    c
}

fn note_summary(site: &Site, i: NoteId) -> Summary<'_> {
    let p = &site.pages[i];
    Summary {
        title: &p.title,
        url: &p.href,
        description: &p.description,
        updated: fmt_day(p.updated),
        category: &p.category,
    }
}

/// What a listing (home, tag and folder pages) shows of a note. Borrowed and serialized
/// straight into tera's context: a listing of 50,000 notes built as JSON first held both.
#[derive(serde::Serialize)]
struct Summary<'a> {
    title: &'a str,
    url: &'a str,
    description: &'a str,
    updated: Option<String>,
    category: &'a str,
}

/// A category of the home page and its notes.
#[derive(serde::Serialize)]
struct Category<'a> {
    name: &'a str,
    id: String,
    notes: Vec<Summary<'a>>,
}

/// Inputs for related notes and local graphs.
struct GraphCtx<'a> {
    tags: &'a [Vec<String>],
    by_tag: &'a std::collections::HashMap<&'a str, Vec<NoteId>>,
}

/// The categories in a stable order (their numbers pick graph colours), and the number of
/// every page's category.
fn categories(site: &Site) -> (Vec<&str>, Vec<usize>) {
    let mut names: Vec<&str> = site.pages.iter().map(|p| p.category.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let of_page = site
        .pages
        .iter()
        .map(|p| names.binary_search(&p.category.as_str()).unwrap_or(0))
        .collect();
    (names, of_page)
}

/// Notes per local-graph pack: a note page fetches its pack when its local graph comes into
/// view, and neighbouring notes of a folder (consecutive in path order) share it.
pub const LOCAL_PACK: usize = 16;

/// Where the local-graph packs go (followed by the pack number and `.json`).
pub const LOCAL_DIR: &str = "graph/local/";

/// The nodes of a local-graph pack: `[title, url, category]` rows, and each note's row.
type PackTable<'a> = (
    Vec<(&'a str, &'a str, usize)>,
    rustc_hash::FxHashMap<NoteId, usize>,
);

/// The local graph of a note (its neighbourhood up to two links away): node numbers into
/// `table`, which collects the `[title, url, category]` of every node of a pack once.
fn local_graph<'a>(
    site: &'a Site,
    i: NoteId,
    cat_of: &[usize],
    table: &mut PackTable<'a>,
) -> serde_json::Value {
    let hood = crate::link::graph::neighbourhood(
        &site.graph,
        i,
        site.opts.config.local_graph_depth,
        crate::link::graph::LOCAL_MAX,
    );
    let index: rustc_hash::FxHashMap<NoteId, usize> =
        hood.iter().enumerate().map(|(k, (v, _))| (*v, k)).collect();
    // [table row, hop] per node, [a, b] per edge (positions in the node list)
    let nodes: Vec<[usize; 2]> = hood
        .iter()
        .map(|&(v, hop)| {
            let (rows, seen) = &mut *table;
            let row = *seen.entry(v).or_insert_with(|| {
                let page = &site.pages[v];
                rows.push((page.title.as_str(), page.href.as_str(), cat_of[v]));
                rows.len() - 1
            });
            [row, hop]
        })
        .collect();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for &(v, _) in &hood {
        for &w in &site.graph.outgoing[v] {
            if let (Some(&a), Some(&b)) = (index.get(&v), index.get(&w)) {
                let e = (a.min(b), a.max(b));
                if a != b && !edges.contains(&e) {
                    edges.push(e);
                }
            }
        }
    }
    json!({ "nodes": nodes, "edges": edges })
}

/// The pack holding note `i`'s local graph.
fn local_pack(i: NoteId) -> usize {
    i.0 as usize / LOCAL_PACK
}

/// Whether note `i` has a neighbour to draw (a note without one fetches no pack).
fn has_local_graph(site: &Site, i: NoteId) -> bool {
    site.opts.config.local_graph_depth > 0
        && (site.graph.outgoing[i].iter().any(|&w| w != i)
            || site.graph.backlinks[i].iter().any(|b| b.from != i))
}

/// Writes every local-graph pack (`graph/local/<k>.json`: `{"nodes": [[title, url, category],
/// ..], "notes": {url: {"nodes": [[row, hop], ..], "edges": [[a, b], ..]}}}`) and returns how
/// many files it wrote. Keeping the local graphs out of the pages keeps a 50k-note site under
/// GitHub Pages' 1 GB: the same titles and URLs were in every neighbour's page.
fn local_graph_packs(site: &Site, sink: &dyn Sink) -> anyhow::Result<usize> {
    let cat_of = categories(site).1;
    let ids: Vec<NoteId> = NoteId::all(site.notes.len()).collect();
    ids.par_chunks(LOCAL_PACK)
        .map(|chunk| -> anyhow::Result<usize> {
            let mut table: PackTable = Default::default();
            let mut notes = serde_json::Map::new();
            for &i in chunk.iter().filter(|&&i| has_local_graph(site, i)) {
                let g = local_graph(site, i, &cat_of, &mut table);
                notes.insert(site.pages[i].href.clone(), g);
            }
            if notes.is_empty() {
                return Ok(0);
            }
            let (dirs, rows) = pack_rows(&table.0);
            let bytes =
                serde_json::to_vec(&json!({ "dirs": dirs, "nodes": rows, "notes": notes }))?;
            sink.put(&format!("{LOCAL_DIR}{}.json", local_pack(chunk[0])), &bytes)?;
            Ok(1)
        })
        .sum()
}

/// A pack's node rows as written: `[title, folder, rest of the URL, category]`, each folder
/// (the URL up to its last segment) listed once in the pack's `dirs`. A pack's neighbours share
/// a few folders, and their names were most of a row (about 10 MB of a 50k-note site).
fn pack_rows<'a>(rows: &[(&'a str, &'a str, usize)]) -> (Vec<&'a str>, Vec<PackRow<'a>>) {
    let mut dirs: Vec<&str> = Vec::new();
    let rows = rows
        .iter()
        .map(|&(title, url, cat)| {
            let cut = url.trim_end_matches('/').rfind('/').map_or(0, |k| k + 1);
            let (dir, rest) = url.split_at(cut);
            let d = dirs.iter().position(|x| *x == dir).unwrap_or_else(|| {
                dirs.push(dir);
                dirs.len() - 1
            });
            (title, d, rest, cat)
        })
        .collect();
    (dirs, rows)
}

/// A node row of a local-graph pack: title, folder number, rest of the URL, category.
type PackRow<'a> = (&'a str, usize, &'a str, usize);

/// A node of the global graph: title, URL, category, degree, x, y, tag ids.
type GraphNode<'a> = (&'a str, &'a str, usize, usize, f64, f64, Vec<usize>);

/// The global graph's data file.
#[derive(serde::Serialize)]
struct GraphData<'a> {
    categories: Vec<&'a str>,
    tags: Vec<&'a str>,
    nodes: Vec<GraphNode<'a>>,
    edges: Vec<[usize; 2]>,
}

/// Where the global graph's data file goes (followed by a hash of its bytes and `.json`).
pub const GRAPH_DATA: &str = "graph/data-";

/// Writes the global graph data (with a build-time layout) and returns its URL.
fn graph_data(site: &Site, sink: &dyn Sink, base: &str) -> anyhow::Result<String> {
    let (cat_names, groups) = categories(site);
    let edges = crate::link::graph::edges(&site.graph);
    let iterations = if site.notes.len() > 5000 { 40 } else { 120 };
    let t = std::time::Instant::now();
    let pos = crate::link::graph::layout_grouped(&groups, &edges, iterations);
    crate::progress::timing("layout", t);
    let mut tag_names: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &site.pages {
        for t in &p.tags {
            let n = tag_names.len();
            tag_names.entry(t.as_str()).or_insert(n);
        }
    }
    // typed rows, serialized straight to bytes: a `Value` tree of 10k nodes and 70k edges
    // would cost tens of MiB at the build's memory peak
    let nodes: Vec<GraphNode> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let degree = site.graph.outgoing[i].len() + site.graph.backlinks[i].len();
            (
                p.title.as_str(),
                p.href.as_str(),
                groups[i],
                degree,
                (pos[i].0 as f64 * 1000.0).round() / 1000.0 + 0.0,
                (pos[i].1 as f64 * 1000.0).round() / 1000.0 + 0.0,
                p.tags
                    .iter()
                    .filter_map(|t| tag_names.get(t.as_str()).copied())
                    .collect(),
            )
        })
        .collect();
    let mut tags: Vec<(&str, usize)> = tag_names.into_iter().collect();
    tags.sort_by_key(|t| t.1);
    let data = GraphData {
        categories: cat_names,
        tags: tags.iter().map(|t| t.0).collect(),
        nodes,
        edges: edges.iter().map(|&(a, b)| [a, b]).collect(),
    };
    let bytes = serde_json::to_vec(&data)?;
    let h = blake3::hash(&bytes).to_hex();
    let name = format!("{GRAPH_DATA}{}.json", &h[..12]);
    sink.put(&name, &bytes)?;
    Ok(format!("{base}{name}"))
}

/// A link to another note in a page context.
#[derive(serde::Serialize)]
struct NoteLink<'a> {
    title: &'a str,
    url: &'a str,
}

/// A heading in a note's table of contents.
#[derive(serde::Serialize)]
struct TocEntry<'a> {
    href: String,
    id: &'a str,
    level: u8,
    text: &'a str,
    /// The heading is a troubleshooting entry.
    trouble: bool,
}

/// A note linking here, with the text around the link.
#[derive(serde::Serialize)]
struct BacklinkEntry<'a> {
    context: String,
    title: &'a str,
    url: &'a str,
}

/// A tag of a note and its page.
#[derive(serde::Serialize)]
struct TagLink<'a> {
    name: &'a str,
    url: String,
}

/// The `note` value of a note page (keys in byte order, as templates iterating over it saw
/// them when it was a JSON object).
#[derive(serde::Serialize)]
struct NoteContext<'a> {
    aliases: &'a [String],
    backlinks: Vec<BacklinkEntry<'a>>,
    category: &'a str,
    category_url: String,
    content: String,
    date: Option<String>,
    description: &'a str,
    extra: &'a serde_json::Map<String, Value>,
    has_diagrams: bool,
    lang: &'a str,
    /// The URL of the local-graph pack holding this note (empty: nothing to draw).
    local_graph: &'a str,
    /// kb.toml's `local_graph_depth` (0: no local graph box).
    local_graph_depth: usize,
    next: Option<NoteLink<'a>>,
    path: &'a str,
    prev: Option<NoteLink<'a>>,
    rel_path: &'a str,
    related: Vec<NoteLink<'a>>,
    tags: Vec<TagLink<'a>>,
    title: &'a str,
    toc: Vec<TocEntry<'a>>,
    trouble: Vec<NoteLink<'a>>,
    updated: Option<String>,
    url: &'a str,
}

fn note_page(
    site: &Site,
    (ctx, gctx, folders): (&html::Ctx, &GraphCtx, &Folders),
    tera: &tera::Tera,
    i: NoteId,
    PrevNext { prev, next }: PrevNext,
) -> anyhow::Result<Vec<u8>> {
    let n = &site.notes[i];
    let p = &site.pages[i];
    let parsed = &site.parsed[i];
    let base = ctx.base_path;
    let link = |j: NoteId| NoteLink {
        title: &site.pages[j].title,
        url: &site.pages[j].href,
    };
    let local_src = if has_local_graph(site, i) {
        format!("{base}{LOCAL_DIR}{}.json", local_pack(i))
    } else {
        String::new()
    };
    let content = match n.kind {
        crate::site::NoteKind::Canvas => canvas::canvas_html(ctx, i, &p.title),
        crate::site::NoteKind::Base => bases::page_html(ctx, i),
        _ => html::note_html(ctx, i, &p.title),
    };
    let has_diagrams = content.contains("<svg class=\"kb-mermaid");
    let trouble = site.trouble_entries(i);
    let trouble_hrefs: Vec<String> = trouble
        .iter()
        .map(|e| format!("#{}", slug::encode_fragment(&e.anchor)))
        .collect();
    let note = NoteContext {
        aliases: &n.front.aliases,
        backlinks: site.graph.backlinks[i]
            .iter()
            .map(|b| BacklinkEntry {
                context: site.parsed[b.from].links[b.link].context.unpack(),
                title: &site.pages[b.from].title,
                url: &site.pages[b.from].href,
            })
            .collect(),
        category: &p.category,
        category_url: format!(
            "{base}#cat-{}",
            slug::encode_fragment(&slug::heading_id(&p.category))
        ),
        content,
        date: fmt_day(p.date),
        description: &p.description,
        extra: &n.front.extra,
        has_diagrams,
        lang: n
            .front
            .lang
            .as_deref()
            .unwrap_or(&site.opts.config.language),
        local_graph: &local_src,
        local_graph_depth: site.opts.config.local_graph_depth,
        next: next.map(link),
        path: &n.display_path,
        prev: prev.map(link),
        rel_path: &n.rel_path,
        related: crate::link::graph::related(&site.graph, gctx.tags, gctx.by_tag, i, 6)
            .into_iter()
            .map(link)
            .collect(),
        tags: p
            .tags
            .iter()
            .map(|t| TagLink {
                name: t,
                url: tag_href(base, t),
            })
            .collect(),
        title: &p.title,
        toc: parsed
            .headings
            .iter()
            .filter(|h| {
                !(h.level == 1
                    && parsed.h1.as_deref() == Some(p.title.as_str())
                    && h.start == parsed.headings[0].start)
            })
            .map(|h| TocEntry {
                href: format!("#{}", slug::encode_fragment(&h.id)),
                id: &h.id,
                level: h.level,
                text: &h.text,
                trouble: trouble.iter().any(|e| e.anchor == h.id),
            })
            .collect(),
        trouble: trouble
            .iter()
            .zip(&trouble_hrefs)
            .map(|(e, href)| NoteLink {
                title: &e.title,
                url: href,
            })
            .collect(),
        updated: fmt_day(p.updated),
        url: &p.href,
    };
    let mut c = page_context("note");
    c.insert("note", &note);
    c.insert("crumbs", &folders::note_crumbs(site, folders, i));
    c.insert(
        "folder_url",
        &folders::folder_href(base, folders, folders.of_note[i.index()]),
    );
    // rendered as bytes: tera's `render` would check the whole page is UTF-8 once more
    let mut page = Vec::with_capacity(32 * 1024);
    let template = match n.kind {
        crate::site::NoteKind::Canvas => "canvas.html",
        _ => "note.html",
    };
    tera.render_to(template, &c, &mut page)?;
    Ok(page)
}

/// The troubleshooting page and one per tag of the notes with entries: every entry grouped by
/// note, the notes by category (the technology) and then title, entries in note order.
fn trouble_pages(
    site: &Site,
    mut put: impl FnMut(&str, tera::Context) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let base = site.opts.config.base_path();
    let mut notes: Vec<(NoteId, &[crate::parse::trouble::Entry])> = NoteId::all(site.notes.len())
        .map(|i| (i, site.trouble_entries(i)))
        .filter(|(_, e)| !e.is_empty())
        .collect();
    notes.sort_by(|a, b| {
        let (pa, pb) = (&site.pages[a.0], &site.pages[b.0]);
        (
            pa.category.is_empty(),
            pa.category.to_lowercase(),
            pa.title.to_lowercase(),
        )
            .cmp(&(
                pb.category.is_empty(),
                pb.category.to_lowercase(),
                pb.title.to_lowercase(),
            ))
    });
    let mut by_tag: BTreeMap<String, usize> = BTreeMap::new();
    for (i, e) in &notes {
        let mut mine = HashSet::new();
        for t in &site.pages[*i].tags {
            let parts: Vec<&str> = t.split('/').collect();
            for k in 1..=parts.len() {
                mine.insert(parts[..k].join("/"));
            }
        }
        for t in mine {
            *by_tag.entry(t).or_default() += e.len();
        }
    }
    let tag_url = |t: &str| {
        format!(
            "{base}troubleshooting/{}/",
            slug::encode_path(&slug::slugify_path(t))
        )
    };
    let tags: Vec<Value> = by_tag
        .iter()
        .map(|(t, n)| json!({"name": t, "url": tag_url(t), "count": n}))
        .collect();
    let page = |tag: Option<&str>| {
        let groups: Vec<Value> = notes
            .iter()
            .filter(|(i, _)| {
                tag.is_none_or(|t| {
                    site.pages[*i]
                        .tags
                        .iter()
                        .any(|x| x == t || x.starts_with(&format!("{t}/")))
                })
            })
            .map(|(i, entries)| {
                let p = &site.pages[*i];
                json!({
                    "title": p.title,
                    "url": p.href,
                    "category": p.category,
                    "entries": entries.iter().map(|e| json!({
                        "title": e.title,
                        "href": format!("{}#{}", p.href, slug::encode_fragment(&e.anchor)),
                        "symptom": e.symptom,
                        "cause": e.cause,
                        "fix": e.fix,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let total: usize = groups
            .iter()
            .map(|g| g["entries"].as_array().map_or(0, Vec::len))
            .sum();
        let mut c = page_context("troubleshooting");
        c.insert("groups", &groups);
        c.insert("total", &total);
        c.insert("tags", &tags);
        c.insert("tag", &tag);
        c.insert("all_url", &format!("{base}troubleshooting/"));
        c
    };
    // each page rendered as soon as its context is made: never every tag's list at once
    put("troubleshooting/index.html", page(None))?;
    let mut seen = HashSet::new();
    for t in by_tag.keys() {
        let dir = slug::slugify_path(t);
        if seen.insert(dir.clone()) {
            put(&format!("troubleshooting/{dir}/index.html"), page(Some(t)))?;
        }
    }
    Ok(())
}

fn home_context(site: &Site, ctx: &html::Ctx) -> tera::Context {
    let home = site.home_note();
    let mut cats: BTreeMap<(bool, String), Vec<NoteId>> = BTreeMap::new();
    for (i, p) in NoteId::all(site.notes.len())
        .zip(&site.pages)
        .filter(|(i, _)| Some(*i) != home)
    {
        cats.entry((p.category.is_empty(), p.category.clone()))
            .or_default()
            .push(i);
    }
    let categories: Vec<Category> = cats
        .into_values()
        .map(|mut ids| {
            ids.sort_by_key(|&i| site.pages[i].title.to_lowercase());
            let name = site.pages[ids[0]].category.as_str();
            Category {
                name,
                id: format!("cat-{}", slug::heading_id(name)),
                notes: ids.iter().map(|&i| note_summary(site, i)).collect(),
            }
        })
        .collect();
    let mut c = page_context("home");
    c.insert("categories", &categories);
    c.insert(
        "recent",
        &recent(site, home)
            .into_iter()
            .map(|i| note_summary(site, i))
            .collect::<Vec<_>>(),
    );
    // the vault's home note, rendered like any note, above the listing
    let home = home.map(|i| {
        let p = &site.pages[i];
        let content = html::note_html(ctx, i, &p.title);
        json!({
            "title": p.title,
            "url": p.href,
            "has_diagrams": content.contains("<svg class=\"kb-mermaid"),
            "content": content,
        })
    });
    c.insert("home", &home.unwrap_or(Value::Null));
    c
}

/// The most recently updated notes, newest first (ties by title), `except` one.
fn recent(site: &Site, except: Option<NoteId>) -> Vec<NoteId> {
    let mut ids: Vec<NoteId> = NoteId::all(site.notes.len())
        .filter(|&i| Some(i) != except)
        .collect();
    ids.sort_by(|&a, &b| {
        site.pages[b]
            .updated
            .cmp(&site.pages[a].updated)
            .then(site.pages[a].title.cmp(&site.pages[b].title))
    });
    ids.truncate(site.opts.config.recent.max(1));
    ids
}

/// All tags with their parents (`db/nosql` also counts for `db`), and a context per tag page.
/// One tag page to render: its context is built only when the page is rendered, so a site
/// with many big tags never holds every tag page's note list at once.
struct TagPage {
    slug_path: String,
    name: String,
    ids: Vec<NoteId>,
    children: Vec<Value>,
}

fn tag_contexts(site: &Site, only: Option<&HashSet<String>>) -> (tera::Context, Vec<TagPage>) {
    let base = site.opts.config.base_path();
    let mut tags: BTreeMap<String, Vec<NoteId>> = BTreeMap::new();
    for (i, p) in NoteId::all(site.notes.len()).zip(&site.pages) {
        let mut mine = HashSet::new();
        for t in &p.tags {
            let parts: Vec<&str> = t.split('/').collect();
            for k in 1..=parts.len() {
                mine.insert(parts[..k].join("/"));
            }
        }
        for t in mine {
            tags.entry(t).or_default().push(i);
        }
    }
    let mut pages = Vec::new();
    let mut index = Vec::new();
    let mut seen_slugs = HashSet::new();
    for (t, ids) in &tags {
        let slug_path = slug::slugify_path(t);
        if !seen_slugs.insert(slug_path.clone()) {
            continue;
        }
        let depth = t.matches('/').count();
        index.push(
            json!({"name": t, "url": tag_href(&base, t), "count": ids.len(), "depth": depth}),
        );
        if only.is_some_and(|o| !o.contains(t)) {
            continue;
        }
        let mut ids = ids.clone();
        ids.sort_by_key(|&i| site.pages[i].title.to_lowercase());
        let children: Vec<Value> = tags
            .iter()
            .filter(|(c, _)| c.starts_with(&format!("{t}/")) && c.matches('/').count() == depth + 1)
            .map(|(c, v)| json!({"name": c, "url": tag_href(&base, c), "count": v.len()}))
            .collect();
        pages.push(TagPage {
            slug_path,
            name: t.clone(),
            ids,
            children,
        });
    }
    let mut c = page_context("tags");
    c.insert("tags", &index);
    (c, pages)
}

/// The context of one tag page.
fn tag_page_context(site: &Site, tp: &TagPage) -> tera::Context {
    let base = site.opts.config.base_path();
    let mut c = page_context("tag");
    c.insert(
        "tag",
        &json!({"name": tp.name, "url": tag_href(&base, &tp.name), "count": tp.ids.len()}),
    );
    c.insert("children", &tp.children);
    c.insert(
        "notes",
        &tp.ids
            .iter()
            .map(|&i| note_summary(site, i))
            .collect::<Vec<_>>(),
    );
    c
}

/// An href as feeds and sitemaps need it: absolute when kb.toml names the site's URL, and a
/// URI (non-ASCII percent-encoded), where pages carry IRIs.
fn abs_url(site: &Site, href: &str) -> String {
    let href = slug::encode_uri(href);
    let abs = site.opts.config.absolute_base();
    if abs.is_empty() {
        return href;
    }
    let base = slug::encode_uri(&site.opts.config.base_path());
    format!("{abs}{}", href.strip_prefix(&base).unwrap_or(&href))
}

fn feed_context(site: &Site) -> tera::Context {
    let entries: Vec<Value> = recent(site, None)
        .into_iter()
        .map(|i| {
            let p = &site.pages[i];
            json!({
                "title": p.title,
                "url": abs_url(site, &p.href),
                "updated": p.updated.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_else(|| "1970-01-01T00:00:00Z".into()),
                "summary": p.description,
            })
        })
        .collect();
    let updated = site
        .pages
        .iter()
        .filter_map(|p| p.updated)
        .max()
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let mut c = page_context("feed");
    c.insert("entries", &entries);
    c.insert("updated", &updated);
    c.insert(
        "feed_url",
        &abs_url(site, &format!("{}atom.xml", site.opts.config.base_path())),
    );
    c.insert("home_url", &abs_url(site, &site.opts.config.base_path()));
    c.insert("author", &site.opts.config.author);
    c
}

fn sitemap_context(site: &Site) -> tera::Context {
    /// One `<url>` of the sitemap, serialized straight into tera's context (a JSON value per
    /// page first held twice as much at a 50k-note build's peak).
    #[derive(serde::Serialize)]
    struct Url {
        loc: String,
        lastmod: Option<String>,
    }
    let mut urls = vec![Url {
        loc: abs_url(site, &site.opts.config.base_path()),
        lastmod: None,
    }];
    for p in &site.pages {
        urls.push(Url {
            loc: abs_url(site, &p.href),
            lastmod: fmt_day(p.updated),
        });
    }
    let mut c = page_context("sitemap");
    c.insert("urls", &urls);
    c.insert(
        "sitemap_url",
        &abs_url(
            site,
            &format!("{}sitemap.xml", site.opts.config.base_path()),
        ),
    );
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#39;".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    #[test]
    fn escaping_matches_the_character_by_character_rule() {
        let specials = ['&', '<', '>', '"', '\'', 'a', '한', ' ', '\u{80}', '%', '='];
        let mut cases = vec![
            String::new(),
            "plain text".into(),
            "Redis를 <메세지> \"브로커\"로 & 'cache'".into(),
        ];
        // a special at every offset around the 8-byte steps, beside multi-byte characters
        for len in 0..20 {
            for (k, &c) in specials.iter().enumerate() {
                let mut s: String = (0..len)
                    .map(|i| if i % 3 == 0 { '가' } else { 'x' })
                    .collect();
                let at = s.char_indices().nth(len / 2).map_or(s.len(), |(i, _)| i);
                s.insert(at, c);
                s.push(specials[(k + len) % specials.len()]);
                cases.push(s);
            }
        }
        for s in cases {
            assert_eq!(esc(&s), naive(&s), "{s:?}");
            let mut w = Vec::new();
            escape_to(&s, &mut w).unwrap();
            assert_eq!(String::from_utf8(w).unwrap(), naive(&s));
        }
    }
}
