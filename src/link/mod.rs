//! Stage 3, link: resolve every wikilink, embed and Markdown link the way Obsidian does, and
//! build the graph: outgoing edges, backlinks with context, embed cycles and diagnostics.

pub use crate::site::graph::{Backlink, Graph, Resolution, Resolver, Target};

use crate::diag::{Code, Diagnostic};
use crate::load::{Attachment, Note};
use crate::parse::inline::split_wiki_target;
use crate::parse::{LinkKind, LinkRef, ParsedNote};
use crate::site::NoteId;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

pub mod graph;
pub mod mentions;
pub mod site;

impl Resolution {
    fn broken() -> Self {
        Resolution {
            target: Target::Broken,
            missing_anchor: None,
            ambiguous: vec![],
        }
    }
}

fn key(s: &str) -> String {
    s.trim().nfc().collect::<String>().to_lowercase()
}

fn strip_md(s: &str) -> &str {
    if s.len() >= 3
        && s.is_char_boundary(s.len() - 3)
        && s[s.len() - 3..].eq_ignore_ascii_case(".md")
    {
        &s[..s.len() - 3]
    } else {
        s
    }
}

impl Resolver {
    /// Indexes notes by path, file name, title and aliases, and attachments by path and name.
    pub fn new(notes: &[Note], titles: &[String], attachments: &[Attachment]) -> Self {
        let mut r = Resolver::default();
        for (i, n) in notes.iter().enumerate() {
            let id = NoteId::from(i);
            r.by_path.insert(key(strip_md(&n.rel_path)), id);
            r.by_stem.entry(key(&n.stem)).or_default().push(id);
            // a canvas or a base is linked by its file name only, as in Obsidian
            let mut names = if n.kind == crate::site::NoteKind::Markdown {
                vec![key(&titles[i])]
            } else {
                vec![]
            };
            names.extend(n.front.aliases.iter().map(|a| key(a)));
            names.sort();
            names.dedup();
            for name in names {
                r.by_name.entry(name).or_default().push(id);
            }
            r.path_len
                .push((n.rel_path.chars().count(), n.rel_path.clone()));
        }
        for (i, a) in attachments.iter().enumerate() {
            r.att_by_path.insert(key(&a.rel_path), i);
            let name = a.rel_path.rsplit('/').next().unwrap_or(&a.rel_path);
            r.att_by_name.entry(key(name)).or_default().push(i);
        }
        r
    }

    /// Picks among notes sharing a name: one in the linking note's folder, else the shortest path.
    fn pick(&self, from_folder: &str, cands: &[NoteId]) -> (NoteId, Vec<NoteId>) {
        let mut c = cands.to_vec();
        c.sort_by(|&a, &b| self.path_len[a].cmp(&self.path_len[b]));
        c.dedup();
        let same_folder = c.iter().copied().find(|&i| {
            let p = &self.path_len[i].1;
            p.rsplit_once('/').map(|(f, _)| f).unwrap_or("") == from_folder
        });
        let first = same_folder.unwrap_or(c[0]);
        (first, if c.len() > 1 { c } else { vec![] })
    }

    /// Finds the note a wikilink name refers to: path, file name, then title and aliases.
    pub fn find_note(&self, from: &Note, name: &str) -> Option<(NoteId, Vec<NoteId>)> {
        let k = key(strip_md(name.trim_start_matches('/')));
        if k.is_empty() {
            return None;
        }
        if let Some(&i) = self.by_path.get(&k) {
            return Some((i, vec![]));
        }
        if k.contains('/') {
            // relative to the linking note's folder
            if let Some(joined) = join(&from.folder, &k)
                && let Some(&i) = self.by_path.get(&key(&joined))
            {
                return Some((i, vec![]));
            }
            // a path suffix: `db/Redis` matches `notes/x/db/Redis.md` (among the notes of that
            // file name, not by a scan of every path: a vault's broken path links would make
            // the link stage quadratic)
            let suffix = format!("/{k}");
            let stem = k.rsplit('/').next().unwrap_or(&k);
            let cands: Vec<NoteId> = self
                .by_stem
                .get(stem)
                .map(|c| {
                    c.iter()
                        .copied()
                        .filter(|&i| key(strip_md(&self.path_len[i].1)).ends_with(&suffix))
                        .collect()
                })
                .unwrap_or_default();
            if !cands.is_empty() {
                return Some(self.pick(&from.folder, &cands));
            }
            return None;
        }
        if let Some(c) = self.by_stem.get(&k) {
            return Some(self.pick(&from.folder, c));
        }
        if let Some(c) = self.by_name.get(&k) {
            return Some(self.pick(&from.folder, c));
        }
        None
    }

