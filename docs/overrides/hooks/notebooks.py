"""MkDocs hook: every concept page can be downloaded as a Jupyter notebook, made from the page.

Registered under `hooks:` in mkdocs.yml, after page_values.py, so that the figures in the prose
are already written in. jupytext turns the page's Markdown into a notebook: each ```python
fence a code cell (a tangled one keeps its `title` as metadata, and runs too, so the notebook
defines what the page defines), the rest Markdown cells. A fence that is not a whole program,
such as a method of a class cut out of rnn/model.py, is shown as code in a Markdown cell. Links
to other pages and images point to the published site. The notebook is written next to the
page, as `<page>/<page>.ipynb`, and a link under the page's title downloads it.

`mkdocs serve` makes none, to answer sooner: the pages it shows have no download link.

tests/test_notebooks_download.py makes each notebook the same way and runs it.
"""

from __future__ import annotations

import ast
import html
import posixpath
import re

import jupytext
import nbformat

# The pages that explain one idea each, in the book's order.
CONCEPT_PAGES = [
    "dataset.md", "cell.md", "loss.md", "bptt.md", "tanh-derivative.md", "dhnext.md",
    "common-bugs.md", "clipping.md", "initialization.md", "adagrad.md", "sampling.md",
    "model.md", "lstm.md", "gru.md",
]
_LINK = re.compile(r"\]\((?!https?://|#)([^)\s]+)\)")

_notebooks: dict[str, nbformat.NotebookNode] = {}  # by the page's folder in the site
_serving = False


def page_url(site_url: str, source: str) -> str:
    """The published address of a page, from its file under docs/ (cell.md -> .../cell/)."""
    stem = posixpath.splitext(source)[0]
    return site_url + ("" if stem == "index" else stem + "/")


def absolute(link: str, site_url: str) -> str:
    """A link of a page of docs/, made absolute on the published site."""
    path, _, anchor = link.partition("#")
    url = page_url(site_url, path) if path.endswith(".md") else site_url + path
    return url + (f"#{anchor}" if anchor else "")


def notebook(markdown: str, source: str, title: str, site_url: str) -> nbformat.NotebookNode:
    """The page's Markdown as a notebook that runs from the root of a clone."""
    text = _LINK.sub(lambda m: f"]({absolute(m.group(1), site_url)})", markdown)
    nb = jupytext.reads(text, fmt="md")
    for cell in nb.cells:
        if cell.cell_type == "code":
            try:
                ast.parse(cell.source)
            except SyntaxError:  # a piece of a class: shown, not run
                cell.cell_type, cell.source = "markdown", f"```python\n{cell.source}\n```"
                for key in ("outputs", "execution_count"):
                    cell.pop(key, None)
                cell.metadata = {}
    intro = (
        f"*This notebook is the page [{title}]({page_url(site_url, source)}) of clear-rnn, "
        "made from it by jupytext when the site was built. Run it from the root of a clone of "
        "the repository, after `pip install -e .`: its cells read files under `data/`.*"
    )
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(intro))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata.pop("jupytext", None)
    return nb


def file_name(folder: str) -> str:
    """cell/ holds cell.ipynb."""
    return posixpath.basename(folder) + ".ipynb"


def on_startup(command, dirty):
    global _serving
    _serving = command == "serve"


def on_page_markdown(markdown, page, config, files):
    source = page.file.src_uri
    if source in CONCEPT_PAGES and not _serving:
        folder = posixpath.dirname(page.file.dest_uri)
        _notebooks[folder] = notebook(markdown, source, page.title or source,
                                      config["site_url"])
    return markdown


def on_page_content(html_text, page, config, files):
    folder = posixpath.dirname(page.file.dest_uri)
    if folder not in _notebooks:
        return html_text
    link = (f'<p class="notebook-download"><a href="{html.escape(file_name(folder))}" '
            "download>Download this page as a Jupyter notebook</a></p>")
    return html_text.replace("</h1>", "</h1>" + link, 1)


def on_post_build(config):
    for folder, nb in _notebooks.items():
        nbformat.write(nb, posixpath.join(config["site_dir"], folder, file_name(folder)))
