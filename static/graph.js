// kb default theme: the global note graph (graph page) and the local graph (note sidebar),
// drawn on <canvas>. No dependencies; works under `script-src 'self'; style-src 'self'`
// (DOM is built with createElement/textContent, colours are set through the CSSOM).
//
// Global graph: positions come laid out from the build, so there is no simulation here;
// the canvas is redrawn only when something changes (one requestAnimationFrame per change),
// offscreen nodes and edges are culled, nodes are batched into one path per colour and
// edges into a single path, so a 10,000-note / 70,000-link graph stays interactive.
// Local graph: up to ~40 nodes, a small deterministic force layout (200 ticks) then drawn.

const root = document.documentElement;
const KO = (root.lang || "").toLowerCase().startsWith("ko");
const TXT = KO
  ? { none: "연결된 노트가 없습니다", failed: "그래프 데이터를 불러오지 못했습니다.", notes: "개 노트", links: "개 링크" }
  : { none: "No linked notes", failed: "Could not load the graph data.", notes: " notes", links: " links" };

// 12 category colours, each at least 3:1 against both the light and the dark page background.
export const PALETTE = [
  "#3b7dd8", "#d4661f", "#23975f", "#d94f4f", "#8e6bd1", "#a38512",
  "#16939f", "#b55fb8", "#6f8f2a", "#a8743f", "#7a8797", "#d64f7a",
];
const TAU = Math.PI * 2;
// Length of edge lines (CSS px, for a 1200x700 canvas) drawn per frame of the global graph,
// while the view moves and once it is still; beyond that a subset of edges is drawn.
const PIXELS_MOVING = 2e6;
const PIXELS_STILL = 5e6;
const IDLE_MS = 160; // the view is "still" after this long without pan or zoom
const RERENDER_MS = 120; // while it moves, the scene is redrawn at most this often (moved as a bitmap between)
const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);

// ---------------------------------------------------------------------------------------------
// theme colours (CSS variables), re-read when data-theme or the OS colour scheme changes

let theme = readTheme();
let themeVersion = 0;
const themeListeners = new Set();

function readTheme() {
  const cs = getComputedStyle(root);
  const v = (name, fallback) => cs.getPropertyValue(name).trim() || fallback;
  return {
    bg: v("--bg", "#ffffff"),
    bgSoft: v("--bg-soft", "#f3f4f1"),
    fg: v("--fg", "#1d2126"),
    fgSoft: v("--fg-soft", "#555d66"),
    muted: v("--muted", "#7a838c"),
    border: v("--border", "#e2e4e0"),
    accent: v("--accent", "#0b6bcb"),
    accentSoft: v("--accent-soft", "#e3effb"),
    font: v("--font", "system-ui, sans-serif"),
  };
}

function refreshTheme() {
  theme = readTheme();
  themeVersion++;
  for (const f of themeListeners) f();
}

new MutationObserver(refreshTheme).observe(root, { attributes: true, attributeFilter: ["data-theme"] });
if (window.matchMedia) {
  const mq = window.matchMedia("(prefers-color-scheme: dark)");
  if (mq.addEventListener) mq.addEventListener("change", refreshTheme);
  else if (mq.addListener) mq.addListener(refreshTheme);
}

// ---------------------------------------------------------------------------------------------
// shared helpers

/** Calls `draw` at most once per animation frame, however often it is asked for. */
function frameScheduler(draw) {
  let pending = 0;
  return () => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      draw();
    });
  };
}

