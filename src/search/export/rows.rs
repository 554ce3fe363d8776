//! Result-data files (`search/d/<hash>/<i>.bin`, format 8): the rows of one or more slots as
//! JSON, each row's section text replaced by the length of its code, then the texts' codes.
//!
//! The texts are most of a query's result data, and Korean text is 3 bytes a syllable in UTF-8,
//! which gzip's byte-wise Huffman code does not undo. The text code writes a Hangul syllable in
//! 2 bytes, and one of the 111 most frequent syllables of Korean technical writing in 1 (the
//! first 80 in `0x80`..`0xCF`, the other 31 in the control characters' bytes, which plain
//! text hardly holds): gzipped, the texts of two notes come out 15 % smaller than in UTF-8 (on
//! the generated 10k corpus and on tldr's Korean pages alike, whose text the table was not
//! taken from).
//!
//! | bytes | character |
//! | --- | --- |
//! | `0x00`, `0x20`..`0x7F` | that ASCII character |
//! | `0x01 + i` (`i` < 31) | the `80 + i`-th syllable of [`COMMON_SYLLABLES`] |
//! | `0x80 + i` (`i` < 80) | the `i`-th syllable of [`COMMON_SYLLABLES`] |
//! | `0xD0 + (s >> 8)`, `s & 0xFF` | the Hangul syllable U+AC00 + `s` (`s` < 11172) |
//! | `0xFF`, varint | any other character, by its code point |

use super::pack::{read_varint, varint};
use serde_json::Value;
use std::sync::LazyLock;

/// First bytes of a result-data file.
pub const MAGIC: &[u8; 4] = b"KBD1";

/// The 111 most frequent Hangul syllables of a Korean technical corpus (tech-interview-ko, 73 %
/// of its syllables), most frequent first; `static/search.js` holds the same string.
pub const COMMON_SYLLABLES: &str = "이는다하로에가을를한서해스의지수기리어용자고있사시트정은드인터할도제으면프성만장적나라때모되데문보상소들구일함것위대과요게그와부행주된메아전생능개래경간야작저세체방클공점비여동크발결우값버통화치실진현음조중변계당유코단파식";

const COMMON: u8 = 0x80;
/// Syllables of [`COMMON_SYLLABLES`] coded in `0x80`..`0xCF`; the rest take `0x01`..`0x1F`.
const HIGH_COMMON: usize = 80;
const HANGUL: u8 = 0xD0;
const ESCAPE: u8 = 0xFF;
const SYLLABLES: u32 = 11172;

/// Per Hangul syllable (from U+AC00): its place in [`COMMON_SYLLABLES`] plus one, or 0.
static COMMON_INDEX: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut t = vec![0u8; SYLLABLES as usize];
    for (i, c) in COMMON_SYLLABLES.chars().enumerate() {
        t[(c as u32 - 0xAC00) as usize] = i as u8 + 1;
    }
    t
});

/// Appends the code of `s` to `out`.
pub fn encode_text(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        let o = c as u32;
        let syllable = o.wrapping_sub(0xAC00);
        if o == 0 || (0x20..0x80).contains(&o) {
            out.push(o as u8);
        } else if syllable < SYLLABLES {
            match usize::from(COMMON_INDEX[syllable as usize]) {
                0 => out.extend_from_slice(&[HANGUL + (syllable >> 8) as u8, syllable as u8]),
                i if i <= HIGH_COMMON => out.push(COMMON + (i - 1) as u8),
                i => out.push((i - HIGH_COMMON) as u8),
            }
        } else {
            out.push(ESCAPE);
            varint(out, u64::from(o));
        }
    }
}

