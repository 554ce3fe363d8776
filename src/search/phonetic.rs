//! Korean spellings of names the notes write in Latin letters (카프카 for Kafka) and the reverse:
//! a phonetic key, the consonant skeleton of a word with the correspondences of Korean
//! loanwords, computed at build time for the index's Latin terms and for its Hangul words, and
//! at query time for a query word; then a finer comparison of the sounds with vowels
//! ([`sound_distance`]) picks, among the terms sharing the key, the ones that sound closest.
//! The JavaScript client mirrors [`hangul_sound`], [`latin_sounds`], [`closest`] and
//! [`IRREGULAR`] (`static/search.js`).
//!
//! Consonant symbols: `P` (b p f v ㅂ ㅃ ㅍ), `T` (d t ㄷ ㄸ ㅌ), `K` (c g k q ㄱ ㄲ ㅋ), `S` (s soft c
//! sh ㅅ ㅆ), `J` (j z ch dg soft g ㅈ ㅉ ㅊ), `R` (l r ㄹ), `M`, `N` (n ng ㄴ, final ㅇ); h, w and
//! a y before a vowel (ㅇ and ㅎ) leave none, a Latin r after a vowel and before a consonant or
//! at the end leaves none (server 서버), th gives both `S` and `T` (python 파이썬, github
//! 깃허브), a g before e, i or y both `K` and `J` (gemini 제미나이), -tion gives `SoN` (션), x
//! gives `KS` (엑스). Vowel symbols `a e i o u`, from the Hangul vowel (ㅡ, the vowel Korean adds
//! between consonants, gives none) and from English spelling with the usual loanword readings
//! (ee ea → i, oo → u, ou → au, au → o, er ir ur → o as in 서버, a final e silent, a vowel
//! before one consonant and a final e read long: type 타입). A symbol repeated next to itself
//! counts once. The key is the sound without its vowels.

use super::analyzer::{Class, class};

/// The prefix of the reserved `filter` field terms that hold a phonetic key and a word of the
/// section: `%` + key + `=` + word (`%KPK=kafka`, `%KPK=카프카`).
pub const KEY_MARK: char = '%';
/// Separates the key from the word in a key term.
pub const KEY_SEP: char = '=';
/// More terms than this sounding equally close to a query word are not used (they would flood
/// the results).
pub const MAX_KEY_TERMS: usize = 3;
/// Symbols a key has at least to be indexed.
const MIN_KEY: usize = 1;
/// Below this many symbols a key accepts only a term that sounds exactly alike, in a sound of
/// [`SHORT_SOUND`] symbols or more: two consonants match unrelated words (차트 and jwt) unless
/// the vowels agree too (도커 and docker, 레이어 and layer).
const SHORT_KEY: usize = 3;
/// Symbols the sound of a word with a short key has at least to be compared.
const SHORT_SOUND: usize = 3;
/// Hangul words longer than this (syllables, particle stripped) get no key term: a name is
/// shorter, and a long run of Hangul is a sentence written without spaces.
const MAX_SYLLABLES: usize = 10;

/// Names whose Korean spelling the key does not reach (letters read out, dropped syllables):
/// Hangul word, Latin term.
pub const IRREGULAR: &[(&str, &str)] = &[
    ("몽고디비", "mongodb"),
    ("몽고", "mongodb"),
    ("엔진엑스", "nginx"),
    ("그래프큐엘", "graphql"),
    ("마이에스큐엘", "mysql"),
    ("포스트그레스큐엘", "postgresql"),
    ("에이더블유에스", "aws"),
    ("케이팔에스", "k8s"),
    ("제이쿼리", "jquery"),
    ("뷰", "vue"),
];

const INITIAL: [&str; 19] = [
    "K", "K", "N", "T", "T", "R", "M", "P", "P", "S", "S", "", "J", "J", "J", "K", "T", "P", "",
];
/// ㅏ ㅐ ㅑ ㅒ ㅓ ㅔ ㅕ ㅖ ㅗ ㅘ ㅙ ㅚ ㅛ ㅜ ㅝ ㅞ ㅟ ㅠ ㅡ ㅢ ㅣ: ㅓ is the vowel of 서버 (server),
/// ㅡ the one Korean puts between consonants (스프링), which English spelling does not write.
const MEDIAL: [&str; 21] = [
    "a", "e", "a", "e", "o", "e", "o", "e", "o", "a", "e", "e", "o", "u", "o", "e", "i", "u", "",
    "i", "i",
];
const FINAL: [&str; 28] = [
    "", "K", "K", "K", "N", "N", "N", "T", "R", "K", "M", "P", "R", "R", "P", "R", "M", "P", "P",
    "T", "T", "N", "T", "T", "K", "T", "P", "T",
];

