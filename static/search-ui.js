// kb default theme search: the header box with results as you type, the /search/ page, and
// highlighting of the query on a note opened from a result (`?highlight=`).
// The engine (search.js) loads on first use; pages work without any of this (the header form
// submits to the search page).

const form = document.querySelector("form.site-search");
const cfg = form ? form.dataset : {};
const base = document.body.dataset.base || "/";
const lang = (document.documentElement.lang || "ko").toLowerCase().startsWith("ko") ? "ko" : "en";
const FALLBACK = {
  ko: { loading: "검색 색인을 불러오는 중…", error: "검색 색인을 불러오지 못했습니다.", all: "모든 결과 보기" },
  en: { loading: "Loading the search index…", error: "Could not load the search index.", all: "See all results" },
}[lang];
// the site's strings come with theme.js (KB_STRINGS); a theme may still set data-t-* on the form
const S = window.KB_STRINGS || {};
const T = {
  search: cfg.tSearch || S.search || "Search",
  hint: cfg.tHint || S.search_hint || "",
  noResults: cfg.tNoResults || S.no_results || "No results.",
  results: cfg.tResults || S.results || "Results",
  dismiss: cfg.tDismiss || S.dismiss_highlight || "Clear highlights",
  loading: cfg.tLoading || S.loading || FALLBACK.loading,
  error: cfg.tError || FALLBACK.error,
  all: cfg.tAll || FALLBACK.all,
  trouble: cfg.tTrouble || S.troubleshooting || "Troubleshooting",
  troubleOnly: cfg.tTroubleOnly || S.trouble_only || "Troubleshooting only",
  operators: cfg.tOperators || S.search_operators || "Search operators",
  remove: cfg.tRemove || S.remove || "Remove",
};

const TROUBLE_OP = "in:troubleshooting";
/** Whether a query has the troubleshooting operator. */
const hasTroubleOp = (q) => q.split(/\s+/).some((w) => w.toLowerCase() === TROUBLE_OP);
/** The query with the operator added or taken off. */
function withTroubleOp(q, on) {
  const words = q.split(/\s+/).filter((w) => w && w.toLowerCase() !== TROUBLE_OP);
  if (on) words.push(TROUBLE_OP);
  return words.join(" ") + (on && words.length > 1 ? " " : "");
}
/**
 * A checkbox that adds `in:troubleshooting` to `input`'s query or takes it off, kept in step
 * with what is typed.
 */
function troubleToggle(input) {
  const box = el("input", { type: "checkbox", class: "search-trouble-toggle" });
  const label = el("label", { class: "search-trouble" }, box, " " + T.troubleOnly);
  box.addEventListener("change", () => {
    input.value = withTroubleOp(input.value, box.checked);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });
  input.addEventListener("input", () => {
    box.checked = hasTroubleOp(input.value);
  });
  box.checked = hasTroubleOp(input.value);
  return label;
}
// The items of a query as search.js splits them (`queryItems`): a quoted phrase, with an
// optional `-`, runs to the closing quote; anything else to the next space.
const ITEM = /-?"[^"]*"|\S+/g;
/** Whether a query item is an operator (shown as a chip): tag:, path:, in:, a phrase, -word. */
const isOperator = (item) =>
  /^-?(tag|path):./i.test(item) || /^-?in:troubleshooting$/i.test(item) || /^-?".*"$/.test(item) || /^-[^-]/.test(item);

/**
 * A row of removable chips, one per operator of `input`'s query, kept in step with what is
 * typed; removing a chip takes its operator off the query.
 */
function operatorChips(input) {
  const row = el("div", { class: "search-chips", role: "list", "aria-label": T.operators });
  const render = () => {
    row.replaceChildren();
    const q = input.value;
    for (const m of q.matchAll(ITEM)) {
      const item = m[0];
      if (!isOperator(item)) continue;
      const remove = el("button", { type: "button", class: "search-chip-remove", "aria-label": `${T.remove} ${item}` }, "×");
      remove.addEventListener("click", () => {
        const rest = (q.slice(0, m.index) + " " + q.slice(m.index + item.length)).replace(/\s+/g, " ").trim();
        input.value = rest ? rest + " " : "";
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.focus();
      });
      row.append(el("span", { class: "search-chip" + (item.startsWith("-") ? " search-chip-not" : ""), role: "listitem" }, item, remove));
    }
    row.hidden = row.childElementCount === 0;
  };
  input.addEventListener("input", render);
  render();
  return row;
}

/** The label of a result section that is a troubleshooting entry. */
const troubleBadge = (s) => (s.trouble ? el("span", { class: "search-badge" }, T.trouble) : null);
const DEBOUNCE_MS = 80;
const DROPDOWN_LIMIT = 8;
const PAGE_LIMIT = 50;

