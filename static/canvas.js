// kb default theme: pan and zoom for canvas pages. The page already holds the whole picture
// (an SVG in the canvas's units, readable without this script); this only moves its viewBox:
// drag or arrow keys to pan, the wheel, a pinch or +/- to zoom, 0 or the Fit button to see
// everything. Nothing is loaded from elsewhere and no inline style is written (CSP).

const MIN = 0.05;
const MAX = 4;
const STEP = 1.25;
const KEY_PAN = 60; // CSS pixels per arrow key press
const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);

function setup(fig) {
  const port = fig.querySelector(".canvas-viewport");
  const svg = fig.querySelector(".canvas-svg");
  if (!port || !svg) return;
  const [bx, by, bw, bh] = (svg.dataset.bounds || "0 0 400 200").split(" ").map(Number);
  fig.classList.add("live");
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", "100%");
  const tools = fig.parentElement.querySelector(".canvas-tools");
  if (tools) tools.hidden = false;
  // the view: the canvas point at the top left corner, and CSS pixels per canvas unit
  const view = { x: bx, y: by, scale: 1 };
  const size = () => [port.clientWidth || 1, port.clientHeight || 1];
  const draw = () => {
    const [w, h] = size();
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${w / view.scale} ${h / view.scale}`);
    svg.dataset.scale = view.scale.toFixed(4);
  };
  const fit = () => {
    const [w, h] = size();
    view.scale = clamp(Math.min(w / bw, h / bh, 1), MIN, MAX);
    view.x = bx - (w / view.scale - bw) / 2;
    view.y = by - (h / view.scale - bh) / 2;
    draw();
  };
  // zoom by `f` keeping the canvas point under (px, py) (pixels from the viewport's corner) still
  const zoom = (f, px, py) => {
    const [w, h] = size();
    if (px === undefined) [px, py] = [w / 2, h / 2];
    const s = clamp(view.scale * f, MIN, MAX);
    view.x += px / view.scale - px / s;
    view.y += py / view.scale - py / s;
    view.scale = s;
    draw();
  };
  const pan = (dx, dy) => {
    view.x -= dx / view.scale;
    view.y -= dy / view.scale;
    draw();
  };
  const local = (e) => {
    const r = port.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };

  port.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const [px, py] = local(e);
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
      zoom(Math.exp((-e.deltaY * unit) / 400), px, py);
    },
    { passive: false },
  );

  // pointers: one drags the view, two pinch it; a press that does not move stays a click
  const pointers = new Map();
  let moved = false;
  let pinch = null;
  port.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    pointers.set(e.pointerId, local(e));
    moved = false;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { d: Math.hypot(a[0] - b[0], a[1] - b[1]) || 1 };
    }
  });
  port.addEventListener("pointermove", (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) return;
    const now = local(e);
    if (pointers.size === 2 && pinch) {
      pointers.set(e.pointerId, now);
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a[0] - b[0], a[1] - b[1]) || 1;
      zoom(d / pinch.d, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
      pinch.d = d;
      moved = true;
      return;
    }
    const dx = now[0] - last[0];
    const dy = now[1] - last[1];
    if (!moved && Math.hypot(dx, dy) < 4) return;
    if (!moved) {
      moved = true;
      port.classList.add("dragging");
      port.setPointerCapture(e.pointerId);
    }
    pointers.set(e.pointerId, now);
    pan(dx, dy);
  });
  const up = (e) => {
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
    if (pointers.size === 0) port.classList.remove("dragging");
  };
  port.addEventListener("pointerup", up);
  port.addEventListener("pointercancel", up);
  // a drag that ends over a link does not follow it
  port.addEventListener(
    "click",
    (e) => {
      if (moved) {
        e.preventDefault();
        e.stopPropagation();
        moved = false;
      }
    },
    true,
  );

  port.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const keys = {
      ArrowLeft: () => pan(KEY_PAN, 0),
      ArrowRight: () => pan(-KEY_PAN, 0),
      ArrowUp: () => pan(0, KEY_PAN),
      ArrowDown: () => pan(0, -KEY_PAN),
      "+": () => zoom(STEP),
      "=": () => zoom(STEP),
      "-": () => zoom(1 / STEP),
      _: () => zoom(1 / STEP),
      0: fit,
    };
    const act = keys[e.key];
    if (act) {
      e.preventDefault();
      act();
    }
  });
  if (tools) {
    tools.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-zoom]");
      if (!b) return;
      ({ in: () => zoom(STEP), out: () => zoom(1 / STEP), fit })[b.dataset.zoom]();
    });
  }
  // a card reached with Tab is brought into view
  port.addEventListener("focusin", (e) => {
    const card = e.target.closest("foreignObject");
    if (!card) return;
    const [w, h] = size();
    const x = Number(card.getAttribute("x"));
    const y = Number(card.getAttribute("y"));
    const cw = Number(card.getAttribute("width"));
    const ch = Number(card.getAttribute("height"));
    const inside =
      x >= view.x && y >= view.y && x + cw <= view.x + w / view.scale && y + ch <= view.y + h / view.scale;
    if (!inside) {
      view.x = x + cw / 2 - w / view.scale / 2;
      view.y = y + ch / 2 - h / view.scale / 2;
      draw();
    }
    // the browser scrolls a focused element into view; the view moves instead
    port.scrollTop = 0;
    port.scrollLeft = 0;
  });
  new ResizeObserver(() => draw()).observe(port);
  fit();
}

for (const fig of document.querySelectorAll("figure[data-canvas]")) setup(fig);
