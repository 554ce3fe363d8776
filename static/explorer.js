// File explorer: the folder tree of every note, beside notes and folder pages on wide
// screens and in a drawer elsewhere. The tree is one file for the whole site
// (folders/tree-<hash>.json, named by every page), fetched when the explorer first opens, so
// no page carries every note's link. Folders follow the WAI-ARIA disclosure pattern: a button
// with aria-expanded shows or hides its list; arrow keys move between the visible entries.
// Without JavaScript the header's "Files" link leads to the folder's listing page instead.

const link = document.querySelector(".explorer-link");
const STRINGS = window.KB_STRINGS || {};
// The toggle and the drawer do nothing without this script, so it makes them (a theme whose
// page still holds them keeps its own); the header's link names the tree file.
const nav = document.getElementById("kb-explorer") || makeNav();
const toggle = document.querySelector(".explorer-toggle") || makeToggle();

/** The explorer's (empty, hidden) drawer, before the page's main part. */
function makeNav() {
  const main = document.getElementById("main");
  if (!link || !link.dataset.tree || !main) return null;
  const n = document.createElement("nav");
  n.className = "explorer";
  n.id = "kb-explorer";
  n.setAttribute("aria-label", STRINGS.explorer || link.textContent);
  n.dataset.tree = link.dataset.tree;
  n.hidden = true;
  main.before(n);
  return n;
}

/** The header's button that opens the explorer, beside its link (hidden until set up). */
function makeToggle() {
  if (!nav || !link) return null;
  const b = document.createElement("button");
  b.className = "explorer-toggle";
  b.type = "button";
  b.hidden = true;
  b.setAttribute("aria-expanded", "false");
  b.setAttribute("aria-controls", nav.id);
  b.textContent = STRINGS.explorer || link.textContent;
  link.after(b);
  return b;
}
const base = document.body.dataset.base || "/";
/** Pages the explorer stands beside when the screen is wide enough. */
const docks = /\bpage-(note|folder)\b/.test(document.body.className);
const wide = window.matchMedia("(min-width: 80rem)");

/** The href of a site path below the base: slugs hold only letters, digits, `_`, `-` and
 * `/`, which kb writes as they are (an IRI), so the path needs no encoding. */
function href(path) {
  return base + path;
}

/** The page's own path below the base, as the tree spells paths (decoded, ending in `/`). */
function here() {
  let p = location.pathname.replace(/index\.html$/, "");
  try {
    p = decodeURIComponent(p);
  } catch {
    /* keep it encoded: it then matches nothing */
  }
  return p.startsWith(base) ? p.slice(base.length) : p;
}

/** The note's path below the base from its folder's prefix and its entry. */
function notePath(folder, rest) {
  return (rest.startsWith("/") ? rest.slice(1) : folder[2] + rest) + "/";
}

/** The folders (tree nodes) from the root down to the one holding `path`, or null. */
function trailTo(root, path) {
  const walk = (f, trail) => {
    trail.push(f);
    if (f[1] === path || f[4].some((n) => notePath(f, n[1]) === path)) return trail;
    for (const sub of f[3]) if (walk(sub, trail)) return trail;
    trail.pop();
    return null;
  };
  return walk(root, []);
}

let built = null;
let ids = 0;

/** A list of the folder's subfolders and notes; subfolders' own lists are made when opened. */
function list(folder, open, current) {
  const ul = document.createElement("ul");
  ul.className = "explorer-list";
  for (const sub of folder[3]) ul.append(folderItem(sub, open, current));
  for (const [title, rest] of folder[4]) {
    const li = document.createElement("li");
    li.className = "explorer-note";
    const a = document.createElement("a");
    const path = notePath(folder, rest);
    a.href = href(path);
    a.textContent = title;
    if (path === current) a.setAttribute("aria-current", "page");
    li.append(a);
    ul.append(li);
  }
  return ul;
}

function folderItem(folder, open, current) {
  const li = document.createElement("li");
  li.className = "explorer-folder";
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "explorer-folder-toggle";
  const id = `kb-explorer-${++ids}`;
  btn.setAttribute("aria-controls", id);
  const name = document.createElement("span");
  name.textContent = folder[0];
  btn.append(name);
  if (folder[1] === current) btn.setAttribute("aria-current", "page");
  li.append(btn);
  let sub = null;
  const show = (on) => {
    if (on && !sub) {
      sub = list(folder, open, current);
      sub.id = id;
      li.append(sub);
    }
    if (sub) sub.hidden = !on;
    btn.setAttribute("aria-expanded", String(on));
  };
  btn.addEventListener("click", () => show(btn.getAttribute("aria-expanded") !== "true"));
  show(open.has(folder));
  return li;
}

