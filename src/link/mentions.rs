//! Unlinked mentions: where a note's prose names another note by its title or an alias.
//! Used to link mentions automatically (`autolink`) and by `kb check`.

use crate::site::NoteId;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashSet;

/// A matcher over every note's title and aliases.
pub struct Mentions {
    ac: Option<AhoCorasick>,
    targets: Vec<NoteId>,
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

impl Mentions {
    /// Builds the matcher from `(note, name)` pairs; names shorter than two characters are ignored.
    pub fn new(names: impl IntoIterator<Item = (NoteId, String)>) -> Self {
        let mut pats = Vec::new();
        let mut targets = Vec::new();
        let mut seen = HashSet::new();
        for (id, name) in names {
            let n = name.trim().to_lowercase();
            if n.chars().count() < 2 || !seen.insert(n.clone()) {
                continue;
            }
            pats.push(n);
            targets.push(id);
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&pats)
            .ok();
        Mentions { ac, targets }
    }

    /// Like [`Mentions::find`], but every occurrence, not only the first of each note.
    pub fn find_all(
        &self,
        text: &str,
        from: NoteId,
        skip: &HashSet<NoteId>,
    ) -> Vec<(usize, usize, NoteId)> {
        self.find_impl(text, from, skip, true)
    }

    /// Finds mentions in `text` of notes other than `from` and not in `skip`. With `first_only`
    /// callers add found targets to `skip` so each note is linked once.
    pub fn find(
        &self,
        text: &str,
        from: NoteId,
        skip: &HashSet<NoteId>,
    ) -> Vec<(usize, usize, NoteId)> {
        self.find_impl(text, from, skip, false)
    }

    fn find_impl(
        &self,
        text: &str,
        from: NoteId,
        skip: &HashSet<NoteId>,
        all: bool,
    ) -> Vec<(usize, usize, NoteId)> {
        let Some(ac) = &self.ac else { return vec![] };
        let lower;
        let hay: &str = if text.chars().any(|c| !c.is_ascii() && c.is_uppercase()) {
            lower = text.to_lowercase();
            if lower.len() != text.len() {
                return vec![];
            }
            &lower
        } else {
            text
        };
        let mut out = Vec::new();
        let mut seen_here = HashSet::new();
        for m in ac.find_iter(hay) {
            let target = self.targets[m.pattern().as_usize()];
            if target == from || skip.contains(&target) || (!all && !seen_here.insert(target)) {
                continue;
            }
            let (s, e) = (m.start(), m.end());
            let before = text[..s].chars().next_back();
            let after = text[e..].chars().next();
            let first = text[s..e].chars().next().unwrap_or(' ');
            if before.is_some_and(|b| b.is_alphanumeric() && (!is_hangul(first) || is_hangul(b))) {
                continue;
            }
            if let Some(a) = after
                && a.is_alphanumeric()
            {
                if !is_hangul(a) {
                    continue;
                }
                // Hangul after the name: only a particle is allowed
                let run: String = text[e..].chars().take_while(|&c| is_hangul(c)).collect();
                if !crate::site::text::PARTICLES.contains(&run.as_str()) {
                    continue;
                }
            }
            out.push((s, e, target));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_and_particles() {
        let m = Mentions::new(vec![
            (NoteId(1), "Redis".into()),
            (NoteId(2), "Redis Cluster".into()),
            (NoteId(3), "카프카".into()),
        ]);
        let none = HashSet::new();
        let f = |t: &str| {
            m.find(t, NoteId(0), &none)
                .into_iter()
                .map(|(s, e, id)| (t[s..e].to_string(), id))
                .collect::<Vec<_>>()
        };
        assert_eq!(f("Redis를 쓴다"), vec![("Redis".to_string(), NoteId(1))]);
        assert_eq!(
            f("a Redis Cluster here"),
            vec![("Redis Cluster".to_string(), NoteId(2))]
        );
        assert!(f("Rediscover").is_empty());
        assert!(f("Redis사랑").is_empty());
        assert_eq!(
            f("카프카에서 읽는다"),
            vec![("카프카".to_string(), NoteId(3))]
        );
        assert!(f("redis redis").len() == 1);
        assert!(m.find("Redis", NoteId(1), &none).is_empty());
    }
}