/** Sizes the canvas backing store to its CSS box times devicePixelRatio; returns the CSS size. */
function fitCanvas(canvas, ctx) {
  const dpr = clamp(window.devicePixelRatio || 1, 1, 3);
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const bw = Math.max(1, Math.round(w * dpr));
  const bh = Math.max(1, Math.round(h * dpr));
  if (canvas.width !== bw || canvas.height !== bh) {
    canvas.width = bw;
    canvas.height = bh;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { w, h, dpr };
}

/** Redraws when the canvas box or the device pixel ratio changes. */
function watchSize(canvas, schedule) {
  if (window.ResizeObserver) new ResizeObserver(schedule).observe(canvas);
  else window.addEventListener("resize", schedule);
  if (!window.matchMedia) return;
  const arm = () => {
    const mq = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    const once = () => {
      if (mq.removeEventListener) mq.removeEventListener("change", once);
      schedule();
      arm();
    };
    if (mq.addEventListener) mq.addEventListener("change", once);
  };
  arm();
}

function shorten(s, max) {
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/** Greedy label placement: keeps a label only if its box overlaps none placed before. */
class LabelBoxes {
  constructor() {
    this.boxes = [];
  }
  fits(x0, y0, x1, y1) {
    const b = this.boxes;
    for (let i = 0; i < b.length; i += 4) {
      if (x0 < b[i + 2] && x1 > b[i] && y0 < b[i + 3] && y1 > b[i + 1]) return false;
    }
    return true;
  }
  add(x0, y0, x1, y1) {
    this.boxes.push(x0, y0, x1, y1);
  }
  get count() {
    return this.boxes.length / 4;
  }
}

function haloText(ctx, text, x, y) {
  ctx.strokeText(text, x, y);
  ctx.fillText(text, x, y);
}

/** A label in a small box (the hovered node), kept inside the canvas. */
function drawTag(ctx, w, h, x, y, r, title, sub) {
  ctx.font = `600 13px ${theme.font}`;
  const tw = ctx.measureText(title).width;
  let sw = 0;
  if (sub) {
    ctx.font = `11px ${theme.font}`;
    sw = ctx.measureText(sub).width;
  }
  const bw = Math.max(tw, sw) + 14;
  const bh = sub ? 36 : 22;
  let bx = clamp(x - bw / 2, 2, Math.max(2, w - bw - 2));
  let by = y - r - 8 - bh;
  if (by < 2) by = y + r + 8;
  by = clamp(by, 2, Math.max(2, h - bh - 2));
  ctx.globalAlpha = 1;
  ctx.fillStyle = theme.bg;
  ctx.strokeStyle = theme.border;
  ctx.lineWidth = 1;
  ctx.beginPath();
  if (ctx.roundRect) ctx.roundRect(bx + 0.5, by + 0.5, bw, bh, 6);
  else ctx.rect(bx + 0.5, by + 0.5, bw, bh);
  ctx.fill();
  ctx.stroke();
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.fillStyle = theme.fg;
  ctx.font = `600 13px ${theme.font}`;
  ctx.fillText(title, bx + 7, by + 4);
  if (sub) {
    ctx.fillStyle = theme.muted;
    ctx.font = `11px ${theme.font}`;
    ctx.fillText(sub, bx + 7, by + 20);
  }
}

function navigate(url, ev) {
  if (ev && (ev.ctrlKey || ev.metaKey || ev.shiftKey)) window.open(url, "_blank", "noopener");
  else location.href = url;
}

// ---------------------------------------------------------------------------------------------
// global graph

function parseGraph(data) {
  const raw = Array.isArray(data.nodes) ? data.nodes : [];
  const n = raw.length;
  const g = {
    n,
    title: new Array(n),
    url: new Array(n),
    tags: new Array(n),
    cat: new Uint8Array(n), // colour: category index modulo the palette
    catIdx: new Uint16Array(n),
    deg: new Float32Array(n),
    x: new Float32Array(n),
    y: new Float32Array(n),
    rs: new Float32Array(n), // radius factor: 1 + 0.8 * sqrt(degree), at most 8
  };
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = raw[i] || [];
    g.title[i] = String(r[0] ?? "");
    g.url[i] = String(r[1] ?? "");
    g.catIdx[i] = Math.max(0, r[2] | 0);
    g.cat[i] = g.catIdx[i] % PALETTE.length;
    g.deg[i] = Math.max(0, +r[3] || 0);
    const x = Number.isFinite(+r[4]) ? +r[4] : 0;
    const y = Number.isFinite(+r[5]) ? +r[5] : 0;
    g.x[i] = x;
    g.y[i] = y;
    g.tags[i] = Array.isArray(r[6]) ? r[6] : [];
    g.rs[i] = Math.min(8, 1 + 0.8 * Math.sqrt(g.deg[i]));
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!n) x0 = y0 = -1, x1 = y1 = 1;
  g.bbox = { x0, y0, x1, y1 };

  // edges, and neighbours as CSR arrays
  const rawE = Array.isArray(data.edges) ? data.edges : [];
  const ea = new Int32Array(rawE.length);
  const eb = new Int32Array(rawE.length);
  const count = new Int32Array(n + 1);
  let m = 0;
  for (const e of rawE) {
    const a = e && e[0], b = e && e[1];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n || a === b) continue;
    ea[m] = a;
    eb[m] = b;
    count[a]++;
    count[b]++;
    m++;
  }
  g.m = m;
  g.ea = ea;
  g.eb = eb;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + count[i];
  const fill = start.slice(0, n);
  const nb = new Int32Array(start[n]);
  for (let k = 0; k < m; k++) {
    nb[fill[ea[k]]++] = eb[k];
    nb[fill[eb[k]]++] = ea[k];
  }
  g.nbStart = start;
  g.nb = nb;

  // nodes by category (one path per colour) and by degree (label priority)
  const byCat = new Int32Array(n);
  for (let i = 0; i < n; i++) byCat[i] = i;
  byCat.sort((a, b) => g.cat[a] - g.cat[b] || a - b);
  const catStart = new Int32Array(PALETTE.length + 1);
  for (let i = 0; i < n; i++) catStart[g.cat[i] + 1]++;
  for (let c = 0; c < PALETTE.length; c++) catStart[c + 1] += catStart[c];
  g.byCat = byCat;
  g.catStart = catStart;
  const byDeg = new Int32Array(n);
  for (let i = 0; i < n; i++) byDeg[i] = i;
  byDeg.sort((a, b) => g.deg[b] - g.deg[a] || a - b);
  g.byDeg = byDeg;

  // uniform grid over world coordinates, for hit testing
  const G = clamp(Math.ceil(Math.sqrt(n / 2)), 1, 256);
  const gw = (x1 - x0) / G || 1;
  const gh = (y1 - y0) / G || 1;
  const cellOf = (i) => clamp(Math.floor((g.x[i] - x0) / gw), 0, G - 1) + G * clamp(Math.floor((g.y[i] - y0) / gh), 0, G - 1);
  const cellStart = new Int32Array(G * G + 1);
  for (let i = 0; i < n; i++) cellStart[cellOf(i) + 1]++;
  for (let c = 0; c < G * G; c++) cellStart[c + 1] += cellStart[c];
  const cfill = cellStart.slice(0, G * G);
  const cellNodes = new Int32Array(n);
  for (let i = 0; i < n; i++) cellNodes[cfill[cellOf(i)]++] = i;
  g.grid = { G, gw, gh, cellStart, cellNodes };

  g.categories = Array.isArray(data.categories) ? data.categories.map(String) : [];
  g.tagNames = Array.isArray(data.tags) ? data.tags.map(String) : [];
  return g;
}

function initGlobal(view) {
  const canvas = view.querySelector("canvas.graph-canvas");
  if (!canvas || !view.dataset.src) return;
  const page = view.closest(".graph-page") || document;
  const select = page.querySelector("select.graph-tag-filter");
  const legend = page.querySelector(".graph-legend");

  const status = document.createElement("p");
  status.className = "graph-status";
  status.setAttribute("role", "status");
  status.textContent = view.dataset.tLoading || "Loading…";
  view.appendChild(status);

  fetch(view.dataset.src)
    .then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    })
    .then((data) => {
      status.remove();
      startGlobal(view, canvas, parseGraph(data), select, legend);
    })
    .catch((e) => {
      status.textContent = TXT.failed;
      status.classList.add("graph-error");
      console.warn("kb graph:", e);
    });
}

