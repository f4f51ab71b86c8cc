"""MkDocs hook: a block whose output changes from run to run (a timing) is run when the site is built.

A python block followed by the comment

    <!--expected-output-at-build-->

is run from the repository root while the page is built, and the comment is replaced by what it
printed, in a text fence, marked as measured at build time. So a timing on the page is always one
this build measured, never one typed in. pytest-codeblocks runs the same block (and its asserts)
in the tests; the comment is invisible to it. A block that fails is a warning, which fails
`mkdocs build --strict`.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.run_at_build")

ROOT = Path(__file__).resolve().parents[3]
MARKER = "<!--expected-output-at-build-->"

def run(code: str) -> str:
    """What the block prints, run on its own from the repository root."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed")
    return result.stdout


def expand(markdown: str, page: str, run=run) -> str:
    lines = markdown.split("\n")
    out = []
    for line in lines:
        if line.strip() != MARKER:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        close = len(out) - 1
        while close >= 0 and not out[close].strip():
            close -= 1
        opening = close - 1
        while opening >= 0 and out[opening].strip() != "```python":
            opening -= 1
        if close < 0 or out[close].strip() != "```" or opening < 0:
            log.warning("%s: %s must follow a python block", page, MARKER)
            continue
        code = "".join(row[len(indent):] + "\n" for row in out[opening + 1:close])
        try:
            output = run(code)
        except Exception as error:  # noqa: BLE001 - any failure is reported, and fails --strict
            log.warning("%s: a block shown at build failed: %s", page, error)
            output = f"(this block failed when the site was built: {error})\n"
        out += [indent + "```text", *(indent + row for row in output.rstrip("\n").split("\n")),
                indent + "```", "", indent + "<small>Measured when this page was built.</small>"]
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    return expand(markdown, "docs/" + page.file.src_uri)
