"""MkDocs hook: a block whose output changes from run to run (a timing) is run by the site's build.

A python block followed by the comment

    <!--expected-output-at-build-->

is run on its own from the repository root, and the comment is replaced by what it printed, in a
text fence, with the day it was measured. So a timing on the page is always one a build measured,
never one typed in. pytest-codeblocks runs the same block (and its asserts) in the tests; the
comment is invisible to it. A block that fails is a warning, which fails `mkdocs build --strict`.

What a block printed is recorded in data/runs/at-build.json, under a key of the block's code and
the package's sources (rnn/), as the notebooks' execution is keyed. A build that finds the key
there shows the record instead of running the block again; a change to the block or to any file
of rnn/ changes the key, and `mkdocs build` measures the block again and rewrites the record, to
be committed with the change. To measure every block again, delete the record and build.

`mkdocs serve` never runs these blocks, so that it answers at once, on a fresh clone too, and
shows a saved page at once: where the record has no entry for today's code, it shows the last one
recorded for that block of the page, saying it was measured on an earlier version of the code.
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
    sys.path.insert(0, str(ROOT / "scripts"))  # the programs' folder: the site reads fences as they do
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


def measured(code: str, page: str, n: int, run=run) -> dict:
    """The record's entry for the page's nth block shown at build, from a new run of it."""
    try:
        return {"page": page, "block": n, "measured": today(), "output": run(code)}
    except Exception as error:  # noqa: BLE001 - any failure is reported, and fails --strict
        log.warning("%s: a block shown at build failed: %s", page, error)
        return {"output": f"(this block failed when the site was built: {error})\n"}


def earlier(recorded: dict, page: str, n: int) -> dict:
    """The entry last recorded for the page's nth block shown at build, whatever its code."""
    found = [entry for entry in recorded.values() if (entry.get("page"), entry.get("block")) == (page, n)]
    return found[0] if found else {"output": "(not measured yet: `mkdocs build` runs this block)\n"}


def expand(markdown: str, page: str, recorded: dict, shown: dict, package: str, run=run,
           measure: bool = True) -> str:
    """markdown with what each block shown at build prints below it: the output recorded under
    its key, or else what a new run prints (measure) or the output last recorded for that block of
    the page (not measure). shown gets the entries of today's code."""
    lines = markdown.split("\n")
    blocks = [fence for fence in fences(markdown, page) if fence.at_build and fence.info == "python"]
    for n, fence in reversed(list(enumerate(blocks, 1))):  # bottom up, so that line numbers hold
        marker = fence.end
        while lines[marker].strip() != AT_BUILD:
            marker += 1
        entry_key = key(fence.code, package)
        entry, stale = recorded.get(entry_key), False
        if entry is None and measure:
            entry = measured(fence.code, page, n, run)
        elif entry is None:
            entry, stale = earlier(recorded, page, n), True
        shown_lines = ["```text", *entry["output"].rstrip("\n").split("\n"), "```"]
        if "measured" in entry:
            if not stale:
                shown[entry_key] = entry
            how = ("on an earlier version of this code (`mkdocs build` measures it again)" if stale
                   else "by a build of this code")
            shown_lines += ["", f"<small>Measured on {entry['measured']}, {how}.</small>"]
        indent = lines[marker][: len(lines[marker]) - len(lines[marker].lstrip())]
        lines[marker:marker + 1] = [indent + row if row else "" for row in shown_lines]
    if sum(line.strip() == AT_BUILD for line in lines):
        log.warning("%s: %s must follow a python block", page, AT_BUILD)
    return "\n".join(lines)


_recorded: dict = {}  # the record as read before this build
_shown: dict = {}  # the entries of the blocks this build has shown for today's code
_package = ""
_command, _dirty = "build", False


def on_startup(command, dirty):
    global _command, _dirty
    _command, _dirty = command, dirty  # `--dirty` builds only the pages that changed


def on_pre_build(config):
    global _recorded, _package
    _recorded, _package = read_record(), package_digest()
    _shown.clear()


def on_page_markdown(markdown, page, config, files):
    if AT_BUILD not in markdown:
        return markdown
    return expand(markdown, "docs/" + page.file.src_uri, _recorded, _shown, _package,
                  measure=_command != "serve")


def on_post_build(config):
    if _command == "serve":
        return  # it measured nothing
    entries = (_recorded | _shown) if _dirty else _shown
    if entries != _recorded:
        write_record(entries)
