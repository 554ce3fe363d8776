// kb default theme: link previews. Hovering (after a short delay) or keyboard-focusing an
// internal link (<a class="internal" href="/page/">) shows a small popover with the target
// note's title and opening text, or the linked section's text when the link has a #fragment,
// read from the target page itself: its title, its description and the text under its headings
// (the page is fetched once, and the browser can reuse it when the link is followed). Nothing
// here is needed to navigate; touch-only devices get no previews.

const SHOW_DELAY = 250; // ms of hovering before a preview opens
const HIDE_DELAY = 180; // ms of grace to move the pointer from the link into the popover
const POPOVER_ID = "kb-preview";
const PREVIEW_CHARS = 280; // characters of text a preview shows

const cache = new Map(); // page URL -> Promise<data | null>

function pageUrl(note) {
  const u = new URL(note, location.href);
  u.hash = "";
  u.search = "";
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  return u.pathname;
}

const flat = (t) => String(t || "").replace(/\s+/g, " ").trim();

/** `t` cut to at most `n` characters, at a space when one is in the second half, with "…". */
export function truncate(t, n = PREVIEW_CHARS) {
  const chars = Array.from(t);
  if (chars.length <= n) return t;
  let cut = chars.slice(0, n).join("");
  const space = cut.search(/\s\S*$/);
  if (space > cut.length / 2) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

/** The reading text of an element: no anchors, scripts, pictures or buttons. */
function textOf(el) {
  const c = el.cloneNode(true);
  for (const x of c.querySelectorAll("script, style, svg, button, .anchor, .footnote-backref")) x.remove();
  return flat(c.textContent);
}

/**
 * The text under a heading, up to the next heading of its level or higher; a heading with
 * only sub-headings under it gives its first sub-section's text.
 */
function sectionText(h) {
  const level = Number(h.tagName[1]);
  let out = "";
  for (let el = h.nextElementSibling; el && out.length < PREVIEW_CHARS * 2; el = el.nextElementSibling) {
    const m = /^H([1-6])$/.exec(el.tagName);
    if (m) {
      if (Number(m[1]) <= level || out) break;
      continue;
    }
    const t = textOf(el);
    if (t) out += (out ? " " : "") + t;
  }
  return out;
}

/**
 * What a preview can show of a note page, read from its HTML: `{title, text, sections}`, where
 * `sections` maps each heading id and `^block` id of the note's body to `{heading, text}`; null
 * for a page that is not a note.
 */
export function previewData(html) {
  let doc;
  try {
    doc = new DOMParser().parseFromString(String(html || ""), "text/html");
  } catch {
    return null;
  }
  const body = doc.querySelector(".note-body");
  const h1 = doc.querySelector(".note-title");
  if (!body || !h1) return null;
  const desc = doc.querySelector('meta[name="description"]');
  const sections = {};
  for (const el of body.querySelectorAll("[id]")) {
    const id = el.id;
    if (/^H[1-6]$/.test(el.tagName)) sections[id] = { heading: textOf(el), text: truncate(sectionText(el)) };
    else if (id.startsWith("^")) sections[id] = { heading: "", text: truncate(textOf(el)) };
  }
  return { title: textOf(h1), text: truncate(flat(desc ? desc.getAttribute("content") : "")), sections };
}

function load(note) {
  const url = pageUrl(note);
  let p = cache.get(url);
  if (!p) {
    p = fetch(url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then(previewData)
      .catch(() => null);
    cache.set(url, p);
  }
  return p;
}

function fragmentOf(a) {
  const hash = new URL(a.href, location.href).hash;
  if (hash.length < 2) return "";
  try {
    return decodeURIComponent(hash.slice(1));
  } catch {
    return hash.slice(1);
  }
}

/** A heading label for an anchor id when the data carries none: "redis-vs-rabbitmq" -> "redis vs rabbitmq". */
function labelFromId(id) {
  return id.replace(/-+/g, " ").trim();
}

const squash = (t) => t.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");

/**
 * The heading a link points at, from its own text when that ends with it (`Redis › Redis vs
 * RabbitMQ`, `Redis > Redis vs RabbitMQ`, `Redis#Redis vs RabbitMQ`) and matches the anchor id.
 */
export function headingFromLinkText(text, id) {
  const parts = String(text || "").split(/\s*(?:›|>|#)\s*/);
  const last = parts[parts.length - 1].trim();
  return last && squash(last) === squash(id) ? last : "";
}

/** `{title, context, text}` for a link, or null when there is nothing to show. */
export function previewContent(data, fragment, linkText = "") {
  if (!data) return null;
  const title = typeof data.title === "string" ? data.title : "";
  let text = typeof data.text === "string" ? data.text : "";
  let context = "";
  const sections = data.sections && typeof data.sections === "object" ? data.sections : {};
  if (fragment && Object.prototype.hasOwnProperty.call(sections, fragment)) {
    const sec = sections[fragment];
    let heading = "";
    let body = "";
    if (typeof sec === "string") body = sec;
    else if (Array.isArray(sec)) [heading = "", body = ""] = sec.map((v) => (typeof v === "string" ? v : ""));
    else if (sec && typeof sec === "object") {
      heading = typeof sec.heading === "string" ? sec.heading : "";
      body = typeof sec.text === "string" ? sec.text : "";
    }
    if (!heading && !fragment.startsWith("^")) heading = headingFromLinkText(linkText, fragment) || labelFromId(fragment);
    context = heading;
    if (body) text = body;
  } else if (fragment && data.headings && typeof data.headings[fragment] === "string") {
    context = data.headings[fragment];
  }
  if (!title && !text) return null;
  return { title, context, text };
}

function init() {
  if (!window.matchMedia || window.matchMedia("(hover: none)").matches) return; // touch-only

  let pop = null; // the popover element, created on first use
  let titleEl, ctxEl, textEl;
  let shownFor = null; // link the popover describes
  let shownBy = ""; // "hover" | "focus"
  let pending = null; // link waiting for its show timer or data
  let pendingBy = ""; // "hover" | "focus"
  let showTimer = 0;
  let hideTimer = 0;
  let token = 0;
  let pointerInPop = false;
  let lastPointer = null; // {x, y} of the pointer over the link

  function ensurePop() {
    if (pop) return pop;
    pop = document.createElement("div");
    pop.id = POPOVER_ID;
    pop.className = "kb-preview";
    pop.setAttribute("role", "tooltip");
    pop.hidden = true;
    titleEl = document.createElement("p");
    titleEl.className = "kb-preview-title";
    ctxEl = document.createElement("span");
    ctxEl.className = "kb-preview-section";
    textEl = document.createElement("p");
    textEl.className = "kb-preview-text";
    pop.append(titleEl, textEl);
    pop.addEventListener("pointerenter", () => {
      pointerInPop = true;
      clearTimeout(hideTimer);
    });
    pop.addEventListener("pointerleave", () => {
      pointerInPop = false;
      if (shownBy === "hover") scheduleHide();
    });
    document.body.appendChild(pop);
    return pop;
  }

  function linkFrom(target) {
    // lists of notes (backlinks, related notes, tag and folder pages) link without the class
    const a = target && target.closest ? target.closest("a.internal[href], .note-list a[href], .backlinks a[href], .related a[href]") : null;
    if (!a || (pop && pop.contains(a))) return null;
    const u = new URL(a.href, location.href);
    // links to this very page: only anchored ones, which preview the section
    if (u.pathname === location.pathname && u.hash.length < 2) return null;
    return a;
  }

  function describe(a, on) {
    const ids = (a.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== POPOVER_ID);
    if (on) ids.push(POPOVER_ID);
    if (ids.length) a.setAttribute("aria-describedby", ids.join(" "));
    else a.removeAttribute("aria-describedby");
  }

  /** Closes the popover (a preview still waiting to open is left alone). */
  function close() {
    clearTimeout(hideTimer);
    if (shownFor) describe(shownFor, false);
    shownFor = null;
    shownBy = "";
    pointerInPop = false;
    if (pop) pop.hidden = true;
  }

  /** Cancels a preview waiting for its timer or its data. */
  function cancel() {
    clearTimeout(showTimer);
    token++;
    pending = null;
  }

  function hide() {
    cancel();
    close();
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => {
      if (!pointerInPop) close();
    }, HIDE_DELAY);
  }

  function place(a) {
    const rects = Array.from(a.getClientRects());
    let r = rects[0] || a.getBoundingClientRect();
    if (lastPointer && rects.length > 1) {
      // a link wrapped over lines: the line under the pointer
      for (const q of rects) {
        if (lastPointer.y >= q.top - 2 && lastPointer.y <= q.bottom + 2) {
          r = q;
          break;
        }
      }
    }
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    pop.style.left = "0px";
    pop.style.top = "0px";
    const pw = pop.offsetWidth;
    const ph = pop.offsetHeight;
    const gap = 8;
    const left = Math.max(8, Math.min(r.left, vw - pw - 8));
    let top = r.bottom + gap;
    if (top + ph > vh - 8 && r.top - gap - ph >= 8) top = r.top - gap - ph;
    pop.classList.toggle("is-above", top < r.top);
    pop.style.left = `${Math.round(left)}px`;
    pop.style.top = `${Math.round(Math.max(8, top))}px`;
  }

  const hovering = (a) => {
    try {
      return a.matches(":hover");
    } catch {
      return true;
    }
  };

  function show(a, by) {
    const my = ++token;
    pending = a;
    pendingBy = by;
    if (by === "hover" && !hovering(a)) return cancel();
    load(a.href).then((data) => {
      if (my !== token || pending !== a || !a.isConnected) return;
      if (by === "hover" && !hovering(a)) return cancel();
      pending = null;
      const c = previewContent(data, fragmentOf(a), a.textContent);
      if (!c) return;
      ensurePop();
      clearTimeout(hideTimer);
      if (shownFor && shownFor !== a) describe(shownFor, false);
      titleEl.textContent = c.title;
      if (c.context) {
        ctxEl.textContent = ` › ${c.context}`;
        titleEl.appendChild(ctxEl);
      }
      textEl.textContent = c.text;
      textEl.hidden = !c.text;
      pop.hidden = false;
      shownFor = a;
      shownBy = by;
      describe(a, true);
      place(a);
    });
  }

  function isKeyboardFocus(a) {
    try {
      return a.matches(":focus-visible");
    } catch {
      return true;
    }
  }

  document.addEventListener("pointerover", (ev) => {
    if (ev.pointerType === "touch") return;
    if (pop && pop.contains(ev.target)) return;
    const a = linkFrom(ev.target);
    if (!a) return;
    lastPointer = { x: ev.clientX, y: ev.clientY };
    if (a === shownFor) {
      clearTimeout(hideTimer);
      return;
    }
    if (a === pending) return;
    cancel();
    pending = a;
    pendingBy = "hover";
    showTimer = setTimeout(() => show(a, "hover"), SHOW_DELAY);
  });

  document.addEventListener("pointerout", (ev) => {
    if (ev.pointerType === "touch") return;
    const a = linkFrom(ev.target);
    if (!a) return;
    if (ev.relatedTarget && a.contains(ev.relatedTarget)) return; // still inside the link
    if (pending === a) cancel();
    if (shownFor === a && !(shownBy === "focus" && document.activeElement === a)) scheduleHide();
  });

  document.addEventListener("focusin", (ev) => {
    const a = linkFrom(ev.target);
    if (!a) return;
    if (!isKeyboardFocus(a)) return;
    clearTimeout(showTimer);
    clearTimeout(hideTimer);
    if (a === shownFor) {
      shownBy = "focus";
      return;
    }
    lastPointer = null;
    show(a, "focus");
  });

  document.addEventListener("focusout", (ev) => {
    const a = linkFrom(ev.target);
    if (!a) return;
    if (a === pending) cancel();
    if (a === shownFor) close();
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && (shownFor || pending)) hide();
  });

  document.addEventListener(
    "pointerdown",
    (ev) => {
      if (pop && pop.contains(ev.target)) return;
      if (shownFor || pending) hide();
    },
    true,
  );

  // Scrolling closes a preview opened by hover. One opened by keyboard focus follows its
  // link instead (focusing an offscreen link scrolls it into view, which must not close the
  // preview just opened). A hover preview still waiting restarts its delay, and opens only
  // if the pointer is still on the link then.
  let scrollRaf = 0;
  window.addEventListener(
    "scroll",
    () => {
      if (shownFor && shownBy === "focus" && document.activeElement === shownFor) {
        if (!scrollRaf) {
          scrollRaf = requestAnimationFrame(() => {
            scrollRaf = 0;
            if (shownFor) place(shownFor);
          });
        }
      } else if (shownFor) close();
      if (pending && pendingBy === "hover") {
        const a = pending;
        cancel();
        pending = a;
        pendingBy = "hover";
        showTimer = setTimeout(() => show(a, "hover"), SHOW_DELAY);
      }
    },
    { capture: true, passive: true },
  );
  window.addEventListener("resize", () => shownFor && place(shownFor));
  window.addEventListener("pagehide", hide);
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init, { once: true });
  else init();
}
