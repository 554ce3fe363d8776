//! The range-coded posting lists of the static search export (format 5; contexts of format 10).
//!
//! A term with many postings stores them as one adaptive binary range-coder stream (the coder
//! of LZMA: 11-bit probabilities that move 1/32 of the way after each bit). Each posting is an
//! ordinal delta, a fieldnorm id and a term frequency, binarized as described in
//! `docs/search-format.md`; the probabilities start at one half for every term and field, so
//! a term decodes on its own. Dense posting lists come out about 18 % smaller than gzip makes
//! the varint columns, which is what keeps a query for a common Korean word within its byte
//! budget. `static/search.js` holds the decoder the browser uses.

/// Fewer postings than this (over all fields of a term) stay in plain varint columns: the
/// coder's five bytes of tail and its learning cost outweigh its gain on short lists.
pub const MIN_POSTINGS: usize = 32;

const BITS: u32 = 11;
const ONE: u16 = 1 << BITS;
const MOVE: u32 = 5;
const TOP: u32 = 1 << 24;
/// Bit lengths of a delta + 1 or a frequency - 1 run from 1 to 33.
const LENS: usize = 34;

/// The adaptive probabilities of one field's postings.
struct Model {
    /// Unary bit-length code of delta + 1, by the previous delta's bit length (capped at 7).
    len: [[u16; LENS]; 8],
    /// Bits below the leading one of delta + 1, by bit length: the first two, then the rest.
    low: [[u16; 3]; LENS],
    /// Whether the fieldnorm id equals the previous posting's, by whether the delta is 1 and
    /// whether the previous posting repeated its norm too. Sections of one note hold the same
    /// title, aliases and tags, so in those fields runs of consecutive ordinals share a norm.
    same: [u16; 4],
    /// Fieldnorm id as an 8-level binary tree.
    norm: [u16; 256],
    /// Whether the frequency is above 1, by the fieldnorm id's top three bits and, after a
    /// delta of 1, whether the previous frequency was above 1 (2: another delta).
    many: [[u16; 3]; 8],
    /// Unary bit-length code of frequency - 1, and the bits below its leading one.
    tf_len: [u16; LENS],
    tf_low: u16,
}

impl Model {
    fn new() -> Box<Model> {
        Box::new(Model {
            len: [[ONE / 2; LENS]; 8],
            low: [[ONE / 2; 3]; LENS],
            same: [ONE / 2; 4],
            norm: [ONE / 2; 256],
            many: [[ONE / 2; 3]; 8],
            tf_len: [ONE / 2; LENS],
            tf_low: ONE / 2,
        })
    }
}

struct Encoder {
    low: u64,
    range: u32,
    cache: u8,
    pending: u64,
    out: Vec<u8>,
}

impl Encoder {
    fn new() -> Self {
        Encoder {
            low: 0,
            range: u32::MAX,
            cache: 0,
            pending: 1,
            out: Vec::new(),
        }
    }

    fn bit(&mut self, p: &mut u16, bit: bool) {
        // branch-free: the bits of a posting list are close to random, so a branch on them
        // is mispredicted about every other time
        let prob = u32::from(*p);
        let bound = (self.range >> BITS) * prob;
        let mask = u32::from(bit).wrapping_neg();
        self.low += u64::from(bound & mask);
        // bit 1 keeps range - bound, bit 0 keeps bound
        self.range = bound.wrapping_add(self.range.wrapping_sub(bound.wrapping_mul(2)) & mask);
        let one = prob - (prob >> MOVE);
        let zero = prob + ((u32::from(ONE) - prob) >> MOVE);
        *p = ((one & mask) | (zero & !mask)) as u16;
        // the smallest probability is 31/2048, so one shift brings the range back above TOP
        if self.range < TOP {
            self.range <<= 8;
            self.shift_low();
        }
    }

    fn shift_low(&mut self) {
        if self.low < 0xFF00_0000 || self.low > u64::from(u32::MAX) {
            let carry = (self.low >> 32) as u8;
            let mut c = self.cache;
            while self.pending > 0 {
                self.out.push(c.wrapping_add(carry));
                c = 0xFF;
                self.pending -= 1;
            }
            self.cache = (self.low >> 24) as u8;
        }
        self.pending += 1;
        self.low = (self.low & 0x00FF_FFFF) << 8;
    }