    /// Finds an attachment by path (from the root or relative to `from`) or by file name.
    pub fn find_attachment(&self, from: &Note, name: &str) -> Option<usize> {
        let k = key(name.trim_start_matches('/'));
        if let Some(&i) = self.att_by_path.get(&k) {
            return Some(i);
        }
        if let Some(joined) = join(&from.folder, &k)
            && let Some(&i) = self.att_by_path.get(&key(&joined))
        {
            return Some(i);
        }
        let file = k.rsplit('/').next().unwrap_or(&k);
        self.att_by_name.get(file).map(|c| c[0])
    }

    /// Every name a note can be linked by (file name, title, aliases), for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.by_stem.keys().chain(self.by_name.keys())
    }
}

/// Joins a folder and a relative path, resolving `.` and `..`; `None` if it leaves the root.
pub fn join(folder: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Resolves the anchor part of a link against the target note.
fn resolve_anchor(parsed: &ParsedNote, anchor: &str) -> Result<String, ()> {
    if let Some(block) = anchor.strip_prefix('^') {
        return parsed
            .block_ids
            .iter()
            .find(|b| b.id == block)
            .map(|b| format!("^{}", b.id))
            .ok_or(());
    }
    parsed
        .find_heading(anchor)
        // `#Parent#Child`: Obsidian's heading path names the child last
        .or_else(|| {
            let last = anchor
                .rsplit('#')
                .next()
                .filter(|l| l.len() < anchor.len())?;
            parsed.find_heading(last)
        })
        .map(|h| h.id.clone())
        .ok_or(())
}

/// Resolves one link of note `from`.
pub fn resolve(
    resolver: &Resolver,
    notes: &[Note],
    parsed: &[ParsedNote],
    from: NoteId,
    link: &LinkRef,
) -> Resolution {
    let note = &notes[from];
    match link.kind {
        LinkKind::Wiki | LinkKind::Embed => {
            let t = split_wiki_target(&link.dest);
            resolve_parts(
                resolver,
                notes,
                parsed,
                from,
                &t.name,
                t.anchor.as_deref(),
                link.kind == LinkKind::Embed,
            )
        }
        LinkKind::Markdown | LinkKind::Image => {
            let dest = link
                .dest
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>');
            let (path, anchor) = match dest.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (dest, None),
            };
            let path = path.split('?').next().unwrap_or(path);
            let path = percent_encoding::percent_decode_str(path)
                .decode_utf8_lossy()
                .to_string();
            let anchor = anchor.map(|a| {
                percent_encoding::percent_decode_str(a)
                    .decode_utf8_lossy()
                    .to_string()
            });
            if path.is_empty() {
                return resolve_parts(resolver, notes, parsed, from, "", anchor.as_deref(), false);
            }
            let full = if let Some(abs) = path.strip_prefix('/') {
                Some(abs.to_string())
            } else {
                join(&note.folder, &path)
            };
            let Some(full) = full else {
                return Resolution::broken();
            };
            let k = key(&full);
            let note_key = key(strip_md(&full));
            if let Some(&i) = resolver.by_path.get(&note_key)
                && (k.ends_with(".md") || !resolver.att_by_path.contains_key(&k))
            {
                return with_anchor(parsed, i, anchor.as_deref(), vec![]);
            }
            if let Some(&a) = resolver.att_by_path.get(&k) {
                return Resolution {
                    target: Target::Attachment(a),
                    missing_anchor: None,
                    ambiguous: vec![],
                };
            }
            // written explicitly relative (`./`, `../`): nothing else is tried, as in Obsidian
            if path.starts_with("./") || path.starts_with("../") {
                return Resolution::broken();
            }
            // from the vault root ("absolute path in vault"), then Obsidian's shortest-path
            // lookup: a file name, or a path suffix, found anywhere
            let from_root = key(&path);
            if let Some(&i) = resolver.by_path.get(&key(strip_md(&path)))
                && (from_root.ends_with(".md") || !resolver.att_by_path.contains_key(&from_root))
            {
                return with_anchor(parsed, i, anchor.as_deref(), vec![]);
            }
            resolve_parts(
                resolver,
                notes,
                parsed,
                from,
                &path,
                anchor.as_deref(),
                link.kind == LinkKind::Image,
            )
        }
    }
}