/** Fetches the tree (once) and fills the explorer. */
async function build() {
  if (built) return built;
  built = (async () => {
    const head = document.createElement("p");
    head.className = "explorer-title";
    const all = document.createElement("a");
    all.href = link ? link.getAttribute("href") : href("folders/");
    all.textContent = toggle ? toggle.textContent : "Files";
    head.append(all);
    // a drawer over the page also closes from inside it (a phone has no Escape key)
    const close = document.createElement("button");
    close.type = "button";
    close.className = "explorer-close";
    close.setAttribute("aria-label", nav.dataset.tClose || STRINGS.close || "Close");
    close.textContent = "×";
    close.addEventListener("click", () => {
      setOpen(false);
      toggle.focus();
    });
    head.prepend(close);
    nav.append(head);
    try {
      const res = await fetch(nav.dataset.tree);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const root = await res.json();
      const current = here();
      const open = new Set(trailTo(root, current) || [root]);
      const ul = list(root, open, current);
      ul.classList.add("explorer-tree");
      nav.append(ul);
      const mark = nav.querySelector('[aria-current="page"]');
      if (mark) mark.scrollIntoView({ block: "nearest" });
    } catch {
      // the title's link to the folder's listing page stays: the explorer without the tree
      all.href = href("folders/");
    }
  })();
  return built;
}

/** Whether the explorer stands beside the page (else it is a drawer over it). */
const docked = () => docks && wide.matches;

function setOpen(on, { focus = false } = {}) {
  nav.hidden = !on;
  toggle.setAttribute("aria-expanded", String(on));
  document.body.classList.toggle("explorer-docked", on && docked());
  document.body.classList.toggle("explorer-drawer", on && !docked());
  if (on) {
    build().then(() => {
      if (!focus) return;
      const target = nav.querySelector('.explorer-tree [aria-current="page"]') || nav.querySelector("a, button");
      if (target) target.focus();
    });
  }
}

/** The visible entries of the tree, in order, for the arrow keys. */
function entries() {
  return [...nav.querySelectorAll("a, button")].filter((e) => e.offsetParent !== null);
}

function onKey(ev) {
  if (ev.key === "Escape" && !docked() && !nav.hidden) {
    setOpen(false);
    toggle.focus();
    return;
  }
  const el = ev.target;
  if (!(el instanceof HTMLElement) || !nav.contains(el)) return;
  const all = entries();
  const k = all.indexOf(el);
  const go = (j) => {
    const t = all[Math.max(0, Math.min(all.length - 1, j))];
    if (t) t.focus();
    ev.preventDefault();
  };
  const isFolder = el.classList.contains("explorer-folder-toggle");
  const expanded = el.getAttribute("aria-expanded") === "true";
  switch (ev.key) {
    case "ArrowDown": return go(k + 1);
    case "ArrowUp": return go(k - 1);
    case "Home": return go(0);
    case "End": return go(all.length - 1);
    case "ArrowRight":
      if (isFolder && !expanded) { el.click(); ev.preventDefault(); } else if (isFolder) go(k + 1);
      return;
    case "ArrowLeft": {
      if (isFolder && expanded) { el.click(); ev.preventDefault(); return; }
      const parent = el.closest("ul")?.closest(".explorer-folder")?.querySelector(":scope > button");
      if (parent) { parent.focus(); ev.preventDefault(); }
      return;
    }
  }
}

if (nav && toggle && nav.dataset.tree) {
  if (link) link.hidden = true;
  toggle.hidden = false;
  toggle.addEventListener("click", () => setOpen(nav.hidden, { focus: !docked() }));
  nav.addEventListener("keydown", onKey);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && document.body.classList.contains("explorer-drawer")) onKey(ev);
  });
  document.addEventListener("click", (ev) => {
    if (!document.body.classList.contains("explorer-drawer")) return;
    if (nav.contains(ev.target) || toggle.contains(ev.target)) return;
    setOpen(false);
  });
  wide.addEventListener("change", () => setOpen(docked()));
  setOpen(docked());
}
