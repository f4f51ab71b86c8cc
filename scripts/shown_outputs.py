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

from fences import fences, page_fences

ROOT = Path(__file__).resolve().parent.parent
PRINTS = re.compile(r"\bprint\(")


def printing(found):
    """(fence, the fence after it or None) for every in-place python fence that calls print."""
    return [(fence, following) for fence, following in zip(found, [*found[1:], None])
            if fence.info == "python" and not fence.is_output and PRINTS.search(fence.code)]


def printing_blocks(docs=ROOT / "docs"):
    """(page, line, how) for every run-in-place python block that calls print.

    how is "checked" (an expected-output fence follows), "at build" (a <!--expected-output-at-build-->
    comment follows: the site's hook runs it when the page is built) or None (not shown).
    """
    rows = []
    for page in sorted(docs.rglob("*.md")):
        for fence, following in printing(page_fences(page)):
            how = ("checked" if following is not None and following.is_output
                   else "at build" if fence.at_build else None)
            rows.append((page.relative_to(docs.parent).as_posix(), fence.line, how))
    return rows


def run(code):
    """What a block prints, run as pytest-codeblocks runs it (from the repository root)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<block>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def update(page):
    """Run every printing block of page and write what it prints into the fence below it."""
    text = page.read_text()
    lines = text.split("\n")
    for fence, following in reversed(printing(fences(text, str(page)))):  # bottom up: line numbers hold
        if fence.at_build:
            continue  # shown by the site's build, not here
        output = [fence.indent + line if line else "" for line in run(fence.code).rstrip("\n").split("\n")]
        shown = [fence.indent + "<!--pytest-codeblocks:expected-output-->", "",
                 fence.indent + "```text", *output, fence.indent + "```"]
        # fence.end is the 1-based line of the closing ```, so the 0-based index just after it
        replaced = following.end if following is not None and following.is_output else fence.end
        lines[fence.end:replaced] = ["", *shown]
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
