"""A figure in a page's prose is what the page's own code computes, and the site shows that figure.

Prose writes a measured figure as `{{ value("expression", "format") }}` (scripts/page_values.py);
data/runs/page-values.json records the text, and the site's hook writes it into the page.
"""

import json
from pathlib import Path

import pytest
from conftest import ROOT, load_module


page_values = load_module(ROOT / "scripts" / "page_values.py")
RECORDED = json.loads(page_values.RECORD.read_text())


@pytest.mark.parametrize("page", page_values.pages(), ids=page_values.key)
def test_prose_figures_are_what_the_page_computes(page):
    recorded = RECORDED.get(page_values.key(page), {})
    computed = page_values.compute(page)
    drifted = [
        f'{{{{ value("{expression}", "{spec}") }}}}: the prose says {recorded.get(expression, {}).get(spec)!r}, '
        f"the code gives {text!r}"
        for expression, texts in computed.items()
        for spec, text in texts.items()
        if recorded.get(expression, {}).get(spec) != text
    ]
    assert not drifted, f"{page_values.key(page)}: " + "; ".join(drifted) + " (python scripts/page_values.py)"


def test_every_recorded_page_still_has_its_macros():
    pages = {page_values.key(page) for page in page_values.pages()}
    assert set(RECORDED) - {"_"} == pages


def test_a_page_whose_code_moved_on_is_caught(tmp_path, monkeypatch):
    page = tmp_path / "docs" / "page.md"
    page.parent.mkdir()
    page.write_text('```python\nx = 0.123\n```\n\nAbout {{ value("x", ".0%") }} of it.\n')
    monkeypatch.setattr(page_values, "ROOT", tmp_path)
    assert page_values.compute(page) == {"x": {".0%": "12%"}}
    page.write_text(page.read_text().replace("0.123", "0.5"))
    assert page_values.compute(page) == {"x": {".0%": "50%"}}  # no longer the recorded 12%


def test_the_site_writes_the_recorded_text_and_warns_on_a_missing_one():
    missing = []
    out = page_values.expand('a {{ value("x", ".0%") }} and {{ value("y", "d") }}', {"x": {".0%": "12%"}},
                             missing.append)
    assert out == 'a 12% and {{ value("y", "d") }}'
    assert missing == ['{{ value("y", "d") }}']


def test_a_notebook_whose_code_moved_on_is_caught(tmp_path):
    """A figure in a notebook's Markdown cell is what the code cells above it compute."""
    notebook = tmp_path / "nb.ipynb"

    def write(x):
        cells = [
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": [f"x = {x}\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": ['About {{ value("x", ".0%") }} of it.']},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": ["y = 2 * x\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": ['Then {{ value("y", ".2f") }}, defined below.']},
        ]
        notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))

    write(0.123)
    assert page_values.compute(notebook) == {"x": {".0%": "12%"}, "y": {".2f": "0.25"}}
    write(0.5)
    assert page_values.compute(notebook) == {"x": {".0%": "50%"}, "y": {".2f": "1.00"}}
