"""MkDocs hook: a block whose output changes from run to run (a timing) is run by the site's build.

A python block followed by the comment

    <!--expected-output-at-build-->

is run on its own from the repository root, and the comment is replaced by what it printed, in a
text fence, with the day it was measured. So a timing on the page is always one a build measured,
never one typed in. pytest-codeblocks runs the same block (and its asserts) in the tests; the
comment is invisible to it. A block that fails is a warning, which fails `mkdocs build --strict`.

What a block printed is recorded in data/runs/at-build.json, under a key of the block's code and
the package's sources (rnn/). A build that finds its key there shows the record instead of running
the block again, so that `mkdocs serve` answers at once, on a fresh clone too, and shows an edited
page at once. A change to the block or to any file of rnn/ changes its key: the next build or serve
measures it again and rewrites the record, to be committed with the change. To measure every block
again, delete the record and build. tests/test_shown_outputs.py fails when the record is out of date.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))  # the repository's programs, whose reader of fences the site shares
from fences import AT_BUILD, fences  # noqa: E402

log = logging.getLogger("mkdocs.hooks.run_at_build")

RECORD = ROOT / "data" / "runs" / "at-build.json"
HEADER = {"_": "What each block shown at build printed, by a key of its code and rnn/: written by "
               "docs/overrides/hooks/run_at_build.py when a build measures a block."}


def run(code: str) -> str:
    """What the block prints, run on its own from the repository root."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed")
    return result.stdout


def package_digest(root: Path = ROOT) -> str:
    """A digest of every source file of the package, which the blocks import."""
    digest = hashlib.sha256()
    for path in sorted((root / "rnn").rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def key(code: str, package: str) -> str:
    return hashlib.sha256(f"{package}\0{code}".encode()).hexdigest()[:16]


def read_record(path: Path = RECORD) -> dict:
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    entries.pop("_", None)
    return entries


def write_record(entries: dict, path: Path = RECORD) -> None:
    """Written whole through a unique temporary name, so a stopped build never leaves half a record."""
    text = json.dumps(HEADER | dict(sorted(entries.items())), indent=1, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temporary, path)


def today() -> str:
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def expand(markdown: str, page: str, recorded: dict, shown: dict, package: str, run=run) -> str:
    """markdown with what each block shown at build prints below it: recorded[key] when there, else
    what a new run prints. shown gets the entry of every block shown (new runs included)."""
    lines = markdown.split("\n")
    blocks = [fence for fence in fences(markdown, page) if fence.at_build and fence.info == "python"]
    for fence in reversed(blocks):  # from the bottom up, so that earlier line numbers hold
        marker = fence.end
        while lines[marker].strip() != AT_BUILD:
            marker += 1
        entry_key = key(fence.code, package)
        entry = recorded.get(entry_key)
        if entry is None:
            try:
                entry = {"page": page, "measured": today(), "output": run(fence.code)}
            except Exception as error:  # noqa: BLE001 - any failure is reported, and fails --strict
                log.warning("%s: a block shown at build failed: %s", page, error)
                entry = {"output": f"(this block failed when the site was built: {error})\n"}
        indent = lines[marker][: len(lines[marker]) - len(lines[marker].lstrip())]
        shown_lines = ["```text", *entry["output"].rstrip("\n").split("\n"), "```"]
        if "measured" in entry:
            shown[entry_key] = entry
            shown_lines += ["", f"<small>Measured on {entry['measured']}, by a build of this code.</small>"]
        lines[marker:marker + 1] = [indent + row if row else "" for row in shown_lines]
    if sum(line.strip() == AT_BUILD for line in lines):
        log.warning("%s: %s must follow a python block", page, AT_BUILD)
    return "\n".join(lines)


_recorded: dict = {}  # the record as read before this build
_shown: dict = {}  # the entries of the blocks this build has shown
_package = ""
_dirty = False


def on_startup(command, dirty):
    global _dirty
    _dirty = dirty  # `mkdocs serve --dirty` builds only the pages that changed


def on_pre_build(config):
    global _recorded, _package
    _recorded, _package = read_record(), package_digest()
    _shown.clear()


def on_page_markdown(markdown, page, config, files):
    if AT_BUILD not in markdown:
        return markdown
    return expand(markdown, "docs/" + page.file.src_uri, _recorded, _shown, _package)


def on_post_build(config):
    entries = (_recorded | _shown) if _dirty else _shown
    if entries != _recorded:
        write_record(entries)
