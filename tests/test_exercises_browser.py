"""The Common bugs page and the exercises, in headless Chromium, offline.

The site is built once and served by the fixtures of tests/conftest.py, and every request off
127.0.0.1 is refused and remembered. The Common bugs page's blocks (each bug's check failing on
the bug, then passing on the fix) are run with every other block of the book by
tests/test_site.py's test_every_block_runs_in_the_browser, against their verified outputs. On each concept
page, the exercise's Check must say Pass for the book's answer typed into the block, and give the
right hint for a common mistake: the same verdicts rnn.exercises.grade gives in CPython
(tests/test_exercises.py), here from the page's Python in WebAssembly.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from conftest import DESKTOP, ROOT, _is_local, _tab, load_module
from test_exercises import EXERCISES, WRONG
from test_site import RUN_TIMEOUT_MS, page_path

notebooks = load_module(ROOT / "docs" / "overrides" / "hooks" / "notebooks.py", "notebooks_hook")


@pytest.fixture
def tab(browser):
    """1280 px, light; fails the test if the page asked anything of another host."""
    context, tab = _tab(browser, DESKTOP, "light")
    elsewhere = []
    tab.on("request", lambda request: None if _is_local(request.url)
           else elsewhere.append(request.url))
    yield tab
    context.close()
    assert elsewhere == [], f"requests off 127.0.0.1: {elsewhere}"


def code_lines(code: str) -> list[str]:
    return [line for line in code.splitlines() if line.strip()]


def verdict(tab, exercise, source: str) -> str:
    """Types source into the exercise's block, presses Check, and returns the verdict."""
    editor = exercise.locator("textarea")
    if editor.count() == 0:
        exercise.locator(".run-bar").get_by_role("button", name="Edit").click()
    editor.fill(source)
    exercise.get_by_role("button", name=re.compile("^Check")).click()
    shown = exercise.locator(".exercise-verdict")
    tab.wait_for_function("(el) => el.dataset.verdict && el.dataset.verdict !== 'busy'",
                          arg=shown.element_handle(), timeout=RUN_TIMEOUT_MS)
    return shown.text_content()


@pytest.mark.parametrize("page, name, start, answer", EXERCISES, ids=[e[1] for e in EXERCISES])
def test_check_passes_the_answer_and_hints_at_a_mistake(tab, base_url, page, name, start, answer):
    tab.goto(base_url + page_path(f"{page}.md"), wait_until="load")
    exercise = tab.locator(f'.exercise[data-exercise="{name}"]')
    # the book's answer, in the collapsed box that follows the exercise
    shown = tab.locator(f'.exercise[data-exercise="{name}"] + details code').text_content()
    assert code_lines(shown) == code_lines(answer)
    assert verdict(tab, exercise, answer).startswith("Pass: ")
    wrong, hint = WRONG[name][0]
    said = verdict(tab, exercise, wrong)
    assert said.startswith("Not yet: ") and hint in said, said


@pytest.mark.parametrize("source", notebooks.CONCEPT_PAGES)
def test_each_concept_page_links_its_notebook(base_url, source):
    url = base_url + page_path(source)
    with urllib.request.urlopen(url) as response:
        html = response.read().decode()
    name = source.removesuffix(".md") + ".ipynb"
    assert f'<a href="{name}" download>Download this page as a Jupyter notebook</a>' in html
    with urllib.request.urlopen(url + name) as response:
        nb = json.loads(response.read())
    assert nb["nbformat"] == 4 and any(c["cell_type"] == "code" for c in nb["cells"])

