// kb static search client: the same analyzer, query semantics and f32 BM25 arithmetic as
// `kb search` (src/search/*.rs), over the export in `search/` (docs/search-format.md).
// Dependency-free ES module for browsers and Node 20.

// ---------------------------------------------------------------------------------------
// Analyzer (mirror of src/search/analyzer.rs)
// ---------------------------------------------------------------------------------------

const WORD = 0, HANGUL = 1, HAN = 2, KANA = 3, JOINER = 4, SPACE = 5, OTHER = 6;

const RE_SPACE = /^\p{White_Space}$/u;
const RE_ALNUM = /^[\p{Alphabetic}\p{N}]$/u;
const RE_LOWER = /^\p{Lowercase}$/u;
const RE_UPPER = /^\p{Uppercase}$/u;

const classCache = new Map();

function classOf(cp) {
  if ((cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f) ||
      (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff)) return HANGUL;
  if ((cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0x20000 && cp <= 0x2fa1f)) return HAN;
  if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff)) return KANA;
  if (cp === 0x2d || cp === 0x2e || cp === 0x5f) return JOINER;
  const c = String.fromCodePoint(cp);
  if (RE_SPACE.test(c)) return SPACE;
  if (RE_ALNUM.test(c)) return WORD;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
      (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f)) return WORD;
  return OTHER;
}

/** Script class of one character (a one-code-point string or a code point). */
function charClass(c) {
  const cp = typeof c === "number" ? c : c.codePointAt(0);
  let k = classCache.get(cp);
  if (k === undefined) {
    k = classOf(cp);
    if (classCache.size < 65536) classCache.set(cp, k);
  }
  return k;
}

const isSpace = (c) => charClass(c) === SPACE;
const isLower = (c) => RE_LOWER.test(c);
const isUpper = (c) => RE_UPPER.test(c);

/** NFKC normalization. */
export function normalize(text) {
  return String(text).normalize("NFKC");
}

function lower(s) {
  return s.toLowerCase();
}

// `HttpSensor` -> [`Http`, `Sensor`], `HTTPServer` -> [`HTTP`, `Server`]
function camelParts(part) {
  const out = [];
  let cur = "";
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (i > 0 && cur !== "") {
      const prev = part[i - 1];
      const next = part[i + 1];
      const boundary = (isLower(prev) && isUpper(c)) ||
        (isUpper(prev) && isUpper(c) && next !== undefined && isLower(next));
      if (boundary) {
        out.push(cur);
        cur = "";
      }
    }
    cur += c;
  }
  if (cur !== "") out.push(cur);
  return out;
}

function compoundTokens(chars, query, out) {
  const parts = [];
  let cur = [];
  for (const c of chars) {
    if (charClass(c) === JOINER) {
      if (cur.length) parts.push(cur);
      cur = [];
    } else cur.push(c);
  }
  if (cur.length) parts.push(cur);
  const pieces = [];
  for (const p of parts) {
    const camel = camelParts(p);
    if (camel.length > 1) {
      if (!query) pieces.push(lower(p.join("")));
      for (const s of camel) pieces.push(lower(s));
    } else {
      pieces.push(lower(p.join("")));
    }
  }
  if (parts.length > 1 && !query) out.push(lower(parts.map((p) => p.join("")).join("")));
  if (query && parts.length === 1 && pieces.length === 0) return;
  const seen = [];
  for (const p of pieces) {
    if (!seen.includes(p)) {
      seen.push(p);
      out.push(p);
    }
  }
}

// All overlapping bigrams for indexing; for a query the fewest that cover every character
// (positions 0, 2, 4, .. and the last), as src/search/analyzer.rs does.
function bigrams(run, query, out) {
  if (run.length === 1) {
    out.push(run[0]);
    return;
  }
  const last = run.length - 2;
  for (let i = 0; i + 1 < run.length; i++) {
    if (query && i % 2 === 1 && i !== last) continue;
    out.push(run[i] + run[i + 1]);
  }
}

/** Marks a bigram spanning the space between two Hangul runs (`인 메모리` also gives `~인메`). */
export const CROSS_MARK = "~";
/** A word held as written by fewer sections than this also reads its cross-space twins. */
export const TWIN_RETRY_BELOW = 10;
/** The share of the score a cross-space bigram earns (a power of two: exact in f32). */
export const CROSS_WEIGHT = 0.5;

/**
 * Marks, inside a query, a term a word reaches other than as written: the halves of a Latin
 * word the notes write spaced and the joined form of two Latin words (see `ALT_MARK` in
 * src/search/analyzer.rs). Scores at CROSS_WEIGHT; never an index term.
 */
export const ALT_MARK = "\u0001";
/** Characters each half of a split Latin word has at least. */
export const SPLIT_MIN = 2;
/** Whether a query term is a cross-space twin or an alternative term (not as written). */
const notAsWritten = (t) => t.startsWith(CROSS_MARK) || t.startsWith(ALT_MARK);
/** Whether a token is one Latin (or other alphabetic) word. */
const latin = (t) => Array.from(t).every((c) => charClass(c) === WORD);

/** The prefix of the phonetic key terms of the filter field (`%KPK=kafka`, `%KPK=카프카`). */
export const KEY_MARK = "%";
/** Separates the key from the word in a key term. */
export const KEY_SEP = "=";
/** More words than this sounding equally close to a query word are not used. */
export const MAX_KEY_TERMS = 3;
/** Symbols a key has at least; below SHORT_KEY, only the same sound of SHORT_SOUND symbols or more. */
const MIN_KEY = 1;
const SHORT_KEY = 3;
const SHORT_SOUND = 3;
/** Names whose Korean spelling the key does not reach (mirror of src/search/phonetic.rs). */
export const IRREGULAR = [
  ["몽고디비", "mongodb"], ["몽고", "mongodb"], ["엔진엑스", "nginx"], ["그래프큐엘", "graphql"],
  ["마이에스큐엘", "mysql"], ["포스트그레스큐엘", "postgresql"], ["에이더블유에스", "aws"], ["케이팔에스", "k8s"],
  ["제이쿼리", "jquery"], ["뷰", "vue"],
];
const KEY_INITIAL = ["K", "K", "N", "T", "T", "R", "M", "P", "P", "S", "S", "", "J", "J", "J", "K", "T", "P", ""];
const KEY_MEDIAL = ["a", "e", "a", "e", "o", "e", "o", "e", "o", "a", "e", "e", "o", "u", "o", "e", "i", "u", "", "i", "i"];
const KEY_FINAL = ["", "K", "K", "K", "N", "N", "N", "T", "R", "K", "M", "P", "R", "R", "P", "R", "M", "P", "P",
  "T", "T", "N", "T", "T", "K", "T", "P", "T"];

/** Removes adjacent repeats of a symbol. */
function collapse(s) {
  let out = "";
  for (const c of s) if (!out.endsWith(c)) out += c;
  return out;
}
/** The key of a sound: its consonant symbols (upper case), repeats counted once. */
const consonants = (sound) => collapse(sound.replace(/[^A-Z]/g, ""));

/** The sound of a word of Hangul syllables, or null (mirror of `hangul_sound`). */
export function hangulSound(word) {
  let raw = "";
  for (const c of word) {
    const code = c.codePointAt(0);
    if (code < 0xac00 || code > 0xd7a3) return null;
    const i = code - 0xac00;
    raw += KEY_INITIAL[Math.floor(i / 588)] + KEY_MEDIAL[Math.floor((i % 588) / 28)] + KEY_FINAL[i % 28];
  }
  return collapse(raw);
}

/** The phonetic key of a word of Hangul syllables, or null (mirror of `hangul_key`). */
export function hangulKey(word) {
  const sound = hangulSound(word);
  if (sound === null) return null;
  const key = consonants(sound);
  return key.length >= MIN_KEY ? key : null;
}

const isVowelCh = (c) => c === "a" || c === "e" || c === "i" || c === "o" || c === "u";
const vowelCh = (c) => isVowelCh(c) || c === "y";
const VOWEL_PAIRS = [["ee", "i"], ["ea", "i"], ["ie", "i"], ["oo", "u"], ["ou", "au"], ["au", "o"], ["aw", "o"],
  ["ow", "o"], ["oa", "o"], ["ai", "ei"], ["ay", "ei"], ["ei", "ei"], ["oi", "oi"], ["oy", "oi"], ["ue", "u"]];
const CONS_DIGRAPHS = [["tion", "SoN"], ["sch", "SK"], ["tch", "J"], ["ch", "J"], ["sh", "S"], ["ph", "P"], ["ck", "K"], ["qu", "K"],
  ["dg", "J"], ["dj", "J"]];

/** The vowel symbols of the vowel letter (or y) at `i` of `w` and the letters they take (`latin_vowel`). */
function latinVowel(w, i) {
  const end = w.length;
  const next = w[i + 1];
  if (w[i] === "y") {
    const after = w[i + 2] === "h" ? i + 3 : i + 2;
    if (isVowelCh(next)) return ["", 1];
    if (next !== undefined && isVowelCh(w[after])) return ["ai", 1];
    return ["i", 1];
  }
  if (w.slice(i) === "ery") return ["oRi", 3];
  if (w.slice(i) === "are") return ["eo", 3];
  if (next === "r" && !vowelCh(w[i + 2])) return [w[i] === "a" ? "a" : "o", 2];
  if (w.startsWith("ey", i) && i + 2 === end) return ["i", 2];
  for (const [p, s] of VOWEL_PAIRS) if (w.startsWith(p, i)) return [s, 2];
  if (w[i] === "e" && i + 1 === end && i >= 2 && !vowelCh(w[i - 1])) return ["", 1];
  if (i + 3 === end && w[end - 1] === "e" && !vowelCh(next)) {
    if (w[i] === "a") return ["ei", 1];
    if (w[i] === "i") return ["ai", 1];
  }
  return [w[i], 1];
}

