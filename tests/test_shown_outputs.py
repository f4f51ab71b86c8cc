"""Every in-place block that prints shows the reader what it printed.

Either a pytest-codeblocks expected-output fence follows it (pytest checks the text), or, for a
block whose output changes from run to run (a timing), `<!--expected-output-at-build-->` does and the site's
hook runs the block when the page is built (docs/overrides/hooks/run_at_build.py), or shows what a
build of the same code and package recorded (data/runs/at-build.json); `mkdocs serve` runs none.
"""

import logging

import shown_outputs
from conftest import ROOT, load_module

run_at_build = load_module(ROOT / "docs" / "overrides" / "hooks" / "run_at_build.py")

TIMED = "Text.\n\n```python\nprint(6 * 7)\n```\n\n<!--expected-output-at-build-->\n\nMore text.\n"


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


def test_update_writes_what_a_block_prints_below_it_and_rewrites_it_when_it_changes(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("!!! note\n    ```python\n    print(6 * 7)\n    ```\n\nAfter.\n")
    shown_outputs.update(page)
    shown = "    <!--pytest-codeblocks:expected-output-->\n\n    ```text\n    42\n    ```\n"
    assert page.read_text() == f"!!! note\n    ```python\n    print(6 * 7)\n    ```\n\n{shown}\nAfter.\n"
    page.write_text(page.read_text().replace("6 * 7", "6 * 8"))
    shown_outputs.update(page)
    assert "    48\n" in page.read_text() and "42" not in page.read_text()
    assert page.read_text().count("expected-output") == 1


def test_a_block_shown_at_build_shows_what_it_printed_when_the_page_is_built():
    shown = {}
    built = run_at_build.expand(TIMED, "page.md", {}, shown, "package")
    assert "```python\nprint(6 * 7)\n```\n\n```text\n42\n```" in built
    assert "<!--expected-output-at-build-->" not in built and built.endswith("More text.\n")
    assert [entry["output"] for entry in shown.values()] == ["42\n"]


def test_a_recorded_block_is_shown_from_the_record_without_running_it():
    def run(code):
        raise AssertionError("a recorded block ran again")

    recorded = {run_at_build.key("print(6 * 7)\n", "package"): {"measured": "2026-01-02", "output": "41\n"}}
    built = run_at_build.expand(TIMED, "page.md", recorded, {}, "package", run=run)
    assert "```text\n41\n```" in built and "Measured on 2026-01-02" in built


def test_a_stale_key_runs_the_block_again():
    recorded = {run_at_build.key("print(6 * 7)\n", "package"): {"measured": "2026-01-02", "output": "41\n"}}
    for markdown, package in [(TIMED, "the package changed"), (TIMED.replace("6 * 7", "7 * 6"), "package")]:
        shown = {}
        built = run_at_build.expand(markdown, "page.md", recorded, shown, package)
        assert "```text\n42\n```" in built and "41" not in built
        assert list(shown) == [run_at_build.key(markdown.split("```")[1].removeprefix("python\n"), package)]


def test_the_package_digest_changes_with_any_file_of_rnn(tmp_path):
    (tmp_path / "rnn").mkdir()
    (tmp_path / "rnn" / "cell.py").write_text("x = 1\n")
    before = run_at_build.package_digest(tmp_path)
    (tmp_path / "rnn" / "cell.py").write_text("x = 2\n")
    assert run_at_build.package_digest(tmp_path) != before


def test_the_record_round_trips(tmp_path):
    entries = {"abc": {"page": "docs/fast.md", "measured": "2026-01-02", "output": "1 µs\n"}}
    run_at_build.write_record(entries, tmp_path / "at-build.json")
    assert run_at_build.read_record(tmp_path / "at-build.json") == entries
    assert [p.name for p in tmp_path.iterdir()] == ["at-build.json"]


def test_serve_runs_no_block_and_shows_the_last_output_recorded_for_it_saying_so():
    def run(code):
        raise AssertionError("serve ran a block")

    old = {"page": "page.md", "block": 1, "measured": "2026-01-02", "output": "41\n"}
    shown = {}
    built = run_at_build.expand(TIMED, "page.md", {"old-key": old}, shown, "package", run=run, measure=False)
    assert "```text\n41\n```" in built and "on an earlier version of this code" in built and shown == {}
    built = run_at_build.expand(TIMED, "page.md", {}, shown, "package", run=run, measure=False)
    assert "not measured yet: `mkdocs build` runs this block" in built and shown == {}


def test_a_block_that_fails_at_build_is_a_warning(caplog):
    page = "```python\nraise SystemExit('no data')\n```\n\n<!--expected-output-at-build-->\n"
    shown = {}
    with caplog.at_level(logging.WARNING):
        built = run_at_build.expand(page, "page.md", {}, shown, "package")
    assert "page.md: a block shown at build failed: no data" in caplog.text
    assert "failed when the site was built: no data" in built and shown == {}


def test_a_marker_after_no_python_block_is_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        run_at_build.expand("Text.\n\n<!--expected-output-at-build-->\n", "page.md", {}, {}, "package")
    assert "must follow a python block" in caplog.text