/// The text a code stands for; `None` for bytes no encoder writes.
pub fn decode_text(b: &[u8]) -> Option<String> {
    let common: Vec<char> = COMMON_SYLLABLES.chars().collect();
    let mut out = String::with_capacity(b.len() * 2);
    let mut p = 0;
    while let Some(&x) = b.get(p) {
        p += 1;
        let c = match x {
            0x01..0x20 => *common.get(HIGH_COMMON + usize::from(x) - 1)?,
            0..0x80 => char::from(x),
            ESCAPE => {
                // a code point takes at most 3 varint bytes
                let (mut v, mut shift) = (0u32, 0);
                loop {
                    let y = *b.get(p)?;
                    p += 1;
                    if shift > 14 {
                        return None;
                    }
                    v |= u32::from(y & 0x7F) << shift;
                    shift += 7;
                    if y < 0x80 {
                        break char::from_u32(v)?;
                    }
                }
            }
            HANGUL.. => {
                let s = (u32::from(x - HANGUL) << 8) | u32::from(*b.get(p)?);
                p += 1;
                (s < SYLLABLES).then(|| char::from_u32(0xAC00 + s))??
            }
            _ => *common.get(usize::from(x - COMMON))?,
        };
        out.push(c);
    }
    Some(out)
}

/// One slot's rows: their JSON array, each text replaced by its code's length, and the codes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SlotRows {
    /// The JSON array of the rows.
    pub json: Vec<u8>,
    /// The rows' text codes, in row order.
    pub texts: Vec<u8>,
}

impl SlotRows {
    /// A slot no note takes.
    pub fn empty() -> SlotRows {
        SlotRows {
            json: b"[]".to_vec(),
            texts: Vec::new(),
        }
    }
}

/// One result-data file from its consecutive slots: the slot's rows for one slot a file, else
/// an array of the slots' rows; then every text code in slot and row order.
pub fn pack_slots(mut slots: Vec<SlotRows>, pack: usize) -> Vec<u8> {
    let (json, texts) = if pack == 1 && slots.len() == 1 {
        let s = slots.pop().unwrap_or_default();
        (s.json, s.texts)
    } else {
        let mut json =
            Vec::with_capacity(slots.iter().map(|s| s.json.len() + 1).sum::<usize>() + 2);
        let mut texts = Vec::new();
        json.push(b'[');
        for (k, s) in slots.iter().enumerate() {
            if k > 0 {
                json.push(b',');
            }
            json.extend_from_slice(&s.json);
            texts.extend_from_slice(&s.texts);
        }
        json.push(b']');
        (json, texts)
    };
    let mut out = Vec::with_capacity(MAGIC.len() + 5 + json.len() + texts.len());
    out.extend_from_slice(MAGIC);
    varint(&mut out, json.len() as u64);
    out.extend_from_slice(&json);
    out.extend_from_slice(&texts);
    out
}

/// Cells of a slot's JSON before its rows: path, title, URL, first and last ordinal.
pub const SLOT_HEAD: usize = 5;
/// Cells of a row in a slot's JSON: heading, anchor, line, text code length, troubleshooting.
const ROW: usize = 5;

/// The heading id or page URL kb would most often make from `s`: ASCII capitals lowered and
/// runs of spaces made one `-`. A slot stores `0` for an anchor that equals this of its
/// heading and for a URL that equals this of the note's path (without `.md`) plus `/`; the
/// client computes the same.
pub fn derived_slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c == ' ' {
            space = true;
            continue;
        }
        if space {
            out.push('-');
            space = false;
        }
        out.push(c.to_ascii_lowercase());
    }
    if space {
        out.push('-');
    }
    out
}

/// The JSON cells of a slot of the note at `path` titled `title` at `url`, over ordinals
/// `first..=last` (see [`push_row`]).
pub fn slot_head(path: &str, title: &str, url: &str, (first, last): (u32, u32)) -> Vec<Value> {
    let derived = path
        .strip_suffix(".md")
        .is_some_and(|p| format!("{}/", derived_slug(p)) == url);
    vec![
        path.into(),
        title.into(),
        if derived { 0.into() } else { url.into() },
        first.into(),
        last.into(),
    ]
}