    /// Unary code of `n` (1..=33) over `ps`: n - 1 ones, then a zero unless n is the largest.
    fn unary(&mut self, ps: &mut [u16; LENS], n: usize) {
        for p in ps.iter_mut().take(n).skip(1) {
            self.bit(p, true);
        }
        if n < LENS - 1 {
            self.bit(&mut ps[n], false);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        for _ in 0..5 {
            self.shift_low();
        }
        // the first byte is always zero; the decoder assumes it
        self.out.remove(0);
        self.out
    }
}

/// What the next posting's probabilities depend on in the previous posting of its field.
#[derive(Clone, Copy)]
struct Last {
    norm: u8,
    /// Whether its norm repeated the one before.
    same: bool,
    /// Whether its frequency was above 1.
    many: bool,
}

impl Last {
    fn same_ctx(self, adjacent: bool) -> usize {
        usize::from(adjacent) * 2 + usize::from(self.same)
    }

    fn many_ctx(last: Option<Last>, adjacent: bool) -> usize {
        match last {
            Some(l) if adjacent => usize::from(l.many),
            _ => 2,
        }
    }
}

fn bit_len(v: u64) -> usize {
    (64 - v.leading_zeros()) as usize
}

/// Encodes the posting lists (ordinal, term frequency, fieldnorm id; ordinals ascending) of
/// a term's fields, in field order, into one stream.
pub fn encode(fields: &[&[(u32, u32, u8)]]) -> Vec<u8> {
    let mut e = Encoder::new();
    for postings in fields {
        let mut m = Model::new();
        let mut prev = 0u32;
        let mut prev_len = 0usize;
        let mut last: Option<Last> = None;
        for &(o, tf, norm) in postings.iter() {
            let v = u64::from(o - prev) + 1;
            prev = o;
            let n = bit_len(v);
            e.unary(&mut m.len[prev_len.min(7)], n);
            for j in (0..n - 1).rev() {
                e.bit(&mut m.low[n][(n - 2 - j).min(2)], (v >> j) & 1 == 1);
            }
            prev_len = n;
            let adjacent = v == 2;
            let same = last.is_some_and(|l| l.norm == norm);
            if let Some(l) = last {
                e.bit(&mut m.same[l.same_ctx(adjacent)], same);
            }
            if !same {
                let mut node = 1usize;
                for j in (0..8).rev() {
                    let b = (norm >> j) & 1 == 1;
                    e.bit(&mut m.norm[node], b);
                    node = node * 2 + usize::from(b);
                }
            }
            let ctx = usize::from(norm >> 5);
            e.bit(&mut m.many[ctx][Last::many_ctx(last, adjacent)], tf > 1);
            last = Some(Last {
                norm,
                same,
                many: tf > 1,
            });
            if tf > 1 {
                let v = u64::from(tf - 1);
                let n = bit_len(v);
                e.unary(&mut m.tf_len, n);
                for j in (0..n - 1).rev() {
                    e.bit(&mut m.tf_low, (v >> j) & 1 == 1);
                }
            }
        }
    }
    e.finish()
}

struct Decoder<'a> {
    b: &'a [u8],
    p: usize,
    code: u32,
    range: u32,
}

impl Decoder<'_> {
    fn next(&mut self) -> u32 {
        let v = self.b.get(self.p).copied().unwrap_or(0);
        self.p += 1;
        u32::from(v)
    }

    fn bit(&mut self, p: &mut u16) -> bool {
        let bound = (self.range >> BITS) * u32::from(*p);
        let b = if self.code < bound {
            self.range = bound;
            *p += (ONE - *p) >> MOVE;
            false
        } else {
            self.code -= bound;
            self.range -= bound;
            *p -= *p >> MOVE;
            true
        };
        while self.range < TOP {
            self.range <<= 8;
            self.code = (self.code << 8) | self.next();
        }
        b
    }

    fn unary(&mut self, ps: &mut [u16; LENS]) -> usize {
        let mut n = 1;
        while n < LENS - 1 && self.bit(&mut ps[n]) {
            n += 1;
        }
        n
    }

    /// The n - 1 bits below a leading one, high to low; bit j uses probability `ps[ctx(j)]`.
    fn mantissa(&mut self, n: usize, ps: &mut [u16], ctx: impl Fn(usize) -> usize) -> u64 {
        let mut v = 1u64;
        for j in (0..n - 1).rev() {
            let b = self.bit(&mut ps[ctx(j)]);
            v = v * 2 + u64::from(b);
        }
        v
    }
}

