"""MkDocs hook: write each `{{ value("expression", "format") }}` in a page as its recorded text.

Pages get it in their Markdown, notebooks in their rendered HTML and in the copy offered for
download.

The text comes from data/runs/page-values.json, which `python scripts/page_values.py` computes by
running the page's own blocks; tests/test_page_values.py fails when it no longer matches them.
A macro with no recorded text is a warning, so `mkdocs build --strict` fails on it.
"""

from __future__ import annotations

import html
import importlib.util
import json
import logging
import re
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.page_values")

_spec = importlib.util.spec_from_file_location(
    "page_values", Path(__file__).resolve().parents[3] / "scripts" / "page_values.py"
)
page_values = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(page_values)


def on_page_markdown(markdown, page, config, files):
    if not page_values.MACRO.search(markdown):
        return markdown
    key = "docs/" + page.file.src_uri
    values = json.loads(page_values.RECORD.read_text()).get(key, {})

    def warn(macro):
        log.warning("%s: %s has no recorded value: run python scripts/page_values.py", key, macro)

    return page_values.expand(markdown, values, warn)


# Notebook pages: mkdocs-jupyter renders their Markdown cells to HTML itself, where the macro's
# quotes (and a `<` in its expression) may come out as entities.
_HTML_MACRO = re.compile(
    r"\{\{\s*value\((?:&quot;|\")(.*?)(?:&quot;|\"),\s*(?:&quot;|\")([^\"&]*)(?:&quot;|\")\)\s*\}\}"
)


def _recorded(key):
    return json.loads(page_values.RECORD.read_text()).get(key, {})


def on_page_content(html_text, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html_text
    key = "docs/" + page.file.src_uri
    values = _recorded(key)

    def text(m):
        expression, spec = html.unescape(m.group(1)), html.unescape(m.group(2))
        try:
            return html.escape(values[expression][spec])
        except KeyError:
            log.warning("%s: %s has no recorded value: run python scripts/page_values.py", key, m.group(0))
            return m.group(0)

    return _HTML_MACRO.sub(text, html_text)


def on_post_build(config):
    """The notebooks offered for download say what their pages say: each macro as its text."""
    site = Path(config["site_dir"])
    for source in page_values.pages():
        if source.suffix != ".ipynb":
            continue
        values = _recorded(page_values.key(source))
        for copy in site.rglob(source.name):
            notebook = json.loads(copy.read_text(encoding="utf-8"))
            for cell in notebook["cells"]:
                if cell["cell_type"] == "markdown":
                    text = page_values.expand("".join(cell["source"]), values, lambda macro: None)
                    cell["source"] = text.splitlines(keepends=True)
            copy.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