/// Appends a row's cells to a slot's: its heading, anchor, 1-based line, the length of its
/// text's code and whether it is part of a troubleshooting entry.
pub fn push_row(
    slot: &mut Vec<Value>,
    (heading, anchor): (&str, &str),
    line: u64,
    text_bytes: usize,
    trouble: bool,
) {
    let derived = !anchor.is_empty() && derived_slug(heading) == anchor;
    slot.extend([
        heading.into(),
        if derived { 0.into() } else { anchor.into() },
        line.into(),
        text_bytes.into(),
        u8::from(trouble).into(),
    ]);
}

/// A slot's cells (head then rows) as the rows they stand for:
/// `[path, title, url, heading, anchor, line, text code length, first, last]` and a tenth
/// cell `1` for a troubleshooting section; `None` for cells no export writes.
fn expand(cells: Vec<Value>) -> Option<Vec<Value>> {
    if cells.is_empty() {
        return Some(Vec::new());
    }
    if cells.len() < SLOT_HEAD || !(cells.len() - SLOT_HEAD).is_multiple_of(ROW) {
        return None;
    }
    let path = cells[0].as_str()?;
    let url = match &cells[2] {
        Value::String(u) => u.clone(),
        _ => format!("{}/", derived_slug(path.strip_suffix(".md")?)),
    };
    let rows = cells[SLOT_HEAD..].chunks(ROW).map(|r| {
        let heading = r[0].as_str()?;
        let anchor = match &r[1] {
            Value::String(a) => a.clone(),
            _ => derived_slug(heading),
        };
        let mut row = vec![
            path.into(),
            cells[1].clone(),
            url.clone().into(),
            heading.into(),
            anchor.into(),
            r[2].clone(),
            r[3].clone(),
            cells[3].clone(),
            cells[4].clone(),
        ];
        if r[4].as_u64()? == 1 {
            row.push(1.into());
        }
        Some(Value::Array(row))
    });
    rows.collect()
}