/** The sound of a lowercase ASCII word (`latin_sound_with`). */
function latinSoundWith(w, th, softG) {
  let raw = "";
  let i = 0;
  while (i < w.length) {
    const d = CONS_DIGRAPHS.find(([p]) => w.startsWith(p, i));
    if (d) {
      raw += d[1];
      i += d[0].length;
      continue;
    }
    if (vowelCh(w[i])) {
      const [s, n] = latinVowel(w, i);
      raw += s;
      i += n;
      continue;
    }
    if (w.startsWith("th", i)) {
      raw += th;
      i += 2;
      continue;
    }
    if (w.startsWith("gh", i)) {
      i += 2;
      continue;
    }
    if (w.startsWith("ng", i)) {
      raw += vowelCh(w[i + 2]) ? "NK" : "N";
      i += 2;
      continue;
    }
    const c = w[i];
    const soft = w[i + 1] === "e" || w[i + 1] === "i" || w[i + 1] === "y";
    if (c === "x") raw += "KS";
    else if (c === "c" && soft) raw += "S";
    else if (c === "g" && soft) raw += softG;
    else if ("cgkq".includes(c)) raw += "K";
    else if (c === "j" || c === "z") raw += "J";
    else if (c === "s") raw += "S";
    else if (c === "t" || c === "d") raw += "T";
    else if ("bpfv".includes(c)) raw += "P";
    else if (c === "l") raw += "R";
    else if (c === "r" && vowelCh(w[i + 1])) raw += "R";
    else if (c === "m") raw += "M";
    else if (c === "n") raw += "N";
    i += 1;
  }
  return collapse(raw);
}

/** Whether a word is three or more lowercase ASCII letters (`is_latin_word`). */
const isLatinWord = (w) => /^[a-z]{3,}$/.test(w);

/** The sounds of a Latin term (mirror of `latin_sounds`): one per reading of th and soft g. */
export function latinSounds(term) {
  if (!isLatinWord(term)) return [];
  const ths = term.includes("th") ? ["S", "T"] : ["S"];
  const gs = /g[eiy]/.test(term) ? ["K", "J"] : ["K"];
  const out = new Set();
  for (const th of ths) for (const g of gs) out.add(latinSoundWith(term, th, g));
  return [...out].sort(cmpStr);
}

/** The keys of a Latin term (mirror of `latin_keys`). */
export function latinKeys(term) {
  const keys = new Set(latinSounds(term).map(consonants));
  return [...keys].filter((k) => k.length >= MIN_KEY).sort(cmpStr);
}

/** Inserting or deleting a vowel costs 1, a consonant (upper case) 2 (`cost`). */
const symCost = (c) => (c >= "A" && c <= "Z" ? 2 : 1);

/** Edit distance of two sounds with symCost; a substitution costs the dearer symbol (`distance`). */
function distance(a, b) {
  const row = [0];
  for (const y of b) row.push(row[row.length - 1] + symCost(y));
  for (const x of a) {
    let diag = row[0];
    row[0] += symCost(x);
    for (let j = 0; j < b.length; j++) {
      const up = row[j + 1];
      const sub = x === b[j] ? 0 : Math.max(symCost(x), symCost(b[j]));
      row[j + 1] = Math.min(diag + sub, up + symCost(x), row[j] + symCost(b[j]));
      diag = up;
    }
  }
  return row[b.length];
}

/** How far two sounds are apart, or null when too far (mirror of `sound_distance`). */
export function soundDistance(a, b) {
  const d = distance(a, b);
  const ok = consonants(a).length < SHORT_KEY ? d === 0 && a.length >= SHORT_SOUND : 3 * d <= Math.max(a.length, b.length);
  return ok ? d : null;
}

/** The sounds of a key term's word: a Hangul word's one, a Latin term's. */
const wordSounds = (w) => {
  const h = hangulSound(w);
  return h === null ? latinSounds(w) : [h];
};

/**
 * Of `candidates` ([word, sounds]), the ones closest to a query word's `sounds`, when 1 to
 * MAX_KEY_TERMS are equally close; sorted (mirror of `closest`).
 */
export function closest(sounds, candidates) {
  const scored = [];
  for (const [word, theirs] of candidates) {
    let best = null;
    for (const s of sounds) for (const t of theirs) {
      const d = soundDistance(s, t);
      if (d !== null && (best === null || d < best)) best = d;
    }
    if (best !== null) scored.push([best, word]);
  }
  if (!scored.length) return [];
  const min = Math.min(...scored.map(([d]) => d));
  const out = [...new Set(scored.filter(([d]) => d === min).map(([, w]) => w))].sort(cmpStr);
  return out.length > MAX_KEY_TERMS ? [] : out;
}

/** Whether a query word is one Hangul word of two syllables or more. */
export const isHangulWord = (w) => Array.from(w).length >= 2 && Array.from(w).every((c) => charClass(c) === HANGUL);

/** The cross-space twin of a query token (`~` + token) when it is two Hangul syllables. */
export function crossTerm(token) {
  const cs = Array.from(token);
  return cs.length === 2 && cs.every((c) => charClass(c) === HANGUL) ? CROSS_MARK + token : null;
}

/** Tokens of `text` for indexing (`query = false`) or of one query word (`query = true`). */
export function tokens(text, query = false) {
  const chars = Array.from(normalize(text));
  const cls = chars.map(charClass);
  const n = chars.length;
  const out = [];
  let i = 0;
  let lastHangul = null;
  while (i < n) {
    const k = cls[i];
    if (k === WORD) {
      const start = i;
      while (i < n) {
        const kk = cls[i];
        if (kk === WORD) i++;
        else if (kk === JOINER && i + 1 < n && cls[i + 1] === WORD && i > start) i++;
        else break;
      }
      compoundTokens(chars.slice(start, i), query, out);
      lastHangul = null;
    } else if (k === HANGUL || k === HAN || k === KANA) {
      const start = i;
      while (i < n && cls[i] === k) i++;
      const run = [];
      for (let j = start; j < i; j++) for (const c of chars[j].toLowerCase()) run.push(c);
      if (k === HANGUL && !query && lastHangul !== null) out.push(CROSS_MARK + lastHangul + run[0]);
      bigrams(run, query, out);
      lastHangul = k === HANGUL ? run[run.length - 1] : null;
    } else if (k === SPACE) {
      i++;
    } else {
      i++;
      lastHangul = null;
    }
  }
  return out;
}

/** Korean particles a query word may end with, longest first. */
export const PARTICLES = [
  "에서부터", "으로부터", "에서는", "으로는", "이라는", "이라고", "에게서", "까지는", "부터는", "에서도",
  "으로도", "에서", "에게", "한테", "으로", "부터", "까지", "처럼", "보다", "이나", "이랑", "하고", "에는",
  "로는", "와는", "과는", "라는", "이란", "만큼", "마다", "조차", "밖에", "에도", "로도", "이며", "이고",
  "께서", "은", "는", "이", "가", "을", "를", "에", "로", "의", "와", "과", "도", "만", "나", "랑", "란",
  "께", "뿐",
];
const PARTICLE_CHARS = PARTICLES.map((p) => Array.from(p));

/** Removes a trailing Korean particle: `브로커를` -> `브로커`, `Redis를` -> `Redis`. */
export function stripParticle(word) {
  const w = normalize(word);
  const chars = Array.from(w);
  let ts = chars.length;
  while (ts > 0 && charClass(chars[ts - 1]) === HANGUL) ts--;
  if (ts === chars.length) return w;
  const tail = chars.slice(ts);
  if (ts === 0) {
    for (const p of PARTICLE_CHARS) {
      if (p.length <= tail.length && endsWith(tail, p) && tail.length - p.length >= 2) {
        return tail.slice(0, tail.length - p.length).join("");
      }
    }
    return w;
  }
  const t = tail.join("");
  if (PARTICLES.includes(t) && charClass(chars[ts - 1]) === WORD) return chars.slice(0, ts).join("");
  return w;
}

function endsWith(arr, suffix) {
  const off = arr.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (arr[off + i] !== suffix[i]) return false;
  return true;
}

