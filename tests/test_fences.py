"""One reader of fences: it reads every page as pytest-codeblocks, which runs the blocks, does, and
the tangler, the inventory, the shown outputs and the site's hook see the same fences through it."""

import pytest
from pytest_codeblocks.main import extract_from_file

import page_values
import shown_outputs
import tangle
from conftest import ROOT, load_module
from fences import FenceError, fences, page_fences
from test_inventory import inventory, pages

run_at_build = load_module(ROOT / "docs" / "overrides" / "hooks" / "run_at_build.py")


def as_pytest_codeblocks_reads(fence):
    """The fence's code as pytest-codeblocks reads it: in an indented fence (in an admonition, a
    list) it cuts an empty line's newline as if it were indentation, so that line is gone. The
    page shows it, and the tangler keeps it; Python means the same without it."""
    return "".join(line + "\n" for line in fence.lines if line or not fence.indent)


@pytest.mark.parametrize("page", pages(), ids=lambda page: page.name)
def test_every_page_reads_as_pytest_codeblocks_reads_it(page):
    found = page_fences(page)
    ours = [(f.line, f.info, as_pytest_codeblocks_reads(f)) for f in found
            if f.ticks.startswith("`") and not f.is_output]
    theirs = [(b.lineno, b.syntax, b.code) for b in extract_from_file(page)]
    assert ours == theirs
    outputs = [as_pytest_codeblocks_reads(following) for fence, following in zip(found, found[1:])
               if following.is_output]
    assert outputs == [b.expected_output for b in extract_from_file(page) if b.expected_output is not None]


def test_the_tangler_the_inventory_the_shown_outputs_the_page_values_and_the_hook_see_the_same_fences():
    rows = inventory()
    tangled = {(page, line + 1) for page, line, _, kind, _ in rows if kind == "tangled"}
    chunks = {(chunk.page.relative_to(ROOT).as_posix(), chunk.first_line)
              for file_chunks in tangle.collect().values() for chunk in file_chunks}
    assert chunks == tangled

    in_place = {(page, line) for page, line, info, kind, _ in rows if kind == "run in place" and info == "python"}
    blocks = {(page.relative_to(ROOT).as_posix(), block.line) for page in pages()
              for block in page_values.Page(page).blocks}
    assert blocks == in_place
    printing = shown_outputs.printing_blocks()
    assert {(page, line) for page, line, _ in printing} <= in_place

    at_build = {(page, line) for page, line, how in printing if how == "at build"}
    shown = {}
    for page in {page for page, _ in at_build}:
        run_at_build.expand((ROOT / page).read_text(), page, run_at_build.read_record(), shown,
                            run_at_build.package_digest(), run=lambda code: "")
    assert len(shown) == len(at_build) > 0


def test_a_fence_keeps_its_indentation_marks_and_what_follows():
    text = ("<!--pytest.mark.skip(reason=\"slow\")-->\n\n!!! note\n    ````python\n    x = '```'\n\n"
            "      y = 1\n    ````\n\n<!--expected-output-at-build-->\n")
    [fence] = fences(text)
    assert (fence.line, fence.end, fence.indent, fence.info) == (4, 8, "    ", "python")
    assert fence.lines == ("x = '```'", "", "  y = 1")
    assert fence.marks == ('pytest.mark.skip(reason="slow")',) and fence.at_build


def test_a_tangled_fence_names_its_file_and_an_output_fence_is_known():
    found = fences('```python title="rnn/cell.py"\nx\n```\n<!--pytest-codeblocks:expected-output-->\n```text\n1\n```\n')
    assert [f.tangled_into for f in found] == ["rnn/cell.py", None]
    assert [f.is_output for f in found] == [False, True]


def test_a_fence_left_open_is_an_error_naming_its_line():
    with pytest.raises(FenceError, match=r"page.md:3: fence never closed"):
        fences("Text.\n\n```python\nx = 1\n", "page.md")


def test_the_run_buttons_refuse_a_page_whose_html_and_fences_disagree():
    from mkdocs.exceptions import PluginError

    hook = load_module(ROOT / "docs" / "overrides" / "hooks" / "run_in_browser.py")
    block = '<div class="language-python highlight"><pre><span></span><code>x = 1\n</code></pre></div>'
    one = hook.in_place_blocks("```python\nx = 1\n```\n")
    assert "data-run" in hook.annotate(block, one)
    with pytest.raises(PluginError, match="more python blocks"):
        hook.annotate(block + block, one)
    with pytest.raises(PluginError, match="more python fences"):
        hook.annotate(block, one + one)