/// Decodes a stream written by [`encode`], given each field's number of postings. The
/// browser's decoder in `static/search.js` does the same; this one serves the tests.
pub fn decode(b: &[u8], counts: &[usize]) -> Vec<Vec<(u32, u32, u8)>> {
    let mut d = Decoder {
        b,
        p: 0,
        code: 0,
        range: u32::MAX,
    };
    for _ in 0..4 {
        d.code = (d.code << 8) | d.next();
    }
    let mut out = Vec::new();
    for &count in counts {
        let mut m = Model::new();
        let mut prev = 0u64;
        let mut prev_len = 0usize;
        let mut last: Option<Last> = None;
        let mut postings = Vec::with_capacity(count);
        for _ in 0..count {
            let n = d.unary(&mut m.len[prev_len.min(7)]);
            let v = d.mantissa(n, &mut m.low[n], |j| (n - 2 - j).min(2));
            prev_len = n;
            let o = prev + v - 1;
            prev = o;
            let adjacent = v == 2;
            let same = match last {
                Some(l) => d.bit(&mut m.same[l.same_ctx(adjacent)]),
                None => false,
            };
            let norm = match last {
                Some(l) if same => l.norm,
                _ => {
                    let mut node = 1usize;
                    for _ in 0..8 {
                        node = node * 2 + usize::from(d.bit(&mut m.norm[node]));
                    }
                    (node - 256) as u8
                }
            };
            let mut tf = 1u64;
            let many = d.bit(&mut m.many[usize::from(norm >> 5)][Last::many_ctx(last, adjacent)]);
            if many {
                let n = d.unary(&mut m.tf_len);
                tf = d.mantissa(n, std::slice::from_mut(&mut m.tf_low), |_| 0) + 1;
            }
            last = Some(Last { norm, same, many });
            postings.push((o as u32, tf as u32, norm));
        }
        out.push(postings);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_round_trip_and_dense_lists_shrink() {
        // a dense list (every third ordinal, short sections), a sparse one with huge gaps and
        // frequencies, and an empty one
        let dense: Vec<(u32, u32, u8)> = (0..5000u32)
            .map(|i| (i * 3 + i % 2, 1 + u32::from(i % 7 == 0), (40 + i % 9) as u8))
            .collect();
        let sparse = vec![
            (0, 1, 0),
            (7, 300, 255),
            (1 << 20, 1, 17),
            (u32::MAX - 1, u32::MAX, 3),
            (u32::MAX, 2, 200),
        ];
        let fields: Vec<&[(u32, u32, u8)]> = vec![&dense, &sparse, &[]];
        let b = encode(&fields);
        let back = decode(&b, &[dense.len(), sparse.len(), 0]);
        assert_eq!(back, vec![dense.clone(), sparse, vec![]]);
        // varint columns would take at least 2 bytes per posting here
        assert!(b.len() < dense.len(), "{} bytes", b.len());
    }

    #[test]
    fn a_notes_run_of_sections_with_one_norm_costs_little_after_its_first() {
        // a title field: 300 notes of 6 sections each, every note its own random norm and tf
        let mut x = 0x2545_F491u32;
        let mut run = Vec::new();
        for note in 0..300u32 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let (norm, tf) = ((x >> 24) as u8, 1 + (x >> 8) % 3);
            run.extend((0..6).map(|j| (note * 17 + j, tf, norm)));
        }
        let b = encode(&[&run]);
        assert_eq!(decode(&b, &[run.len()]), vec![run.clone()]);
        // coding each norm again costs about a byte a posting; a repeat costs a fraction of a bit
        assert!(
            b.len() * 2 < run.len(),
            "{} bytes for {} postings",
            b.len(),
            run.len()
        );
    }

    #[test]
    fn every_prefix_of_a_random_list_round_trips() {
        let mut x = 0x9E37_79B9u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut list = Vec::new();
        let mut o = 0u32;
        for _ in 0..400 {
            o += next() % 50;
            list.push((o, 1 + next() % 4, (next() % 256) as u8));
            o += 1;
        }
        for n in [0, 1, 2, 31, 32, 33, 399, 400] {
            let part = &list[..n];
            let b = encode(&[part]);
            assert_eq!(decode(&b, &[n]), vec![part.to_vec()], "{n} postings");
        }
    }
}
