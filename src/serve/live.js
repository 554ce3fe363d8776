// kb serve: live reload, injected only into pages served by `kb serve`.
const KEY = "kb-scroll:" + location.pathname;
const saved = sessionStorage.getItem(KEY);
if (saved !== null) {
  sessionStorage.removeItem(KEY);
  const y = Number(saved);
  const restore = () => window.scrollTo(0, y);
  if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
}

function pagePath() {
  let p = decodeURIComponent(location.pathname);
  if (p.endsWith("/")) p += "index.html";
  return p.replace(/^\/+/, "");
}

function reload() {
  sessionStorage.setItem(KEY, String(window.scrollY));
  location.reload();
}

function overlay(diags) {
  let el = document.getElementById("kb-overlay");
  if (!el) {
    el = document.createElement("div");
    el.id = "kb-overlay";
    el.setAttribute("role", "alert");
    document.body.appendChild(el);
  }
  el.textContent = "";
  const h = document.createElement("h2");
  h.textContent = "kb: build failed — the last good pages are still served";
  el.appendChild(h);
  const list = document.createElement("ul");
  for (const d of diags) {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = `${d.path}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
    li.appendChild(code);
    if (d.hint) {
      const hint = document.createElement("p");
      hint.textContent = "hint: " + d.hint;
      li.appendChild(hint);
    }
    list.appendChild(li);
  }
  el.appendChild(list);
}

function clearOverlay() {
  const el = document.getElementById("kb-overlay");
  if (el) el.remove();
}

const es = new EventSource("/_kb/events");
let hadError = false;
es.addEventListener("error-overlay", (ev) => {
  hadError = true;
  overlay(JSON.parse(ev.data));
});
es.addEventListener("reload", (ev) => {
  const msg = JSON.parse(ev.data);
  const mine = msg.all || msg.paths.includes(pagePath());
  if (hadError) {
    hadError = false;
    clearOverlay();
    reload();
    return;
  }
  if (mine) reload();
});
es.addEventListener("css", (ev) => {
  const msg = JSON.parse(ev.data);
  for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
    const url = new URL(link.href, location.href);
    if (msg.paths.some((p) => url.pathname.endsWith("/" + p))) {
      url.searchParams.set("v", msg.version);
      link.href = url.pathname + url.search;
    }
  }
});
window.__kbLive = { connected: () => es.readyState === 1 };