fn with_anchor(
    parsed: &[ParsedNote],
    id: NoteId,
    anchor: Option<&str>,
    ambiguous: Vec<NoteId>,
) -> Resolution {
    match anchor {
        None => Resolution {
            target: Target::Note { id, anchor: None },
            missing_anchor: None,
            ambiguous,
        },
        Some(a) => match resolve_anchor(&parsed[id], a) {
            Ok(aid) => Resolution {
                target: Target::Note {
                    id,
                    anchor: Some(aid),
                },
                missing_anchor: None,
                ambiguous,
            },
            Err(()) => Resolution {
                target: Target::Note { id, anchor: None },
                missing_anchor: Some(a.to_string()),
                ambiguous,
            },
        },
    }
}

/// Resolves a (name, anchor) pair as a wikilink does.
pub fn resolve_parts(
    resolver: &Resolver,
    notes: &[Note],
    parsed: &[ParsedNote],
    from: NoteId,
    name: &str,
    anchor: Option<&str>,
    embed: bool,
) -> Resolution {
    if name.is_empty() {
        return match anchor {
            Some(_) => with_anchor(parsed, from, anchor, vec![]),
            None => Resolution::broken(),
        };
    }
    let has_ext = name
        .rsplit('/')
        .next()
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| {
            !e.eq_ignore_ascii_case("md") && !e.is_empty() && e.len() <= 5 && !e.contains(' ')
        })
        .unwrap_or(false);
    if has_ext && let Some(a) = resolver.find_attachment(&notes[from], name) {
        return Resolution {
            target: Target::Attachment(a),
            missing_anchor: None,
            ambiguous: vec![],
        };
    }
    if let Some((id, amb)) = resolver.find_note(&notes[from], name) {
        return with_anchor(parsed, id, anchor, amb);
    }
    if !has_ext
        && embed
        && let Some(a) = resolver.find_attachment(&notes[from], name)
    {
        return Resolution {
            target: Target::Attachment(a),
            missing_anchor: None,
            ambiguous: vec![],
        };
    }
    Resolution::broken()
}

/// Closest existing name to `name` for a "did you mean" hint.
pub fn suggest<'a>(names: impl Iterator<Item = &'a String>, name: &str) -> Option<String> {
    let k = key(name);
    let mut kc: Vec<char> = k.chars().collect();
    kc.sort_unstable();
    let mut best: Option<(f64, &String)> = None;
    let mut nc: Vec<char> = Vec::new();
    for n in names {
        // every character of the longer name that the other lacks costs an edit, so the
        // characters in common bound the similarity: most names are ruled out without the
        // quadratic distance (a vault with many broken links spent its link stage here)
        nc.clear();
        nc.extend(n.chars());
        nc.sort_unstable();
        let longest = kc.len().max(nc.len());
        if longest > 0 {
            let bound = common_chars(&kc, &nc) as f64 / longest as f64;
            if bound < 0.5 || best.is_some_and(|(b, _)| bound < b) {
                continue;
            }
        }
        let s = strsim::normalized_levenshtein(&k, n);
        // equally close names: the first in byte order, whatever order the names come in
        if s >= 0.5 && best.is_none_or(|(b, bn)| s > b || (s == b && n < bn)) {
            best = Some((s, n));
        }
    }
    best.map(|(_, n)| n.clone())
}

