// A box that scrolls sideways (a wide table, an equation, a notebook's
// printed output) can be reached with the Tab key and scrolled with the arrow
// keys, like the theme's code blocks: it gets tabindex="0" while it is wider
// than the screen, and a name for screen readers. Checked again when the
// window changes size, and on each page of the theme's instant navigation.
(() => {
  const BOXES = [
    ".md-typeset__scrollwrap",
    'mjx-container[display="true"]',
    ".highlight-ipynb",
    ".jp-RenderedText pre",
    ".jp-OutputArea-output pre",
  ].join(", ");

  function mark() {
    for (const box of document.querySelectorAll(BOXES)) {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
        box.dataset.scrollFocus = "";
        if (!box.hasAttribute("aria-label") && !box.closest("mjx-container")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", "Scrolls sideways");
        }
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    }
  }

  let pending = null;
  const later = () => {
    clearTimeout(pending);
    pending = setTimeout(mark, 100);
  };
  window.addEventListener("resize", later);
  // MathJax typesets after the page loads: mark its equations once it is done.
  const typeset = () => window.MathJax?.startup?.promise?.then(mark);
  if (window.document$) window.document$.subscribe(() => { mark(); typeset(); });
  else window.addEventListener("load", () => { mark(); typeset(); });
})();
