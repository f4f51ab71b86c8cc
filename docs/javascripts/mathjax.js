// MathJax 3 configuration for pymdownx.arithmatex (generic mode) and for the
// Markdown cells of notebooks rendered by mkdocs-jupyter.
//
// * Markdown pages: arithmatex wraps math in `.arithmatex` elements using the
//   \( ... \) and \[ ... \] delimiters.
// * Notebook pages: nbconvert leaves the notebook's own $ ... $ and $$ ... $$
//   untouched inside `.jp-RenderedMarkdown` (Markdown cells) and
//   `.jp-RenderedLatex` (text/latex outputs), so those are typeset too.
//
// Only those three kinds of element are searched for math. MathJax skips an
// element whose class matches ignoreHtmlClass unless it matches
// processHtmlClass, and an element without a class inherits its parent's
// verdict. So ".+" (any class) shuts out the whole theme (header, nav,
// article, code, notebook outputs...) while the paragraphs and list items
// inside a notebook Markdown cell, which have no class, are still searched.
// (mkdocs-material's documented ".*|" would also ignore those unclassed
// elements, which is fine for arithmatex's bare spans but not for notebooks.)
// A stray "$" in ordinary prose is therefore never mistaken for math.
//
// The library itself is vendored (javascripts/vendor/mathjax/tex-svg-full.js):
// no request ever leaves the site.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    // An undefined macro (a typo such as \tahn) is an error, shown as one and
    // caught by the browser test, rather than quietly printed in red.
    packages: { "[-]": ["noundefined"] }
  },
  options: {
    ignoreHtmlClass: ".+",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown|jp-RenderedLatex"
  }
};

// Re-typeset after every page change: mkdocs-material's instant navigation
// (if enabled) swaps the page content without reloading scripts. The first
// emission is the page MathJax is already typesetting on startup, so it is
// skipped; later ones wait for startup to finish before clearing and
// re-typesetting.
let firstDocument = true;
document$.subscribe(() => {
  if (firstDocument) {
    firstDocument = false;
    return;
  }
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) {
    return;
  }
  mj.startup.promise.then(() => {
    mj.startup.output.clearCache();
    mj.typesetClear();
    mj.texReset();
    return mj.typesetPromise();
  });
});
