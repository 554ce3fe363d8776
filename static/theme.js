// Applies the saved light/dark choice before the page paints (kept tiny and blocking on purpose).
(function () {
  try {
    var t = localStorage.getItem("kb-theme");
    if (t === "light" || t === "dark") document.documentElement.setAttribute("data-theme", t);
  } catch (e) { /* storage disabled */ }
})();