function startGlobal(view, canvas, g, select, legend) {
  const ctx = canvas.getContext("2d", { alpha: true });
  const n = g.n;
  const sx = new Float32Array(n);
  const sy = new Float32Array(n);
  const vis = new Uint8Array(n); // on screen this frame
  const dim = new Uint8Array(n); // drawn faded this frame
  const labelW = new Float32Array(n).fill(-1);
  const match = new Uint8Array(n); // tag filter
  let filterOn = false;
  const near = new Uint8Array(n); // hovered node and its neighbours
  let hovered = -1;
  let keyboardMode = false;

  const { x0, y0, x1, y1 } = g.bbox;
  const ext = Math.max(x1 - x0, y1 - y0, 1e-6) / 2;
  // view: world point (cx, cy) at the canvas centre, zoom k relative to "fit"
  let cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, k = 1;
  const kMin = 0.5;
  const kMax = Math.max(8, Math.sqrt(n) * 2);
  let size = { w: 0, h: 0, dpr: 1 };
  let draws = 0;
  // scene layer
  const layer = document.createElement("canvas");
  const lctx = layer.getContext("2d");
  // what the layer holds: for which size/theme/filter (base) and view, drawn when, how
  const scene = { base: "", view: "", coarse: false, time: 0, cx: 0, cy: 0, s: 1 };
  let moved = false; // a frame showed the scene moved as a bitmap
  let filterVersion = 0;
  let interacting = false;
  let idleTimer = 0;
  const onScreen = new Int32Array(g.m);
  const clipped = new Float32Array(g.m * 4);
  const edgeRank = new Float32Array(g.m);
  {
    const rnd = mulberry32(0x6b62);
    for (let e = 0; e < g.m; e++) edgeRank[e] = rnd();
  }

  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  const describe = `${canvas.getAttribute("aria-label") || "graph"}: ${n}${TXT.notes}, ${g.m}${TXT.links}`;
  canvas.setAttribute("aria-label", describe);
  canvas.setAttribute("aria-keyshortcuts", "+ - 0 ArrowUp ArrowDown ArrowLeft ArrowRight Enter Escape");
  const live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  view.appendChild(live);

  const scale = () => (Math.min(size.w, size.h) / 2 / ext) * 0.92 * k;
  const spacing = () => (scale() * 2 * ext) / Math.sqrt(Math.max(n, 1)); // average px between nodes
  const unit = () => clamp(spacing() * 0.08, 0.6, 2.4);

  // ---- legend and tag filter
  if (legend) {
    legend.textContent = "";
    const counts = new Array(g.categories.length).fill(0);
    for (let i = 0; i < n; i++) if (g.catIdx[i] < counts.length) counts[g.catIdx[i]]++;
    g.categories.forEach((name, c) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "graph-swatch";
      sw.setAttribute("aria-hidden", "true");
      sw.style.backgroundColor = PALETTE[c % PALETTE.length];
      const label = document.createElement("span");
      label.className = "graph-legend-name";
      label.textContent = name;
      const cnt = document.createElement("span");
      cnt.className = "count";
      cnt.textContent = ` ${counts[c] || 0}`;
      li.append(sw, label, cnt);
      legend.appendChild(li);
    });
  }
  if (select) {
    const tagCount = new Array(g.tagNames.length).fill(0);
    for (let i = 0; i < n; i++) for (const t of g.tags[i]) if (t >= 0 && t < tagCount.length) tagCount[t]++;
    const order = g.tagNames.map((_, i) => i);
    const coll = new Intl.Collator(root.lang || undefined);
    order.sort((a, b) => coll.compare(g.tagNames[a], g.tagNames[b]));
    for (const t of order) {
      const o = document.createElement("option");
      o.value = String(t);
      o.textContent = `${g.tagNames[t]} (${tagCount[t]})`;
      select.appendChild(o);
    }
    const apply = () => {
      const v = select.value;
      filterOn = v !== "";
      match.fill(0);
      if (filterOn) {
        const t = +v;
        for (let i = 0; i < n; i++) if (g.tags[i].includes(t)) match[i] = 1;
      }
      filterVersion++;
      schedule();
    };
    select.addEventListener("change", apply);
  }

  // ---- drawing
  // The scene (edges and nodes, with the tag filter's fading) is drawn into an offscreen
  // layer that is reused while only the hovered node changes; a frame is that layer plus
  // the hovered node's neighbourhood and the labels on top.
  function draw() {
    size = fitCanvas(canvas, ctx);
    const { w, h, dpr } = size;
    ctx.clearRect(0, 0, w, h);
    if (w < 2 || h < 2 || !n) return;
    const s = scale();
    const ox = w / 2 - cx * s;
    const oy = h / 2 - cy * s;
    const u = unit();
    const { x: X, y: Y, rs } = g;
    for (let i = 0; i < n; i++) {
      const px = X[i] * s + ox;
      const py = Y[i] * s + oy;
      sx[i] = px;
      sy[i] = py;
      const r = rs[i] * u;
      vis[i] = px > -r && px < w + r && py > -r && py < h + r ? 1 : 0;
      dim[i] = filterOn && !match[i] ? 1 : 0;
    }

    // the scene: reused as is, moved/scaled as a bitmap between renders while the view
    // moves (at most RERENDER_MS apart), or drawn again
    const base = `${w}x${h}@${dpr}|${themeVersion}|${filterVersion}`;
    const viewKey = `${cx},${cy},${k}`;
    const same = base === scene.base && viewKey === scene.view;
    let f = 1, tx = 0, ty = 0;
    if (same && !(scene.coarse && !interacting)) {
      // up to date
    } else if (!same && base === scene.base && interacting && performance.now() - scene.time < RERENDER_MS) {
      f = s / scene.s;
      tx = (w / 2) * (1 - f) + (scene.cx - cx) * s;
      ty = (h / 2) * (1 - f) + (scene.cy - cy) * s;
      moved = true;
    } else {
      renderScene(u, s, base, viewKey);
    }
    ctx.setTransform(dpr * f, 0, 0, dpr * f, dpr * tx, dpr * ty);
    ctx.globalAlpha = hovered >= 0 ? 0.3 : 1;
    ctx.drawImage(layer, 0, 0, layer.width / dpr, layer.height / dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.globalAlpha = 1;

    if (hovered >= 0) {
      // the hovered node, its links and its neighbours, over the faded scene
      const from = g.nbStart[hovered], to = g.nbStart[hovered + 1];
      ctx.beginPath();
      for (let j = from; j < to; j++) {
        const b = g.nb[j];
        ctx.moveTo(sx[hovered], sy[hovered]);
        ctx.lineTo(sx[b], sy[b]);
      }
      ctx.globalAlpha = 0.8;
      ctx.strokeStyle = theme.accent;
      // (wide strokes are slow in software canvases: only for a modest number of lines)
      ctx.lineWidth = to - from <= 200 ? 1.5 : 1 / dpr;
      ctx.stroke();
      ctx.globalAlpha = 1;
      for (let j = from; j <= to; j++) {
        const i = j < to ? g.nb[j] : hovered;
        if (!vis[i]) continue;
        ctx.globalAlpha = dim[i] ? 0.45 : 1;
        ctx.beginPath();
        ctx.arc(sx[i], sy[i], Math.max(rs[i] * u, 2), 0, TAU);
        ctx.fillStyle = PALETTE[g.cat[i]];
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      ctx.beginPath();
      ctx.arc(sx[hovered], sy[hovered], Math.max(rs[hovered] * u, 2) + 2.5, 0, TAU);
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.stroke();
    }

    // labels: the hovered node's neighbours, or every visible node once zoomed in enough
    const boxes = new LabelBoxes();
    if (hovered >= 0) {
      // room for the hovered node's tag
      const top = sy[hovered] - rs[hovered] * u;
      boxes.add(sx[hovered] - 120, top - 46, sx[hovered] + 120, top);
    }
    const labelsOn = spacing() >= 30;
    if (labelsOn || hovered >= 0) {
      ctx.font = `12px ${theme.font}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.lineJoin = "round";
      ctx.lineWidth = 3;
      ctx.strokeStyle = theme.bgSoft;
      ctx.fillStyle = theme.fgSoft;
      const maxLabels = 300;
      const place = (i, faded) => {
        if (!vis[i]) return;
        if (labelW[i] < 0) labelW[i] = ctx.measureText(shorten(g.title[i], 36)).width;
        const r = rs[i] * u;
        const lx0 = sx[i] - labelW[i] / 2 - 5, lx1 = sx[i] + labelW[i] / 2 + 5;
        const ly0 = sy[i] + r + 2, ly1 = ly0 + 15;
        if (!boxes.fits(lx0, ly0, lx1, ly1)) return;
        boxes.add(lx0, ly0, lx1, ly1);
        ctx.globalAlpha = faded ? 0.35 : 1;
        haloText(ctx, shorten(g.title[i], 36), sx[i], ly0);
      };
      if (hovered >= 0) {
        for (let j = g.nbStart[hovered]; j < g.nbStart[hovered + 1] && boxes.count < maxLabels; j++) place(g.nb[j], dim[g.nb[j]]);
      }
      if (labelsOn) {
        for (let j = 0; j < n && boxes.count < maxLabels; j++) {
          const i = g.byDeg[j];
          if (i !== hovered && !(hovered >= 0 && near[i])) place(i, dim[i] || hovered >= 0);
        }
      }
      ctx.globalAlpha = 1;
    }
    if (hovered >= 0) {
      const cat = g.categories[g.catIdx[hovered]] || "";
      drawTag(ctx, w, h, sx[hovered], sy[hovered], rs[hovered] * u, shorten(g.title[hovered], 60), cat);
    }

    if (keyboardMode && document.activeElement === canvas) {
      // the point Enter acts on
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(w / 2 - 8, h / 2); ctx.lineTo(w / 2 - 3, h / 2);
      ctx.moveTo(w / 2 + 3, h / 2); ctx.lineTo(w / 2 + 8, h / 2);
      ctx.moveTo(w / 2, h / 2 - 8); ctx.lineTo(w / 2, h / 2 - 3);
      ctx.moveTo(w / 2, h / 2 + 3); ctx.lineTo(w / 2, h / 2 + 8);
      ctx.stroke();
    }

    draws++;
    canvas.dataset.zoom = k.toFixed(4);
    canvas.dataset.draws = String(draws);
    if (draws === 1) {
      canvas.dataset.firstDraw = performance.now().toFixed(1);
      view.classList.add("is-ready");
    }
  }

  // Edges: one path for all those on screen, clipped to the canvas. Drawing cost grows with
  // the length of line drawn, so past a budget of pixels (smaller while the view moves) a
  // fixed pseudo-random subset of the edges is drawn, its alpha raised to keep the same
  // shade: at that density the edges are a haze anyway, and zooming in brings every edge
  // back. Lines are at most one device pixel wide: software canvases stroke wider lines
  // much more slowly (seconds, for tens of thousands of segments in one path).
  // Nodes: one path per colour, faded ones first; while the view moves, small nodes are
  // squares (several times cheaper than arcs, and alike at that size).
  function renderScene(u, s, base, viewKey) {
    const { w, h, dpr } = size;
    if (layer.width !== canvas.width || layer.height !== canvas.height) {
      layer.width = canvas.width;
      layer.height = canvas.height;
    }
    const lc = lctx;
    lc.setTransform(1, 0, 0, 1, 0, 0);
    lc.clearRect(0, 0, layer.width, layer.height);
    lc.setTransform(dpr, 0, 0, dpr, 0, 0);
    const { ea, eb, m, rs } = g;
    let count = 0;
    let total = 0;
    for (let e = 0; e < m; e++) {
      const a = ea[e], b = eb[e];
      const ax = sx[a], ay = sy[a];
      const dx = sx[b] - ax, dy = sy[b] - ay;
      // Liang-Barsky clipping to [0, w] x [0, h]
      let t0 = 0, t1 = 1;
      if (dx === 0) {
        if (ax < 0 || ax > w) continue;
      } else {
        let ta = -ax / dx, tb = (w - ax) / dx;
        if (ta > tb) { const t = ta; ta = tb; tb = t; }
        if (ta > t0) t0 = ta;
        if (tb < t1) t1 = tb;
      }
      if (dy === 0) {
        if (ay < 0 || ay > h) continue;
      } else {
        let ta = -ay / dy, tb = (h - ay) / dy;
        if (ta > tb) { const t = ta; ta = tb; tb = t; }
        if (ta > t0) t0 = ta;
        if (tb < t1) t1 = tb;
      }
      if (t0 > t1) continue;
      const c = count * 4;
      clipped[c] = ax + dx * t0;
      clipped[c + 1] = ay + dy * t0;
      clipped[c + 2] = ax + dx * t1;
      clipped[c + 3] = ay + dy * t1;
      onScreen[count++] = e;
      total += (t1 - t0) * Math.sqrt(dx * dx + dy * dy) + 1;
    }
    const budget = ((interacting ? PIXELS_MOVING : PIXELS_STILL) * (w * h)) / (1200 * 700) / Math.max(1, dpr);
    const frac = total > budget ? budget / total : 1;
    lc.beginPath();
    let drawn = 0;
    for (let j = 0; j < count; j++) {
      if (frac < 1 && edgeRank[onScreen[j]] >= frac) continue;
      const c = j * 4;
      lc.moveTo(clipped[c], clipped[c + 1]);
      lc.lineTo(clipped[c + 2], clipped[c + 3]);
      drawn++;
    }
    // alpha from how many lines cross an average pixel, so that dense views stay a light haze
    const coverage = (Math.min(total, budget) / (w * h)) * 1.5;
    lc.globalAlpha = clamp(0.35 / Math.max(coverage, 1e-6), 0.03, 0.35) * (filterOn ? 0.5 : 1);
    lc.lineWidth = Math.min(clamp(u * 0.35, 0.5, 1), 1 / dpr);
    lc.strokeStyle = theme.fg;
    lc.stroke();

    const squares = interacting ? 2.5 : 1.2; // radius below which nodes are squares
    for (let pass = filterOn ? 0 : 1; pass < 2; pass++) {
      const want = pass === 0 ? 1 : 0;
      lc.globalAlpha = pass === 0 ? 0.18 : 1;
      for (let c = 0; c < PALETTE.length; c++) {
        const from = g.catStart[c], to = g.catStart[c + 1];
        if (from === to) continue;
        lc.beginPath();
        let any = false;
        for (let j = from; j < to; j++) {
          const i = g.byCat[j];
          if (!vis[i] || dim[i] !== want) continue;
          const r = rs[i] * u;
          if (r < squares) lc.rect(sx[i] - r, sy[i] - r, r * 2, r * 2);
          else {
            lc.moveTo(sx[i] + r, sy[i]);
            lc.arc(sx[i], sy[i], r, 0, TAU);
          }
          any = true;
        }
        if (any) {
          lc.fillStyle = PALETTE[c];
          lc.fill();
        }
      }
    }
    lc.globalAlpha = 1;
    Object.assign(scene, { base, view: viewKey, coarse: interacting && (frac < 1 || squares > 1.2), time: performance.now(), cx, cy, s });
    canvas.dataset.edges = String(count);
    canvas.dataset.edgesDrawn = String(drawn);
  }

  /** Marks the view as moving: cheaper frames until it has been still for IDLE_MS. */
  function moving() {
    // the scene on screen counts as fresh when a movement starts: its first frames are cheap
    if (!interacting) scene.time = performance.now();
    interacting = true;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      interacting = false;
      if (scene.coarse || moved) schedule();
      moved = false;
    }, IDLE_MS);
  }

  const schedule = frameScheduler(draw);

  // ---- hit testing
  function hit(px, py, slop) {
    const s = scale();
    if (!s) return -1;
    const u = unit();
    const wx = cx + (px - size.w / 2) / s;
    const wy = cy + (py - size.h / 2) / s;
    const { G, gw, gh, cellStart, cellNodes } = g.grid;
    const maxR = (2.4 * 8 + slop) / s;
    const c0 = clamp(Math.floor((wx - maxR - x0) / gw), 0, G - 1), c1 = clamp(Math.floor((wx + maxR - x0) / gw), 0, G - 1);
    const r0 = clamp(Math.floor((wy - maxR - y0) / gh), 0, G - 1), r1 = clamp(Math.floor((wy + maxR - y0) / gh), 0, G - 1);
    let best = -1, bestD = Infinity;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = c + r * G;
        for (let j = cellStart[cell]; j < cellStart[cell + 1]; j++) {
          const i = cellNodes[j];
          const dx = (g.x[i] - wx) * s, dy = (g.y[i] - wy) * s;
          const d = Math.sqrt(dx * dx + dy * dy);
          const lim = Math.max(g.rs[i] * u, 3) + slop;
          if (d <= lim && d - lim < bestD) {
            bestD = d - lim;
            best = i;
          }
        }
      }
    }
    return best;
  }

  function setHover(i) {
    if (i === hovered) return;
    hovered = i;
    near.fill(0);
    if (i >= 0) {
      near[i] = 1;
      for (let j = g.nbStart[i]; j < g.nbStart[i + 1]; j++) near[g.nb[j]] = 1;
    }
    canvas.classList.toggle("is-over-node", i >= 0);
    schedule();
  }

  function zoomAt(px, py, factor) {
    const s = scale();
    if (!s) return;
    const wx = cx + (px - size.w / 2) / s;
    const wy = cy + (py - size.h / 2) / s;
    k = clamp(k * factor, kMin, kMax);
    const s2 = scale();
    cx = wx - (px - size.w / 2) / s2;
    cy = wy - (py - size.h / 2) / s2;
    moving();
    schedule();
  }

  function panBy(dx, dy) {
    const s = scale();
    if (!s) return;
    cx -= dx / s;
    cy -= dy / s;
    moving();
    schedule();
  }

  const local = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  };

  // ---- pointer: hover, drag to pan, pinch to zoom, click to open
  const pointers = new Map();
  let downAt = null;
  let dragged = false;
  let pinch = null;

  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse" && ev.button === 1) {
      // middle click: the note in a new tab
      const p = local(ev);
      const i = hit(p[0], p[1], 2);
      if (i >= 0 && g.url[i]) {
        ev.preventDefault();
        window.open(g.url[i], "_blank", "noopener");
      }
      return;
    }
    if (ev.pointerType === "mouse" && ev.button !== 0) return;
    keyboardMode = false;
    canvas.setPointerCapture(ev.pointerId);
    pointers.set(ev.pointerId, local(ev));
    if (pointers.size === 1) {
      downAt = local(ev);
      dragged = false;
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { d: Math.hypot(a[0] - b[0], a[1] - b[1]) || 1, mx: (a[0] + b[0]) / 2, my: (a[1] + b[1]) / 2 };
      dragged = true;
    }
  });
  canvas.addEventListener("pointermove", (ev) => {
    const p = local(ev);
    if (!pointers.has(ev.pointerId)) {
      if (ev.pointerType !== "touch") setHover(hit(p[0], p[1], 2));
      return;
    }
    const prev = pointers.get(ev.pointerId);
    pointers.set(ev.pointerId, p);
    if (pointers.size >= 2 && pinch) {
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a[0] - b[0], a[1] - b[1]) || 1;
      const mx = (a[0] + b[0]) / 2, my = (a[1] + b[1]) / 2;
      panBy(mx - pinch.mx, my - pinch.my);
      zoomAt(mx, my, d / pinch.d);
      pinch = { d, mx, my };
      return;
    }
    if (!dragged && downAt && Math.hypot(p[0] - downAt[0], p[1] - downAt[1]) > 4) {
      dragged = true;
      canvas.classList.add("is-dragging");
      setHover(-1);
    }
    if (dragged) panBy(p[0] - prev[0], p[1] - prev[1]);
  });
  const up = (ev) => {
    if (!pointers.has(ev.pointerId)) return;
    pointers.delete(ev.pointerId);
    if (pointers.size < 2) pinch = null;
    if (pointers.size > 0) return;
    canvas.classList.remove("is-dragging");
    if (ev.type === "pointerup" && !dragged) {
      const p = local(ev);
      const i = hit(p[0], p[1], ev.pointerType === "touch" ? 10 : 2);
      if (i >= 0 && g.url[i]) navigate(g.url[i], ev);
    }
    downAt = null;
  };
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);
  canvas.addEventListener("pointerleave", (ev) => {
    if (!pointers.has(ev.pointerId)) setHover(-1);
  });
  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const unitPx = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? size.h : 1;
      const p = local(ev);
      zoomAt(p[0], p[1], Math.exp(clamp(-ev.deltaY * unitPx * 0.0015, -1, 1)));
      if (!pointers.size) setHover(-1);
    },
    { passive: false },
  );

  // ---- keyboard: +/- zoom, arrows pan, 0 resets, Enter opens the node under the crosshair
  function keyboardPick() {
    const i = hit(size.w / 2, size.h / 2, 24);
    setHover(i);
    live.textContent = i >= 0 ? g.title[i] : "";
    schedule();
  }
  canvas.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const step = (ev.shiftKey ? 0.35 : 0.12) * Math.min(size.w, size.h);
    let handled = true;
    switch (ev.key) {
      case "+": case "=": zoomAt(size.w / 2, size.h / 2, 1.25); break;
      case "-": case "_": zoomAt(size.w / 2, size.h / 2, 0.8); break;
      case "ArrowLeft": panBy(step, 0); break;
      case "ArrowRight": panBy(-step, 0); break;
      case "ArrowUp": panBy(0, step); break;
      case "ArrowDown": panBy(0, -step); break;
      case "0": case "Home":
        cx = (x0 + x1) / 2; cy = (y0 + y1) / 2; k = 1; schedule(); break;
      case "Enter":
        if (hovered >= 0 && g.url[hovered]) navigate(g.url[hovered], ev);
        break;
      case "Escape": setHover(-1); keyboardMode = false; schedule(); return;
      default: handled = false;
    }
    if (!handled) return;
    ev.preventDefault();
    keyboardMode = true;
    if (ev.key !== "Enter") keyboardPick();
  });
  canvas.addEventListener("focus", () => {
    let kb = false;
    try {
      kb = canvas.matches(":focus-visible");
    } catch {
      /* old browser */
    }
    if (kb && !pointers.size) {
      keyboardMode = true;
      keyboardPick();
    }
  });
  canvas.addEventListener("blur", () => {
    if (keyboardMode) {
      keyboardMode = false;
      setHover(-1);
      schedule();
    }
  });

  watchSize(canvas, schedule);
  themeListeners.add(() => {
    labelW.fill(-1);
    schedule();
  });

  // a tiny hook for tests and debugging
  window.__kbGraph = {
    nodes: n,
    /** CSS-pixel position of node i in the viewport (clientX/clientY), and its URL. */
    nodeScreenPos(i) {
      const r = canvas.getBoundingClientRect();
      const s = scale();
      return { x: r.left + size.w / 2 + (g.x[i] - cx) * s, y: r.top + size.h / 2 + (g.y[i] - cy) * s, url: g.url[i], title: g.title[i] };
    },
    /** Draws now, synchronously (normally drawing waits for the next animation frame); fresh: redraw the edges too. */
    draw(opts) {
      if (opts && opts.fresh) scene.base = "";
      draw();
    },
    get zoom() {
      return k;
    },
  };
  draw();
}

// ---------------------------------------------------------------------------------------------
// local graph

function hashString(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A small force layout: node 0 pinned at the centre, deterministic for a given seed. */
export function layoutLocal(n, edges, hop, seed, ticks = 200) {
  const rnd = mulberry32(seed);
  const x = new Float64Array(n), y = new Float64Array(n);
  const vx = new Float64Array(n), vy = new Float64Array(n);
  const deg = new Float64Array(n);
  for (const [a, b] of edges) {
    deg[a]++;
    deg[b]++;
  }
  const ring = [[], [], [], []];
  for (let i = 1; i < n; i++) ring[clamp(hop[i] | 0, 1, 3)].push(i);
  for (let h = 1; h < ring.length; h++) {
    const list = ring[h];
    const off = rnd() * TAU;
    list.forEach((i, j) => {
      const a = off + (j / list.length) * TAU + (rnd() - 0.5) * 0.3;
      x[i] = Math.cos(a) * h * (0.9 + rnd() * 0.2);
      y[i] = Math.sin(a) * h * (0.9 + rnd() * 0.2);
    });
  }
  let alpha = 1;
  const decay = 1 - Math.pow(0.001, 1 / ticks);
  for (let t = 0; t < ticks; t++) {
    // repulsion between all pairs (n <= ~40)
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let dx = x[j] - x[i], dy = y[j] - y[i];
        let d2 = dx * dx + dy * dy;
        if (d2 < 1e-6) {
          dx = (rnd() - 0.5) * 1e-3;
          dy = (rnd() - 0.5) * 1e-3;
          d2 = dx * dx + dy * dy;
        }
        const f = (0.35 * alpha) / d2;
        vx[i] -= dx * f; vy[i] -= dy * f;
        vx[j] += dx * f; vy[j] += dy * f;
      }
    }
    // springs
    for (const [a, b] of edges) {
      const dx = x[b] - x[a], dy = y[b] - y[a];
      const d = Math.sqrt(dx * dx + dy * dy) || 1e-3;
      const want = a === 0 || b === 0 ? 1 : 1.2;
      const f = ((d - want) / d) * alpha * 0.5 / Math.max(1, Math.min(deg[a], deg[b]));
      const bias = deg[a] / (deg[a] + deg[b]);
      vx[a] += dx * f * (1 - bias); vy[a] += dy * f * (1 - bias);
      vx[b] -= dx * f * bias; vy[b] -= dy * f * bias;
    }
    // gravity toward the centre, then move
    for (let i = 0; i < n; i++) {
      vx[i] -= x[i] * 0.04 * alpha;
      vy[i] -= y[i] * 0.04 * alpha;
      vx[i] *= 0.6;
      vy[i] *= 0.6;
      x[i] += vx[i];
      y[i] += vy[i];
    }
    x[0] = y[0] = vx[0] = vy[0] = 0;
    alpha += (0 - alpha) * decay;
  }
  return { x, y };
}

/**
 * A note's local graph from its pack (see `local_graph_packs` in src/render/mod.rs) as
 * `{nodes: [[title, url, category, hop], ..], edges}`; empty when the pack lacks the note.
 */
export function localFromPack(pack, key) {
  const rows = pack && Array.isArray(pack.nodes) ? pack.nodes : [];
  // a row is [title, folder, rest of the URL, category], the folders listed once in `dirs`
  const dirs = pack && Array.isArray(pack.dirs) ? pack.dirs : [];
  const g = pack && pack.notes && Object.prototype.hasOwnProperty.call(pack.notes, key) ? pack.notes[key] : null;
  if (!g || !Array.isArray(g.nodes)) return { nodes: [], edges: [] };
  const nodes = [];
  for (const n of g.nodes) {
    const r = Array.isArray(n) && Array.isArray(rows[n[0]]) ? rows[n[0]] : null;
    if (r) nodes.push([r[0], String(dirs[r[1]] ?? "") + r[2], r[3], n[1]]);
  }
  return { nodes, edges: nodes.length === g.nodes.length && Array.isArray(g.edges) ? g.edges : [] };
}

const packs = new Map(); // pack URL -> Promise<pack | null>

/** Fetches a note's local graph when its box comes near the viewport (once per pack). */
function initLocal(box) {
  const canvas = box.querySelector("canvas.graph-canvas");
  if (!canvas) return;
  const src = box.dataset.src || "";
  const key = box.dataset.key || "";
  const start = () => {
    if (!src) return drawLocal(box, canvas, { nodes: [], edges: [] });
    let p = packs.get(src);
    if (!p) {
      p = fetch(src, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
      packs.set(src, p);
    }
    p.then((pack) => drawLocal(box, canvas, localFromPack(pack, key)));
  };
  if (!("IntersectionObserver" in window)) return start();
  const io = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        start();
      }
    },
    { rootMargin: "400px" },
  );
  io.observe(box);
}

function drawLocal(box, canvas, data) {
  const raw = Array.isArray(data.nodes) ? data.nodes : [];
  const n = raw.length;
  if (n <= 1) {
    const p = document.createElement("p");
    p.className = "local-graph-empty muted";
    p.textContent = TXT.none;
    canvas.replaceWith(p);
    box.classList.add("is-empty");
    return;
  }
  const title = raw.map((r) => String(r[0] ?? ""));
  const url = raw.map((r) => String(r[1] ?? ""));
  const cat = raw.map((r) => ((r[2] | 0) % PALETTE.length + PALETTE.length) % PALETTE.length);
  const hop = raw.map((r, i) => (i === 0 ? 0 : Math.max(1, r[3] | 0)));
  const seen = new Set();
  const edges = [];
  for (const e of Array.isArray(data.edges) ? data.edges : []) {
    let a = e && e[0], b = e && e[1];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n || a === b) continue;
    if (a > b) [a, b] = [b, a];
    const key = a * n + b;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push([a, b]);
  }
  const nbs = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    nbs[a].push(b);
    nbs[b].push(a);
  }

  const ctx = canvas.getContext("2d");
  canvas.setAttribute("aria-hidden", "true"); // the same links are in the page (backlinks, body)
  let pos = null;
  let size = { w: 0, h: 0 };
  let sx = new Float64Array(n), sy = new Float64Array(n);
  const rad = hop.map((h) => (h === 0 ? 6.5 : h === 1 ? 4.5 : 3));
  let hovered = -1;

  function draw() {
    size = fitCanvas(canvas, ctx);
    const { w, h } = size;
    ctx.clearRect(0, 0, w, h);
    if (w < 2 || h < 2) return;
    if (!pos) pos = layoutLocal(n, edges, hop, hashString(url[0]));
    // fit the layout into the canvas
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, pos.x[i]); x1 = Math.max(x1, pos.x[i]);
      y0 = Math.min(y0, pos.y[i]); y1 = Math.max(y1, pos.y[i]);
    }
    const padX = 14, padTop = 10, padBottom = 22;
    const s = Math.min((w - 2 * padX) / Math.max(x1 - x0, 1e-6), (h - padTop - padBottom) / Math.max(y1 - y0, 1e-6));
    const ox = w / 2 - ((x0 + x1) / 2) * s;
    const oy = padTop + (h - padTop - padBottom) / 2 - ((y0 + y1) / 2) * s;
    for (let i = 0; i < n; i++) {
      sx[i] = pos.x[i] * s + ox;
      sy[i] = pos.y[i] * s + oy;
    }
    const near = new Uint8Array(n);
    if (hovered >= 0) {
      near[hovered] = 1;
      for (const j of nbs[hovered]) near[j] = 1;
    }

    ctx.lineWidth = 1;
    ctx.strokeStyle = theme.fg;
    ctx.globalAlpha = hovered >= 0 ? 0.08 : 0.16;
    ctx.beginPath();
    for (const [a, b] of edges) {
      ctx.moveTo(sx[a], sy[a]);
      ctx.lineTo(sx[b], sy[b]);
    }
    ctx.stroke();
    const hl = hovered >= 0 ? hovered : 0;
    ctx.globalAlpha = hovered >= 0 ? 0.85 : 0.45;
    ctx.strokeStyle = theme.accent;
    ctx.lineWidth = hovered >= 0 ? 1.5 : 1;
    ctx.beginPath();
    for (const j of nbs[hl]) {
      ctx.moveTo(sx[hl], sy[hl]);
      ctx.lineTo(sx[j], sy[j]);
    }
    ctx.stroke();

    for (let i = n - 1; i >= 0; i--) {
      if (i === 0) {
        // a gap between the current note and its ring
        ctx.globalAlpha = 1;
        ctx.beginPath();
        ctx.arc(sx[0], sy[0], rad[0] + 4, 0, TAU);
        ctx.fillStyle = theme.bgSoft;
        ctx.fill();
      }
      ctx.globalAlpha = hovered >= 0 && !near[i] ? 0.25 : hop[i] >= 2 ? 0.7 : 1;
      ctx.beginPath();
      ctx.arc(sx[i], sy[i], rad[i], 0, TAU);
      ctx.fillStyle = i === 0 ? theme.accent : PALETTE[cat[i]];
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.arc(sx[0], sy[0], rad[0] + 3, 0, TAU);
    ctx.strokeStyle = theme.accent;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    if (hovered > 0) {
      ctx.beginPath();
      ctx.arc(sx[hovered], sy[hovered], rad[hovered] + 2.5, 0, TAU);
      ctx.stroke();
    }

    // labels: the current note, then its direct links (or the hovered node's neighbours)
    const boxes = new LabelBoxes();
    if (hovered >= 0) boxes.add(sx[hovered] - 90, sy[hovered] - rad[hovered] - 40, sx[hovered] + 90, sy[hovered] - rad[hovered]);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = theme.bg;
    const order = [];
    for (let i = 0; i < n; i++) if (i !== hovered && (hovered >= 0 ? near[i] : hop[i] <= 1)) order.push(i);
    order.sort((a, b) => hop[a] - hop[b] || nbs[b].length - nbs[a].length || a - b);
    for (const i of order) {
      const bold = i === 0;
      ctx.font = `${bold ? "600 " : ""}11px ${theme.font}`;
      const text = shorten(title[i], 22);
      const tw = ctx.measureText(text).width;
      const lx = clamp(sx[i], tw / 2 + 2, w - tw / 2 - 2);
      const ly = sy[i] + rad[i] + 2;
      const bx0 = lx - tw / 2 - 1, bx1 = lx + tw / 2 + 1, by1 = ly + 13;
      if (!boxes.fits(bx0, ly, bx1, by1)) continue;
      boxes.add(bx0, ly, bx1, by1);
      ctx.fillStyle = bold ? theme.fg : theme.fgSoft;
      haloText(ctx, text, lx, ly);
    }
    if (hovered >= 0) drawTag(ctx, w, h, sx[hovered], sy[hovered], rad[hovered], shorten(title[hovered], 40), "");
    canvas.dataset.draws = String((+canvas.dataset.draws || 0) + 1);
  }
  const schedule = frameScheduler(draw);

  function hit(px, py) {
    let best = -1, bestD = Infinity;
    for (let i = 0; i < n; i++) {
      const d = Math.hypot(sx[i] - px, sy[i] - py);
      if (d <= rad[i] + 5 && d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }
  const local = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  };
  canvas.addEventListener("pointermove", (ev) => {
    if (ev.pointerType === "touch") return;
    const [px, py] = local(ev);
    const i = hit(px, py);
    if (i !== hovered) {
      hovered = i;
      canvas.classList.toggle("is-over-node", i >= 0);
      schedule();
    }
  });
  canvas.addEventListener("pointerleave", () => {
    if (hovered !== -1) {
      hovered = -1;
      canvas.classList.remove("is-over-node");
      schedule();
    }
  });
  canvas.addEventListener("click", (ev) => {
    const [px, py] = local(ev);
    const i = hit(px, py);
    if (i > 0 && url[i]) navigate(url[i], ev);
  });

  watchSize(canvas, schedule);
  themeListeners.add(schedule);
  schedule();
}

// ---------------------------------------------------------------------------------------------

/** This page's address as the local-graph packs key it (decoded, ending in `/`). */
function pageKey() {
  let p = location.pathname.replace(/index\.html$/, "");
  try {
    p = decodeURIComponent(p);
  } catch {
    /* keep it encoded: it then matches nothing, and the box says so */
  }
  return p;
}

/**
 * A note's local-graph box, beside the note: made here, as only this script draws it (without
 * it the page has no empty box); `src` is its pack, empty for a note without neighbours.
 */
function localBox(side, src) {
  const label = (window.KB_STRINGS || {}).local_graph || "Local graph";
  const box = document.createElement("section");
  box.className = "local-graph-box";
  box.setAttribute("aria-label", label);
  const title = document.createElement("p");
  title.className = "toc-title";
  title.textContent = label;
  const view = document.createElement("div");
  view.className = "local-graph";
  view.dataset.src = src;
  view.dataset.key = pageKey();
  const canvas = document.createElement("canvas");
  canvas.className = "graph-canvas";
  view.append(canvas);
  box.append(title, view);
  side.append(box);
}

function init() {
  for (const v of document.querySelectorAll(".graph-view[data-src]")) initGlobal(v);
  for (const side of document.querySelectorAll(".note-side[data-graph]")) {
    if (!side.querySelector(".local-graph")) localBox(side, side.dataset.graph);
  }
  for (const b of document.querySelectorAll(".local-graph[data-src]")) initLocal(b);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init, { once: true });
else init();
