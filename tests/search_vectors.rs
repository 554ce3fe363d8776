//! The analyzer's shared test vectors: `tests/search_vectors.json` holds inputs and the tokens
//! the Rust analyzer produces; the JavaScript client is tested against the same file
//! (`tests/js/analyzer.test.mjs`). Regenerate with `KB_UPDATE_VECTORS=1 cargo test --test search_vectors`.

use kb::search::analyzer::{parse_query, strip_particle, tokens};
use kb::search::operators::{filter_terms, split_operators, squeeze};
use kb::search::phonetic::{closest, hangul_key, is_hangul_word, latin_keys, word_sounds};
use serde_json::{Value, json};

const INPUTS: &[&str] = &[
    "Redis를 메세지 브로커로 사용",
    "Celery worker가 PENDING 상태에서 멈춤",
    "HttpSensor celery-beat node.js x86_64 utf-8",
    "HTTPServer getHTTPResponseCode parseJSON",
    "인메모리 인 메모리 데이터베이스",
    "ＲＥＤＩＳ　ｋａｆｋａ（全角）",
    "\u{1112}\u{1161}\u{11ab}\u{1100}\u{1173}\u{11af} NFD 한글",
    "café naïve cafe\u{301} n\u{303}o",
    "🚀 Kafka✨ 🔥스파크🔥",
    "東京タワー と ひらがな カタカナ",
    "Spark의 shuffle 파티션은 spark.sql.shuffle.partitions로",
    "브로커를 서버에서 카프카의 Elasticsearch에 구가",
    "C++ C# .NET F# a.b.c ...dots... --flag",
    "ǅemal Σίσυφος ΣΊΣΥΦΟΣ Straße İstanbul",
    "١٢٣ ٤٥ numbers 123abc abc123 3.14",
    "tab\tnew\nline\r\nmixed\u{00a0}nbsp\u{3000}ideographic",
    "e\u{0301}\u{0301} Z\u{0351}\u{0360}algo",
    "",
    "   ",
    "가",
    "a",
    "Nginx 502 Bad Gateway uwsgi_pass",
    // operators: tags (nested, `#`, case), paths, phrases (closed, open, empty, negated),
    // exclusions, `--flags`, operators with no value, mixed with words
    "tag:#DB/NoSQL redis -tag:Old/ path:/Notes/Msg -PATH:tmp 메모리",
    "\"Redis  Cluster\" -\"pub sub\" -kafka --force - in:troubleshooting",
    "\"열린 구문",
    "\"\" tag: path: -tag: \"  \" -\"",
    "a\"b c\"d -\"x\"y TAG:ｄｂ path:데이터/캐시 -in:Troubleshooting",
    "tag:İstanbul path:Straße -Σίσυφος \"Node.js — Redis!\"",
    "-\u{3000}tag:x\u{3000}\"탭\t구문\" -- ---x -tag:a:b",
    // sounds and keys of Korean and Latin spellings of names, and which words of the other
    // script in the same line each one picks (`closest`)
    "파이썬 python person poison 레디스를 redis reads 클로드 claude cloud cold",
    "차트 jwt 도커 docker 도구 docs 셀러리 celery gallery 제미나이 gemini gitlab 깃허브 github",
    "타입스크립트 typescript yaml 야믈 query 쿼리 zookeeper 주키퍼 make line node 노션 notion",
    "카프카 kafka 젠킨스 jenkins 엘라스틱서치 elasticsearch 리액트 react 장고 django 슬랙 slack",
    "reddis rediss redys ledis 레디스 anki 안키 jira 지라 fix six box taxi thth ghghgh ngng ery eye",
];

/// For each whitespace word of `t` (particle stripped, lowercase): its sounds, its keys and
/// the words of the other script in `t` it picks.
fn sounds(t: &str) -> Value {
    let words: Vec<String> = t
        .split_whitespace()
        .map(|w| strip_particle(w).to_lowercase())
        .collect();
    let rows: Vec<Value> = words
        .iter()
        .map(|w| {
            let keys: Vec<String> = match hangul_key(w) {
                Some(k) => vec![k],
                None => latin_keys(w),
            };
            let cands: Vec<(String, Vec<String>)> = words
                .iter()
                .filter(|o| is_hangul_word(o) != is_hangul_word(w))
                .map(|o| (o.clone(), word_sounds(o)))
                .collect();
            json!([w, word_sounds(w), keys, closest(&word_sounds(w), &cands)])
        })
        .collect();
    json!(rows)
}

fn compute() -> Value {
    let rows: Vec<Value> = INPUTS
        .iter()
        .map(|t| {
            json!({
                "text": t,
                "index": tokens(t, false),
                "query_tokens": tokens(t, true),
                "strip": t.split_whitespace().map(strip_particle).collect::<Vec<_>>(),
                "query": parse_query(t),
                "query_done": parse_query(&format!("{t} ")),
                "operators": split_operators(t),
                "operators_done": split_operators(&format!("{t} ")),
                "squeeze": squeeze(t),
                "filter_terms": filter_terms(t, t),
                "sounds": sounds(t),
            })
        })
        .collect();
    json!(rows)
}

#[test]
fn vectors_match_the_rust_analyzer() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search_vectors.json");
    let now = compute();
    if std::env::var_os("KB_UPDATE_VECTORS").is_some() || !path.exists() {
        std::fs::write(&path, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        saved, now,
        "analyzer output changed: regenerate with KB_UPDATE_VECTORS=1 and update the JS client"
    );
}
