// Shared analyzer vectors (tests/search_vectors.json) against the JavaScript analyzer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tokens, stripParticle, parseQuery, snippet, logf, cmpStr, prefixUpper, withinOneEdit, splitOperators, squeeze,
  hangulKey, hangulSound, latinKeys, latinSounds, closest, isHangulWord } from "../../static/search.js";

/** Per whitespace word: its sounds, keys and closest words of the other script (`sounds` in tests/search_vectors.rs). */
function sounds(text) {
  const words = text.split(/\p{White_Space}+/u).filter(Boolean).map((w) => stripParticle(w).toLowerCase());
  const soundsOf = (w) => (hangulSound(w) !== null ? [hangulSound(w)] : latinSounds(w));
  return words.map((w) => {
    const k = hangulKey(w);
    const keys = k !== null ? [k] : latinKeys(w);
    const cands = words.filter((o) => isHangulWord(o) !== isHangulWord(w)).map((o) => [o, soundsOf(o)]);
    return [w, soundsOf(w), keys, closest(soundsOf(w), cands)];
  });
}

const vectors = JSON.parse(readFileSync(new URL("../search_vectors.json", import.meta.url), "utf8"));

test("vectors file is not empty", () => {
  assert.ok(vectors.length > 0);
});

for (const [i, v] of vectors.entries()) {
  test(`vector ${i}: ${JSON.stringify(v.text).slice(0, 60)}`, () => {
    assert.deepEqual(tokens(v.text, false), v.index, "index tokens");
    assert.deepEqual(tokens(v.text, true), v.query_tokens, "query tokens");
    const words = v.text.normalize("NFKC").split(/\p{White_Space}+/u).filter(Boolean);
    assert.deepEqual(words.map(stripParticle), v.strip, "strip_particle per word");
    assert.deepEqual(parseQuery(v.text), v.query, "parse_query");
    assert.deepEqual(parseQuery(v.text + " "), v.query_done, "parse_query with a trailing space");
    assert.deepEqual(splitOperators(v.text), v.operators, "split_operators");
    assert.deepEqual(splitOperators(v.text + " "), v.operators_done, "split_operators with a trailing space");
    assert.equal(squeeze(v.text), v.squeeze, "squeeze");
    assert.deepEqual(sounds(v.text), v.sounds, "sounds, keys and closest words");
  });
}

test("analyzer unit cases from analyzer.rs", () => {
  assert.deepEqual(tokens("HttpSensor", false), ["httpsensor", "http", "sensor"]);
  assert.deepEqual(tokens("celery-beat", false), ["celerybeat", "celery", "beat"]);
  assert.deepEqual(tokens("node.js v2", false), ["nodejs", "node", "js", "v2"]);
  assert.deepEqual(tokens("HttpSensor", true), ["http", "sensor"]);
  assert.deepEqual(tokens("Redis.", false), ["redis"]);
  assert.deepEqual(tokens("HTTPServer", false), ["httpserver", "http", "server"]);
  assert.deepEqual(tokens("메시지 브로커", false), ["메시", "시지", "~지브", "브로", "로커"]);
  assert.deepEqual(tokens("메시지 브로커", true), ["메시", "시지", "브로", "로커"]);
  assert.deepEqual(tokens("인 메모리", false), ["인", "~인메", "메모", "모리"]);
  assert.deepEqual(tokens("Redis를", false), ["redis", "를"]);
  assert.deepEqual(tokens("ＲＥＤＩＳ", false), ["redis"]);
  assert.deepEqual(tokens("\u1112\u1161\u11ab\u1100\u1173\u11af", false), ["한글"]);
  assert.deepEqual(tokens("🚀 Kafka✨", false), ["kafka"]);
  assert.equal(stripParticle("브로커를"), "브로커");
  assert.equal(stripParticle("서버에서"), "서버");
  assert.equal(stripParticle("Redis를"), "Redis");
  assert.equal(stripParticle("구가"), "구가");
  assert.equal(stripParticle("데이터"), "데이터");
  let q = parseQuery("redis 브로커를 엘라");
  assert.equal(q.length, 3);
  assert.deepEqual(q[1].tokens, ["브로", "로커"]);
  assert.ok(!q[0].prefix && q[2].prefix);
  q = parseQuery("인 ");
  assert.ok(q[0].prefix, "one syllable expands");
});

