"""MkDocs hook: write each `{{ value("expression", "format") }}` in a page as its recorded text.

The text comes from data/runs/page-values.json, which `python scripts/page_values.py` computes by
running the page's own blocks; tests/test_page_values.py fails when it no longer matches them.
A macro with no recorded text is a warning, so `mkdocs build --strict` fails on it.
"""

from __future__ import annotations

import importlib.util
import json
import logging
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
