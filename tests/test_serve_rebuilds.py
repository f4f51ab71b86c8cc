"""A save during `mkdocs serve` rebuilds only the pages it changed, and never serves a stale site
(docs/overrides/hooks/serve_rebuilds.py): any change but an edit of existing pages rebuilds the
whole site, the search index keeps every page, and a changed template is compiled again."""

import os

import jinja2
import pytest
from conftest import ROOT, load_module

serve_rebuilds = load_module(ROOT / "docs" / "overrides" / "hooks" / "serve_rebuilds.py")


@pytest.fixture
def project(tmp_path):
    """A project as serve watches it: docs/, mkdocs.yml, and a watched package folder."""
    for name in ["docs/index.md", "docs/fast.md", "docs/notebooks/training.ipynb",
                 "docs/stylesheets/extra.css", "mkdocs.yml", "rnn/model.py"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("before\n")
        os.utime(tmp_path / name, ns=(10**18, 10**18))  # older than any edit below
    watched = [str(tmp_path / "docs"), str(tmp_path / "mkdocs.yml"), str(tmp_path / "rnn")]
    return tmp_path, watched


def change(path, text="after\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def pages_only(project, edit):
    root, watched = project
    before = serve_rebuilds.snapshot(watched)
    edit(root)
    return serve_rebuilds.pages_only(before, serve_rebuilds.snapshot(watched), str(root / "docs"))


@pytest.mark.parametrize("edit", [
    lambda root: change(root / "docs" / "fast.md"),
    lambda root: change(root / "docs" / "notebooks" / "training.ipynb"),
    lambda root: (change(root / "docs" / "index.md"), change(root / "docs" / "fast.md")),
    lambda root: (change(root / "docs" / "fast.md"), change(root / "docs" / ".fast.md.swp")),
], ids=["a page", "a notebook", "two pages", "a page and its editor's swap file"])
def test_a_save_of_existing_pages_builds_those_pages_only(project, edit):
    assert pages_only(project, edit)


@pytest.mark.parametrize("edit", [
    lambda root: change(root / "mkdocs.yml"),
    lambda root: change(root / "rnn" / "model.py"),
    lambda root: change(root / "docs" / "stylesheets" / "extra.css"),
    lambda root: change(root / "docs" / "new.md"),
    lambda root: (root / "docs" / "fast.md").unlink(),
    lambda root: (change(root / "docs" / "fast.md"), change(root / "rnn" / "model.py")),
    lambda root: None,
], ids=["mkdocs.yml", "the package", "a stylesheet", "a new page", "a deleted page",
        "a page and the package", "nothing it watches"])
def test_any_other_change_builds_the_whole_site(project, edit):
    assert not pages_only(project, edit)


def test_the_search_index_keeps_the_pages_not_built_and_replaces_those_built():
    previous = [{"location": "", "text": "home"}, {"location": "#idea", "text": "old idea"},
                {"location": "fast/", "text": "fast"}, {"location": "fast-gates/", "text": "gates"}]
    new = [{"location": "", "text": "home"}, {"location": "#new", "text": "new section"}]
    assert serve_rebuilds.merged(previous, new, {""}) == [previous[2], previous[3], *new]
    new_fast = [{"location": "fast/", "text": "faster"}]
    assert serve_rebuilds.merged(previous, new_fast, {"fast/"}) == [*previous[:2], previous[3],
                                                                   *new_fast]


def test_a_template_is_compiled_again_when_its_source_changes():
    compiled, source = serve_rebuilds._Compiled(), {"page.html": "before"}

    def render():  # each build makes a new environment; the compiled templates outlive it
        env = jinja2.Environment(loader=jinja2.DictLoader(source), bytecode_cache=compiled)
        return env.get_template("page.html").render()

    assert render() == "before" and compiled.compiled
    source["page.html"] = "after"
    assert render() == "after"
