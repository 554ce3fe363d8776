// Parity: the JavaScript client over the static export returns what `kb search --json`
// returns (same notes, same sections in the same order, the same f32 scores, same snippets).
//
// env: KB_BIN (default target/release/kb), KB_SITE_NOTES / KB_SITE_TIK (built sites; default:
// built into temporary folders), KB_ROOT_NOTES (default: the repository) and KB_ROOT_TIK (default:
// a temporary root over KB_TIK_CORPUS) — the roots those sites were built from;
// KB_PARITY_GENERATED: how many extra queries to draw from each site's text (default 150).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSearch, readSlots } from "../../static/search.js";
import { existsSync, symlinkSync } from "node:fs";
import { REPO, kb, buildSite, tikRoot, diskFetch, tempDir, TIK_CORPUS } from "./helpers.mjs";

// Shipped notes (a data-engineering stack, Korean with English terms).
const NOTES_QUERIES = [
  "redis 브로커", "메시지 브로커를", "인메모리", "인메모리 캐시", "elasticserch", "kaf", "kafka 파티션",
  "celery worker가 멈춤", "airflow dag 스케줄", "spark 셔플", "도커 컨테이너", "docker compose",
  "nginx 리버스 프록시", "uwsgi", "django orm", "visibility_timeout", "rabbitmq 큐를", "zookeeper 세션 만료",
  "kibana 대시보드", "logstash 파이프라인", "gcp pubsub", "cloudflare 캐시", "hadoop hdfs", "pandas dataframe",
  "numpy 배열", "sql 인덱스", "샤딩", "캐시 무효화", "레플리카", "컨슈머 그룹", "오프셋 커밋", "재시도",
  "타임아웃 ", "크롤링 파이프라인", "뉴스 크롤러", "HttpSensor", "celery-beat", "node.js", "x86_64", "TTL",
  "eviction 정책", "AOF RDB", "el", "인", "브", "Redis를 ", "kafkaa", "elasticsearch 매핑", "역색인",
  "스파크 ", "데이터", "rediss", "spakr", "로그 수집", "메세지 큐", "pyspark", "k8s", "DAG를 ", "엘라스틱",
  "not_enough_replicas", "ＲＥＤＩＳ", "Celery에서 Redis를 브로커로", "broker", "worke", "스케줄러가",
  // the troubleshooting operator: narrowing, excluding, alone
  "in:troubleshooting", "502 in:troubleshooting", "redis in:troubleshooting", "메모리 -in:troubleshooting",
  "-in:troubleshooting celery", "IN:Troubleshooting 타임아웃", "kafka in:troubleshooting ",
  // tag, path, phrase and exclusion operators: with words, alone, negated, combined
  "tag:web", "tag:WEB/server", "#web", "tag:#python 큐", "tag:python -tag:analytics", "tag:workflow 스케줄",
  "tag:nope", "tag:", "path:messaging", "path:Kaf", "path:messaging/r", "path:/web/ nginx", "-path:messaging tag:python",
  "redis -path:messaging", "redis -celery", "redis -celery -kafka ", "kafka \"consumer group\"", "\"메시지 브로커\"",
  "\"메시지 브로커", "브로커 -\"메시지 브로커\"", "\"Node.js\"", "tag:python -\"celery\"", "in:troubleshooting tag:web",
  "in:troubleshooting -path:infra 502", "-redis", "- redis", "--appendonly", "PATH:infra -TAG:x 도커", "path:스택",
  "tag:workflow path:workflow -airflow", "\"\" redis", "tag:python -in:troubleshooting",
  // Latin words joined where the notes space them, spaced where the notes join them
  "elastic search", "elastic search ", "pub sub", "gcp pub sub ", "node js", "rabbit mq ", "zoo keeper", "redisbroker",
  "kafkaconsumer ", "dockercompose", "airflowdag", "celerybeat", "celery beat", "visibilitytimeout", "logstashpipeline ",
  // Korean spellings of names the notes write in Latin letters
  "카프카", "레디스 ", "엘라스틱서치", "주키퍼 세션", "셀러리", "파이썬 ", "도커를", "스파크 셔플", "하둡", "장고 ", "키바나",
  "로그스태시", "래빗엠큐", "에어플로우 ", "판다스", "넘파이", "클라우드플레어", "엔진엑스", "몽고디비", "깃허브",
  // Latin spellings of names the notes write in Hangul; split words whose halves are apart
  "python", "python ", "crawler ", "crawling", "container", "cluster ", "pipeline", "celery ", "spark 셔플", "broker",
  "elasticsearch", "elasticsearch ", "elasticsearch 매핑 ", "redisbroker 설정", "kafkaconsumer 그룹",
];

