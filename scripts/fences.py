"""The one reader of the book's code fences.

The tangler (tangle.py), the inventory of fences (tests/test_inventory.py), the shown outputs
(shown_outputs.py, page_values.py) and the site's hooks see a page's code blocks through
`fences()`, so they cannot disagree on where a block starts, what it holds or how it is marked.
tests/test_fences.py checks that it reads every page as pytest-codeblocks, which runs the blocks,
does (but for one quirk of its own, said there).

Everything imports it by name, `import fences`: a script finds it beside itself, the tests through
pytest's `pythonpath` (pyproject.toml), and a site hook after putting scripts/ on sys.path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})(?P<info>.*)$")
COMMENT = re.compile(r"^<!--[-\s]*(?P<text>.*?)[-\s]*-->$")  # how pytest-codeblocks reads its marks
TANGLED = re.compile(r'^python\s+title="(?P<path>rnn/[\w/]+\.py)"$')
EXPECTED_OUTPUT = "pytest-codeblocks:expected-output"
AT_BUILD = "<!--expected-output-at-build-->"  # docs/overrides/hooks/run_at_build.py


class FenceError(ValueError):
    """A page whose fences cannot be read (one left open)."""


@dataclass(frozen=True)
class Fence:
    line: int  # 1-based line of the opening ```
    end: int  # 1-based line of the closing ```
    indent: str  # the opening's indentation (a fence inside an admonition or a list)
    ticks: str  # ``` or ~~~, as long as the opening's
    info: str  # what follows the ticks: python, python title="rnn/cell.py", text...
    lines: tuple[str, ...]  # the code, without the fence's indentation
    marks: tuple[str, ...]  # the HTML comments since the previous fence: pytest-codeblocks:skip...
    after: str  # the first line that is not blank after the closing ```, stripped

    @property
    def code(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    @property
    def tangled_into(self) -> str | None:
        """The package file this fence is cut into, or None for any other fence."""
        title = TANGLED.match(self.info)
        return title["path"] if title else None

    @property
    def is_output(self) -> bool:
        """Whether the fence holds what the block above it prints (pytest-codeblocks compares it)."""
        return any(mark.startswith(EXPECTED_OUTPUT) for mark in self.marks)

    @property
    def at_build(self) -> bool:
        """Whether the site's build runs this block and shows what it prints below it."""
        return self.after == AT_BUILD


def _closes(line: str, ticks: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(ticks) and not stripped.strip(ticks[0])


def fences(text: str, name: str = "<text>") -> list[Fence]:
    """Every fenced code block of a Markdown text, in order (name is for the error message)."""
    lines = text.split("\n")
    found, marks, i = [], [], 0
    while i < len(lines):
        comment = COMMENT.match(lines[i].strip())
        opening = OPENING.match(lines[i])
        if comment:
            marks.append(comment["text"])
        if not opening:
            i += 1
            continue
        indent, ticks = opening["indent"], opening["ticks"]
        j = i + 1
        while j < len(lines) and not _closes(lines[j], ticks):
            j += 1
        if j == len(lines):
            raise FenceError(f"{name}:{i + 1}: fence never closed")
        after = next((line.strip() for line in lines[j + 1:] if line.strip()), "")
        body = tuple(_dedent(line, len(indent)) for line in lines[i + 1:j])
        found.append(Fence(i + 1, j + 1, indent, ticks, opening["info"].strip(), body, tuple(marks), after))
        marks, i = [], j + 1
    return found


def _dedent(line: str, width: int) -> str:
    """line without (at most) the fence's indentation, as pytest-codeblocks cuts it."""
    return line[min(width, len(line) - len(line.lstrip())):]


def page_fences(page: Path) -> list[Fence]:
    page = page.resolve()
    name = page.relative_to(ROOT).as_posix() if page.is_relative_to(ROOT) else str(page)
    return fences(page.read_text(encoding="utf-8"), name)
