"""Count the in-place blocks that print, and how many of them show what they print; write the outputs.

    python scripts/shown_outputs.py                    # one line per page, then the totals
    python scripts/shown_outputs.py --list             # also every printing block that shows nothing
    python scripts/shown_outputs.py --update PAGE...   # run each printing block of PAGE, write its output

A block shows its output when an `<!--pytest-codeblocks:expected-output-->` fence follows it:
pytest-codeblocks then runs the block and fails unless it prints exactly that text. `--update` is
how that text is made: it runs the block and writes (or rewrites) the fence below it. Read the
diff before committing it: a changed output is a changed result. A block whose output changes
from run to run (a timing) is followed by `<!--expected-output-at-build-->` instead, and the site's hook
(docs/overrides/hooks/run_at_build.py) runs it and shows its output when the page is built.
"""

import contextlib
import io
import os
import re
import sys
from pathlib import Path

from pytest_codeblocks.main import extract_from_file

ROOT = Path(__file__).resolve().parent.parent
PRINTS = re.compile(r"\bprint\(")
BUILD_MARKER = "<!--expected-output-at-build-->"  # docs/overrides/hooks/run_at_build.py


def printing_blocks(docs=ROOT / "docs"):
    """(page, line, how) for every run-in-place python block that calls print.

    how is "checked" (an expected-output fence follows), "at build" (a <!--expected-output-at-build-->
    comment follows: the site's hook runs it when the page is built) or None (not shown).
    """
    rows = []
    for page in sorted(docs.rglob("*.md")):
        lines = page.read_text().split("\n")
        for block in extract_from_file(page):
            if block.syntax == "python" and PRINTS.search(block.code):
                after = fence_end(lines, block.lineno - 1) + 1
                while after < len(lines) and not lines[after].strip():
                    after += 1
                following = lines[after].strip() if after < len(lines) else ""
                how = ("checked" if block.expected_output is not None
                       else "at build" if following == BUILD_MARKER else None)
                rows.append((page.relative_to(docs.parent).as_posix(), block.lineno, how))
    return rows


def run(code):
    """What a block prints, run as pytest-codeblocks runs it (from the repository root)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<block>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def fence_end(lines, start):
    """The index of the line closing the fence opened at lines[start]."""
    opening = lines[start].lstrip()
    ticks = opening[:len(opening) - len(opening.lstrip("`"))]
    end = start + 1
    while not lines[end].lstrip().startswith(ticks):
        end += 1
    return end


def update(page):
    """Run every printing block of page and write what it prints into the fence below it."""
    lines = page.read_text().split("\n")
    blocks = [b for b in extract_from_file(page) if b.syntax == "python" and PRINTS.search(b.code)]
    for block in reversed(blocks):  # from the bottom up, so earlier line numbers stay valid
        start = block.lineno - 1
        end = fence_end(lines, start)
        after = end + 1
        while after < len(lines) and not lines[after].strip():
            after += 1
        if lines[after].strip() == BUILD_MARKER:
            continue  # shown by the site's build, not here
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        output = [indent + line if line else "" for line in run(block.code).rstrip("\n").split("\n")]
        shown = [indent + "<!--pytest-codeblocks:expected-output-->", "",
                 indent + "```text", *output, indent + "```"]
        if "pytest-codeblocks:expected-output" in lines[after]:
            fence = after + 1
            while not lines[fence].strip():
                fence += 1
            lines[end + 1:fence_end(lines, fence) + 1] = ["", *shown]
        else:
            lines[end + 1:end + 1] = ["", *shown]
    page.write_text("\n".join(lines))


def main(argv):
    if argv[:1] == ["--update"]:
        os.chdir(ROOT)
        for page in argv[1:]:
            update(Path(page).resolve())
        argv = []
    rows = printing_blocks()
    pages = sorted({page for page, _, _ in rows})
    for page in pages:
        hows = [how for p, _, how in rows if p == page]
        print(f"{page:28} {hows.count('checked'):3} checked + {hows.count('at build'):3} at build"
              f" of {len(hows):3} printing")
    hows = [how for *_, how in rows]
    print(f"{'total':28} {hows.count('checked'):3} checked + {hows.count('at build'):3} at build"
          f" of {len(hows):3} printing")
    if "--list" in argv:
        for page, line, how in rows:
            if how is None:
                print(f"  not shown: {page}:{line}")


if __name__ == "__main__":
    main(sys.argv[1:])