// --- engine ------------------------------------------------------------------------------

let enginePromise = null;
function engine() {
  if (!enginePromise) {
    const src = cfg.searchJs || new URL("search.js", import.meta.url).href;
    enginePromise = import(src).then((mod) => ({ mod, search: mod.createSearch({ base }) }));
    enginePromise.catch(() => {
      enginePromise = null;
    });
  }
  return enginePromise;
}

async function runSearch(q, limit) {
  const { search } = await engine();
  return search.search(q, { limit });
}

// --- helpers -----------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "html") e.innerHTML = v; // only snippets: escaped by search.js, <mark> added
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function debounce(fn, ms) {
  let t = 0;
  const d = (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
  d.cancel = () => clearTimeout(t);
  return d;
}

/** A result URL carrying the query for highlighting on the note page. */
function withHighlight(url, q) {
  const u = new URL(url, location.href);
  const h = q.trim();
  if (h) u.searchParams.set("highlight", h);
  return u.pathname + u.search + u.hash;
}

function searchPageUrl(q) {
  return `${base}search/${q.trim() ? `?q=${encodeURIComponent(q.trim())}` : ""}`;
}

function isEditable(t) {
  if (!t || !(t instanceof Element)) return false;
  if (t.isContentEditable) return true;
  const tag = t.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (t.getAttribute("type") || "text").toLowerCase();
    return !["button", "checkbox", "radio", "submit", "reset", "range", "color", "file", "image"].includes(type);
  }
  return false;
}

// --- header dropdown ---------------------------------------------------------------------

/**
 * The dropdown of the header's box and the combobox roles of its input: made here, as without
 * this script the box is a plain form that submits to the search page.
 */
function makePanel(input) {
  const panel = el("div", { class: "search-panel", id: "kb-search-panel" },
    el("p", { class: "search-status", role: "status", "aria-live": "polite" }),
    el("div", { class: "search-list", id: "kb-search-listbox", role: "listbox", "aria-label": T.results }));
  panel.hidden = true;
  form.append(panel);
  const attrs = {
    autocomplete: "off", spellcheck: "false", role: "combobox", "aria-expanded": "false",
    "aria-controls": "kb-search-listbox", "aria-autocomplete": "list", "aria-haspopup": "listbox",
  };
  for (const [k, v] of Object.entries(attrs)) input.setAttribute(k, v);
  return panel;
}