/// Removes adjacent repeats of a symbol.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// The key of a sound: its consonant symbols, repeats counted once.
fn consonants(sound: &str) -> String {
    let only: String = sound.chars().filter(char::is_ascii_uppercase).collect();
    collapse(&only)
}

/// The sound of a word of Hangul syllables (`None` for anything else).
pub fn hangul_sound(word: &str) -> Option<String> {
    let mut raw = String::new();
    for c in word.chars() {
        let code = c as u32;
        if !(0xAC00..=0xD7A3).contains(&code) {
            return None;
        }
        let i = (code - 0xAC00) as usize;
        raw.push_str(INITIAL[i / 588]);
        raw.push_str(MEDIAL[i % 588 / 28]);
        raw.push_str(FINAL[i % 28]);
    }
    Some(collapse(&raw))
}

/// The key of a word of Hangul syllables (`None` for anything else, or a key too short).
pub fn hangul_key(word: &str) -> Option<String> {
    let key = consonants(&hangul_sound(word)?);
    (key.len() >= MIN_KEY).then_some(key)
}

fn is_vowel(b: Option<&u8>) -> bool {
    matches!(b, Some(b'a' | b'e' | b'i' | b'o' | b'u'))
}

/// A vowel letter or y (for the consonant rules: r before y is said, celery 셀러리).
fn vowel(b: Option<&u8>) -> bool {
    is_vowel(b) || b == Some(&b'y')
}

/// The vowel symbols of the vowel letter (or y) at `i` and the letters they take.
fn latin_vowel(b: &[u8], i: usize) -> (&'static str, usize) {
    let end = b.len();
    let next = b.get(i + 1);
    if b[i] == b'y' {
        // a glide before a vowel (yaml 야믈); long before one consonant and a vowel (python
        // 파이썬, type 타입), else short (system 시스템, ruby 루비)
        let after = if b.get(i + 2) == Some(&b'h') {
            i + 3
        } else {
            i + 2
        };
        return match () {
            _ if is_vowel(next) => ("", 1),
            _ if next.is_some() && is_vowel(b.get(after)) => ("ai", 1),
            _ => ("i", 1),
        };
    }
    if &b[i..] == b"ery" {
        return ("oRi", 3);
    }
    // -are at the end is 에어 (middleware 미들웨어)
    if &b[i..] == b"are" {
        return ("eo", 3);
    }
    if next == Some(&b'r') && !vowel(b.get(i + 2)) {
        return (if b[i] == b'a' { "a" } else { "o" }, 2);
    }
    let pairs: [(&[u8], &str); 15] = [
        (b"ee", "i"),
        (b"ea", "i"),
        (b"ie", "i"),
        (b"oo", "u"),
        (b"ou", "au"),
        (b"au", "o"),
        (b"aw", "o"),
        (b"ow", "o"),
        (b"oa", "o"),
        (b"ai", "ei"),
        (b"ay", "ei"),
        (b"ei", "ei"),
        (b"oi", "oi"),
        (b"oy", "oi"),
        (b"ue", "u"),
    ];
    if b[i..].starts_with(b"ey") && i + 2 == end {
        return ("i", 2);
    }
    if let Some((p, s)) = pairs.iter().find(|(p, _)| b[i..].starts_with(p)) {
        return (s, p.len());
    }
    if b[i] == b'e' && i + 1 == end && i >= 2 && !vowel(b.get(i - 1)) {
        return ("", 1);
    }
    // a vowel before one consonant and a final e is long: make 메이크, line 라인
    if i + 3 == end && b[end - 1] == b'e' && !vowel(next) {
        match b[i] {
            b'a' => return ("ei", 1),
            b'i' => return ("ai", 1),
            _ => {}
        }
    }
    let one = match b[i] {
        b'a' => "a",
        b'e' => "e",
        b'i' => "i",
        b'o' => "o",
        _ => "u",
    };
    (one, 1)
}