// tech-interview-ko (computer-science interview notes in Korean).
const TIK_QUERIES = [
  "mergesrot", "singelton", "prototpye", "프로세스 스레드 차이", "데드락", "교착 상태", "deadlock", "세마포어 뮤텍스", "semaphore", "컨텍스트 스위칭",
  "context switching", "가상 메모리", "페이지 교체 알고리즘", "LRU", "tcp 3 way handshake", "흐름제어 혼잡제어",
  "http https 차이", "대칭키 공개키", "로드밸런싱", "로드 밸런싱", "dns", "osi 7계층", "트랜잭션 격리 수준",
  "정규화", "인덱스", "sql injection", "nosql", "redis", "해시 테이블", "이진 탐색", "binary search",
  "퀵 정렬", "quicksort", "다익스트라", "동적 계획법", "dynamic programming", "비트마스크", "힙 정렬", "트라이",
  "B+ tree", "싱글톤 패턴", "singleton", "옵저버", "전략 패턴을", "SOLID 원칙", "jvm 메모리 구조",
  "가비지 컬렉션", "garbage collecton", "stringbuilder stringbuffer", "call by value", "클로저",
  "javascript closure", "프로토타입", "rest api", "jwt 토큰", "oauth 인증", "쿠키 세션", "csrf xss",
  "csr ssr", "vue react 차이", "spring mvc", "jpa 더티 체킹", "bean scope", "git flow", "pro", "스레드 ",
  "멀티스레드", "인터럽트", "시스템 콜", "fork exec", "캐시 메모리", "부동 소수점", "해밍 코드",
  "algoritm", "synchronous asynchronous", "논블로킹", "블로킹 I/O", "애자일", "TDD", "마이크로서비스", "devops",
  "스택과 큐의 차이는", "hashmap", "프로세스가 ",
  "mutex", "semaphore ", "thread", "process ", "kernel", "trie", "heap ", "deadlock ", "docker", "kubernetes", "spring ",
  "virtualmemory", "cachememory ", "threadpool", "processscheduling ",
  "hash map", "string builder", "quick sort", "merge sort ", "dead lock", "loadbalancing", "load balancing",
  "callbyvalue", "contextswitching", "garbagecollection ", "observerpattern", "singletonpattern", "pagereplacement",
  "레디스", "자바스크립트 클로저", "리액트", "스프링 ", "뷰", "제이쿼리", "리눅스 ", "파이썬", "도커", "노드",
];

// Unicode edge cases over tests/js/fixtures/unicode (case mapping, NFKC, scripts, compounds),
// each also with a trailing space (word finished: no prefix expansion).
const UNICODE_QUERIES = [
  "ΟΔΟΣ", "οδος", "οδοσ", "ὀδυσσεύς", "σίσυφος", "İstanbul", "istanbul", "ı", "straße", "strasse", "STRASSE",
  "file", "ﬁle", "flow", "REDIS", "ｒｅｄｉｓ", "カタカナ", "ｶﾀｶﾅ", "1", "①", "x2", "x²", "xii", "Ⅻ", "café",
  "cafe\u0301", "naïve", "naive", "ㄱㄴ", "ㄱ", "한", "豈", "rocket", "🚀", "dev", "١٢٣", "123", "ภาษาไทย",
  "हिन्दी", "हि", "שלום", "שָׁלוֹם", "Redis를", "kafka의", "node.js를", "httpserver", "HTTPServer가",
  "snake_case_name", "snakecasename", "camelCaseName", "camel", "xmlhttprequest", "XMLHttpRequest", "xml http",
  "iPhone", "phone", "ebay", "ABCdef", "a1b2", "v1.2.3", "v1", "foo--bar", "lead", "trail_", "a.b.c", "abc",
  "한 글", "한글", "인메모리", "메모리 데이터베이스", "서버에서부터", "클라이언트까지는", "ＡＢＣ１２３", "abc123",
  "𝐁𝐨𝐥𝐝", "bold", "frak", "㍿", "株式会社", "kg", "㎏", "°c", "℃", "tel", "ff", "中文", "中", "日本語の",
  "テキスト", "ひらがな", "漢字", "한國語", "한國", "國語", "섞인", "text", "edge", "unicode", "테스트",
  "다음 섹션", "섹", "e", "x", "ü", "Σ", "ς", "σ", "ſ", "K", "Å", "ǅ", "ǆ", "ǲ", "ᾼ", "ﬀ", "ß", "ẞ",
].flatMap((q) => [q, q + " "]);

