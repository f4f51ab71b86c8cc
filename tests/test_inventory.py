"""Every fence in the book is verified: tangled into rnn/, run in place by pytest-codeblocks, or not code.

pytest-codeblocks runs only fences whose info string is exactly `python`, `sh` or `bash`, and silently
ignores the rest: a fence written `py` or `python linenums="1"` would look tested and never run. This
inventory is the only thing that notices.
"""

import sys
from pathlib import Path

from fences import fences, page_fences

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RUN_IN_PLACE = {"python", "bash", "sh"}
NOT_CODE = {"text", "console", "latex", "tsv", "diff"}  # output, transcripts, changes: never run
GRADED = 'python title="The book\'s answer"'  # an exercise's answer: tests/test_exercises.py grades it
MAX_SKIPS = 3


def pages():
    return sorted(p for p in DOCS.rglob("*.md") if "imgs" not in p.parts and "javascripts" not in p.parts)


def inventory():
    rows = []
    for page in pages():
        for fence in page_fences(page):
            skipped = any("skip" in mark for mark in fence.marks)
            if fence.tangled_into:
                kind = "tangled"
            elif fence.info in RUN_IN_PLACE and fence.ticks.startswith("`"):  # pytest-codeblocks reads ``` only
                kind = "skipped" if skipped else "run in place"
            elif fence.info in NOT_CODE or fence.is_output:
                kind = "not code"
            elif fence.info == GRADED:
                kind = "graded"
            else:
                kind = "unverified"
            rows.append((page.relative_to(ROOT).as_posix(), fence.line, fence.info, kind, fence.marks))
    return rows


def test_every_fence_is_tangled_run_in_place_or_not_code():
    unverified = [f"{page}:{line} ```{info}" for page, line, info, kind, _ in inventory() if kind == "unverified"]
    assert not unverified, "fences that nothing runs or tangles:\n" + "\n".join(unverified)


def test_skips_are_rare_and_give_a_reason():
    skips = [(page, line, marks) for page, line, _, kind, marks in inventory() if kind == "skipped"]
    assert len(skips) <= MAX_SKIPS, skips
    for page, line, marks in skips:
        assert any("reason=" in mark for mark in marks), f"{page}:{line} is skipped without a reason"


def test_every_concept_page_has_tangled_code_and_runnable_checks():
    kinds = {}
    for page, _, _, kind, _ in inventory():
        kinds.setdefault(page, set()).add(kind)
    for page in ["cell", "loss", "bptt", "clipping", "initialization", "adagrad", "sampling", "model", "dataset"]:
        assert {"tangled", "run in place"} <= kinds.get(f"docs/{page}.md", set()), page


def test_the_inventory_flags_a_fence_pytest_codeblocks_would_ignore(tmp_path, monkeypatch):
    page = tmp_path / "docs" / "page.md"
    page.parent.mkdir()
    page.write_text("```py\nassert False\n```\n\n```python\nassert True\n```\n\n~~~python\nassert False\n~~~\n")
    monkeypatch.setattr(sys.modules[__name__], "DOCS", page.parent)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    kinds = [kind for *_, kind, _ in inventory()]
    assert kinds == ["unverified", "run in place", "unverified"]


MAX_CODE_LINE = 88  # what a 1280 px screen shows of a code block (docs/stylesheets/extra.css)


def long_code_lines(text):
    """(line number, length) of every code line longer than MAX_CODE_LINE, without the fence's indentation.

    A fence that pytest-codeblocks compares with a program's output is left out: its lines are
    what the program prints, and rewrapping them would misquote it.
    """
    return [(fence.line + 1 + k, len(line)) for fence in fences(text) if not fence.is_output
            for k, line in enumerate(fence.lines) if len(line) > MAX_CODE_LINE]


def test_code_lines_fit_a_desktop_screen():
    long = [
        f"{page.relative_to(ROOT).as_posix()}:{number} has {length} characters"
        for page in pages()
        for number, length in long_code_lines(page.read_text(encoding="utf-8"))
    ]
    assert not long, f"code lines longer than {MAX_CODE_LINE} characters:\n" + "\n".join(long)


def test_a_long_line_is_found_in_an_indented_fence_but_not_in_checked_output():
    long = "y" * 89
    page = (
        f"{long}\n\n!!! note\n    ```python\n    x = 1\n    {long}\n    ```\n\n"
        f"<!--pytest-codeblocks:expected-output-->\n\n```text\n{long}\n```\n\n```text\n{long}\n```\n"
    )
    assert [number for number, _ in long_code_lines(page)] == [6, 16]


def control_characters(text):
    """(line, character) of every control character but the newline: a tab, or what a Python
    string made of a backslash it was given, as "\\t" in "\\top" and "\\b" in "\\beta"."""
    return [(number, hex(ord(c))) for number, line in enumerate(text.split("\n"), 1)
            for c in line if ord(c) < 32 or ord(c) == 127]  # split: splitlines() eats \f and \r


def test_no_page_holds_a_control_character():
    found = [f"{page.relative_to(ROOT).as_posix()}:{number} has {c}"
             for page in pages()  # bytes: read_text would turn a "\r" (from "\right") into "\n"
             for number, c in control_characters(page.read_bytes().decode("utf-8"))]
    assert not found, "control characters (use \\\\ or a raw string where a page is edited by a script):\n" + \
        "\n".join(found)


def test_a_backslash_eaten_by_a_python_string_is_found():
    assert control_characters("$(W_x + b)^\top$, $\beta$,\n$\frac{1}{2}$\n") == [
        (1, "0x9"), (1, "0x8"), (2, "0xc")]
    assert control_characters(r"$(W_x + b)^\top$, $\beta$, $\frac{1}{2}$" + "\n") == []