test("snippet unit cases from snippet.rs", () => {
  const s = snippet("Celery <b> uses Redis as a 메시지 브로커 here.", parseQuery("redis 브로커를 "), 160);
  assert.equal(s, "Celery &lt;b&gt; uses <mark>Redis</mark> as a 메시지 <mark>브로커</mark> here.");
  const text = `${"가나다 ".repeat(100)} 목표 단어 Kafka 여기 ${"라마바 ".repeat(100)}`;
  const w = snippet(text, parseQuery("kafka "), 40);
  assert.ok(w.startsWith("…") && w.endsWith("…"), w);
  assert.ok(w.includes("<mark>Kafka</mark>"));
  assert.ok(Array.from(w).length < 80, w);
  assert.ok(!w.includes("가나다라"), w);
});

test("string order is code point order, prefix bounds", () => {
  assert.ok(cmpStr("\uffff", "\u{10000}") < 0, "BMP private use sorts before astral");
  assert.ok(cmpStr("a", "ab") < 0 && cmpStr("b", "ab") > 0 && cmpStr("가", "가") === 0);
  assert.equal(prefixUpper("kaf"), "kag");
  assert.equal(prefixUpper("a\u{10ffff}"), "b");
  assert.equal(prefixUpper("\u{d7ff}"), null);
  assert.ok(withinOneEdit("elasticserch", "elasticsearch"));
  assert.ok(withinOneEdit("kafak", "kafka"), "an adjacent transposition is one edit");
  assert.ok(withinOneEdit("akfak", "kafka") === false);
  assert.ok(withinOneEdit("redis", "redis") && withinOneEdit("redis", "reds") && withinOneEdit("redis", "redix"));
});

test("logf is bit-exact with the C library's logf (idf inputs where a correctly rounded log differs)", () => {
  // [f32 bits of x, f32 bits of glibc 2.36 logf(x)] for x = 1 + (n - df + 0.5) / (df + 0.5)
  const cases = [
    [0x3f83a83b, 0x3ce6c6ba],
    [0x403b13b1, 0x3f894c29],
    [0x3f8253c8, 0x3c939b83],
    [0x3f823ee1, 0x3c8e793d],
    [0x3f82192e, 0x3c8534bf],
    [0x3f81f820, 0x3c7a24aa],
    [0x3f81cd85, 0x3c65265a],
    [0x3f81c0e0, 0x3c5eea07],
    [0x3f9a69a7, 0x3e4019dd],
    [0x3f81b4e8, 0x3c590275],
    [0x3f81a98f, 0x3c5368d3],
    [0x3f8178a5, 0x3c3b3f89],
    [0x400c7ce1, 0x3f4946de],
    [0x3fc34116, 0x3ed83411],
    [0x3f816058, 0x3c2f3b41],
    [0x3f814afd, 0x3c24a9f6],
    [0x3f83ba68, 0x3ceb315c],
    [0x3f83a83b, 0x3ce6c6ba],
    [0x3f90cede, 0x3dfcae1f],
    [0x403b13b1, 0x3f894c29],
    [0x409a12f6, 0x3fc92d63],
    [0x3fcb90f6, 0x3eed8c54],
    [0x3f82cd8c, 0x3cb1736b],
    [0x3fa31d74, 0x3e783e65],
    [0x3fa2811d, 0x3e746717],
    [0x3f9ba5e3, 0x3e4842a6],
    [0x3f845a8f, 0x3d0900b9],
    [0x3f80d902, 0x3bd84adb],
    [0x3f87f1e0, 0x3d76a807],
    [0x3f99fc26, 0x3e3d42ac],
    [0x3f840671, 0x3cfda490],
    [0x3f8ae036, 0x3da703a4],
    [0x3f88f7d9, 0x3d8aafd6],
    [0x3f8253c8, 0x3c939b83],
    [0x3f920a4f, 0x3e07043f],
    [0x3faa03e8, 0x3e9155d4],
    [0x3f83c978, 0x3ceed9de],
    [0x3f823ee1, 0x3c8e793d],
    [0x3f80bd69, 0x3bbcdd66],
    [0x3f83b30d, 0x3ce967e2]
  ];
  const dv = new DataView(new ArrayBuffer(4));
  const f = (u) => (dv.setUint32(0, u), dv.getFloat32(0));
  for (const [x, y] of cases) {
    assert.equal(logf(f(x)), f(y), `logf(${f(x)})`);
    assert.notEqual(Math.fround(Math.log(f(x))), f(y), "a case where Math.log would be wrong");
  }
  assert.equal(logf(1), 0);
});