const LIMIT = 10;
// extra queries drawn from the export's own text (deterministic): words and phrases, some cut
// short as if being typed, some upper-cased or with a letter dropped
const GENERATED = Number(process.env.KB_PARITY_GENERATED ?? 150);

function generatedQueries(site, n, seed) {
  const words = [];
  for (const r of exportRows(site)) {
    for (const text of [r[1], r[3], r[6]]) words.push(...text.split(/\s+/).filter(Boolean));
  }
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out = [];
  while (out.length < n && words.length) {
    const start = Math.floor(rnd() * words.length);
    let q = words.slice(start, start + 1 + Math.floor(rnd() * 3)).join(" ");
    const chars = Array.from(q);
    const r = rnd();
    if (r < 0.3) q = chars.slice(0, 1 + Math.floor(rnd() * chars.length)).join("");
    else if (r < 0.5) q += " ";
    else if (r < 0.6) q = q.toUpperCase();
    else if (r < 0.7) q = chars.filter((_, i) => i !== Math.floor(chars.length / 2)).join("");
    if (q.trim()) out.push(q);
  }
  return out;
}

/** Every result row of the export, whether a file holds one slot or several. */
function exportRows(site) {
  const meta = JSON.parse(readFileSync(join(site, "search/meta.json"), "utf8"));
  const rows = [];
  for (let i = 0; i < meta.chunks; i++) {
    const file = readFileSync(join(site, `search/${meta.chunkDir}/${i}.bin`));
    for (const slot of readSlots(file, meta.chunkSlots)) rows.push(...slot);
  }
  return rows;
}

/** Text length (code points) of each exported section: `path#anchor` -> length. */
function sectionLengths(site) {
  const out = new Map();
  for (const r of exportRows(site)) out.set(`${r[0]}#${r[4]}`, Array.from(r[6]).length);
  return out;
}

async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

const key = (h) => `${h.path} :: ${h.sections.map((s) => `${s.anchor}`).join(" | ")}`;