function setupDropdown() {
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  if (!input) return;
  const panel = form.querySelector(".search-panel") || makePanel(input);
  const status = panel.querySelector(".search-status");
  const list = panel.querySelector("[role=listbox]");
  panel.insertBefore(troubleToggle(input), list);
  panel.insertBefore(operatorChips(input), list);
  let seq = 0;
  let active = -1;
  let options = [];
  let shownFor = null;

  const open = () => {
    if (!panel.hidden) return;
    panel.hidden = false;
    input.setAttribute("aria-expanded", "true");
    form.classList.add("open");
  };
  const close = () => {
    if (panel.hidden) return;
    panel.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    form.classList.remove("open");
  };

  const setActive = (i, scroll = true) => {
    if (active >= 0 && options[active]) {
      options[active].classList.remove("active");
      options[active].setAttribute("aria-selected", "false");
    }
    active = options.length ? (i + options.length) % options.length : -1;
    if (active < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    const o = options[active];
    o.classList.add("active");
    o.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", o.id);
    if (scroll) o.scrollIntoView({ block: "nearest" });
  };

  const message = (text, kind) => {
    list.replaceChildren();
    options = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    status.textContent = text;
    status.className = `search-status search-${kind}`;
    panel.dataset.state = kind;
  };

  const render = (q, results) => {
    list.replaceChildren();
    options = [];
    active = -1;
    if (!results.length) {
      message(T.noResults, "empty");
      return;
    }
    panel.dataset.state = "results";
    status.className = "search-status visually-hidden";
    status.textContent = `${T.results}: ${results.length}`;
    results.forEach((h, gi) => {
      const titleId = `kb-search-g${gi}`;
      const group = el("div", { class: "search-group", role: "group", "aria-labelledby": titleId });
      const top = el("a", {
        class: "search-option search-note",
        role: "option",
        id: `kb-search-o${gi}`,
        href: withHighlight(h.url, q),
        tabindex: "-1",
        "aria-selected": "false",
      }, el("span", { class: "search-title", id: titleId }, h.title), el("span", { class: "search-path" }, h.path));
      group.append(top);
      options.push(top);
      h.sections.forEach((s, si) => {
        const o = el("a", {
          class: "search-option search-section",
          role: "option",
          id: `kb-search-o${gi}-${si}`,
          href: withHighlight(s.url, q),
          tabindex: "-1",
          "aria-selected": "false",
        },
        el("span", { class: "search-heading" }, s.heading || h.title, troubleBadge(s)),
        s.snippet ? el("span", { class: "search-snippet", html: s.snippet }) : null);
        group.append(o);
        options.push(o);
      });
      list.append(group);
    });
    const all = el("a", {
      class: "search-option search-all",
      role: "option",
      id: "kb-search-all",
      href: searchPageUrl(q),
      tabindex: "-1",
      "aria-selected": "false",
    }, `${T.all} →`);
    list.append(all);
    options.push(all);
    setActive(0, false);
    panel.scrollTop = 0;
  };

  const update = async () => {
    const q = input.value;
    const my = ++seq;
    if (!q.trim()) {
      shownFor = q;
      message(T.hint, "hint");
      return;
    }
    const slow = setTimeout(() => {
      if (my === seq) message(T.loading, "loading");
    }, 150);
    try {
      const results = await runSearch(q, DROPDOWN_LIMIT);
      if (my !== seq) return;
      shownFor = q;
      render(q, results);
    } catch (e) {
      if (my !== seq) return;
      console.warn("kb search:", e);
      shownFor = null;
      message(T.error, "error");
    } finally {
      clearTimeout(slow);
    }
  };
  const later = debounce(update, DEBOUNCE_MS);

  input.addEventListener("focus", () => {
    // fetch the engine and meta.json while the user starts typing
    engine().then((e) => e.search.preload()).catch(() => {});
    open();
    if (shownFor !== input.value) update();
  });
  input.addEventListener("input", () => {
    open();
    later();
  });
  input.addEventListener("keydown", (e) => {
    if (e.isComposing || e.keyCode === 229) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      open();
      if (shownFor !== input.value) {
        later.cancel();
        update();
        return;
      }
      setActive(active < 0 ? (e.key === "ArrowDown" ? 0 : -1) : active + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Enter") {
      // with the dropdown closed (or an empty box) the form submits to the search page
      if (panel.hidden || !input.value.trim()) return;
      e.preventDefault();
      const newTab = e.ctrlKey || e.metaKey;
      const go = () => {
        const o = options[active];
        if (!o) return;
        const href = o.getAttribute("href");
        if (newTab) window.open(href, "_blank", "noopener");
        else location.assign(href);
      };
      if (shownFor === input.value) go();
      else {
        // typed faster than the debounce: search now, then open the best result
        later.cancel();
        const q = input.value;
        update().then(() => {
          if (input.value === q && shownFor === q) go();
        });
      }
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (!panel.hidden) close();
      else if (input.value) {
        input.value = "";
        shownFor = null;
      } else input.blur();
    }
  });
  // keep focus in the box while clicking results; the links navigate on click
  panel.addEventListener("mousedown", (e) => {
    if (e.target.closest("a")) e.preventDefault();
  });
  panel.addEventListener("mousemove", (e) => {
    const o = e.target.closest("[role=option]");
    if (o) {
      const i = options.indexOf(o);
      if (i >= 0 && i !== active) setActive(i, false);
    }
  });
  form.addEventListener("focusout", (e) => {
    if (!e.relatedTarget || !form.contains(e.relatedTarget)) close();
  });
  document.addEventListener("pointerdown", (e) => {
    if (!form.contains(e.target)) close();
  });
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) close();
  });
}

// --- keyboard shortcut: "/" or Ctrl/Cmd+K -------------------------------------------------

function setupShortcut() {
  document.addEventListener("keydown", (e) => {
    const k = e.key;
    const slash = k === "/" && !e.ctrlKey && !e.metaKey && !e.altKey;
    const cmdK = (k === "k" || k === "K") && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
    if (!slash && !cmdK) return;
    if (e.isComposing || e.defaultPrevented) return;
    if (slash && isEditable(e.target)) return;
    const target = document.querySelector(".search-page-input") || (form && form.querySelector("input[name=q]"));
    if (!target) return;
    if (cmdK && document.activeElement === target) return;
    e.preventDefault();
    target.focus();
    target.select();
  });
}

// --- the /search/ page --------------------------------------------------------------------