/// The slots of a result-data file of `pack` slots a file, as rows (see [`expand`]) with each
/// row's text decoded in place; `None` for a file no export writes.
pub fn read_slots(b: &[u8], pack: usize) -> Option<Vec<Vec<serde_json::Value>>> {
    let rest = b.strip_prefix(MAGIC)?;
    let mut p = 0;
    let len = usize::try_from(read_varint(rest, &mut p)?).ok()?;
    let json = rest.get(p..p.checked_add(len)?)?;
    let mut codes = &rest[p + len..];
    let value: serde_json::Value = serde_json::from_slice(json).ok()?;
    let as_slot = |v: serde_json::Value| match v {
        serde_json::Value::Array(cells) => expand(cells),
        _ => None,
    };
    let as_array = |v: serde_json::Value| match v {
        serde_json::Value::Array(slots) => Some(slots),
        _ => None,
    };
    let mut slots: Vec<Vec<serde_json::Value>> = if pack == 1 {
        vec![as_slot(value)?]
    } else {
        as_array(value)?
            .into_iter()
            .map(as_slot)
            .collect::<Option<_>>()?
    };
    for row in slots.iter_mut().flatten() {
        let cell = row.get_mut(6)?;
        let n = usize::try_from(cell.as_u64()?).ok()?;
        let (code, more) = codes.split_at_checked(n)?;
        *cell = decode_text(code)?.into();
        codes = more;
    }
    codes.is_empty().then_some(slots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_111_distinct_syllables() {
        let mut cs: Vec<char> = COMMON_SYLLABLES.chars().collect();
        assert_eq!(cs.len(), 111);
        assert!(cs.iter().all(|&c| ('가'..='힣').contains(&c)));
        cs.sort_unstable();
        cs.dedup();
        assert_eq!(cs.len(), 111);
        // the client decodes with the same table
        let js = include_str!("../../../static/search.js");
        assert!(js.contains(&format!("\"{COMMON_SYLLABLES}\"")));
    }

    #[test]
    fn texts_round_trip_and_common_syllables_take_one_byte() {
        for s in [
            "",
            "Redis를 브로커로 쓴다. 힣 가 각",
            "emoji 🦀, é, 中文, \u{7f}\u{80}\u{ffff}\u{10ffff}",
            "이는다",
            "control \0 \t\n\r \u{1} \u{1f} 체식 체",
        ] {
            let mut b = Vec::new();
            encode_text(s, &mut b);
            assert_eq!(decode_text(&b).as_deref(), Some(s));
        }
        let mut b = Vec::new();
        encode_text("이는다 각 체식\t", &mut b);
        assert_eq!(
            b,
            [
                0x80, 0x81, 0x82, b' ', 0xD0, 0x01, b' ', 0x01, 0x1F, 0xFF, 0x09
            ]
        );
    }

    #[test]
    fn bad_codes_are_refused() {
        for b in [
            &[0xD0][..],
            &[0xFB, 0xFF],
            &[0xFF],
            &[0xFF, 0x80],
            &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            &[0xFF, 0x80, 0xB0, 0x03],
            &[0xD5],
        ] {
            assert_eq!(decode_text(b), None, "{b:?}");
        }
        assert_eq!(read_slots(b"KBD1", 1), None);
        assert_eq!(read_slots(b"KBD1\x02[]x", 1), None);
        assert_eq!(read_slots(b"KBD1\x0b[[\"a\",0,0,0,0,0,3]]", 1), None);
    }

    #[test]
    fn files_read_back() {
        let slot = |t: &str| {
            let mut texts = Vec::new();
            encode_text(t, &mut texts);
            let mut cells = slot_head("n.md", "N", "n/", (0, 0));
            push_row(&mut cells, ("", ""), 1, texts.len(), false);
            SlotRows {
                json: serde_json::to_vec(&cells).unwrap(),
                texts,
            }
        };
        let one = pack_slots(vec![slot("하나")], 1);
        let slots = read_slots(&one, 1).unwrap();
        assert_eq!(slots[0][0][6], "하나");
        let two = pack_slots(vec![slot("가"), SlotRows::empty(), slot("셋 three")], 3);
        let slots = read_slots(&two, 3).unwrap();
        assert_eq!(slots.len(), 3);
        assert_eq!((&slots[0][0][6], slots[1].len()), (&"가".into(), 0));
        assert_eq!(slots[2][0][6], "셋 three");
    }

    /// A slot stores an anchor or URL kb's usual slug gives as 0 and any other as written;
    /// either way the rows read back as they were.
    #[test]
    fn slot_cells_stand_for_rows() {
        let cases = [
            (
                "dir/My  Note.md",
                "dir/my-note/",
                ("Sub Heading", "sub-heading"),
                false,
            ),
            (
                "Redis 캐시.md",
                "redis-캐시/",
                ("Redis vs. RabbitMQ!", "redis-vs-rabbitmq"),
                true,
            ),
            ("a/É b.md", "a/é-b/", ("Äpfel", "äpfel"), false),
            ("c.canvas", "c/", ("", ""), false),
        ];
        for (path, url, (heading, anchor), trouble) in cases {
            let mut cells = slot_head(path, "T", url, (16, 17));
            push_row(&mut cells, (heading, anchor), 4, 0, trouble);
            push_row(&mut cells, ("Two", "two-1"), 9, 0, false);
            let json = serde_json::to_vec(&cells).unwrap();
            let slots = read_slots(
                &pack_slots(
                    vec![SlotRows {
                        json,
                        texts: vec![],
                    }],
                    1,
                ),
                1,
            );
            let mut want = serde_json::json!([
                [path, "T", url, heading, anchor, 4, "", 16, 17],
                [path, "T", url, "Two", "two-1", 9, "", 16, 17]
            ]);
            if trouble {
                want[0].as_array_mut().unwrap().push(1.into());
            }
            assert_eq!(serde_json::json!(slots.unwrap()[0]), want, "{path}");
        }
        let mut cells = slot_head("dir/My Note.md", "T", "dir/my-note/", (0, 0));
        push_row(&mut cells, ("Sub Heading", "sub-heading"), 1, 0, false);
        assert_eq!(cells[2], 0);
        assert_eq!(cells[6], 0);
        assert_eq!(derived_slug("A  b C "), "a-b-c-");
    }
}