async function parity(t, name, root, site, written) {
  assert.ok(written.length >= 50);
  const generated = generatedQueries(site, GENERATED, name.length * 7919);
  const queries = [...written, ...generated];
  const lengths = sectionLengths(site);
  const s = createSearch({ base: "/", fetch: diskFetch(site, "/") });
  const rust = await pool(queries, 2, async (q) => JSON.parse(await kb(["search", "--json", "--root", root, "-n", String(LIMIT), "--", q])));
  let equal = 0;
  let sections = 0;
  let snippetsEqual = 0;
  const truncatedSnippetDiffs = [];
  const failures = [];
  for (const [qi, q] of queries.entries()) {
    const rs = rust[qi];
    const js = await s.search(q, { limit: LIMIT });
    const problems = [];
    if (JSON.stringify(js.map(key)) !== JSON.stringify(rs.map(key))) {
      problems.push(`order differs\n  js:   ${js.map(key).join("\n        ")}\n  rust: ${rs.map(key).join("\n        ")}`);
    } else {
      rs.forEach((h, i) => {
        const j = js[i];
        for (const f of ["title", "path", "heading", "anchor", "line"]) {
          if (j[f] !== h[f]) problems.push(`${h.path}: ${f} ${JSON.stringify(j[f])} != ${JSON.stringify(h[f])}`);
        }
        if (j.pageUrl !== h.url) problems.push(`${h.path}: url ${j.pageUrl} != ${h.url}`);
        if (j.score !== Math.fround(h.score)) problems.push(`${h.path}: score ${j.score} != ${h.score}`);
        h.sections.forEach((hs, k) => {
          const js2 = j.sections[k];
          sections++;
          for (const f of ["heading", "anchor", "line", "matched", "trouble"]) {
            if (js2[f] !== hs[f]) problems.push(`${h.path}#${hs.anchor}: ${f} ${js2[f]} != ${hs[f]}`);
          }
          if (js2.score !== Math.fround(hs.score)) {
            problems.push(`${h.path}#${hs.anchor}: score ${js2.score} != ${hs.score} (f32 ${Math.fround(hs.score)})`);
          }
          if (js2.snippet === hs.snippet) snippetsEqual++;
          else if ((lengths.get(`${h.path}#${hs.anchor}`) ?? 0) >= 1200) {
            // the export keeps 1200 characters of a section; `kb search` snips the whole text
            truncatedSnippetDiffs.push(`${q} -> ${h.path}#${hs.anchor}`);
          } else {
            problems.push(`${h.path}#${hs.anchor}: snippet\n  js:   ${js2.snippet}\n  rust: ${hs.snippet}`);
          }
        });
      });
    }
    if (problems.length) failures.push(`query ${JSON.stringify(q)}:\n${problems.join("\n")}`);
    else equal++;
  }
  const summary = `parity ${name}: ${equal}/${queries.length} queries (${written.length} written, ` +
    `${generated.length} generated) identical (top-${LIMIT} notes and sections, ` +
    `f32 scores exact), snippets ${snippetsEqual}/${sections} identical` +
    (truncatedSnippetDiffs.length ? `, ${truncatedSnippetDiffs.length} differ only in sections cut at 1200 characters by the export` : "");
  console.log(summary);
  for (const d of truncatedSnippetDiffs) t.diagnostic(`snippet of a truncated section: ${d}`);
  assert.equal(failures.length, 0, failures.join("\n\n"));
}

test("parity with kb search: shipped notes", { timeout: 300_000 }, async (t) => {
  const root = process.env.KB_ROOT_NOTES || REPO;
  const site = await buildSite(root, process.env.KB_SITE_NOTES);
  await parity(t, "notes", root, site, NOTES_QUERIES);
});

test("parity with kb search: tech-interview-ko", { timeout: 300_000 }, async (t) => {
  if (process.env.KB_SITE_TIK && !process.env.KB_ROOT_TIK) {
    throw new Error("KB_SITE_TIK needs KB_ROOT_TIK (the root it was built from, whose .kb/index kb search reads)");
  }
  if (!process.env.KB_ROOT_TIK && !existsSync(TIK_CORPUS)) throw new Error(`corpus not found: ${TIK_CORPUS}`);
  // a small expansion budget (kb.toml), so that prefix expansions are cut short on this
  // site and the two implementations must cut them alike; result data three slots a file, as
  // kb packs a large site's, so that the client reads rows out of shared files
  const root = process.env.KB_ROOT_TIK || tikRoot();
  if (!process.env.KB_ROOT_TIK) writeFileSync(join(root, "kb.toml"), "search_expansion_budget = 300\nsearch_result_pack = 3\n");
  const site = await buildSite(root, process.env.KB_SITE_TIK);
  const meta = JSON.parse(readFileSync(join(site, "search/meta.json"), "utf8"));
  if (!process.env.KB_ROOT_TIK) assert.equal(meta.expansionBudget, 300);
  if (!process.env.KB_ROOT_TIK) assert.equal(meta.chunkSlots, 3);
  await parity(t, "tech-interview-ko", root, site, TIK_QUERIES);
});

test("parity with kb search: Unicode edge cases", { timeout: 300_000 }, async (t) => {
  const root = tempDir("kb-unicode-root-");
  symlinkSync(join(REPO, "tests/js/fixtures/unicode/notes"), join(root, "notes"));
  const site = await buildSite(root, null);
  await parity(t, "unicode", root, site, UNICODE_QUERIES);
});