function setupSearchPage() {
  const page = document.querySelector(".search-page");
  if (!page) return;
  const pform = page.querySelector("form");
  const input = page.querySelector(".search-page-input");
  const out = page.querySelector(".search-page-results");
  if (!input || !out) return;
  let seq = 0;
  (pform || page).append(troubleToggle(input), operatorChips(input));

  const show = (node) => {
    out.replaceChildren(node);
  };
  const syncUrl = (q) => {
    const u = new URL(location.href);
    if (q.trim()) u.searchParams.set("q", q.trim());
    else u.searchParams.delete("q");
    history.replaceState(history.state, "", u.pathname + u.search + u.hash);
  };

  const update = async () => {
    const q = input.value;
    const my = ++seq;
    syncUrl(q);
    if (!q.trim()) {
      out.dataset.state = "hint";
      show(el("p", { class: "muted" }, T.hint));
      return;
    }
    const slow = setTimeout(() => {
      if (my === seq) show(el("p", { class: "muted search-loading" }, T.loading));
    }, 150);
    try {
      const results = await runSearch(q, PAGE_LIMIT);
      if (my !== seq) return;
      if (!results.length) {
        out.dataset.state = "empty";
        show(el("p", { class: "muted search-empty" }, T.noResults));
        return;
      }
      out.dataset.state = "results";
      const frag = document.createDocumentFragment();
      frag.append(el("p", { class: "search-count muted" }, `${T.results} ${results.length}`));
      const ol = el("ol", { class: "search-results" });
      for (const h of results) {
        const secs = el("ul", { class: "search-result-sections" });
        for (const s of h.sections) {
          secs.append(el("li", {},
            el("a", { class: "search-result-heading", href: withHighlight(s.url, q) }, s.heading || h.title),
            troubleBadge(s),
            s.snippet ? el("p", { class: "search-snippet", html: s.snippet }) : null));
        }
        ol.append(el("li", { class: "search-result" },
          el("h2", { class: "search-result-title" }, el("a", { href: withHighlight(h.url, q) }, h.title)),
          el("p", { class: "search-result-path muted" }, h.path),
          secs));
      }
      frag.append(ol);
      show(frag);
    } catch (e) {
      if (my !== seq) return;
      console.warn("kb search:", e);
      out.dataset.state = "error";
      show(el("p", { class: "search-error" }, T.error));
    } finally {
      clearTimeout(slow);
    }
  };
  const later = debounce(update, DEBOUNCE_MS);

  input.addEventListener("input", later);
  if (pform) {
    pform.addEventListener("submit", (e) => {
      e.preventDefault();
      later.cancel();
      update();
    });
  }
  const q = new URLSearchParams(location.search).get("q") || "";
  if (q) {
    input.value = q;
    // the toggle and the chips follow the query
    input.dispatchEvent(new Event("input"));
    later.cancel();
    update();
  } else {
    input.focus();
  }
}

// --- highlighting on the note page ---------------------------------------------------------

async function setupHighlight() {
  const params = new URLSearchParams(location.search);
  const q = params.get("highlight");
  const root = document.querySelector(".note-body");
  if (!q || !q.trim() || !root) return;
  let mod;
  try {
    ({ mod } = await engine());
  } catch (e) {
    console.warn("kb search:", e);
    return;
  }
  // operators narrow the search; only the words (and phrases) are highlighted
  const words = mod.parseQuery(mod.splitOperators(q).rest);
  if (!words.length) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement && n.parentElement.closest("script, style, mark.search-hit")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const nodes = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
  const marks = [];
  for (const node of nodes) {
    const text = node.data;
    if (!text.trim()) continue;
    const ranges = mod.highlightRanges(text, words);
    if (!ranges.length) continue;
    const frag = document.createDocumentFragment();
    let at = 0;
    for (let [a, b] of ranges) {
      a = Math.max(a, at);
      if (b <= a) continue;
      if (a > at) frag.append(text.slice(at, a));
      const m = el("mark", { class: "search-hit" }, text.slice(a, b));
      marks.push(m);
      frag.append(m);
      at = b;
    }
    if (at < text.length) frag.append(text.slice(at));
    node.replaceWith(frag);
  }
  if (!marks.length) return;

  const bar = el("div", { class: "search-hit-bar", role: "region", "aria-label": T.search },
    el("span", { class: "search-hit-query" }, `“${q.trim()}”`),
    el("span", { class: "search-hit-count" }, String(marks.length)));
  const dismiss = el("button", { type: "button", class: "search-hit-dismiss" }, T.dismiss);
  bar.append(dismiss);
  document.body.append(bar);
  dismiss.addEventListener("click", () => {
    const parents = new Set();
    for (const m of document.querySelectorAll("mark.search-hit")) {
      parents.add(m.parentNode);
      m.replaceWith(...m.childNodes);
    }
    for (const p of parents) p.normalize();
    bar.remove();
    const u = new URL(location.href);
    u.searchParams.delete("highlight");
    history.replaceState(history.state, "", u.pathname + u.search + u.hash);
  });
  if (!location.hash) marks[0].scrollIntoView({ block: "center" });
}

setupShortcut();
setupDropdown();
setupSearchPage();
setupHighlight();