/// The sound of a lowercase ASCII word, `th` read as `th` and g before e, i or y as `soft_g`.
fn latin_sound_with(b: &[u8], th: &str, soft_g: &str) -> String {
    let mut raw = String::new();
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let digraphs: [(&[u8], &str); 10] = [
            (b"tion", "SoN"),
            (b"sch", "SK"),
            (b"tch", "J"),
            (b"ch", "J"),
            (b"sh", "S"),
            (b"ph", "P"),
            (b"ck", "K"),
            (b"qu", "K"),
            (b"dg", "J"),
            (b"dj", "J"),
        ];
        if let Some((d, k)) = digraphs.iter().find(|(d, _)| rest.starts_with(d)) {
            raw.push_str(k);
            i += d.len();
            continue;
        }
        if vowel(Some(&b[i])) {
            let (s, n) = latin_vowel(b, i);
            raw.push_str(s);
            i += n;
            continue;
        }
        if rest.starts_with(b"th") {
            raw.push_str(th);
            i += 2;
            continue;
        }
        if rest.starts_with(b"gh") {
            i += 2;
            continue;
        }
        if rest.starts_with(b"ng") {
            raw.push('N');
            if vowel(b.get(i + 2)) {
                raw.push('K');
            }
            i += 2;
            continue;
        }
        let soft = matches!(b.get(i + 1), Some(b'e' | b'i' | b'y'));
        raw.push_str(match b[i] {
            b'x' => "KS",
            b'c' if soft => "S",
            b'g' if soft => soft_g,
            b'c' | b'g' | b'k' | b'q' => "K",
            b'j' | b'z' => "J",
            b's' => "S",
            b't' | b'd' => "T",
            b'b' | b'p' | b'f' | b'v' => "P",
            b'l' => "R",
            b'r' if vowel(b.get(i + 1)) => "R",
            b'm' => "M",
            b'n' => "N",
            _ => "",
        });
        i += 1;
    }
    collapse(&raw)
}

