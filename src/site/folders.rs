//! The vault's folders as the site shows them: every folder that holds a note (directly or
//! below), its notes and subfolders in the home page's order, and the address of its listing
//! page under `folders/`. The file explorer, the breadcrumbs and the folder pages read it.

use super::{NoteId, PageMeta, slug};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The folder under which kb writes the folder pages (reserved: no note is published there).
pub const FOLDERS: &str = "folders";

/// One folder of the vault.
#[derive(Debug, Clone, PartialEq)]
pub struct Folder {
    /// Path relative to the notes folder as the vault spells it (`""` for the root).
    pub path: String,
    /// The last part of the path (`""` for the root).
    pub name: String,
    /// The listing page's path below the base, e.g. `folders/messaging/` (not encoded).
    pub slug: String,
    /// The enclosing folder (`None` for the root).
    pub parent: Option<usize>,
    /// Subfolders, by name without case.
    pub folders: Vec<usize>,
    /// Notes directly in the folder, by title without case (as the home page lists them).
    pub notes: Vec<NoteId>,
    /// Notes in the folder and below it.
    pub total: usize,
    /// The folder's own note, whose description describes the folder: the one named like the
    /// folder (Obsidian's folder notes), else its `index` or `README`.
    pub note: Option<NoteId>,
}

/// Every folder holding notes, the root first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Folders {
    /// The folders; `list[0]` is the root.
    pub list: Vec<Folder>,
    /// The folder of each note.
    pub of_note: Vec<usize>,
}

impl Folders {
    /// Gathers the folders of the notes (`note_folders`: each note's folder, `""` at the top
    /// level; `stems`: its file name without `.md`) with the notes' pages, which give the
    /// titles they are sorted by.
    pub fn new(note_folders: &[&str], stems: &[&str], pages: &[PageMeta]) -> Folders {
        // every folder with a note in it or below it, parents before children
        let mut paths: BTreeMap<&str, Vec<NoteId>> = BTreeMap::new();
        paths.insert("", Vec::new());
        for (i, f) in note_folders.iter().enumerate() {
            paths.entry(f).or_default().push(NoteId::from(i));
            let mut rest = *f;
            while let Some(k) = rest.rfind('/') {
                rest = &rest[..k];
                paths.entry(rest).or_default();
            }
        }
        let index: HashMap<&str, usize> = paths.keys().enumerate().map(|(k, p)| (*p, k)).collect();
        let mut taken = HashSet::new();
        let mut list: Vec<Folder> = paths
            .iter()
            .map(|(path, notes)| {
                let mut notes = notes.clone();
                notes.sort_by_cached_key(|&i| pages[i].title.to_lowercase());
                let parent =
                    (!path.is_empty()).then(|| index[path.rfind('/').map_or("", |k| &path[..k])]);
                let name = path.rsplit('/').next().unwrap_or("");
                Folder {
                    note: folder_note(name, &notes, stems),
                    path: path.to_string(),
                    name: name.to_string(),
                    slug: unique_slug(path, &mut taken),
                    parent,
                    folders: Vec::new(),
                    total: notes.len(),
                    notes,
                }
            })
            .collect();
        // children in byte order of their paths come after their parents: totals add up
        // from the deepest folder back to the root
        for k in (1..list.len()).rev() {
            if let Some(p) = list[k].parent {
                let n = list[k].total;
                list[p].total += n;
                list[p].folders.push(k);
            }
        }
        for k in 0..list.len() {
            let mut sub = std::mem::take(&mut list[k].folders);
            sub.sort_by_cached_key(|&c| (list[c].name.to_lowercase(), list[c].name.clone()));
            list[k].folders = sub;
        }
        let of_note = note_folders.iter().map(|f| index[f]).collect();
        Folders { list, of_note }
    }

    /// The folder of note `i` and its ancestors, the root first.
    pub fn trail(&self, i: NoteId) -> Vec<usize> {
        self.ancestors(self.of_note.get(i.index()).copied().unwrap_or(0))
    }

    /// Folder `k` and its ancestors, the root first.
    pub fn ancestors(&self, k: usize) -> Vec<usize> {
        let mut out = vec![k];
        while let Some(p) = out.last().and_then(|&c| self.list.get(c)?.parent) {
            out.push(p);
        }
        out.reverse();
        out
    }
}

/// The note of folder `name` (none at the root, `""`) among its `notes`: named like the
/// folder, else `index`, else `README` (without case).
fn folder_note(name: &str, notes: &[NoteId], stems: &[&str]) -> Option<NoteId> {
    if name.is_empty() {
        return None;
    }
    let named = |want: &str| {
        notes
            .iter()
            .copied()
            .find(|&i| stems[i.index()].to_lowercase() == want.to_lowercase())
    };
    named(name)
        .or_else(|| named("index"))
        .or_else(|| named("README"))
}

/// The listing page's path of folder `path`: `folders/` and its slug; a folder whose slug
/// another took (`A B` and `a-b`) gets `-2`, `-3`, ... (folders are visited in byte order,
/// so the same vault always gives the same addresses).
fn unique_slug(path: &str, taken: &mut HashSet<String>) -> String {
    let base = slug::slugify_path(path);
    let mut s = base.clone();
    let mut k = 2;
    while !taken.insert(s.clone()) {
        s = format!("{base}-{k}");
        k += 1;
    }
    if s.is_empty() {
        format!("{FOLDERS}/")
    } else {
        format!("{FOLDERS}/{s}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(title: &str) -> PageMeta {
        PageMeta {
            title: title.into(),
            slug: String::new(),
            href: String::new(),
            category: String::new(),
            tags: Vec::new(),
            date: None,
            updated: None,
            description: String::new(),
        }
    }

    #[test]
    fn folders_nest_sort_and_count() {
        let folders = ["B/deep/er", "", "a", "B", "a b", "a-b", "a-b"];
        let stems = ["z", "Root", "x", "b", "s1", "README", "A-B"];
        let pages: Vec<PageMeta> = ["z", "Root", "x", "b note", "s1", "s2", "s3"]
            .into_iter()
            .map(page)
            .collect();
        let f = Folders::new(&folders, &stems, &pages);
        let paths: Vec<&str> = f.list.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["", "B", "B/deep", "B/deep/er", "a", "a b", "a-b"]);
        let names =
            |ks: &[usize]| -> Vec<String> { ks.iter().map(|&k| f.list[k].name.clone()).collect() };
        assert_eq!(names(&f.list[0].folders), ["a", "a b", "a-b", "B"]);
        assert_eq!(f.list[0].total, 7);
        assert_eq!(f.list[1].total, 2);
        assert_eq!(f.list[2].notes, Vec::<NoteId>::new());
        assert_eq!(f.list[2].total, 1);
        // `a b` and `a-b` slugify alike: the second in byte order gets a suffix
        assert_eq!(f.list[5].slug, "folders/a-b/");
        assert_eq!(f.list[6].slug, "folders/a-b-2/");
        assert_eq!(f.list[0].slug, "folders/");
        assert_eq!(names(&f.trail(NoteId(0))), ["", "B", "deep", "er"]);
        assert_eq!(f.trail(NoteId(1)), [0]);
        // folder notes: named like the folder (before a README), none at the root
        assert_eq!(f.list[1].note, Some(NoteId(3)));
        assert_eq!(f.list[6].note, Some(NoteId(6)));
        assert_eq!(f.list[4].note, None);
        assert_eq!(f.list[0].note, None);
    }
}
