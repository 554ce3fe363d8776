//! The note graph for the site: a force-directed layout computed at build time (so a 10k-note
//! graph draws instantly on a canvas), local neighbourhoods for each page, and related notes.

use crate::link::Graph;
use crate::site::NoteId;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{HashMap, HashSet};

/// Node positions in roughly [-1, 1]², one per note.
pub fn layout(n: usize, edges: &[(usize, usize)], iterations: usize) -> Vec<(f32, f32)> {
    layout_grouped(&vec![0; n], edges, iterations)
}

/// Like [`layout`], starting each group (category) in its own region so groups stay visible.
pub fn layout_grouped(
    groups: &[usize],
    edges: &[(usize, usize)],
    iterations: usize,
) -> Vec<(f32, f32)> {
    let n = groups.len();
    if n == 0 {
        return vec![];
    }
    let ngroups = groups.iter().copied().max().unwrap_or(0) + 1;
    let mut counts = vec![0usize; ngroups];
    for &g in groups {
        counts[g] += 1;
    }
    let mut seen = vec![0usize; ngroups];
    // deterministic start: a golden-angle spiral per group, groups around a circle
    let mut pos: Vec<(f32, f32)> = groups
        .iter()
        .map(|&g| {
            let k = seen[g];
            seen[g] += 1;
            let share = (counts[g] as f32 / n as f32).sqrt();
            let r = ((k as f32 + 0.5) / counts[g].max(1) as f32).sqrt() * share * 0.6;
            let a = k as f32 * 2.399_963;
            let (cx, cy) = if ngroups == 1 {
                (0.0, 0.0)
            } else {
                let ga = g as f32 / ngroups as f32 * std::f32::consts::TAU;
                (0.6 * ga.cos(), 0.6 * ga.sin())
            };
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect();
    let k = (1.0 / n as f32).sqrt().max(0.004);
    let cell = 2.0 * k;
    let mut temp = 0.1f32;
    let mut disp = vec![(0f32, 0f32); n];
    for _ in 0..iterations {
        // repulsion between nodes in neighbouring grid cells; each node sums its own forces
        // in a fixed order, so the parallel result is the serial one
        let cell_of: Vec<(i32, i32)> = pos
            .iter()
            .map(|p| ((p.0 / cell).floor() as i32, (p.1 / cell).floor() as i32))
            .collect();
        // the nodes sorted by cell (and by number within a cell), with their positions copied
        // in that order: the force loop reads each neighbouring cell as one contiguous run
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by_key(|&i| (cell_of[i as usize], i));
        let sorted: Vec<(f32, f32)> = order.iter().map(|&i| pos[i as usize]).collect();
        let mut grid: FxHashMap<(i32, i32), (usize, usize)> = FxHashMap::default();
        for (at, &i) in order.iter().enumerate() {
            grid.entry(cell_of[i as usize])
                .and_modify(|r| r.1 = at + 1)
                .or_insert((at, at + 1));
        }
        (0..n)
            .into_par_iter()
            .map(|i| {
                let (cx, cy) = cell_of[i];
                let p = pos[i];
                let mut d = (0f32, 0f32);
                for dx in -1..=1 {
                    for dy in -1..=1 {
                        let Some(&(from, to)) = grid.get(&(cx + dx, cy + dy)) else {
                            continue;
                        };
                        for (&j, q) in order[from..to].iter().zip(&sorted[from..to]) {
                            if i == j as usize {
                                continue;
                            }
                            let (vx, vy) = (p.0 - q.0, p.1 - q.1);
                            let d2 = (vx * vx + vy * vy).max(1e-8);
                            let f = k * k / d2;
                            d.0 += vx * f;
                            d.1 += vy * f;
                        }
                    }
                }
                d
            })
            .collect_into_vec(&mut disp);
        // attraction along edges
        for &(a, b) in edges {
            let (vx, vy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let d = (vx * vx + vy * vy).sqrt().max(1e-6);
            let f = d / k * 0.5;
            let (fx, fy) = (vx / d * f * k, vy / d * f * k);
            disp[a].0 -= fx;
            disp[a].1 -= fy;
            disp[b].0 += fx;
            disp[b].1 += fy;
        }
        // gravity keeps components together
        for (i, p) in pos.iter_mut().enumerate() {
            let (mut dx, mut dy) = disp[i];
            dx -= p.0 * 0.05;
            dy -= p.1 * 0.05;
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let step = len.min(temp);
            p.0 += dx / len * step;
            p.1 += dy / len * step;
        }
        temp *= 0.93;
    }
    // normalize into [-1, 1]
    let max = pos
        .iter()
        .map(|p| p.0.abs().max(p.1.abs()))
        .fold(1e-6f32, f32::max);
    pos.iter().map(|p| (p.0 / max, p.1 / max)).collect()
}

/// Distinct undirected edges between notes.
pub fn edges(g: &Graph) -> Vec<(usize, usize)> {
    let mut set = HashSet::new();
    for (a, outs) in g.outgoing.iter().enumerate() {
        for b in outs.iter().map(|b| b.index()) {
            if a != b {
                set.insert((a.min(b), a.max(b)));
            }
        }
    }
    let mut v: Vec<(usize, usize)> = set.into_iter().collect();
    v.sort_unstable();
    v
}

/// How many links away a note page's local graph reaches.
pub const LOCAL_HOPS: usize = 2;
/// How many notes a note page's local graph shows at most.
pub const LOCAL_MAX: usize = 40;

/// The notes explored from `center` up to `hops` links away, with their distance, stopping
/// once enough candidates for `max` are seen.
fn explore(g: &Graph, center: NoteId, hops: usize, max: usize) -> FxHashMap<NoteId, usize> {
    let mut seen: FxHashMap<NoteId, usize> = FxHashMap::default();
    seen.insert(center, 0);
    let mut frontier = vec![center];
    let limit = max * 4;
    'outer: for hop in 1..=hops {
        let mut next = Vec::new();
        for &v in &frontier {
            let ns = g.outgoing[v]
                .iter()
                .copied()
                .chain(g.backlinks[v].iter().map(|b| b.from));
            for w in ns {
                if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(w) {
                    e.insert(hop);
                    next.push(w);
                    // a hub would pull in thousands of notes: enough candidates already
                    if seen.len() >= limit {
                        break 'outer;
                    }
                }
            }
        }
        frontier = next;
    }
    seen
}

/// Every note whose links the local graph of `center` reads (see [`neighbourhood`]): the
/// notes its search visited, whatever it kept of them.
pub fn reach(g: &Graph, center: NoteId, hops: usize, max: usize) -> Vec<NoteId> {
    let mut v: Vec<NoteId> = explore(g, center, hops, max).into_keys().collect();
    v.sort_unstable();
    v
}

/// Notes within `hops` links of `center` (either direction), at most `max` of them, the center
/// first, then by hop distance and number of links.
pub fn neighbourhood(g: &Graph, center: NoteId, hops: usize, max: usize) -> Vec<(NoteId, usize)> {
    let seen = explore(g, center, hops, max);
    let degree = |v: NoteId| g.outgoing[v].len() + g.backlinks[v].len();
    let v: Vec<(NoteId, usize)> = seen.into_iter().collect();
    top_by(v, max, |a, b| {
        a.1.cmp(&b.1)
            .then(degree(b.0).cmp(&degree(a.0)))
            .then(a.0.cmp(&b.0))
    })
}

/// The first `max` of `v` in the total order `cmp`, sorted: a partial selection, then a sort
/// of only what is kept (a page asks for a few of a few hundred candidates).
fn top_by<T>(mut v: Vec<T>, max: usize, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    if max == 0 {
        return Vec::new();
    }
    if v.len() > max {
        v.select_nth_unstable_by(max - 1, &cmp);
        v.truncate(max);
    }
    v.sort_unstable_by(cmp);
    v
}

/// Notes per tag, for [`related`].
pub fn tag_index(tags: &[Vec<String>]) -> HashMap<&str, Vec<NoteId>> {
    let mut m: HashMap<&str, Vec<NoteId>> = HashMap::new();
    for (i, t) in tags.iter().enumerate() {
        for x in t {
            m.entry(x.as_str()).or_default().push(NoteId::from(i));
        }
    }
    m
}

/// Notes with more links than this are hubs: they relate to everything, so they are not
/// followed when looking for related notes.
const HUB_DEGREE: usize = 60;

/// Tags shared by more notes than this say little about relatedness and are skipped.
const GENERIC_TAG: usize = 300;

/// Related notes: shared tags count 1 each, shared link neighbours 1 each, a direct link 2.
pub fn related(
    g: &Graph,
    tags: &[Vec<String>],
    by_tag: &HashMap<&str, Vec<NoteId>>,
    i: NoteId,
    max: usize,
) -> Vec<NoteId> {
    // integer keys hashed a few hundred times per note: Fx, not SipHash
    let mut score: FxHashMap<NoteId, u32> = FxHashMap::default();
    let degree = |v: NoteId| g.outgoing[v].len() + g.backlinks[v].len();
    let neigh = |v: NoteId| {
        g.outgoing[v]
            .iter()
            .copied()
            .chain(g.backlinks[v].iter().map(|b| b.from))
    };
    let mine: FxHashSet<NoteId> = neigh(i).collect();
    for &j in &mine {
        *score.entry(j).or_default() += 2;
        // neighbours of neighbours share a link with this note; a hub shares one with
        // everything and says nothing
        if mine.len() < 200 && degree(j) <= HUB_DEGREE {
            for k in neigh(j) {
                if k != i {
                    *score.entry(k).or_default() += 1;
                }
            }
        }
    }
    for t in &tags[i] {
        if let Some(notes) = by_tag.get(t.as_str())
            && notes.len() <= GENERIC_TAG
        {
            for &j in notes {
                *score.entry(j).or_default() += 1;
            }
        }
    }
    score.remove(&i);
    let v: Vec<(NoteId, u32)> = score.into_iter().collect();
    top_by(v, max, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)))
        .into_iter()
        .map(|(j, _)| j)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_bounded_and_deterministic() {
        let e = vec![(0, 1), (1, 2), (2, 0), (3, 4)];
        let a = layout(6, &e, 50);
        let b = layout(6, &e, 50);
        assert_eq!(a, b);
        assert!(a.iter().all(|p| p.0.abs() <= 1.0 && p.1.abs() <= 1.0));
        assert!(a.iter().all(|p| p.0.is_finite() && p.1.is_finite()));
    }
}