/// The sounds of a Latin term of three or more ASCII letters: one, or two for each ambiguous
/// reading it has (th as in python or github, g as in gemini or git).
pub fn latin_sounds(term: &str) -> Vec<String> {
    let b = term.as_bytes();
    if b.len() < 3 || !b.iter().all(u8::is_ascii_lowercase) {
        return Vec::new();
    }
    let ths: &[&str] = if term.contains("th") {
        &["S", "T"]
    } else {
        &["S"]
    };
    let soft = b
        .windows(2)
        .any(|w| w[0] == b'g' && matches!(w[1], b'e' | b'i' | b'y'));
    let gs: &[&str] = if soft { &["K", "J"] } else { &["K"] };
    let mut out: Vec<String> = ths
        .iter()
        .flat_map(|th| gs.iter().map(|g| latin_sound_with(b, th, g)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The keys of a Latin term of three or more ASCII letters (one per distinct sound).
pub fn latin_keys(term: &str) -> Vec<String> {
    let mut keys: Vec<String> = latin_sounds(term).iter().map(|s| consonants(s)).collect();
    keys.sort();
    keys.dedup();
    keys.retain(|k| k.len() >= MIN_KEY);
    keys
}

/// The cost of inserting or deleting a symbol: a vowel 1 (English spelling says little about
/// them: deadlock 데드락, thread 스레드), a consonant 2.
fn cost(c: u8) -> usize {
    if c.is_ascii_uppercase() { 2 } else { 1 }
}

/// Edit distance of two sounds (ASCII symbols) with [`cost`]: substituting costs the more
/// expensive of the two symbols.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = Vec::with_capacity(b.len() + 1);
    row.push(0);
    for &y in b {
        row.push(row[row.len() - 1] + cost(y));
    }
    for &x in a {
        let mut diag = row[0];
        row[0] += cost(x);
        for (j, &y) in b.iter().enumerate() {
            let up = row[j + 1];
            let sub = if x == y { 0 } else { cost(x).max(cost(y)) };
            row[j + 1] = (diag + sub).min(up + cost(x)).min(row[j] + cost(y));
            diag = up;
        }
    }
    row[b.len()]
}

/// How far two sounds are apart ([`distance`]), or `None` when too far to be the same name: a
/// key of fewer than [`SHORT_KEY`] symbols needs the same sound of [`SHORT_SOUND`] symbols or
/// more, a longer one a distance of at most a third of the longer sound's symbols.
pub fn sound_distance(a: &str, b: &str) -> Option<usize> {
    let d = distance(a, b);
    let ok = if consonants(a).len() < SHORT_KEY {
        d == 0 && a.len() >= SHORT_SOUND
    } else {
        3 * d <= a.len().max(b.len())
    };
    ok.then_some(d)
}

/// Of `candidates` (a word of the index and its sounds), the ones closest to a query word's
/// `sounds` within [`sound_distance`], when 1 to [`MAX_KEY_TERMS`] are equally close; sorted.
pub fn closest(sounds: &[String], candidates: &[(String, Vec<String>)]) -> Vec<String> {
    let mut scored: Vec<(usize, &String)> = candidates
        .iter()
        .filter_map(|(word, theirs)| {
            let d = sounds
                .iter()
                .flat_map(|s| theirs.iter().filter_map(move |t| sound_distance(s, t)))
                .min()?;
            Some((d, word))
        })
        .collect();
    let Some(best) = scored.iter().map(|(d, _)| *d).min() else {
        return Vec::new();
    };
    scored.retain(|(d, _)| *d == best);
    let mut out: Vec<String> = scored.into_iter().map(|(_, w)| w.clone()).collect();
    out.sort();
    out.dedup();
    if out.len() > MAX_KEY_TERMS {
        out.clear();
    }
    out
}

/// The sounds of a word of a key term: a Hangul word's one, a Latin term's [`latin_sounds`].
pub fn word_sounds(word: &str) -> Vec<String> {
    match hangul_sound(word) {
        Some(s) => vec![s],
        None => latin_sounds(word),
    }
}

/// The key terms of a section: `%key=word` for each Latin token of `texts` of three or more
/// letters and for each Hangul word of 2 to [`MAX_SYLLABLES`] syllables (particle stripped) not
/// ending in 다.
pub fn key_terms(texts: &[&str]) -> Vec<String> {
    let mut buf = super::analyzer::TokenBuf::default();
    let mut words: std::collections::BTreeSet<String> = Default::default();
    for text in texts {
        buf.fill(text, false);
        for i in 0..buf.len() {
            let t = buf.get(i);
            if t.len() >= 3 && t.bytes().all(|b| b.is_ascii_lowercase()) && !words.contains(t) {
                words.insert(t.to_string());
            }
        }
        let text = super::analyzer::normalize(text);
        let syllable = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c);
        for run in text.split(|c: char| !syllable(c)) {
            if run.chars().nth(1).is_none() {
                continue;
            }
            let stem = super::analyzer::strip_particle(run);
            // a word ending in 다 is a predicate (된다, 틀리다), not a name
            if (2..=MAX_SYLLABLES).contains(&stem.chars().count()) && !stem.ends_with('다') {
                words.insert(stem);
            }
        }
    }
    let mut out = Vec::new();
    for w in words {
        let keys = match hangul_key(&w) {
            Some(k) => vec![k],
            None => latin_keys(&w),
        };
        for k in keys {
            out.push(format!("{KEY_MARK}{k}{KEY_SEP}{w}"));
        }
    }
    out.sort();
    out
}

/// Whether a filter term is a key term (`%KPK=kafka`): the export lists them with the terms,
/// not with postings, since a query only reads their words.
pub fn is_key_term(term: &str) -> bool {
    term.starts_with(KEY_MARK)
}

/// Whether a query word is one Hangul word the phonetic key applies to (two syllables or more).
pub fn is_hangul_word(word: &str) -> bool {
    word.chars().count() >= 2 && word.chars().all(|c| class(c) == Class::Hangul)
}

/// Whether a query word is one Latin word the phonetic key applies to (three ASCII letters or
/// more, lowercase).
pub fn is_latin_word(word: &str) -> bool {
    word.len() >= 3 && word.bytes().all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIRS: [(&str, &str); 27] = [
        ("레디스", "redis"),
        ("카프카", "kafka"),
        ("엘라스틱서치", "elasticsearch"),
        ("젠킨스", "jenkins"),
        ("리액트", "react"),
        ("쿠버네티스", "kubernetes"),
        ("파이썬", "python"),
        ("깃허브", "github"),
        ("스프링", "spring"),
        ("리눅스", "linux"),
        ("자바스크립트", "javascript"),
        ("장고", "django"),
        ("노션", "notion"),
        ("주키퍼", "zookeeper"),
        ("클로드", "claude"),
        ("슬랙", "slack"),
        ("도커", "docker"),
        ("지라", "jira"),
        ("안키", "anki"),
        ("셀러리", "celery"),
        ("제미나이", "gemini"),
        ("타입스크립트", "typescript"),
        ("데드락", "deadlock"),
        ("스레드", "thread"),
        ("레이어", "layer"),
        ("미들웨어", "middleware"),
        ("스키마", "schema"),
    ];

    #[test]
    fn loanwords_share_their_key_and_sound_close() {
        for (ko, en) in PAIRS {
            let k = hangul_key(ko).unwrap();
            assert!(
                latin_keys(en).contains(&k),
                "{ko} {k} vs {en} {:?}",
                latin_keys(en)
            );
            let cands = [(en.to_string(), latin_sounds(en))];
            let ks = [hangul_sound(ko).unwrap()];
            assert_eq!(
                closest(&ks, &cands),
                [en],
                "{ko} {ks:?} vs {:?}",
                cands[0].1
            );
            let back = [(ko.to_string(), vec![ks[0].clone()])];
            assert_eq!(closest(&latin_sounds(en), &back), [ko]);
        }
        assert_eq!(hangul_key("카프카"), Some("KPK".into()));
        assert_eq!(hangul_sound("카프카"), Some("KaPKa".into()));
        assert_ne!(hangul_key("레디스"), latin_keys("kafka").first().cloned());
        // one syllable: a key, but a sound too short to compare
        assert_eq!(hangul_key("뷰"), Some("P".into()));
        assert!(
            closest(
                &[hangul_sound("뷰").unwrap()],
                &[("vue".into(), latin_sounds("vue"))]
            )
            .is_empty()
        );
        assert_eq!(hangul_key("redis"), None);
        assert!(latin_keys("ab").is_empty() && latin_keys("café").is_empty());
        assert_eq!(
            key_terms(&["Kafka 카프카를 x"]),
            ["%KPK=kafka", "%KPK=카프카"]
        );
    }

    /// The vowels pick the name among the words sharing its key, and a short key needs the
    /// same sound: 차트 is not jwt, 파이썬 is not person.
    #[test]
    fn vowels_decide_between_words_of_one_key() {
        let cands = |ws: &[&str]| -> Vec<(String, Vec<String>)> {
            ws.iter()
                .map(|w| (w.to_string(), latin_sounds(w)))
                .collect()
        };
        let ko = |w: &str| vec![hangul_sound(w).unwrap()];
        assert_eq!(
            closest(&ko("파이썬"), &cands(&["person", "python", "poison"])),
            ["python"]
        );
        assert_eq!(
            closest(&ko("레디스"), &cands(&["reads", "roads", "redis"])),
            ["redis"]
        );
        assert_eq!(
            closest(&ko("클로드"), &cands(&["cloud", "claude", "cold"])),
            ["claude"]
        );
        assert!(closest(&ko("차트"), &cands(&["jwt"])).is_empty());
        assert!(closest(&ko("도구"), &cands(&["docs", "dock"])).is_empty());
        // more than three equally close words: none is used
        let many: Vec<(String, Vec<String>)> = ["a", "b", "c", "d"]
            .iter()
            .map(|w| (w.to_string(), vec!["KaPKa".to_string()]))
            .collect();
        assert!(closest(&ko("카프카"), &many).is_empty());
        assert_eq!(closest(&ko("카프카"), &many[..3]), ["a", "b", "c"]);
        assert_eq!(sound_distance("KaPKa", "KaPKe"), Some(1));
        assert_eq!(sound_distance("KaPKa", "KePKe"), None);
        // a consonant costs twice a vowel
        assert_eq!(sound_distance("TiTRoK", "TeTRaK"), Some(2));
        assert_eq!(sound_distance("TiTRoK", "TiTR"), None);
        // a short key needs the same sound, long enough
        assert_eq!(sound_distance("Reio", "Reio"), Some(0));
        assert_eq!(sound_distance("Re", "Re"), None);
    }

    /// Key terms of Hangul words: particles stripped, one syllable and long runs left out.
    #[test]
    fn hangul_words_get_key_terms() {
        let t = key_terms(&["젠킨스에서 빌드한다. 가 아주아주아주아주아주긴단어"]);
        assert!(t.contains(&"%JNKNS=젠킨스".to_string()), "{t:?}");
        assert!(
            t.iter()
                .all(|x| !x.ends_with("=가") && !x.contains("아주아주")),
            "{t:?}"
        );
        assert!(is_key_term("%KPK=kafka") && !is_key_term("#tag"));
        assert!(is_latin_word("kafka") && !is_latin_word("ka") && !is_latin_word("카프카"));
    }
}
