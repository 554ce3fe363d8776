// Shared test helpers: the kb binary, built sites, a fetch that reads a built site from disk.
import { execFile } from "node:child_process";
import http from "node:http";
import { cpSync, mkdtempSync, mkdirSync, symlinkSync, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const KB_BIN = process.env.KB_BIN || join(REPO, "target/release/kb");
/** Debian's Chromium and the flags the browser tests start it with. */
export const CHROMIUM = process.env.KB_CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

/** Content types the tests' static servers send, by file extension. */
export const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".bin": "application/octet-stream",
  ".xml": "application/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** The shared corpus generator beside the repository. */
export const GEN_CORPUS = join(REPO, "..", "shared", "bench", "gen_corpus.py");

export const TIK_CORPUS = process.env.KB_TIK_CORPUS || join(REPO, "..", "shared", "corpora", "tech-interview-ko");

/** Runs the kb binary; retries once (the binary may be replaced while tests run). */
export function kb(args, { retries = 2 } = {}) {
  return new Promise((resolvePromise, reject) => {
    execFile(KB_BIN, args, { maxBuffer: 64 << 20, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) {
        if (retries > 0) {
          setTimeout(() => kb(args, { retries: retries - 1 }).then(resolvePromise, reject), 500);
        } else reject(new Error(`${KB_BIN} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      } else resolvePromise(stdout);
    });
  });
}

const temps = [];
process.on("exit", () => {
  if (process.env.KB_KEEP_TMP) return;
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/**
 * A knowledge-base root for the tech-interview-ko corpus: `KB_ROOT_TIK`, or a temporary
 * root whose notes/ links to the corpus and whose templates/ and static/ link to the repo's
 * theme (so a site built from it carries the theme under test).
 */
export function tikRoot() {
  if (process.env.KB_ROOT_TIK) return process.env.KB_ROOT_TIK;
  const root = tempDir("kb-tik-root-");
  symlinkSync(TIK_CORPUS, join(root, "notes"));
  symlinkSync(join(REPO, "templates"), join(root, "templates"));
  symlinkSync(join(REPO, "static"), join(root, "static"));
  return root;
}

/** Builds `root` into a temporary folder (or returns `existing`). */
export async function buildSite(root, existing, extra = []) {
  if (existing) {
    if (!existsSync(join(existing, "search/meta.json"))) throw new Error(`${existing}: no search/meta.json`);
    return existing;
  }
  const out = join(tempDir("kb-site-"), "public");
  mkdirSync(out, { recursive: true });
  await kb(["build", "--quiet", "--root", root, "--output", out, ...extra]);
  return out;
}

/** A fetch over a built site on disk: `<base>path` -> `<site>/path`. */
export function diskFetch(site, base = "/") {
  return async (url) => {
    const path = decodeURIComponent(String(url).slice(base.length).split(/[?#]/)[0]);
    try {
      const b = await readFile(join(site, path));
      return {
        ok: true,
        status: 200,
        json: async () => JSON.parse(b.toString("utf8")),
        text: async () => b.toString("utf8"),
        arrayBuffer: async () => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength),
      };
    } catch {
      return { ok: false, status: 404 };
    }
  };
}

/**
 * Serves a built site like a static host: `state.dir` (read per request, so a test can swap
 * sites) at the sub-path `prefix`; folders answer with their index.html (a folder URL without
 * its trailing slash is redirected), anything else missing with the site's 404.html. With
 * `state.stripCsp`, HTML pages lose their Content-Security-Policy meta tag (the XSS test).
 * Resolves to the server; its origin is `http://127.0.0.1:<server.address().port>`.
 */
export function serveSite(state, prefix = "/") {
  const server = http.createServer((req, res) => {
    const dir = state.dir;
    const url = new URL(req.url, "http://x");
    // the browser's own request at the origin root, outside the site (the theme has no .ico)
    if (url.pathname === "/favicon.ico") return void res.writeHead(204).end();
    if (!url.pathname.startsWith(prefix)) {
      return void res.writeHead(404, { "content-type": "text/plain" }).end("outside the site");
    }
    let rel;
    try {
      rel = decodeURIComponent(url.pathname.slice(prefix.length));
    } catch {
      return void res.writeHead(400).end();
    }
    let file = normalize(join(dir, rel));
    if (file !== dir && !file.startsWith(dir + sep)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) {
      if (!url.pathname.endsWith("/")) {
        return void res.writeHead(301, { location: url.pathname + "/" + url.search }).end();
      }
      file = join(file, "index.html");
    }
    let status = 200;
    if (!existsSync(file) || !statSync(file).isFile()) {
      status = 404;
      file = join(dir, "404.html");
      if (!existsSync(file)) return void res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
    const type = CONTENT_TYPES[extname(file).toLowerCase()] || "application/octet-stream";
    let body = readFileSync(file);
    if (state.stripCsp && type.startsWith("text/html")) {
      const html = body.toString("utf8");
      const stripped = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/i, "");
      if (stripped === html) throw new Error(`${file}: no CSP meta tag to strip`);
      body = Buffer.from(stripped);
    }
    res.writeHead(status, { "content-type": type, "cache-control": "no-cache" });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/**
 * Copies `copies` ([repo-relative source, root-relative destination] pairs) into a fresh
 * knowledge-base root (a build writes its cache beside the notes), builds it, serves the site
 * at "/" and launches Chromium. Resolves to { root, origin, server, browser }; close the last
 * two when done.
 */
export async function builtSiteInChromium(prefix, copies) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set KB_CHROMIUM, or KB_SKIP_BROWSER=1 to skip)`);
  const { chromium } = await import("playwright-core");
  const root = join(tempDir(prefix), "kb");
  for (const [from, to] of copies) cpSync(join(REPO, from), join(root, to), { recursive: true });
  const server = await serveSite({ dir: await buildSite(root, null) }, "/");
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return { root, origin, server, browser };
}

/**
 * Opens `url` in a fresh context of `browser` (`width` x 900; `js` false turns scripts off),
 * collecting page errors and console errors in `problems`. `watch(page)` runs before the
 * page loads, to add listeners of its own. Resolves to { page, context, problems }.
 */
export async function openPage(browser, url, { width = 1400, js = true, watch = null } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: js });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  if (watch) watch(page);
  await page.goto(url);
  return { page, context, problems };
}
