"""The Common bugs page shows real changes to the book's code, each caught by its check.

Each bug's block on docs/common-bugs.md plants the bug with `mutant`, runs its check on the bug
and on the book's code, and asserts that the first fails and the second passes; pytest-codeblocks
runs those blocks. This file checks what the blocks cannot: that the page has its bugs, that
each diff shown is the book's code on its minus lines and the planted bug on its plus lines,
and that `mutant` refuses a change the book's code does not contain.
"""

import ast
import json
import re

import pytest
from pytest_codeblocks import extract_from_file

from conftest import ROOT, load_module
from rnn import bptt
from rnn.checks import gradient_error, mutant, rnn_with
from rnn.model import RNN

PAGE = ROOT / "docs" / "common-bugs.md"
BOOK = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "rnn").glob("*.py")))
SECTION = re.compile(r"^## (\d+)\. (.+)$", re.M)
DIFF = re.compile(r"^```diff\n(.*?)^```$", re.M | re.S)


def bugs():
    """(title, diff text, code of the first python block) of each numbered section."""
    text = PAGE.read_text(encoding="utf-8")
    starts = [(m.start(), m.group(2)) for m in SECTION.finditer(text)]
    blocks = [b for b in extract_from_file(PAGE) if b.syntax == "python"]
    found = []
    for (start, title), (end, _) in zip(starts, starts[1:] + [(len(text), "")]):
        first, last = text[:start].count("\n") + 1, text[:end].count("\n") + 1
        diff = DIFF.search(text, start, end)
        code = next((b.code for b in blocks if first < b.lineno < last), None)
        found.append((title, diff and diff.group(1), code))
    return found


def test_the_page_holds_at_least_eight_bugs_each_with_a_diff_and_a_check():
    found = bugs()
    assert len(found) >= 8
    for title, diff, code in found:
        assert diff and code, f"{title}: a diff and a block that checks it"
        assert "mutant(" in code and 'assert ok == (name == "fix")' in code or \
            '(error < 1e-6) == (name == "fix")' in code, f"{title}: the block asserts fail/pass"


def planted(code):
    """The (old, new) text of the first mutant() call in a block."""
    return all_planted(code)[0]


def all_planted(code):
    """The (old, new) text of every mutant() call in some code, strings evaluated in it."""
    tree = ast.parse(code)
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Constant, ast.BinOp)):
            try:
                names[node.targets[0].id] = eval(compile(ast.Expression(node.value), "", "eval"))
            except Exception:
                pass
    found = [tuple(eval(compile(ast.Expression(arg), "", "eval"), {}, names)
                   for arg in node.args[1:3])
             for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "mutant"]
    assert found, "no mutant() call"
    return found


@pytest.mark.parametrize("title, diff, code", bugs(), ids=[t for t, _, _ in bugs()])
def test_the_diff_is_the_book_before_and_the_planted_bug_after(title, diff, code):
    lines = diff.splitlines()
    before = [line[1:] for line in lines if not line.startswith("+")]
    after = [line[1:] for line in lines if not line.startswith("-")]
    for line in before:
        assert line in BOOK, f"{title}: {line.strip()!r} is not the book's code"
    old, new = planted(code)
    book, changed = flat("\n".join(before)), flat("\n".join(after))
    assert book.count(flat(old)) == 1, f"{title}: the diff does not show {old!r}"
    assert book.replace(flat(old), flat(new)) == changed, f"{title}: the diff is not the change"


def flat(text):
    """text without its indentation: mutant() takes a function's source dedented."""
    return "\n".join(line.strip() for line in text.splitlines())


def test_mutant_refuses_a_change_the_book_does_not_contain():
    with pytest.raises(ValueError, match="exactly once"):
        mutant(bptt.backward, "dhnext = Whh @ dhraw", "dhnext = Whh.T @ dhraw")


def test_the_gradient_check_needs_two_streams_on_one_character_to_see_the_fancy_index():
    """Bug 5 hides at batch one: the same planted change passes a one-stream check."""
    eye = "dWxh += dhraw @ np.eye(V, dtype=dhraw.dtype)[inputs[t]]"
    bug = rnn_with(backward=mutant(bptt.backward, eye, "dWxh[:, inputs[t]] += dhraw"))
    assert gradient_error(bug) > 1e-2 and gradient_error(RNN) < 1e-6


common_bugs = load_module(ROOT / "scripts" / "common_bugs.py")


def test_the_training_record_plants_the_pages_bugs():
    """scripts/common_bugs.py trains the bugs the page checks, the same text changed."""
    script = all_planted((ROOT / "scripts" / "common_bugs.py").read_text(encoding="utf-8"))
    for title, _, code in bugs():
        assert planted(code) in script, f"{title}: the script plants another change"


def test_the_record_is_of_the_pages_bugs_and_the_scripts_command():
    record = json.loads((ROOT / "data" / "runs" / "common-bugs.json").read_text())
    titles = [title for title, _, _ in bugs()]
    recorded = list(record["bits_per_character"])
    assert recorded == list(common_bugs.bugs())
    assert recorded[0] == "the book's code" and len(recorded) == len(titles) + 1
    for number, (title, recorded_title) in enumerate(zip(titles, recorded[1:]), 1):
        assert recorded_title.startswith(f"{number}. "), (title, recorded_title)
    assert record["command"] == f"python scripts/common_bugs.py --steps {record['steps']}"