function splitWhitespace(s) {
  const words = [];
  let cur = "";
  for (const c of s) {
    if (isSpace(c)) {
      if (cur) words.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur) words.push(cur);
  return words;
}

/** The export's number of the `filter` field (tag and path terms, never scored). */
const FILTER_FIELD = 5;
/** The prefix of the reserved filter terms of tags (mirror of src/search/operators.rs). */
export const TAG_MARK = "#";
/** The prefix of the reserved filter terms of paths. */
export const PATH_MARK = "/";

/** A tag as a tag filter compares it: NFKC, lowercase, no leading `#` nor trailing `/`. */
export function tagKey(tag) {
  return normalize(tag).toLowerCase().replace(/^#+/, "").replace(/\/+$/, "");
}

/** A path prefix as a path filter compares it: NFKC, lowercase, no leading `/`. */
export function pathKey(path) {
  return normalize(path).toLowerCase().replace(/^\/+/, "");
}

/**
 * Text as phrases compare it: NFKC, lowercase, every run of characters that are not letters,
 * digits or CJK replaced by one space, trimmed.
 */
export function squeeze(text) {
  let out = "";
  let gap = false;
  for (const c of normalize(text).toLowerCase()) {
    const k = charClass(c);
    if (k === WORD || k === HANGUL || k === HAN || k === KANA) {
      if (gap && out) out += " ";
      gap = false;
      out += c;
    } else gap = true;
  }
  return out;
}

// whitespace-separated items of a query, or quoted phrases (see `items` in operators.rs)
function queryItems(q) {
  const chars = Array.from(q);
  const out = [];
  let i = 0;
  while (i < chars.length) {
    if (isSpace(chars[i])) {
      i++;
      continue;
    }
    const negated = chars[i] === "-" && chars[i + 1] === '"';
    const q0 = i + (negated ? 1 : 0);
    let end = q0 + 1;
    while (end < chars.length && chars[end] !== '"') end++;
    // a quote never closed is an ordinary character
    if (chars[q0] === '"' && end < chars.length) {
      out.push({ text: chars.slice(q0 + 1, end).join(""), negated, quoted: true, closed: true });
      i = end + 1;
      continue;
    }
    const start = i;
    while (i < chars.length && !isSpace(chars[i])) i++;
    out.push({ text: chars.slice(start, i).join(""), negated: false, quoted: false, closed: false });
  }
  return out;
}

/**
 * Splits the search operators off a query (mirror of `split_operators` in
 * src/search/operators.rs): `tag:x`, `path:x`, `"phrase"`, `-word`, `-"phrase"`, `-tag:x`,
 * `-path:x`, `in:troubleshooting` and `-in:troubleshooting`. Returns `{ rest, trouble, tags,
 * notTags, paths, notPaths, phrases, notPhrases, notWords }`.
 */
export function splitOperators(q) {
  const ops = { rest: "", trouble: null, tags: [], notTags: [], paths: [], notPaths: [], phrases: [], notPhrases: [], notWords: [] };
  const rest = [];
  const all = Array.from(q);
  const endsSpace = all.length > 0 && isSpace(all[all.length - 1]);
  let complete = endsSpace;
  for (const item of queryItems(q)) {
    complete = endsSpace || item.closed;
    if (item.quoted) {
      const p = squeeze(item.text);
      if (!p) continue;
      if (item.negated) ops.notPhrases.push(p);
      else {
        ops.phrases.push(p);
        rest.push(splitWhitespace(item.text).join(" "));
      }
      continue;
    }
    const w = item.text;
    const neg = w.length > 1 && w[0] === "-" && w[1] !== "-";
    const body = neg ? w.slice(1) : w;
    if (/^in:troubleshooting$/i.test(body)) ops.trouble = !neg;
    else if (/^tag:/i.test(body)) {
      const key = tagKey(body.slice(4));
      if (key) (neg ? ops.notTags : ops.tags).push(key);
    } else if (/^path:/i.test(body)) {
      const key = pathKey(body.slice(5));
      if (key) (neg ? ops.notPaths : ops.paths).push(key);
    } else if (neg) ops.notWords.push(body);
    else rest.push(w);
  }
  ops.rest = rest.join(" ");
  if (complete && ops.rest) ops.rest += " ";
  return ops;
}

/** Whether a query's operators name a set of sections to list when it has no words. */
export const operatorsList = (ops) => ops.trouble === true || ops.tags.length > 0 || ops.paths.length > 0;

/** Sections a phrase is checked in, at most (whole tie groups; mirror of index.rs). */
export const PHRASE_CANDIDATES = 64;

/** Whether a section's title, heading and text hold every phrase and no excluded one. */
export function phrasesHold(ops, title, heading, text) {
  if (!ops.phrases.length && !ops.notPhrases.length) return true;
  const texts = [title, heading, text].map(squeeze);
  const holds = (p) => texts.some((t) => t.includes(p));
  return ops.phrases.every(holds) && !ops.notPhrases.some(holds);
}

/**
 * Parses a query into words `{ text, tokens, prefix }`: particles stripped, tokens per word;
 * the last word is being typed (prefix) unless the query ends with whitespace.
 */
export function parseQuery(q) {
  const norm = normalize(q);
  const chars = Array.from(norm);
  const typing = !(chars.length > 0 && isSpace(chars[chars.length - 1]));
  const words = splitWhitespace(norm);
  const n = words.length;
  const out = [];
  words.forEach((w, i) => {
    const toks = tokens(stripParticle(w), true);
    if (toks.length === 0) return;
    const t0 = Array.from(toks[0]);
    const oneSyllable = toks.length === 1 && t0.length === 1 && charClass(t0[0]) === HANGUL;
    out.push({ text: w, tokens: toks, prefix: oneSyllable || (typing && i + 1 === n) });
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// Snippets (mirror of src/search/snippet.rs)
// ---------------------------------------------------------------------------------------

const isAsciiAlnum = (cp) => (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);

function firstLowerCp(c) {
  return c.toLowerCase().codePointAt(0);
}

// Matching over an array of code points (already lowercased per character).
function rangesIn(hay, words) {
  const ranges = [];
  for (const w of words) {
    for (const t of w.tokens) {
      const needle = Array.from(t, (c) => c.codePointAt(0));
      const m = needle.length;
      if (m === 0 || m > hay.length) continue;
      const extend = w.prefix || needle.every(isAsciiAlnum);
      let i = 0;
      while (i + m <= hay.length) {
        let eq = true;
        for (let j = 0; j < m; j++) {
          if (hay[i + j] !== needle[j]) {
            eq = false;
            break;
          }
        }
        if (eq) {
          let end = i + m;
          if (extend) while (end < hay.length && isAsciiAlnum(hay[end])) end++;
          ranges.push([i, end]);
          i = end;
        } else i++;
      }
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged = [];
  for (const [a, b] of ranges) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** Character (code point) ranges of `text` where any query token occurs, merged. */
export function matchRanges(text, words) {
  const hay = Array.from(normalize(text), firstLowerCp);
  return rangesIn(hay, words);
}

/**
 * Ranges in UTF-16 offsets of the original (unnormalized) `text`, for highlighting DOM text:
 * each character is normalized on its own and matches map back to the characters they cover.
 */
export function highlightRanges(text, words) {
  const hay = [];
  const src = []; // [start, end) UTF-16 offsets of the source character of each hay entry
  let off = 0;
  for (const c of text) {
    const end = off + c.length;
    for (const d of c.normalize("NFKC")) {
      hay.push(firstLowerCp(d));
      src.push([off, end]);
    }
    off = end;
  }
  return rangesIn(hay, words).map(([a, b]) => [src[a][0], src[b - 1][1]]);
}

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** HTML-escapes like the Rust side (`& < > " '`). */
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

function trimWs(s) {
  const chars = Array.from(s);
  let a = 0;
  let b = chars.length;
  while (a < b && isSpace(chars[a])) a++;
  while (b > a && isSpace(chars[b - 1])) b--;
  return a === 0 && b === chars.length ? s : chars.slice(a, b).join("");
}

/** A window of about `width` characters around the densest group of matches, HTML. */
export function snippet(text, words, width = 160) {
  const norm = normalize(text);
  const chars = Array.from(norm);
  if (chars.length === 0) return "";
  const ranges = matchRanges(norm, words);
  let start = 0;
  if (ranges.length) {
    let best = [0, ranges[0][0]];
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i];
      let n = 0;
      for (let j = i; j < ranges.length && ranges[j][1] <= r[0] + width; j++) n++;
      if (n > best[0]) best = [n, r[0]];
    }
    start = Math.max(0, best[1] - Math.floor(width / 4));
  }
  let s = start;
  if (s > 0) {
    const limit = Math.max(0, s - 12);
    while (s > limit && !isSpace(chars[s - 1])) s--;
    if (s > 0 && !isSpace(chars[s - 1])) s = start;
  }
  let e = Math.min(s + width, chars.length);
  if (e < chars.length) {
    const limit = Math.min(e + 12, chars.length);
    let k = e;
    while (k < limit && !isSpace(chars[k])) k++;
    if (k < limit) e = k;
  }
  let out = s > 0 ? "…" : "";
  let at = s;
  for (const [ra, rb] of ranges) {
    if (!(rb > s && ra < e)) continue;
    const a = Math.max(ra, s);
    const b = Math.min(rb, e);
    if (a > at) out += esc(chars.slice(at, a).join(""));
    out += "<mark>" + esc(chars.slice(a, b).join("")) + "</mark>";
    at = b;
  }
  out += esc(chars.slice(at, e).join(""));
  if (e < chars.length) out += "…";
  return trimWs(out);
}

// ---------------------------------------------------------------------------------------
// result data (format 8; src/search/export/rows.rs)
// ---------------------------------------------------------------------------------------

/** The syllables a section text's code writes in one byte (`0x80 + i` for the first 80, then `0x01 + i`), as rows.rs has them. */
const COMMON_SYLLABLES = Array.from("이는다하로에가을를한서해스의지수기리어용자고있사시트정은드인터할도제으면프성만장적나라때모되데문보상소들구일함것위대과요게그와부행주된메아전생능개래경간야작저세체방클공점비여동크발결우값버통화치실진현음조중변계당유코단파식", (c) => c.codePointAt(0));
/** The text coded in `r`'s bytes up to `end`: ASCII, common syllables, Hangul in 2 bytes, else escaped. */
export function decodeText(r, end) {
  let out = "";
  let run = [];
  while (r.p < end) {
    const x = r.u8();
    let c;
    if (x >= 0x01 && x < 0x20) c = COMMON_SYLLABLES[80 + x - 1];
    else if (x < 0x80) c = x;
    else if (x === 0xff) c = r.varint();
    else if (x >= 0xd0) c = 0xac00 + (x - 0xd0) * 256 + (r.u8() ?? 0);
    else c = COMMON_SYLLABLES[x - 0x80];
    run.push(c);
    // fromCodePoint takes its arguments on the stack: flush in runs
    if (run.length === 4096) {
      out += String.fromCodePoint(...run);
      run = [];
    }
  }
  return out + String.fromCodePoint(...run);
}

/**
 * The heading id or page URL kb most often makes of `s` (`derived_slug` in rows.rs): ASCII
 * capitals lowered, each run of spaces one `-`. A slot stores 0 for an anchor or URL equal to it.
 */
export function derivedSlug(s) {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/ +/g, "-");
}

// cells of a slot before its rows (path, title, url, first, last) and per row (heading,
// anchor, line, text code length, troubleshooting)
const SLOT_HEAD = 5;
const SLOT_ROW = 5;

/** A slot's cells as rows `[path, title, url, heading, anchor, line, textBytes, first, last, trouble?]`. */
function expandSlot(cells) {
  if (!cells.length) return [];
  const [path, title, url0, first, last] = cells;
  const url = typeof url0 === "string" ? url0 : derivedSlug(path.replace(/\.md$/, "")) + "/";
  const rows = [];
  for (let i = SLOT_HEAD; i + SLOT_ROW <= cells.length; i += SLOT_ROW) {
    const [heading, anchor, line, len, trouble] = cells.slice(i, i + SLOT_ROW);
    const row = [path, title, url, heading, typeof anchor === "string" ? anchor : derivedSlug(heading), line, len, first, last];
    if (trouble === 1) row.push(1);
    rows.push(row);
  }
  return rows;
}

/**
 * The slots of a result-data file of `pack` slots a file (`search/d/<hash>/<i>.bin`): its JSON
 * slots as rows, each text (stored as the length of its code) decoded from the codes after the JSON.
 */
export function readSlots(buf, pack) {
  const r = new Bytes(buf);
  if (r.b[0] !== 0x4b || r.b[1] !== 0x42 || r.b[2] !== 0x44 || r.b[3] !== 0x31) throw new Error("kb search: not a result-data file");
  r.p = 4;
  const len = r.varint();
  const value = JSON.parse(utf8.decode(r.b.subarray(r.p, r.p + len)));
  r.p += len;
  const slots = (pack > 1 ? value : [value]).map(expandSlot);
  for (const slot of slots) {
    for (const row of slot) {
      const end = r.p + row[6];
      row[6] = decodeText(r, end);
      r.p = end;
    }
  }
  return slots;
}

// ---------------------------------------------------------------------------------------
// f32 arithmetic (tantivy's Bm25Weight, glibc/musl logf)
// ---------------------------------------------------------------------------------------

const f32 = Math.fround;
const bits = new DataView(new ArrayBuffer(4));

function hexf(s) {
  // "-0x1.57bf7808caadep-2" -> number (exact)
  const m = /^(-?)0x([0-9a-f])\.?([0-9a-f]*)p([+-]\d+)$/i.exec(s);
  const mant = parseInt(m[2] + m[3], 16);
  const v = mant * 2 ** (Number(m[4]) - 4 * m[3].length);
  return m[1] ? -v : v;
}

// logf as glibc (>= 2.27, < 2.41) and musl compute it: a 16-entry table and a degree-3
// polynomial evaluated in double precision, rounded once to f32. `kb search` scores with
// tantivy, whose idf calls `f32::ln` -> the C library's logf. Checked bit-exact against
// glibc 2.36's logf for every positive normal float.
const LOGF_T = [
  ["0x1.661ec79f8f3bep+0", "-0x1.57bf7808caadep-2"], ["0x1.571ed4aaf883dp+0", "-0x1.2bef0a7c06ddbp-2"],
  ["0x1.49539f0f010bp+0", "-0x1.01eae7f513a67p-2"], ["0x1.3c995b0b80385p+0", "-0x1.b31d8a68224e9p-3"],
  ["0x1.30d190c8864a5p+0", "-0x1.6574f0ac07758p-3"], ["0x1.25e227b0b8eap+0", "-0x1.1aa2bc79c81p-3"],
  ["0x1.1bb4a4a1a343fp+0", "-0x1.a4e76ce8c0e5ep-4"], ["0x1.12358f08ae5bap+0", "-0x1.1973c5a611cccp-4"],
  ["0x1.0953f419900a7p+0", "-0x1.252f438e10c1ep-5"], ["0x1p+0", "0x0p+0"],
  ["0x1.e608cfd9a47acp-1", "0x1.aa5aa5df25984p-5"], ["0x1.ca4b31f026aap-1", "0x1.c5e53aa362eb4p-4"],
  ["0x1.b2036576afce6p-1", "0x1.526e57720db08p-3"], ["0x1.9c2d163a1aa2dp-1", "0x1.bc2860d22477p-3"],
  ["0x1.886e6037841edp-1", "0x1.1058bc8a07ee1p-2"], ["0x1.767dcf5534862p-1", "0x1.4043057b6ee09p-2"],
].map(([a, b]) => [hexf(a), hexf(b)]);
const LOGF_LN2 = hexf("0x1.62e42fefa39efp-1");
const LOGF_A0 = hexf("-0x1.00ea348b88334p-2");
const LOGF_A1 = hexf("0x1.5575b0be00b6ap-2");
const LOGF_A2 = hexf("-0x1.ffffef20a4123p-2");

/** Natural logarithm of an f32, bit-exact with the C library's logf (see above). */
export function logf(x) {
  x = f32(x);
  bits.setFloat32(0, x);
  const ix = bits.getUint32(0);
  if (ix === 0x3f800000) return 0;
  if (ix - 0x00800000 >= 0x7f800000 - 0x00800000) return f32(Math.log(x)); // subnormal, inf, nan, <= 0
  const tmp = (ix - 0x3f330000) >>> 0;
  const i = (tmp >>> 19) & 15;
  const k = (tmp | 0) >> 23;
  const iz = (ix - (tmp & 0xff800000)) >>> 0;
  bits.setUint32(0, iz);
  const z = bits.getFloat32(0);
  const [invc, logc] = LOGF_T[i];
  const r = z * invc - 1;
  const y0 = logc + k * LOGF_LN2;
  const r2 = r * r;
  let y = LOGF_A1 * r + LOGF_A2;
  y = LOGF_A0 * r2 + y;
  y = y * r2 + (y0 + r);
  return f32(y);
}

// ---------------------------------------------------------------------------------------
// Export reading
// ---------------------------------------------------------------------------------------

/** Compares strings by code point (= UTF-8 byte order), not by UTF-16 unit. */
export function cmpStr(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // surrogates (astral code points) sort after U+E000..U+FFFF
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** The smallest string greater than every string starting with `prefix` (null: none). */
export function prefixUpper(prefix) {
  const cps = Array.from(prefix, (c) => c.codePointAt(0));
  while (cps.length) {
    const next = cps.pop() + 1;
    if (next <= 0x10ffff && !(next >= 0xd800 && next <= 0xdfff)) {
      cps.push(next);
      return String.fromCodePoint(...cps);
    }
  }
  return null;
}

/** Whether `a` and `b` are one edit apart (by code point): Levenshtein distance 1, or one
 *  adjacent transposition, as `within_one_edit` in src/search/index.rs. */
export function withinOneEdit(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  if (Math.abs(x.length - y.length) > 1) return false;
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  if (i === x.length && i === y.length) return true;
  const eqFrom = (p, q) => {
    if (x.length - p !== y.length - q) return false;
    for (; p < x.length; p++, q++) if (x[p] !== y[q]) return false;
    return true;
  };
  const swapped = x.length === y.length && i + 1 < x.length && x[i] === y[i + 1] && x[i + 1] === y[i] && eqFrom(i + 2, i + 2);
  return swapped || eqFrom(i + 1, i + 1) || eqFrom(i + 1, i) || eqFrom(i, i + 1);
}

const utf8 = new TextDecoder();
const utf8enc = new TextEncoder();

// URL encoding as the site's own links use it (src/parse/slug.rs: controls, space and
// `"#%<>?`{}\^|[]'` and all non-ASCII are percent-encoded)
const PATH_SET = new Set(Array.from(" \"#%<>?`{}\\^|[]'", (c) => c.charCodeAt(0)));
function encodeSegment(s) {
  let out = "";
  for (const byte of utf8enc.encode(s)) {
    if (byte < 0x20 || byte >= 0x7f || PATH_SET.has(byte)) out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    else out += String.fromCharCode(byte);
  }
  return out;
}
/** Percent-encodes a `/`-separated path like kb's links. */
export function encodePath(path) {
  return path.split("/").map(encodeSegment).join("/");
}
/** Percent-encodes a heading id for use after `#`. */
export const encodeFragment = encodeSegment;

class Bytes {
  constructor(buf) {
    this.b = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
    this.p = 0;
  }
  varint() {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = this.b[this.p++];
      if (byte === undefined) throw new Error("kb search: truncated varint");
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
  }
  u8() {
    return this.b[this.p++];
  }
  str() {
    const len = this.varint();
    const s = utf8.decode(this.b.subarray(this.p, this.p + len));
    this.p += len;
    return s;
  }
  magic(m) {
    for (let i = 0; i < 4; i++) {
      if (this.b[this.p + i] !== m.charCodeAt(i)) throw new Error(`kb search: not a ${m} file`);
    }
    this.p += 4;
  }
}

// Range-coded postings (src/search/rangecode.rs): LZMA's adaptive binary range coder with
// 11-bit probabilities moving 1/32 per bit. Numbers stay below 2^32 and are kept unsigned.
const RC_LENS = 34;
const RANGE_CODED = 0x80;
/** Flags of an alias entry: the postings are those of the term it names (format 10). */
const ALIAS = 0x40;

function rcModel() {
  return {
    len: Array.from({ length: 8 }, () => new Uint16Array(RC_LENS).fill(1024)),
    low: Array.from({ length: RC_LENS }, () => new Uint16Array(3).fill(1024)),
    same: new Uint16Array(4).fill(1024),
    norm: new Uint16Array(256).fill(1024),
    many: Array.from({ length: 8 }, () => new Uint16Array(3).fill(1024)),
    tfLen: new Uint16Array(RC_LENS).fill(1024),
    tfLow: new Uint16Array(1).fill(1024),
  };
}

class RangeDecoder {
  constructor(b, start, end) {
    this.b = b;
    this.p = start;
    this.end = end;
    this.range = 0xffffffff;
    this.code = 0;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }
  next() {
    return this.p < this.end ? this.b[this.p++] : (this.p++, 0);
  }
  bit(ps, i) {
    const p = ps[i];
    const bound = (this.range >>> 11) * p;
    let b;
    if (this.code < bound) {
      this.range = bound;
      ps[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      ps[i] = p - (p >>> 5);
      b = 1;
    }
    while (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
    return b;
  }
  unary(ps) {
    let n = 1;
    while (n < RC_LENS - 1 && this.bit(ps, n)) n++;
    return n;
  }
}

function decodeRangeCoded(b, start, end, heads) {
  const d = new RangeDecoder(b, start, end);
  return heads.map(({ k, df, count }) => {
    const m = rcModel();
    const docs = new Uint32Array(count);
    const tfs = new Uint32Array(count);
    const norms = new Uint8Array(count);
    let prev = 0;
    let prevLen = 0;
    // the previous posting's norm, whether it repeated the one before, whether its tf was > 1
    let lastNorm = -1;
    let lastSame = 0;
    let lastMany = 0;
    for (let i = 0; i < count; i++) {
      const n = d.unary(m.len[Math.min(prevLen, 7)]);
      const low = m.low[n];
      let v = 1;
      for (let j = n - 2; j >= 0; j--) v = v * 2 + d.bit(low, Math.min(n - 2 - j, 2));
      prevLen = n;
      prev += v - 1;
      docs[i] = prev;
      const adjacent = v === 2 ? 1 : 0;
      const same = i > 0 ? d.bit(m.same, adjacent * 2 + lastSame) : 0;
      let norm = lastNorm;
      if (!same) {
        let node = 1;
        for (let j = 0; j < 8; j++) node = node * 2 + d.bit(m.norm, node);
        norm = node - 256;
      }
      norms[i] = norm;
      let tf = 1;
      const many = d.bit(m.many[norm >>> 5], i > 0 && adjacent ? lastMany : 2);
      lastNorm = norm;
      lastSame = same;
      lastMany = many;
      if (many) {
        const n2 = d.unary(m.tfLen);
        let v2 = 1;
        for (let j = n2 - 2; j >= 0; j--) v2 = v2 * 2 + d.bit(m.tfLow, 0);
        tf = v2 + 1;
      }
      tfs[i] = tf;
    }
    return { k, df, docs, tfs, norms };
  });
}

/** Decodes the postings of every field of a term entry at `pos` (after the term). */
function decodeTerm(b, pos, nfields) {
  const r = new Bytes(b);
  r.p = pos;
  const mask = r.u8();
  if (mask & RANGE_CODED) {
    const heads = [];
    for (let k = 0; k < nfields; k++) {
      if (!(mask & (1 << k))) continue;
      const df = r.varint();
      heads.push({ k, df, count: r.varint() });
    }
    const len = r.varint();
    return decodeRangeCoded(b, r.p, r.p + len, heads);
  }
  const fields = [];
  for (let k = 0; k < nfields; k++) {
    if (!(mask & (1 << k))) continue;
    const df = r.varint();
    const count = r.varint();
    // columns: ordinal deltas, term frequencies, fieldnorm ids
    const docs = new Uint32Array(count);
    const tfs = new Uint32Array(count);
    let d = 0;
    for (let i = 0; i < count; i++) {
      d += r.varint();
      docs[i] = d;
    }
    for (let i = 0; i < count; i++) tfs[i] = r.varint();
    const norms = r.b.subarray(r.p, r.p + count);
    r.p += count;
    fields.push({ k, df, docs, tfs, norms });
  }
  return fields;
}

function parseShard(buf, nfields) {
  const r = new Bytes(buf);
  r.magic("KBS2");
  const count = r.varint();
  const at = new Map();
  const aliases = new Map();
  for (let t = 0; t < count; t++) {
    const term = r.str();
    at.set(term, r.p);
    const mask = r.u8();
    if (mask === ALIAS) {
      aliases.set(term, r.str());
      continue;
    }
    if (mask & RANGE_CODED) {
      for (let k = 0; k < nfields; k++) {
        if (!(mask & (1 << k))) continue;
        r.varint(); // df
        r.varint(); // postings
      }
      const len = r.varint();
      r.p += len;
      continue;
    }
    for (let k = 0; k < nfields; k++) {
      if (!(mask & (1 << k))) continue;
      r.varint(); // df
      const n = r.varint();
      for (let i = 0; i < 2 * n; i++) r.varint();
      r.p += n;
    }
  }
  const cache = new Map();
  return {
    /** The shard's terms, in order. */
    terms: [...at.keys()],
    /** The term whose postings an alias entry repeats (src/search/export/alias.rs), or undefined. */
    alias: (term) => aliases.get(term),
    get(term) {
      if (cache.has(term)) return cache.get(term);
      if (aliases.has(term)) return null;
      const pos = at.get(term);
      const v = pos === undefined ? null : decodeTerm(r.b, pos, nfields);
      cache.set(term, v);
      return v;
    },
  };
}

function parseList(buf) {
  const r = new Bytes(buf);
  r.magic("KBL1");
  const count = r.varint();
  const terms = new Array(count);
  const dfs = new Array(count);
  for (let i = 0; i < count; i++) {
    terms[i] = r.str();
    dfs[i] = r.varint();
  }
  return { terms, dfs };
}

// tantivy's fieldnorm table (fieldnorm id -> field length): Lucene's SmallFloat int4 code with
// 24 exact values (checked against tantivy in src/search/export.rs)
const FIELDNORMS = Array.from({ length: 256 }, (_, i) => {
  if (i < 24) return i;
  const bits = (i - 24) & 7;
  const shift = ((i - 24) >> 3) - 1;
  return 24 + (shift < 0 ? bits : (bits | 8) * 2 ** shift);
});

// index of the last entry <= key in a sorted array of first terms (-1: before all)
function lastLE(firsts, key) {
  let lo = 0;
  let hi = firsts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmpStr(firsts[mid], key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

// ---------------------------------------------------------------------------------------
// The search
// ---------------------------------------------------------------------------------------

/**
 * A search over the export at `base + "search/"`. `base` is the site base (URL or path,
 * ending in "/"); `fetch` defaults to the global one.
 */
export function createSearch({ base = "/", fetch: fetchFn } = {}) {
  const doFetch = fetchFn || globalThis.fetch.bind(globalThis);
  if (!base.endsWith("/")) base += "/";
  const root = base + "search/";
  const files = new Map();

  function load(path, kind) {
    let p = files.get(path);
    if (!p) {
      p = (async () => {
        const res = await doFetch(root + path);
        if (!res.ok) throw new Error(`kb search: ${root + path}: HTTP ${res.status}`);
        return kind === "json" ? res.json() : res.arrayBuffer();
      })();
      p.catch(() => files.delete(path));
      files.set(path, p);
    }
    return p;
  }

  let metaP = null;
  function meta() {
    if (!metaP) {
      metaP = load("meta.json", "json").then((m) => {
        if (m.format !== 10) throw new Error(`kb search: unsupported index format ${m.format}`);
        const k1 = f32(m.k1);
        const b = f32(m.b);
        const avg = m.avg.map(f32);
        // per field: K1 * (1 - B + B * fieldnorm / avg) for each fieldnorm id
        const tfCache = avg.map((a) =>
          Float64Array.from(FIELDNORMS, (dl) => f32(k1 * f32(f32(1 - b) + f32(f32(b * f32(dl)) / a)))));
        return { ...m, k1, b, avg, tfCache, boosts: m.boosts.map(f32), onePlusK1: f32(1 + k1), idf: new Map() };
      });
      metaP.catch(() => {
        metaP = null;
      });
    }
    return metaP;
  }

  const parsed = new Map();
  function cached(key, make) {
    let p = parsed.get(key);
    if (!p) {
      p = make();
      p.catch(() => parsed.delete(key));
      parsed.set(key, p);
    }
    return p;
  }
  const shard = (m, i) =>
    cached("t" + i, () => load(`${m.shardDir}/${i}.bin`, "bin").then((buf) => parseShard(buf, m.fields.length)));
  const list = (m, i) => cached("l" + i, () => load(`${m.listDir}/${i}.bin`, "bin").then(parseList));
  /** The rows of result-data slot `i`: `chunkSlots` consecutive slots share a file. */
  const chunk = (m, i) => {
    const k = m.chunkSlots > 1 ? m.chunkSlots : 1;
    const f = Math.floor(i / k);
    const file = cached("d" + f, () => load(`${m.chunkDir}/${f}.bin`, "bin").then((buf) => readSlots(buf, k)));
    return file.then((slots) => (Array.isArray(slots[i % k]) ? slots[i % k] : []));
  };

  const group = (m, g) => cached("s" + g, () => load(`${m.shardGroupDir}/${g}.json`, "json"));

  /** The number of the shard whose range holds `term` (-1: before every shard). */
  async function shardOf(m, term) {
    // meta names every group's first term; the group file names each of its shards' first terms
    const g = lastLE(m.shardGroups, term);
    if (g < 0) return -1;
    return g * m.shardGroupSize + lastLE(await group(m, g), term);
  }

  /** Per-field postings of a term, or null (an alias entry's from the term it names). */
  async function termInfo(m, term, follow = true) {
    const i = await shardOf(m, term);
    if (i < 0) return null;
    const sh = await shard(m, i);
    const same = sh.alias(term);
    if (same !== undefined) return follow ? termInfo(m, same, false) : null;
    return sh.get(term);
  }

  /**
   * The ordinals of the sections holding a term of the filter field that starts with `prefix`
   * (the term `prefix` alone with `whole`). Filter terms are in no term list: a prefix reads the
   * shards its range spans. Their postings are runs: (first ordinal, length).
   */
  async function filterOrds(m, prefix, whole) {
    const out = new Set();
    const add = (fields) => {
      for (const fd of fields || []) {
        if (fd.k !== FILTER_FIELD) continue;
        for (let i = 0; i < fd.docs.length; i++) for (let j = 0; j < fd.tfs[i]; j++) out.add(fd.docs[i] + j);
      }
    };
    if (whole) add(await termInfo(m, prefix));
    else for (const [, fields] of await filterTerms(m, prefix)) add(fields);
    return out;
  }

  /** The terms starting with `prefix`, with their postings: the shards their range spans. */
  async function filterTerms(m, prefix) {
    const hi = prefixUpper(prefix);
    const lo = Math.max(0, await shardOf(m, prefix));
    const last = hi === null ? lo : await shardOf(m, hi);
    const shards = await Promise.all(Array.from({ length: Math.max(0, last - lo + 1) }, (_, j) => shard(m, lo + j)));
    const out = [];
    for (const sh of shards) {
      for (const t of sh.terms) if (t.startsWith(prefix)) out.push([t, sh.get(t)]);
    }
    return out;
  }

  /**
   * The other spellings of a query word, each as alternative terms per token (mirror of
   * `alternatives` in src/search/index.rs): the Latin terms sharing a Hangul word's phonetic key
   * (when at most MAX_KEY_TERMS do), and the other members of its groups in IRREGULAR and in
   * kb.toml's synonyms.
   */
  async function alternatives(m, w) {
    const stem = stripParticle(w.text).toLowerCase();
    const out = [];
    const hangul = isHangulWord(stem);
    let sounds = [];
    let keys = [];
    if (hangul) {
      const key = hangulKey(stem);
      if (key !== null) [sounds, keys] = [[hangulSound(stem)], [key]];
    } else if (isLatinWord(stem)) [sounds, keys] = [latinSounds(stem), latinKeys(stem)];
    // key terms are in the term lists only: their words, never their postings
    const cands = [];
    for (const key of keys) {
      const prefix = KEY_MARK + key + KEY_SEP;
      for (const [, t] of await termsInRange(m, prefix, prefixUpper(prefix))) {
        const word = t.slice(prefix.length);
        if (isHangulWord(word) !== hangul) cands.push([word, wordSounds(word)]);
      }
    }
    for (const word of closest(sounds, cands)) out.push({ text: word, toks: tokens(word, true).map((t) => [ALT_MARK + t]) });
    const norm = (s) => normalize(s).toLowerCase();
    for (const group of [...IRREGULAR, ...(m.synonyms || [])]) {
      if (!group.some((x) => norm(x) === stem)) continue;
      for (const other of group) {
        if (norm(other) === stem) continue;
        const toks = tokens(other, true);
        if (toks.length) out.push({ text: other, toks: toks.map((t) => [ALT_MARK + t]) });
      }
    }
    return out;
  }

  /** All terms in [lo, hi) with their total document frequency. */
  async function termsInRange(m, lo, hi) {
    const first = Math.max(0, lastLE(m.lists, lo));
    const idx = [];
    for (let i = first; i < m.lists.length; i++) {
      if (i > first && hi !== null && cmpStr(m.lists[i], hi) >= 0) break;
      idx.push(i);
    }
    const lists = await Promise.all(idx.map((i) => list(m, i)));
    const out = [];
    for (const l of lists) {
      for (let j = 0; j < l.terms.length; j++) {
        const t = l.terms[j];
        if (cmpStr(t, lo) >= 0 && (hi === null || cmpStr(t, hi) < 0)) out.push([l.dfs[j], t]);
      }
    }
    return out;
  }

  // The exact term first, then by total df (ties: term order); at most maxExpansions, and
  // after the first only while the total df stays within expansionBudget.
  function topByDf(m, cands, exact = null) {
    const sorted = cands
      .filter(([d]) => d > 0)
      .sort((a, b) => (b[1] === exact) - (a[1] === exact) || b[0] - a[0] || cmpStr(a[1], b[1]));
    const out = [];
    let total = 0;
    for (const [d, t] of sorted) {
      if (out.length === m.maxExpansions || (out.length > 0 && total + d > m.expansionBudget)) break;
      total += d;
      out.push(t);
    }
    return out;
  }

  async function resolveWord(m, w) {
    const n = w.tokens.length;
    const out = await Promise.all(w.tokens.map(async (t, i) => {
      if (w.prefix && i + 1 === n) {
        const top = topByDf(m, await termsInRange(m, t, prefixUpper(t)), t);
        return top.length ? top : [t];
      }
      return [t];
    }));
    const t0 = w.tokens[0];
    const cps = Array.from(t0);
    if (n !== 1 || !latin(t0)) return out;
    const infos = await Promise.all(out[0].map((x) => termInfo(m, x)));
    if (infos.some((f) => f && f.some((fd) => fd.df > 0))) return out;
    // no match as written: two words the notes write spaced, else the terms one edit away
    const split = await bestSplit(m, cps);
    if (split) return split.map((h) => [ALT_MARK + h]);
    if (cps.length >= 5) {
      const first = cps[0];
      const cands = (await termsInRange(m, first, prefixUpper(first))).filter(([, c]) => withinOneEdit(c, t0));
      const top = topByDf(m, cands);
      if (top.length) out[0] = top;
    }
    return out;
  }

  /** Total document frequency of a term, from the term lists (0: not in the index). */
  async function listDf(m, term) {
    const i = lastLE(m.lists, term);
    if (i < 0) return 0;
    const l = await list(m, i);
    let lo = 0;
    let hi = l.terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpStr(l.terms[mid], term) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < l.terms.length && l.terms[lo] === term ? l.dfs[lo] : 0;
  }

  /**
   * The split of a Latin token (code points `cps`) into two halves of at least SPLIT_MIN
   * characters that are both terms: the one whose rarer half is the most frequent (ties: the
   * leftmost), as `best_split` in src/search/index.rs; null when there is none.
   */
  async function bestSplit(m, cps) {
    if (cps.length < 2 * SPLIT_MIN) return null;
    const cuts = [];
    for (let i = SPLIT_MIN; i <= cps.length - SPLIT_MIN; i++) cuts.push(i);
    const lefts = await Promise.all(cuts.map((i) => listDf(m, cps.slice(0, i).join(""))));
    const rights = await Promise.all(cuts.map((i, k) => (lefts[k] ? listDf(m, cps.slice(i).join("")) : 0)));
    let best = null;
    cuts.forEach((i, k) => {
      const d = Math.min(lefts[k], rights[k]);
      if (lefts[k] && rights[k] && (best === null || d > best[0])) best = [d, i];
    });
    return best && [cps.slice(0, best[1]).join(""), cps.slice(best[1]).join("")];
  }

  function idf(m, df) {
    let v = m.idf.get(df);
    if (v === undefined) {
      const x = f32(f32(f32(m.n - df) + 0.5) / f32(f32(df) + 0.5));
      v = logf(f32(1 + x));
      m.idf.set(df, v);
    }
    return v;
  }

  function fieldWeight(m, k, df, cross) {
    let w = f32(idf(m, df) * m.onePlusK1);
    const boost = cross ? m.boosts[k] * CROSS_WEIGHT : m.boosts[k];
    if (boost !== 1) w = f32(w * boost);
    return w;
  }

  /**
   * Scores every document: rows `{ ord, score, matched, exact }`. Scores accumulate in
   * Float32Arrays indexed by ordinal (a store rounds to f32 exactly as Math.fround does), which
   * keeps a query over tens of thousands of postings free of Map and garbage-collector costs.
   */
  async function score(m, words) {
    const resolved = await Promise.all(words.map((w) => resolveWord(m, w)));
    // two adjacent single Latin words also reach the term the notes write joined
    const joins = await Promise.all(words.slice(1).map(async (w, k) => {
      const single = (j) => words[j].tokens.length === 1 && resolved[j].length === 1 && latin(words[j].tokens[0]);
      if (!single(k) || !single(k + 1)) return null;
      const joined = words[k].tokens[0] + w.tokens[0];
      const info = await termInfo(m, joined);
      return info && info.some((fd) => fd.k !== FILTER_FIELD && fd.df > 0) ? joined : null;
    }));
    joins.forEach((joined, k) => {
      if (joined === null) return;
      resolved[k][0].push(ALT_MARK + joined);
      resolved[k + 1][0].push(ALT_MARK + joined);
    });
    const all = [...new Set(resolved.flat(2))];
    const infos = new Map(await Promise.all(all.map(async (t) => [t, await termInfo(m, t.startsWith(ALT_MARK) ? t.slice(1) : t)])));
    // every ordinal is below meta.ordinals (the dev server's updates keep it so)
    const n = m.ordinals;
    const termS = new Float32Array(n);
    const termOn = new Uint8Array(n);
    const tokS = new Float32Array(n);
    const tokOn = new Uint8Array(n);
    const asWritten = new Uint8Array(n);
    const wordS = new Float32Array(n);
    const wordCount = new Uint16Array(n);
    const wordExact = new Uint16Array(n);
    // one word: per document, tokens present (wordCount), present as written (wordExact) and
    // the score (wordS); returns the documents touched
    const scoreWord = (toks) => {
      const wordDocs = [];
      for (const terms of toks) {
        const tokDocs = [];
        // with a cross-space twin among the terms, the documents holding the token as written
        const twinned = terms.some(notAsWritten);
        for (const term of terms) {
          const fields = infos.get(term);
          if (!fields) continue;
          const cross = notAsWritten(term);
          const termDocs = [];
          for (const fd of fields) {
            if (fd.df === 0) continue;
            const w = fieldWeight(m, fd.k, fd.df, cross);
            const cache = m.tfCache[fd.k];
            const { docs, tfs, norms } = fd;
            for (let i = 0; i < docs.length; i++) {
              const tf = f32(tfs[i]);
              const sc = f32(w * f32(tf / f32(tf + cache[norms[i]])));
              const d = docs[i];
              if (termOn[d]) termS[d] += sc;
              else {
                termOn[d] = 1;
                termS[d] = sc;
                termDocs.push(d);
              }
            }
          }
          for (const d of termDocs) {
            termOn[d] = 0;
            const sc = termS[d];
            if (!tokOn[d]) {
              tokOn[d] = 1;
              tokS[d] = sc;
              tokDocs.push(d);
            } else if (sc > tokS[d]) tokS[d] = sc;
            if (!cross && twinned) asWritten[d] = 1;
          }
        }
        for (const d of tokDocs) {
          tokOn[d] = 0;
          const exact = !twinned || asWritten[d] === 1;
          asWritten[d] = 0;
          if (wordCount[d] === 0) {
            wordDocs.push(d);
            wordS[d] = tokS[d];
          } else wordS[d] += tokS[d];
          wordCount[d]++;
          if (exact) wordExact[d]++;
        }
      }
      return wordDocs;
    };
    // per document over all words: score, words matched, words matched as written
    const accS = new Float32Array(n);
    const accMatched = new Uint16Array(n);
    const accExact = new Uint16Array(n);
    const accDocs = [];
    const reset = (docs) => {
      for (const d of docs) {
        wordCount[d] = 0;
        wordExact[d] = 0;
      }
    };
    // words matched as the two halves of their split: the halves as a phrase, and per document
    // the word's score (`Split` in src/search/index.rs)
    const splits = [];
    // the other spellings that matched, highlighted in snippets: alternative terms (halves of
    // a split, joined words), then the alternatives of words few sections hold
    const spellings = resolved.flat(2).filter((t) => t.startsWith(ALT_MARK)).map((t) => t.slice(1));
    for (let wi = 0; wi < resolved.length; wi++) {
      const toks = resolved[wi];
      const split = words[wi].tokens.length === 1 && toks.length === 2 && toks.every((t) => t[0].startsWith(ALT_MARK))
        ? { phrase: toks[0][0].slice(1) + " " + toks[1][0].slice(1), docs: new Map() }
        : null;
      let wordDocs = scoreWord(toks);
      // a word few sections hold as written is retried with the cross-space twins of its
      // Hangul bigrams (at a lower weight): 인메모리 finds 인 메모리
      let held = 0;
      for (const d of wordDocs) if (wordCount[d] === toks.length && wordExact[d] === toks.length) held++;
      if (held < TWIN_RETRY_BELOW && toks.some((terms) => terms.some((t) => crossTerm(t)))) {
        reset(wordDocs);
        const twinned = toks.map((terms) => [...terms, ...terms.map(crossTerm).filter(Boolean)]);
        const twins = twinned.flat().filter((t) => !infos.has(t));
        for (const [t, info] of await Promise.all(twins.map(async (t) => [t, await termInfo(m, t)]))) infos.set(t, info);
        wordDocs = scoreWord(twinned);
      }
      // a word matched as written (no token only through a cross-space twin) ranks above
      for (const d of wordDocs) {
        if (wordCount[d] === toks.length) {
          if (accMatched[d] === 0) {
            accDocs.push(d);
            accS[d] = wordS[d];
          } else accS[d] += wordS[d];
          accMatched[d]++;
          if (wordExact[d] === wordCount[d]) accExact[d]++;
          if (split) split.docs.set(d, wordS[d]);
        }
      }
      if (split) splits.push(split);
      const full = held < TWIN_RETRY_BELOW ? new Set(wordDocs.filter((d) => wordCount[d] === toks.length)) : null;
      reset(wordDocs);
      // a word few sections hold as written also matches its other spellings (카프카: kafka),
      // below the sections holding it as written
      if (full === null) continue;
      const alts = await alternatives(m, words[wi]);
      const fresh = [...new Set(alts.flatMap((a) => a.toks.flat()))].filter((t) => !infos.has(t));
      for (const [t, info] of await Promise.all(fresh.map(async (t) => [t, await termInfo(m, t.slice(1))]))) infos.set(t, info);
      const best = new Map();
      for (const { text, toks: alt } of alts) {
        const docs = scoreWord(alt);
        let any = false;
        for (const d of docs) {
          if (wordCount[d] !== alt.length) continue;
          any = true;
          const s = wordS[d];
          if (!best.has(d) || s > best.get(d)) best.set(d, s);
        }
        if (any) spellings.push(text);
        reset(docs);
      }
      for (const [d, s] of best) {
        if (full.has(d)) continue;
        if (accMatched[d] === 0) {
          accDocs.push(d);
          accS[d] = s;
        } else accS[d] += s;
        accMatched[d]++;
      }
    }
    // the rank key: matched, then exact, then the score's f32 bits (ordered like the score,
    // which is never negative), exact in a double (48 bits)
    const bits = new Uint32Array(accS.buffer);
    const rows = accDocs.map((d) => ({
      ord: d,
      score: accS[d],
      matched: accMatched[d],
      exact: accExact[d],
      key: accMatched[d] * 2 ** 40 + accExact[d] * 2 ** 32 + bits[d],
    }));
    return { rows, splits, spellings };
  }

  // the ordinals of troubleshooting sections, read only by a query with `in:troubleshooting`
  const troubleSet = (m) =>
    cached("trouble", () => load(m.trouble || "trouble.json", "json").then((a) => new Set(a)));

  /** A row of result data as an object. */
  const rowDoc = (r) => ({ path: r[0], title: r[1], url: r[2], heading: r[3], anchor: r[4], line: r[5], text: r[6], first: r[7], last: r[8], trouble: r[9] === 1 });

  /**
   * Operators alone: the first `limit` notes (by path) among the sections `ords` (sorted), each
   * with its first sections by anchor, as `kb search` lists them; result data is read a batch
   * at a time until the notes are known (a note's sections are contiguous in the ordinal space).
   */
  async function listNotes(m, ords, limit, ops) {
    const byNote = new Map();
    for (let i = 0; i < ords.length && byNote.size <= limit; i += 64) {
      const batch = ords.slice(i, i + 64);
      const need = [...new Set(batch.map((o) => Math.floor(o / m.chunkDocs)))];
      const got = await Promise.all(need.map((c) => chunk(m, c)));
      const rowsOf = new Map(need.map((c, k) => [c, got[k]]));
      for (const o of batch) {
        const d = rowDoc(rowsOf.get(Math.floor(o / m.chunkDocs))[o % m.chunkDocs]);
        if (!phrasesHold(ops, d.title, d.heading, d.text)) continue;
        if (!byNote.has(d.path)) byNote.set(d.path, []);
        byNote.get(d.path).push(d);
      }
    }
    const paths = [...byNote.keys()].sort(cmpStr).slice(0, limit);
    return paths.map((p) => {
      const docs = byNote.get(p).sort((x, y) => cmpStr(x.anchor, y.anchor)).slice(0, m.sectionsPerNote);
      const pageUrl = base + encodePath(docs[0].url);
      const sections = docs.map((d) => ({
        heading: d.heading,
        anchor: d.anchor,
        line: d.line,
        score: 0,
        matched: 0,
        ...(d.trouble ? { trouble: true } : {}),
        snippet: snippet(d.text, [], 160),
        url: pageUrl + (d.anchor ? "#" + encodeFragment(d.anchor) : ""),
      }));
      const s0 = sections[0];
      return { title: docs[0].title, url: s0.url, pageUrl, heading: s0.heading, anchor: s0.anchor, path: p, score: 0, snippet: s0.snippet, line: s0.line, sections };
    });
  }

  /**
   * The ordinals results must be among (null: any) and those they must not be, by the
   * operators other than phrases (checked on each result's row).
   */
  async function operatorSets(m, ops) {
    let allowed = null;
    const denied = new Set();
    const keep = (set) => {
      allowed = allowed === null ? set : new Set([...allowed].filter((o) => set.has(o)));
    };
    const sets = await Promise.all([
      ops.trouble === null ? null : troubleSet(m),
      Promise.all(ops.tags.map((t) => filterOrds(m, TAG_MARK + t, true))),
      Promise.all(ops.paths.map((p) => filterOrds(m, PATH_MARK + p, false))),
      Promise.all(ops.notTags.map((t) => filterOrds(m, TAG_MARK + t, true))),
      Promise.all(ops.notPaths.map((p) => filterOrds(m, PATH_MARK + p, false))),
      Promise.all(ops.notWords.map((w) => wordOrds(m, w))),
    ]);
    const [trouble, tags, paths, notTags, notPaths, notWords] = sets;
    if (ops.trouble === true) keep(trouble);
    if (ops.trouble === false) for (const o of trouble) denied.add(o);
    for (const set of [...tags, ...paths]) keep(set);
    for (const set of [...notTags, ...notPaths, ...notWords]) for (const o of set) denied.add(o);
    return { allowed, denied };
  }

  /** The sections holding every token of each word of `w` as written (for `-word`). */
  async function wordOrds(m, w) {
    const out = new Set();
    for (const qw of parseQuery(w + " ")) {
      const infos = await Promise.all(qw.tokens.map((t) => termInfo(m, t)));
      let common = null;
      for (const fields of infos) {
        const docs = new Set();
        for (const fd of fields || []) if (fd.k !== FILTER_FIELD) for (const d of fd.docs) docs.add(d);
        common = common === null ? docs : new Set([...common].filter((d) => docs.has(d)));
      }
      for (const d of common || []) out.add(d);
    }
    return out;
  }

  async function search(query, { limit = 10 } = {}) {
    const ops = splitOperators(String(query ?? ""));
    const words = parseQuery(ops.rest);
    if ((!words.length && !operatorsList(ops)) || limit <= 0) return [];
    const m = await meta();
    const [{ rows: scored, splits, spellings }, { allowed, denied }] = await Promise.all([
      words.length ? score(m, words) : { rows: [], splits: [], spellings: [] },
      operatorSets(m, ops),
    ]);
    const obeys = (o) => !denied.has(o) && (allowed === null || allowed.has(o));
    if (!words.length) return listNotes(m, [...allowed].filter(obeys).sort((a, b) => a - b), limit, ops);
    let rows = allowed === null && denied.size === 0 ? scored : scored.filter((r) => obeys(r.ord));

    // document rows, loaded by chunk on demand
    const rowsOf = new Map();
    const loadDocs = async (ords) => {
      const need = [...new Set(ords.map((o) => Math.floor(o / m.chunkDocs)))].filter((c) => !rowsOf.has(c));
      const got = await Promise.all(need.map((c) => chunk(m, c)));
      need.forEach((c, i) => rowsOf.set(c, got[i]));
    };
    const doc = (o) => {
      const r = rowsOf.get(Math.floor(o / m.chunkDocs))[o % m.chunkDocs];
      return { path: r[0], title: r[1], url: r[2], heading: r[3], anchor: r[4], line: r[5], text: r[6], first: r[7], last: r[8], trouble: r[9] === 1 };
    };
    // the best rows, whole tie groups at a time until PHRASE_CANDIDATES (`best_candidates`)
    const bestRows = (list) => {
      const sorted = [...list].sort((x, y) => y.key - x.key);
      let end = 0;
      while (end < sorted.length && end < PHRASE_CANDIDATES) {
        const key = sorted[end].key;
        while (end < sorted.length && sorted[end].key === key) end++;
      }
      return sorted.slice(0, end);
    };
    // a word matched as the halves of its split counts only where they are adjacent, checked
    // on the best candidates' rows (`check_adjacent` in src/search/index.rs)
    const scratch = new Float32Array(1);
    const scratchBits = new Uint32Array(scratch.buffer);
    for (const sp of splits) {
      const cands = rows.filter((r) => sp.docs.has(r.ord) && r.matched > 0);
      if (!cands.length) continue;
      const best = new Set(bestRows(cands).map((r) => r.ord));
      await loadDocs([...best]);
      const adjacent = { phrases: [sp.phrase], notPhrases: [] };
      for (const r of cands) {
        if (best.has(r.ord)) {
          const d = doc(r.ord);
          if (phrasesHold(adjacent, d.title, d.heading, d.text)) continue;
        }
        r.matched--;
        r.score = f32(r.score - sp.docs.get(r.ord));
        scratch[0] = r.score;
        r.key = r.matched * 2 ** 40 + r.exact * 2 ** 32 + scratchBits[0];
      }
      rows = rows.filter((r) => r.matched > 0);
    }
    // a phrase is checked on the rows of the best candidates only, whole tie groups at a time
    // (`keep_phrase_candidates` in src/search/index.rs): a phrase nowhere must not read them all
    if (ops.phrases.length || ops.notPhrases.length) rows = bestRows(rows);
    // the contiguous ordinal range of the note holding ordinal `o`: every row carries it
    const noteRange = async (path, o) => {
      await loadDocs([o]);
      const d = doc(o);
      return [d.first, d.last];
    };

    // the query words and the other spellings that matched (`snippet_words`)
    const marked = [...words, ...spellings.flatMap((t) => parseQuery(t + " "))];
    const order = [];
    const groups = new Map();
    const spn = m.sectionsPerNote;
    const rank = (x, y) => y.key - x.key || x.ord - y.ord;
    const tied = (a, b) => a.matched === b.matched && a.exact === b.exact && a.score === b.score;
    const phrased = ops.phrases.length > 0 || ops.notPhrases.length > 0;
    // the ordinal ranges of the chosen notes: a row inside one belongs to a chosen note
    const chosen = [];
    const inChosen = (o) => chosen.some(([lo, hi]) => o >= lo && o <= hi);
    const holds = (r) => !phrased || phrasesHold(ops, r.doc.title, r.doc.heading, r.doc.text);
    // The members of a tie group whose rows can change the results, with their rows loaded:
    // those of chosen notes, and those of the first notes not chosen yet until `limit` notes
    // could be. Notes are numbered in path order, so the notes the group adds are its first
    // ones by ordinal; the rows of its later notes are not downloaded (they would be skipped).
    const membersOf = async (group) => {
      const out = group.filter((r) => inChosen(r.ord));
      const fresh = group.filter((r) => !inChosen(r.ord)).sort((x, y) => x.ord - y.ord);
      let want = limit - order.length;
      let k = 0;
      while (want > 0 && k < fresh.length) {
        // at most `want` notes start in the next `want` rows: load them at once
        await loadDocs(fresh.slice(k, k + want).map((r) => r.ord));
        while (want > 0 && k < fresh.length && rowsOf.has(Math.floor(fresh[k].ord / m.chunkDocs))) {
          const last = Math.max(doc(fresh[k].ord).last, fresh[k].ord);
          let e = k + 1;
          while (e < fresh.length && fresh[e].ord <= last) e++;
          const note = fresh.slice(k, e);
          await loadDocs(note.map((r) => r.ord));
          for (const r of note) r.doc = doc(r.ord);
          if (note.some(holds)) want--;
          out.push(...note);
          k = e;
        }
      }
      await loadDocs(out.map((r) => r.ord));
      return out;
    };
    // takes the rows of `list` (ranked) from `i` in tie groups, until `limit` notes are chosen;
    // rows tied on (matched, exact, score) are ordered by note path, then anchor
    const take = async (list, i, full) => {
      while (i < list.length && (full || order.length < limit)) {
        let j = i + 1;
        while (j < list.length && tied(list[j], list[i])) j++;
        let members = full ? list.slice(i, j) : await membersOf(list.slice(i, j));
        i = j;
        await loadDocs(members.map((r) => r.ord));
        for (const r of members) r.doc = doc(r.ord);
        if (phrased) members = members.filter(holds);
        if (members.length > 1) {
          members.sort((x, y) => cmpStr(x.doc.path, y.doc.path) || cmpStr(x.doc.anchor, y.doc.anchor));
        }
        for (const r of members) {
          const d = r.doc;
          let h = groups.get(d.path);
          if (!h) {
            if (order.length >= limit) continue;
            order.push(d.path);
            chosen.push([d.first, d.last]);
            h = { ord: r.ord, title: d.title, path: d.path, pageUrl: base + encodePath(d.url), sections: [] };
            groups.set(d.path, h);
          }
          if (h.sections.length < spn) {
            h.sections.push({
              heading: d.heading,
              anchor: d.anchor,
              line: d.line,
              score: r.score,
              matched: r.matched,
              ...(d.trouble ? { trouble: true } : {}),
              snippet: snippet(d.text, marked, 160),
              url: h.pageUrl + (d.anchor ? "#" + encodeFragment(d.anchor) : ""),
            });
          }
        }
      }
      return i;
    };
    // rank only the best rows first (ranking tens of thousands is most of a query's time);
    // the rest is ranked when the notes are not all chosen from the best
    let head = rows;
    let tail = [];
    if (rows.length > 1024) {
      const keys = Float64Array.from(rows, (r) => r.key).sort();
      const cut = keys[keys.length - 256];
      head = rows.filter((r) => r.key >= cut);
      tail = rows.filter((r) => r.key < cut);
    }
    head.sort(rank);
    let i = await take(head, 0, false);
    if (order.length < limit && tail.length) {
      head = tail.sort(rank);
      tail = [];
      i = await take(head, 0, false);
    }
    // the chosen notes' further sections: only rows inside their ordinal ranges count
    const open = order.filter((p) => groups.get(p).sections.length < spn);
    if (order.length >= limit && open.length) {
      const rs = await Promise.all(open.map((p) => noteRange(p, groups.get(p).ord)));
      const inside = (r) => rs.some(([lo, hi]) => r.ord >= lo && r.ord <= hi);
      const more = head.slice(i).filter(inside).concat(tail.filter(inside)).sort(rank);
      await take(more, 0, true);
    }
    return order.map((p) => {
      const h = groups.get(p);
      const s = h.sections[0];
      return {
        title: h.title,
        url: s.url,
        pageUrl: h.pageUrl,
        heading: s.heading,
        anchor: s.anchor,
        path: h.path,
        score: s.score,
        snippet: s.snippet,
        line: s.line,
        sections: h.sections,
      };
    });
  }

  return {
    search,
    /** Loads meta.json ahead of the first query. */
    preload: () => meta().then(() => undefined),
    /** Parsed query words, as `search` uses them (for highlighting). */
    parse: parseQuery,
  };
}