/// Size of the multiset intersection of two sorted character lists.
fn common_chars(a: &[char], b: &[char]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Runs the link stage over all notes.
pub fn link(
    notes: &[Note],
    parsed: &[ParsedNote],
    titles: &[String],
    attachments: &[Attachment],
) -> Graph {
    use rayon::prelude::*;
    let resolver = Resolver::new(notes, titles, attachments);
    let per_note: Vec<(Vec<Resolution>, Vec<Diagnostic>)> = (0..notes.len())
        .into_par_iter()
        .map(|i| {
            let i = NoteId::from(i);
            let mut diags = Vec::new();
            let res: Vec<Resolution> = parsed[i]
                .links
                .iter()
                .map(|l| {
                    let r = resolve(&resolver, notes, parsed, i, l);
                    report(&resolver, notes, i, l, &r, &mut diags);
                    r
                })
                .collect();
            (res, diags)
        })
        .collect();
    let mut g = Graph {
        outgoing: vec![Vec::new(); notes.len()],
        backlinks: vec![Vec::new(); notes.len()],
        ..Graph::default()
    };
    let mut resolutions = Vec::with_capacity(notes.len());
    for (i, (res, diags)) in per_note.into_iter().enumerate() {
        let i = NoteId::from(i);
        g.diagnostics.extend(diags);
        for (li, r) in res.iter().enumerate() {
            if let Target::Note { id, .. } = r.target
                && id != i
                && !g.outgoing[i].contains(&id)
            {
                g.outgoing[i].push(id);
                g.backlinks[id].push(Backlink { from: i, link: li });
            }
        }
        resolutions.push(res);
    }
    g.resolutions = resolutions;
    g.diagnostics
        .extend(embed_cycles(notes, parsed, &g.resolutions));
    g.resolver = resolver;
    g
}

/// Resolves the links of notes that changed in place (names, headings and block ids of every
/// note unchanged), updating resolutions, outgoing edges, backlinks and diagnostics.
pub fn relink(g: &mut Graph, notes: &[Note], parsed: &[ParsedNote], changed: &[NoteId]) {
    let changed_paths: std::collections::HashSet<&str> = changed
        .iter()
        .map(|&i| notes[i].display_path.as_str())
        .collect();
    // embed cycles and depths are found again over the whole graph
    let whole = |d: &Diagnostic| d.code == Code::EmbedCycle || d.code == Code::EmbedDepth;
    g.diagnostics
        .retain(|d| !whole(d) && !changed_paths.contains(d.path.as_str()));
    for &i in changed {
        // drop the old edges
        for &t in &g.outgoing[i] {
            g.backlinks[t].retain(|b| b.from != i);
        }
        g.outgoing[i].clear();
        let mut diags = Vec::new();
        let res: Vec<Resolution> = parsed[i]
            .links
            .iter()
            .map(|l| {
                let r = resolve(&g.resolver, notes, parsed, i, l);
                report(&g.resolver, notes, i, l, &r, &mut diags);
                r
            })
            .collect();
        for (li, r) in res.iter().enumerate() {
            if let Target::Note { id, .. } = r.target
                && id != i
                && !g.outgoing[i].contains(&id)
            {
                g.outgoing[i].push(id);
                let b = Backlink { from: i, link: li };
                // keep backlinks in note order, as a full build has them
                let pos = g.backlinks[id].partition_point(|x| x.from < i);
                g.backlinks[id].insert(pos, b);
            }
        }
        g.resolutions[i] = res;
        g.diagnostics.extend(diags);
    }
    g.diagnostics
        .extend(embed_cycles(notes, parsed, &g.resolutions));
}

fn report(
    resolver: &Resolver,
    notes: &[Note],
    from: NoteId,
    l: &LinkRef,
    r: &Resolution,
    diags: &mut Vec<Diagnostic>,
) {
    let path = notes[from].display_path.clone();
    let what = match l.kind {
        LinkKind::Embed => "embed",
        LinkKind::Image => "image",
        _ => "link",
    };
    match &r.target {
        Target::Broken => {
            let t = match l.kind {
                LinkKind::Wiki | LinkKind::Embed => split_wiki_target(&l.dest).name,
                _ => l.dest.clone(),
            };
            let is_file = l.kind == LinkKind::Image
                || t.rsplit_once('.')
                    .is_some_and(|(_, e)| !e.eq_ignore_ascii_case("md") && e.len() <= 5);
            let sugg = if is_file {
                None
            } else {
                suggest(
                    resolver.names(),
                    strip_md(t.rsplit('/').next().unwrap_or(&t)),
                )
            };
            let sugg_display = sugg.as_ref().map(|s| {
                // show the suggestion with its original spelling
                resolver
                    .find_note(&notes[from], s)
                    .map(|(i, _)| notes[i].stem.clone())
                    .unwrap_or_else(|| s.clone())
            });
            let (code, msg) = if is_file {
                (
                    Code::MissingAttachment,
                    format!("{what} target `{t}` is not a file under the notes folder"),
                )
            } else {
                (
                    if l.kind == LinkKind::Embed {
                        Code::BrokenEmbed
                    } else {
                        Code::BrokenLink
                    },
                    format!("broken {what}: no note named `{t}`"),
                )
            };
            // `[[C#]]` for a note named `C#.md`: `#` opens a heading in a wikilink
            let hash_name = matches!(l.kind, LinkKind::Wiki | LinkKind::Embed)
                && l.dest.contains('#')
                && resolver.find_note(&notes[from], &l.dest).is_some();
            let hint = match &sugg_display {
                _ if hash_name => format!(
                    "`#` starts a heading in a wikilink, so this looks for a heading in `{t}`; \
                     rename `{}.md` without `#` (Obsidian does not allow it either) or use a \
                     Markdown link such as [text]({}.md)",
                    l.dest,
                    crate::parse::slug::encode_uri(&crate::parse::slug::encode_path(&l.dest))
                ),
                Some(s) => format!("did you mean [[{s}]]?"),
                None if is_file => "add the file under notes/ or fix the path".to_string(),
                None => match strip_md(&t).rsplit_once('/') {
                    Some((folder, name)) if !folder.starts_with('.') => format!(
                        "create the note with `kb new \"{name}\" --folder \"{folder}\"` or fix the path"
                    ),
                    _ => format!(
                        "create the note with `kb new \"{}\"` or fix the name",
                        strip_md(&t)
                    ),
                },
            };
            diags.push(
                Diagnostic::warning(code, path, (l.line, l.col), msg, hint)
                    .with_target(l.dest.clone())
                    .with_suggestion(
                        sugg_display
                            .filter(|_| !hash_name)
                            .map(|s| format!("[[{s}]]")),
                    ),
            );
        }
        Target::Note { id, .. } => {
            if let Some(a) = &r.missing_anchor {
                let target_name = &notes[*id].stem;
                diags.push(
                    Diagnostic::warning(
                        Code::BrokenAnchor,
                        path.clone(),
                        (l.line, l.col),
                        format!("`{target_name}` has no heading or block `{a}`"),
                        "the link goes to the top of the note; fix the heading name",
                    )
                    .with_target(l.dest.clone()),
                );
            }
            if !r.ambiguous.is_empty() {
                let names: Vec<String> = r
                    .ambiguous
                    .iter()
                    .map(|&i| notes[i].rel_path.clone())
                    .collect();
                diags.push(
                    Diagnostic::warning(
                        Code::AmbiguousLink,
                        path,
                        (l.line, l.col),
                        format!(
                            "`{}` matches {} notes: {}; using {}",
                            l.dest,
                            names.len(),
                            names.join(", "),
                            notes[*id].rel_path
                        ),
                        "link with a path such as [[folder/Name]] to pick one",
                    )
                    .with_target(l.dest.clone()),
                );
            }
        }
        Target::Attachment(_) => {}
    }
}

/// The byte range of a note (or of one of its sections or blocks) that an embed shows.
pub fn embed_range(note: &Note, parsed: &ParsedNote, anchor: Option<&str>) -> (usize, usize) {
    let len = parsed.markdown_len(note);
    match anchor {
        Some(a) if a.starts_with('^') => parsed
            .block_ids
            .iter()
            .find(|b| format!("^{}", b.id) == a)
            .map(|b| (b.start, b.end))
            .unwrap_or((0, len)),
        Some(a) => parsed
            .headings
            .iter()
            .find(|h| h.id == a)
            .map(|h| (h.start, h.end))
            .unwrap_or((0, len)),
        None => (0, len),
    }
}

/// Embeds nest at most this deep on a page; a deeper embed is shown as a link.
pub const MAX_EMBED_DEPTH: usize = 4;

/// Finds embed cycles (a embeds b embeds a) with an iterative depth-first search over
/// (note, shown range) pairs, so a note embedding one of its own sections is not a cycle
/// unless that section embeds itself again. The same search measures how deep embeds nest
/// below each embed (capped, memoised per pair, so dense embed graphs stay linear) and warns
/// where a page's embeds nest deeper than [`MAX_EMBED_DEPTH`].
fn embed_cycles(notes: &[Note], parsed: &[ParsedNote], res: &[Vec<Resolution>]) -> Vec<Diagnostic> {
    let embeds = embeds_by_note(notes, parsed, res);
    let mut search = EmbedSearch {
        notes,
        parsed,
        embeds: &embeds,
        state: HashMap::new(),
        height: HashMap::new(),
        diags: Vec::new(),
        reported: std::collections::HashSet::new(),
    };
    for start in NoteId::all(notes.len()) {
        if !embeds[start].is_empty() {
            search.from(start);
        }
    }
    // a page shows embeds MAX_EMBED_DEPTH levels deep: an embed with that many levels below
    // it (or more) has some shown as links
    for i in NoteId::all(notes.len()).filter(|&i| !embeds[i].is_empty()) {
        let root = Shown::whole(notes, parsed, i);
        let Some(&(li, w)) = search.children(root).iter().find(|(li, w)| {
            !search.reported.contains(&(i, *li))
                && *w != root
                && search.height.get(w).copied().unwrap_or(0) >= MAX_EMBED_DEPTH
        }) else {
            continue;
        };
        let l = &parsed[i].links[li];
        search.diags.push(
            Diagnostic::warning(
                Code::EmbedDepth,
                notes[i].display_path.clone(),
                (l.line, l.col),
                format!(
                    "embeds nest more than {MAX_EMBED_DEPTH} levels deep from `{}`; the deepest are shown as links",
                    notes[w.note].stem
                ),
                "embed a note with fewer embeds of its own, or link to the deep one instead of embedding it",
            )
            .with_target(l.dest.clone()),
        );
    }
    search.diags
}

/// What an embed shows: a note, or the byte range of one of its sections or blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Shown {
    note: NoteId,
    start: usize,
    end: usize,
}

