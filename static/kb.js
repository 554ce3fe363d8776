// kb default theme behaviour: theme toggle and copy-link on heading anchors.
// Pages read fine without it; nothing here is needed to navigate.

const root = document.documentElement;

function currentTheme() {
  const set = root.getAttribute("data-theme");
  if (set) return set;
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** The header's theme toggle: made here, as it does nothing without this script. */
function themeToggle() {
  const tools = document.querySelector(".header-tools");
  if (!tools) return null;
  const label = (window.KB_STRINGS || {}).toggle_theme || "Toggle light/dark mode";
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "theme-toggle";
  btn.setAttribute("aria-label", label);
  btn.title = label;
  const icon = document.createElement("span");
  icon.setAttribute("aria-hidden", "true");
  btn.append(icon);
  tools.append(btn);
  return btn;
}

function setupThemeToggle() {
  // a theme whose header still holds the button keeps it
  const btn = document.querySelector(".theme-toggle") || themeToggle();
  if (!btn) return;
  btn.hidden = false;
  const sync = () => btn.setAttribute("aria-pressed", String(currentTheme() === "dark"));
  sync();
  btn.addEventListener("click", () => {
    const next = currentTheme() === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem("kb-theme", next); } catch (e) { /* ignore */ }
    sync();
  });
}

function setupCopyLinks() {
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest && ev.target.closest("a.anchor[href]");
    if (!a) return;
    const url = new URL(a.getAttribute("href"), location.href).href;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(() => {
        a.classList.add("copied");
        setTimeout(() => a.classList.remove("copied"), 1200);
      }, () => {});
    }
  });
}

setupThemeToggle();
setupCopyLinks();
