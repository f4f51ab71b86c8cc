"""Every concept page, downloaded as a notebook, runs from top to bottom.

The notebooks are made as the site makes them (docs/overrides/hooks/notebooks.py, with the
figures of page_values.py written into the prose first) and run with nbclient from the root of
the repository. Each one's time is written to artifacts/notebook-times.txt.
"""

import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from conftest import ROOT, load_module

nbclient = pytest.importorskip("nbclient")  # the docs extra brings it, with mkdocs-jupyter

hooks = ROOT / "docs" / "overrides" / "hooks"
notebooks = load_module(hooks / "notebooks.py", "notebooks_hook")
page_values = load_module(hooks / "page_values.py", "page_values_hook")
SITE_URL = "https://clear-rnn.github.io/clear-rnn/"
TIMES = ROOT / "artifacts" / "notebook-times.txt"
CELL_TIMEOUT_S = 600
_times = {}


def make(source):
    page = SimpleNamespace(file=SimpleNamespace(src_uri=source))
    markdown = (ROOT / "docs" / source).read_text(encoding="utf-8")
    markdown = page_values.on_page_markdown(markdown, page, {}, None)
    return notebooks.notebook(markdown, source, source, SITE_URL)


def test_every_concept_page_in_the_nav_gets_a_notebook():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert all(f": {source}\n" in nav for source in notebooks.CONCEPT_PAGES)


def test_a_page_becomes_code_cells_and_text_with_links_to_the_site():
    nb = make("clipping.md")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata["title"] == "rnn/clip.py"
    assert "def clip_elementwise" in code[0].source
    text = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert f"]({SITE_URL}dhnext/)" in text and "](dhnext.md)" not in text
    assert nb.cells[0].source.startswith("*This notebook is the page")


def test_a_piece_of_a_class_is_shown_not_run():
    nb = make("model.md")
    shown = [c for c in nb.cells if c.cell_type == "markdown" and "    def loss(self" in c.source]
    assert shown and shown[0].source.startswith("```python\n")


@pytest.mark.parametrize("source", notebooks.CONCEPT_PAGES)
def test_the_notebook_runs(source):
    nb = make(source)
    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    _times[source] = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    assert sum(c.cell_type == "code" for c in nb.cells) >= 2
    nbformat.validate(nb)


def test_zz_write_the_times():
    """After the notebooks ran: one line each, in seconds (what a reader waits for)."""
    if not _times:
        pytest.skip("no notebook ran in this session")
    TIMES.parent.mkdir(exist_ok=True)
    lines = [f"{source:22} {seconds:6.1f} s" for source, seconds in _times.items()]
    TIMES.write_text("\n".join(lines) + f"\n{'total':22} {sum(_times.values()):6.1f} s\n")
    print("\n" + TIMES.read_text())