impl Shown {
    fn whole(notes: &[Note], parsed: &[ParsedNote], note: NoteId) -> Shown {
        Shown {
            note,
            start: 0,
            end: parsed[note].markdown_len(&notes[note]),
        }
    }
}

/// One embed of a note: where it is written, which of the note's links it is, what it shows.
struct Embed {
    offset: usize,
    link: usize,
    shows: Shown,
}

/// The embeds of every note, in link order.
fn embeds_by_note(
    notes: &[Note],
    parsed: &[ParsedNote],
    res: &[Vec<Resolution>],
) -> Vec<Vec<Embed>> {
    NoteId::all(notes.len())
        .map(|i| {
            parsed[i]
                .links
                .iter()
                .zip(&res[i])
                .enumerate()
                .filter(|(_, (l, _))| l.kind == LinkKind::Embed)
                .filter_map(|(li, (l, r))| match &r.target {
                    // a canvas or a base is shown as a card of its own, not transcluded
                    Target::Note { id, .. }
                        if notes[*id].kind != crate::site::NoteKind::Markdown =>
                    {
                        None
                    }
                    Target::Note { id, anchor } => {
                        let (start, end) =
                            embed_range(&notes[*id], &parsed[*id], anchor.as_deref());
                        Some(Embed {
                            offset: l.offset,
                            link: li,
                            shows: Shown {
                                note: *id,
                                start,
                                end,
                            },
                        })
                    }
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// A shown range on the search's stack: its embeds (link index, what it shows), the next one
/// to visit, and the deepest nesting found below it so far.
struct Frame {
    node: Shown,
    embeds: Vec<(usize, Shown)>,
    next: usize,
    height: usize,
}

/// The depth-first search of [`embed_cycles`], with what it has learnt so far.
struct EmbedSearch<'a> {
    notes: &'a [Note],
    parsed: &'a [ParsedNote],
    embeds: &'a [Vec<Embed>],
    /// 1 while a node is on the stack, 2 once finished.
    state: HashMap<Shown, u8>,
    /// Levels of embeds below a finished node (0: it embeds nothing), capped.
    height: HashMap<Shown, usize>,
    diags: Vec<Diagnostic>,
    /// Embeds already reported as cycles, by note and link index.
    reported: std::collections::HashSet<(NoteId, usize)>,
}

impl EmbedSearch<'_> {
    /// The embeds written inside what `n` shows.
    fn children(&self, n: Shown) -> Vec<(usize, Shown)> {
        self.embeds[n.note]
            .iter()
            .filter(|e| e.offset >= n.start && e.offset < n.end.max(n.start + 1))
            .map(|e| (e.link, e.shows))
            .collect()
    }

    /// Searches from the whole of note `start`.
    fn from(&mut self, start: NoteId) {
        let root = Shown::whole(self.notes, self.parsed, start);
        if self.state.contains_key(&root) {
            return;
        }
        let mut stack = vec![Frame {
            node: root,
            embeds: self.children(root),
            next: 0,
            height: 0,
        }];
        self.state.insert(root, 1);
        while let Some(top) = stack.last_mut() {
            if top.next < top.embeds.len() {
                let (li, w) = top.embeds[top.next];
                top.next += 1;
                let v = top.node;
                match self.state.get(&w).copied() {
                    Some(1) => self.report_cycle(&stack, v, li, w),
                    Some(_) => {
                        let h = self.height.get(&w).copied().unwrap_or(0);
                        let top = stack.last_mut().expect("not empty");
                        top.height = top.height.max(h + 1).min(MAX_EMBED_DEPTH + 1);
                    }
                    None => {
                        self.state.insert(w, 1);
                        let embeds = self.children(w);
                        stack.push(Frame {
                            node: w,
                            embeds,
                            next: 0,
                            height: 0,
                        });
                    }
                }
            } else {
                let (node, h) = (top.node, top.height);
                self.state.insert(node, 2);
                self.height.insert(node, h);
                stack.pop();
                if let Some(parent) = stack.last_mut() {
                    parent.height = parent.height.max(h + 1).min(MAX_EMBED_DEPTH + 1);
                }
            }
        }
    }

    /// Reports the embed `li` of `v`, which shows `w`, already on the stack: a cycle.
    fn report_cycle(&mut self, stack: &[Frame], v: Shown, li: usize, w: Shown) {
        if !self.reported.insert((v.note, li)) {
            return;
        }
        let (notes, l) = (self.notes, &self.parsed[v.note].links[li]);
        let mut cycle: Vec<String> = stack
            .iter()
            .skip_while(|f| f.node != w)
            .map(|f| notes[f.node.note].stem.clone())
            .collect();
        cycle.push(notes[w.note].stem.clone());
        self.diags.push(
            Diagnostic::error(
                Code::EmbedCycle,
                notes[v.note].display_path.clone(),
                (l.line, l.col),
                format!("embed cycle: {}", cycle.join(" -> ")),
                "remove one of the embeds; the cycle is shown as a link on the page",
            )
            .with_target(l.dest.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn vault(files: &[(&str, &str)]) -> (Vec<Note>, Vec<ParsedNote>, Vec<String>) {
        let notes: Vec<Note> = files
            .iter()
            .map(|(p, t)| {
                crate::load::note_from_bytes(
                    &format!("notes/{p}"),
                    p.to_string(),
                    PathBuf::new(),
                    t.as_bytes().to_vec(),
                    None,
                )
                .0
                .unwrap()
            })
            .collect();
        let parsed: Vec<ParsedNote> = notes.iter().map(crate::parse::parse_note).collect();
        let titles = notes
            .iter()
            .map(|n| n.front.title.clone().unwrap_or_else(|| n.stem.clone()))
            .collect();
        (notes, parsed, titles)
    }

    #[test]
    fn obsidian_resolution_order() {
        let (n, p, t) = vault(&[
            (
                "a.md",
                "[[redis]] [[db/Redis]] [[레디스#사용 예시]] [[Nope]] [[Redis#Missing]] [[#Local]] [[x/Dup]]\n\n## Local",
            ),
            ("db/Redis.md", "---\naliases: [레디스]\n---\n## 사용 예시\n"),
            ("x/Dup.md", ""),
            ("y/z/Dup.md", ""),
            ("Dup.md", ""),
        ]);
        let g = link(&n, &p, &t, &[]);
        let r = &g.resolutions[0];
        assert_eq!(
            r[0].target,
            Target::Note {
                id: NoteId(1),
                anchor: None
            }
        );
        assert_eq!(
            r[1].target,
            Target::Note {
                id: NoteId(1),
                anchor: None
            }
        );
        assert_eq!(
            r[2].target,
            Target::Note {
                id: NoteId(1),
                anchor: Some("사용-예시".into())
            }
        );
        assert_eq!(r[3].target, Target::Broken);
        assert_eq!(r[4].missing_anchor.as_deref(), Some("Missing"));
        assert_eq!(
            r[5].target,
            Target::Note {
                id: NoteId(0),
                anchor: Some("local".into())
            }
        );
        assert_eq!(
            r[6].target,
            Target::Note {
                id: NoteId(2),
                anchor: None
            }
        );
        assert_eq!(g.backlinks[1].len(), 1);
        let codes: Vec<&str> = g.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert!(codes.contains(&"broken-link"));
        assert!(codes.contains(&"broken-anchor"));
    }

    #[test]
    fn ambiguous_picks_shortest_path() {
        let (n, p, t) = vault(&[("a.md", "[[Dup]]"), ("b/c/Dup.md", ""), ("b/Dup.md", "")]);
        let g = link(&n, &p, &t, &[]);
        assert_eq!(
            g.resolutions[0][0].target,
            Target::Note {
                id: NoteId(2),
                anchor: None
            }
        );
        assert!(g.diagnostics.iter().any(|d| d.code == Code::AmbiguousLink));
    }

    #[test]
    fn suggestion_for_typo() {
        let (n, p, t) = vault(&[("a.md", "[[Rediss]]"), ("Redis.md", "")]);
        let g = link(&n, &p, &t, &[]);
        assert_eq!(g.diagnostics[0].suggestion.as_deref(), Some("[[Redis]]"));
        assert!(g.diagnostics[0].hint.contains("did you mean [[Redis]]?"));
    }

    #[test]
    fn markdown_links_relative() {
        let (n, p, t) = vault(&[
            ("db/a.md", "[x](../b%20c.md#h) [y](sub/d.md)"),
            ("b c.md", "## H"),
            ("db/sub/d.md", ""),
        ]);
        let g = link(&n, &p, &t, &[]);
        assert_eq!(
            g.resolutions[0][0].target,
            Target::Note {
                id: NoteId(1),
                anchor: Some("h".into())
            }
        );
        assert_eq!(
            g.resolutions[0][1].target,
            Target::Note {
                id: NoteId(2),
                anchor: None
            }
        );
    }

    #[test]
    fn self_section_embed_is_not_a_cycle() {
        let (n, p, t) = vault(&[
            ("a.md", "Intro ![[a#Part]]\n\n## Part\n\ntext\n"),
            ("b.md", "## S\n\n![[b#S]]\n"),
        ]);
        let g = link(&n, &p, &t, &[]);
        let cycles: Vec<&str> = g
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::EmbedCycle)
            .map(|d| d.path.as_str())
            .collect();
        assert_eq!(cycles, vec!["notes/b.md"], "{:?}", g.diagnostics);
    }

    #[test]
    fn embeds_nesting_too_deep_are_reported_where_the_page_cuts_them() {
        // a > b > c > d > e > f: page a shows b, c, d, e and links f; page b shows all
        let chain: Vec<(String, String)> = ["a", "b", "c", "d", "e", "f"]
            .windows(2)
            .map(|w| (format!("{}.md", w[0]), format!("Text\n\n![[{}]]\n", w[1])))
            .chain([("f.md".to_string(), "End".to_string())])
            .collect();
        let files: Vec<(&str, &str)> = chain
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (n, p, t) = vault(&files);
        let g = link(&n, &p, &t, &[]);
        let deep: Vec<(&str, usize, usize)> = g
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::EmbedDepth)
            .map(|d| (d.path.as_str(), d.line, d.col))
            .collect();
        assert_eq!(deep, vec![("notes/a.md", 3, 1)], "{:?}", g.diagnostics);
        // one level less: nothing to report
        let (n, p, t) = vault(&files[1..]);
        let g = link(&n, &p, &t, &[]);
        assert!(!g.diagnostics.iter().any(|d| d.code == Code::EmbedDepth));
    }

    #[test]
    fn dense_embeds_stay_linear() {
        // every note embeds every other: cycles everywhere, and far too many paths to walk
        let names: Vec<String> = (0..60).map(|i| format!("n{i}")).collect();
        let texts: Vec<(String, String)> = names
            .iter()
            .map(|a| {
                let body: String = names.iter().map(|b| format!("![[{b}]]\n\n")).collect();
                (format!("{a}.md"), body)
            })
            .collect();
        let files: Vec<(&str, &str)> = texts
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (n, p, t) = vault(&files);
        let g = link(&n, &p, &t, &[]);
        assert!(g.diagnostics.iter().any(|d| d.code == Code::EmbedCycle));
    }

    #[test]
    fn embed_cycle_reported() {
        let (n, p, t) = vault(&[("a.md", "![[b]]"), ("b.md", "![[a]]")]);
        let g = link(&n, &p, &t, &[]);
        assert!(g.diagnostics.iter().any(|d| d.code == Code::EmbedCycle));
    }
}

#[cfg(test)]
mod suggest_tests {
    use super::*;

    #[test]
    fn the_closest_name_wins_and_ties_go_to_the_first_in_byte_order() {
        let names: Vec<String> = ["kafka 내부 구조 3", "redis", "kafka 내부 구조 2", "celery"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(suggest(names.iter(), "Rediss").as_deref(), Some("redis"));
        assert_eq!(
            suggest(names.iter(), "kafka 내부 구조 4").as_deref(),
            Some("kafka 내부 구조 2")
        );
        assert_eq!(
            suggest(names.iter().rev(), "kafka 내부 구조 4").as_deref(),
            Some("kafka 내부 구조 2")
        );
        assert_eq!(suggest(names.iter(), "전혀 다른 이름").as_deref(), None);
        assert_eq!(
            common_chars(&['a', 'b', 'b', 'c'], &['b', 'b', 'b', 'd']),
            2
        );
    }
}
