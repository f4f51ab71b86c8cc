"""MkDocs hooks for the clear-rnn site (registered under `hooks:` in mkdocs.yml).

1. Notebook pages: nbconvert's HTML template carries its own MathJax 2 loader
   (a `<script src=...>` plus a `text/x-mathjax-config` block) and a Mermaid
   loader that imports from a CDN. The site typesets notebook math with its
   own vendored MathJax 3 (docs/javascripts/mathjax.js), so both loaders are
   removed from the page.
2. Custom admonitions get a friendlier default title: `!!! shape` is titled
   "Shape check" and `!!! bug` "Common bug" (an explicit title is kept).
3. A guard: any page that would still load a script, stylesheet, image or
   frame from another host is reported as a warning, which fails
   `mkdocs build --strict`. The site must work offline.
4. `mkdocs serve` shows the notebooks without running them, so the first page
   answers in seconds, and keeps their pages in mkdocs-jupyter's cache
   (.cache/mkdocs-jupyter/), so a save does not convert them again;
   `mkdocs build` (and the tests, and CI) runs every one and fails on an
   error. `CLEAR_RNN_RUN_NOTEBOOKS=1 mkdocs serve` runs them too.
"""

from __future__ import annotations

import logging
import os
import re

log = logging.getLogger("mkdocs.hooks.clear_rnn")

# --- 1. notebook pages ------------------------------------------------------

_NB_MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->",
    re.DOTALL,
)
_NB_MERMAID = re.compile(
    r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded",'
    r'\s*async \(\) => \{\s*const diagrams = document\.querySelectorAll\("\.jp-Mermaid'
    r".*?</script>",
    re.DOTALL,
)


def _is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


# --- 2. default titles of the custom admonitions ---------------------------

DEFAULT_TITLES = {
    "shape": ("Shape", "Shape check"),
    "bug": ("Bug", "Common bug"),
}


def _retitle(html: str) -> str:
    for kind, (old, new) in DEFAULT_TITLES.items():
        # !!! kind      ->  <div class="admonition kind ..."><p class="admonition-title">Kind</p>
        html = re.sub(
            rf'(<div class="admonition {kind}(?: [^"]*)?">\s*<p class="admonition-title">)'
            rf"{old}(</p>)",
            rf"\g<1>{new}\g<2>",
            html,
        )
        # ??? kind / ???+ kind  ->  <details class="kind ..." [open]><summary>Kind</summary>
        html = re.sub(
            rf'(<details class="{kind}(?: [^"]*)?"[^>]*>\s*<summary>){old}(</summary>)',
            rf"\g<1>{new}\g<2>",
            html,
        )
    return html


# --- 3. offline guard -------------------------------------------------------

_TAG = re.compile(r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*>", re.I)
_ATTR = re.compile(r'\b(src|href|srcset)\s*=\s*(["\'])(.*?)\2', re.I | re.S)
_REL = re.compile(r'\brel\s*=\s*(["\'])(.*?)\1', re.I)
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)
# JavaScript/CSS that pulls code or styles from elsewhere at run time: `import(`, `@import` and
# `url(` before an address of another host. Each branch starts with its letter (`i(?<!\wi)` is
# `\bi`), so that the search jumps from one i, u or @ to the next instead of trying
# three branches at every character.
_REMOTE_CODE = re.compile(
    r"""(?:i(?<!\wi)mport\s*\(\s*|@import\s+(?:url\()?\s*|u(?<!\wu)rl\(\s*)["']?(?:https?:)?//""",
    re.I,
)
# <link rel=...> values that make the browser fetch the target.
_FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "manifest"}


def remote_resources(html: str) -> list[str]:
    """Every resource in `html` that the browser would fetch from another host."""
    found = []
    for tag in _TAG.finditer(html):
        name = tag.group(1).lower()
        attrs = {m.group(1).lower(): m.group(3) for m in _ATTR.finditer(tag.group(0))}
        if name == "link":
            rel = _REL.search(tag.group(0))
            rels = set(rel.group(2).lower().split()) if rel else set()
            if not rels & _FETCHING_RELS:
                continue  # canonical, alternate, ...: plain links, nothing is loaded
            urls = [attrs.get("href", "")]
        else:
            urls = [attrs.get("src", "")]
            urls += [u.split()[0] for u in attrs.get("srcset", "").split(",") if u.strip()]
        found += [f"<{name}> {u}" for u in urls if _REMOTE.match(u)]
    found += [f"inline code: {m.group(0)}..." for m in _REMOTE_CODE.finditer(html)]
    return found


# --- 4. notebooks are run by `mkdocs build`, not by `mkdocs serve` ----------

RUN_NOTEBOOKS = "CLEAR_RNN_RUN_NOTEBOOKS"
_NOT_RUN = (
    '<div class="admonition note"><p class="admonition-title">Not run</p>'
    "<p><code>mkdocs serve</code> shows this notebook without running it: "
    f"<code>{RUN_NOTEBOOKS}=1 mkdocs serve</code> or <code>mkdocs build</code> "
    "runs it and shows its output.</p></div>"
)
_command = "build"


def runs_notebooks(command: str) -> bool:
    """Whether `mkdocs <command>` runs the notebooks: always, except a plain serve."""
    wanted = os.environ.get(RUN_NOTEBOOKS, "").strip().lower() not in ("", "0", "false", "no")
    return command != "serve" or wanted


# --- hook entry points ------------------------------------------------------


def on_startup(command, dirty):
    global _command
    _command = command


def on_config(config):
    # mkdocs serve reloads the config on each change but calls on_startup once:
    # the command is kept in this module, which MkDocs loads once per process.
    if not runs_notebooks(_command):
        jupyter = config.plugins["mkdocs-jupyter"].config
        jupyter["execute"] = False
        # An unrun notebook's page depends on nothing but the notebook and these options, which
        # the plugin's cache key covers (rnn/ cannot change it): a save converts only what changed.
        jupyter["cache"] = True
    return config


def on_page_content(html, page, config, files):
    if _is_notebook(page):
        html = _NB_MATHJAX.sub("", html)
        html = _NB_MERMAID.sub("", html)
        if not runs_notebooks(_command):
            # After the notebook's title, or first if it has none.
            title_end = html.find("</h1>")
            at = title_end + len("</h1>") if title_end >= 0 else 0
            html = html[:at] + _NOT_RUN + html[at:]
    return _retitle(html)


def on_post_page(output, page, config):
    for resource in remote_resources(output):
        log.warning(
            "%s loads a resource from another host (the site must work offline): %s",
            page.file.src_uri,
            resource,
        )
    return output
