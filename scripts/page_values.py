"""Figures in a page's prose, computed by the page's own code: the `value` macro.

A page, or a notebook's Markdown cell, writes a measured figure in its prose as

    {{ value("ratio[25]", ".1%") }}

an expression and a format. The expression is evaluated after an in-place python block of the
page has run, in its namespace: the nearest block above the macro that defines every name in it
(then the blocks below, nearest first); in a notebook, after the code cells above the Markdown cell
have run, in turn (then the cells below, until its names are defined). The format is Python's format spec. This script runs the blocks and records every
macro's text in data/runs/page-values.json, the site's hook (docs/overrides/hooks/page_values.py)
writes the recorded text into the page, and tests/test_page_values.py fails, naming the page,
when a page's code no longer produces what its prose says.

    python scripts/page_values.py            # run the pages' blocks, rewrite the record
    python scripts/page_values.py --check    # only compare, exit 1 on a difference
"""

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "data" / "runs" / "page-values.json"
MACRO = re.compile(r'\{\{\s*value\("((?:[^"\\]|\\.)*)",\s*"([^"]*)"\)\s*\}\}')


def macros(text):
    """(line number, expression, format) of every value macro in a page's text."""
    found = []
    for lineno, line in enumerate(text.split("\n"), 1):
        found += [(lineno, m.group(1), m.group(2)) for m in MACRO.finditer(line)]
    return found


def markdown_cells(path):
    """(cell index, text) of each Markdown cell of a notebook."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]


def notebook_macros(path):
    """(cell index, expression, format) of every value macro in a notebook's Markdown cells."""
    return [(i, expression, spec) for i, text in markdown_cells(path) for _, expression, spec in macros(text)]


def pages():
    """The pages, and the notebooks, whose prose has a value macro."""
    found = [p for p in (ROOT / "docs").rglob("*.md") if macros(p.read_text())]
    found += [p for p in (ROOT / "docs").rglob("*.ipynb") if notebook_macros(p)]
    return sorted(found)


class Page:
    """A page's in-place python blocks, each run once (from the repository root) when first needed."""

    def __init__(self, path):
        from fences import page_fences  # the scripts' folder is on the path here, not in the site's hook

        self.path = Path(path)
        self.blocks = [f for f in page_fences(self.path) if f.info == "python" and not f.is_output]
        self.namespaces = {}

    def namespace(self, block):
        if block.line not in self.namespaces:
            namespace = self.namespaces[block.line] = {"__name__": "__main__"}
            cwd = Path.cwd()
            os.chdir(ROOT)  # the blocks read data/ relative to the root, as pytest-codeblocks runs them
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(block.code, f"{self.path.name}:{block.line}", "exec"), namespace)
            finally:
                os.chdir(cwd)
        return self.namespaces[block.line]

    def value(self, expression, lineno=0):
        """expression evaluated after the nearest block above lineno that defines its names."""
        above = [b for b in self.blocks if b.line < lineno][::-1]
        below = [b for b in self.blocks if b.line > lineno]
        for block in above + below:
            try:
                return eval(expression, self.namespace(block))
            except NameError:
                continue
        raise NameError(f"{self.path.name}:{lineno}: no block of the page defines {expression!r}")


class Notebook:
    """A notebook's code cells, run in turn in one namespace (from the notebook's folder, as
    Jupyter runs them), only as far as the macro being evaluated."""

    def __init__(self, path):
        self.path = Path(path)
        cells = json.loads(self.path.read_text(encoding="utf-8"))["cells"]
        self.cells = [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]
        self.namespace = {"__name__": "__main__"}
        self.ran = 0  # cells run so far

    def value(self, expression, index):
        """expression evaluated after the code cells above Markdown cell `index` have run, or after
        as many of the cells below as it takes to define its names."""
        self._run(lambda i: i < index)
        while True:
            try:
                return eval(expression, self.namespace)
            except NameError:
                if self.ran == len(self.cells):
                    raise NameError(f"{self.path.name}: no cell of the notebook defines {expression!r}") from None
                self._run(lambda i, next_cell=self.cells[self.ran][0]: i <= next_cell)

    def _run(self, wanted):
        import matplotlib

        matplotlib.use("Agg")  # the figures are drawn and dropped
        import matplotlib.pyplot as plt

        cwd = Path.cwd()
        os.chdir(self.path.parent)
        try:
            for i, code in self.cells[self.ran :]:
                if not wanted(i):
                    break
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(code, f"{self.path.name}, cell {i}", "exec"), self.namespace)
                plt.close("all")
                self.ran += 1
        finally:
            os.chdir(cwd)


def compute(page):
    """{expression: {format: text}} for every macro of page, from a fresh run of its blocks."""
    page, values = Path(page), {}
    if page.suffix == ".ipynb":
        run, found = Notebook(page), notebook_macros(page)
    else:
        run, found = Page(page), macros(page.read_text())
    for where, expression, spec in found:
        values.setdefault(expression, {})[spec] = format(run.value(expression, where), spec)
    return values


def expand(markdown, values, warn):
    """markdown with each macro written as its recorded text; warn(macro) for one not recorded."""

    def text(m):
        try:
            return values[m.group(1)][m.group(2)]
        except KeyError:
            warn(m.group(0))
            return m.group(0)

    return MACRO.sub(text, markdown)


def key(page):
    return page.relative_to(ROOT).as_posix()


def main(argv):
    computed = {key(page): compute(page) for page in pages()}
    recorded = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    recorded.pop("_", None)
    if "--check" in argv:
        if computed != recorded:
            print(f"{RECORD.relative_to(ROOT)} is out of date: run python scripts/page_values.py")
            return 1
        return 0
    header = {"_": "Generated by `python scripts/page_values.py` from the pages' own code: do not edit."}
    RECORD.write_text(json.dumps(header | computed, indent=1, ensure_ascii=False) + "\n")
    for page, values in computed.items():
        for expression, texts in values.items():
            for spec, text in texts.items():
                print(f"{page}: {expression} :{spec} -> {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
