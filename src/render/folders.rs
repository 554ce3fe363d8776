//! Browsing by folder: the folder listing pages, the breadcrumbs above a note, and the file
//! explorer's tree, one JSON file for the whole site whose name carries a hash of its bytes
//! (every page names it, so a browser fetches it once and a changed tree gets a new name).

use super::{note_summary, page_context};
use crate::parse::slug;
use crate::site::{Folders, NoteId, Site};
use serde_json::{Value, json};

/// Where the explorer's tree goes (followed by a hash of its bytes and `.json`).
pub const TREE: &str = "folders/tree-";

/// A link in a trail of breadcrumbs.
#[derive(serde::Serialize)]
pub struct Crumb {
    /// The folder's name as the vault spells it.
    pub name: String,
    /// The folder page's href.
    pub url: String,
}

/// The href of a folder's listing page.
pub fn folder_href(base: &str, folders: &Folders, k: usize) -> String {
    format!("{base}{}", slug::encode_path(&folders.list[k].slug))
}

/// The folders above note `i`, from the top: each links to its listing page (the root is
/// left out, as the trail starts at the home page).
pub fn note_crumbs(site: &Site, folders: &Folders, i: NoteId) -> Vec<Crumb> {
    crumbs(site, folders, &folders.trail(i))
}

fn crumbs(site: &Site, folders: &Folders, trail: &[usize]) -> Vec<Crumb> {
    let base = site.opts.config.base_path();
    trail
        .iter()
        .skip(1)
        .map(|&k| Crumb {
            name: folders.list[k].name.clone(),
            url: folder_href(&base, folders, k),
        })
        .collect()
}

/// The explorer's tree: per folder `[name, page, prefix, [subfolders], [[title, rest]]]`,
/// where `page` is the folder page's path below the base, and a note's path below the base is
/// `prefix` + `rest` + `/` (or `rest` without its leading `/`, and `/`, when the note is
/// published elsewhere, as a note renamed away from a reserved address is). Slugs hold only
/// letters, digits, `_`, `-` and `/`, which hrefs keep as they are (see `slug::encode_path`).
pub fn tree_json(site: &Site, folders: &Folders) -> Vec<u8> {
    fn folder(site: &Site, folders: &Folders, k: usize) -> Value {
        let f = &folders.list[k];
        let prefix = match slug::slugify_path(&f.path) {
            p if p.is_empty() => p,
            p => format!("{p}/"),
        };
        let notes: Vec<Value> = f
            .notes
            .iter()
            .map(|&i| {
                let p = &site.pages[i];
                let slug = p.slug.trim_end_matches('/');
                let rest = match slug.strip_prefix(&prefix) {
                    Some(r) if !r.starts_with('/') => r.to_string(),
                    _ => format!("/{slug}"),
                };
                json!([p.title, rest])
            })
            .collect();
        let subs: Vec<Value> = f
            .folders
            .iter()
            .map(|&c| folder(site, folders, c))
            .collect();
        json!([f.name, f.slug, prefix, subs, notes])
    }
    serde_json::to_vec(&folder(site, folders, 0)).unwrap_or_default()
}

/// The tree's file name below the base, from its bytes.
pub fn tree_name(bytes: &[u8]) -> String {
    format!("{TREE}{}.json", &blake3::hash(bytes).to_hex()[..12])
}

/// The context of folder `k`'s listing page: its subfolders (with how many notes each holds
/// and the description of each one's folder note) and its notes with their descriptions, in
/// the explorer's order.
pub fn folder_context(site: &Site, folders: &Folders, k: usize) -> tera::Context {
    let base = site.opts.config.base_path();
    let f = &folders.list[k];
    let trail = folders.ancestors(k);
    let mut c = page_context("folder");
    c.insert(
        "folder",
        &json!({
            "name": f.name,
            "path": f.path,
            "url": folder_href(&base, folders, k),
            "total": f.total,
        }),
    );
    // the folder itself is the last crumb, shown as the current page
    let mut trail_crumbs = crumbs(site, folders, &trail);
    trail_crumbs.pop();
    c.insert("crumbs", &trail_crumbs);
    c.insert("folder_url", &folder_href(&base, folders, k));
    c.insert(
        "subfolders",
        &f.folders
            .iter()
            .map(|&s| {
                let sub = &folders.list[s];
                json!({
                    "name": sub.name,
                    "url": folder_href(&base, folders, s),
                    "count": sub.total,
                    "description": sub.note.map_or("", |i| site.pages[i].description.as_str()),
                })
            })
            .collect::<Vec<_>>(),
    );
    c.insert(
        "notes",
        &f.notes
            .iter()
            .map(|&i| note_summary(site, i))
            .collect::<Vec<_>>(),
    );
    c
}
