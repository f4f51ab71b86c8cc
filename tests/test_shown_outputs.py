"""Every in-place block that prints shows the reader what it printed.

Either a pytest-codeblocks expected-output fence follows it (pytest checks the text), or, for a
block whose output changes from run to run (a timing), `<!--expected-output-at-build-->` does and the site's
hook runs the block when the page is built (docs/overrides/hooks/run_at_build.py).
"""

import logging
from pathlib import Path
from conftest import ROOT, load_module


shown_outputs = load_module(ROOT / "scripts" / "shown_outputs.py")
run_at_build = load_module(ROOT / "docs" / "overrides" / "hooks" / "run_at_build.py")


def test_every_block_that_prints_shows_its_output():
    unshown = [f"{page}:{line}" for page, line, how in shown_outputs.printing_blocks() if how is None]
    assert not unshown, "blocks that print what no reader sees:\n" + "\n".join(unshown)


def test_the_count_sees_a_block_that_prints_and_shows_nothing(tmp_path):
    (tmp_path / "page.md").write_text(
        "```python\nprint(1)\n```\n\n<!--pytest-codeblocks:expected-output-->\n\n```text\n1\n```\n\n"
        "```python\nprint(2)\n```\n\n<!--expected-output-at-build-->\n\n```python\nprint(3)\n```\n"
    )
    rows = shown_outputs.printing_blocks(tmp_path)
    assert [how for *_, how in rows] == ["checked", "at build", None]


def test_a_block_shown_at_build_shows_what_it_printed_when_the_page_is_built():
    page = "Text.\n\n```python\nprint(6 * 7)\n```\n\n<!--expected-output-at-build-->\n\nMore text.\n"
    built = run_at_build.expand(page, "page.md")
    assert "```python\nprint(6 * 7)\n```\n\n```text\n42\n```" in built
    assert "<!--expected-output-at-build-->" not in built and built.endswith("More text.\n")


def test_a_block_that_fails_at_build_is_a_warning(caplog):
    page = "```python\nraise SystemExit('no data')\n```\n\n<!--expected-output-at-build-->\n"
    with caplog.at_level(logging.WARNING):
        run_at_build.expand(page, "page.md")
    assert "page.md: a block shown at build failed: no data" in caplog.text
