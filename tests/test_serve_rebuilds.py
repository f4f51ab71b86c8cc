"""`mkdocs serve` answers after a first build without the slow parts, then serves the whole site;
a save rebuilds only the pages it changed, and never serves a stale site
(docs/overrides/hooks/serve_rebuilds.py): any change but an edit of existing pages rebuilds the
whole site, the search index keeps every page, and a changed template is compiled again.
`mkdocs build` builds the whole site at once, as ever. The offline guard of
docs/overrides/hooks/clear_rnn_hooks.py catches a page that loads from another host."""

import json
import os

import jinja2
import nbformat
import pytest
from conftest import ROOT, load_module
from mkdocs.commands.build import build
from mkdocs.config import load_config

HOOKS = ROOT / "docs" / "overrides" / "hooks"
serve_rebuilds = load_module(HOOKS / "serve_rebuilds.py")
clear_rnn_hooks = load_module(HOOKS / "clear_rnn_hooks.py")


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


def test_the_whole_site_replaces_the_first_build_file_by_file(tmp_path):
    whole, served = tmp_path / "whole", tmp_path / "served"
    for folder, name, text in [(whole, "index.html", "whole"), (whole, "nb/index.html", "notebook"),
                               (served, "index.html", "first"), (served, "gone.html", "stale")]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    serve_rebuilds.move_into(str(whole), str(served))
    assert sorted(str(p.relative_to(served)) for p in served.rglob("*.html")) == [
        "index.html", os.path.join("nb", "index.html")]
    assert (served / "index.html").read_text() == "whole"
    assert (served / "nb" / "index.html").read_text() == "notebook"


@pytest.fixture
def tiny_site(tmp_path):
    """A site as this project's is made (the material theme, its search, mkdocs-jupyter and the
    hook): a page and a notebook whose cell says what only its conversion shows."""
    docs = tmp_path / "docs"
    (docs / "notebooks").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\nhome-page-text\n")
    (docs / "other.md").write_text("# Other\n\nother-page-text\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# Tiny notebook\n\nconverted-cell-text")])
    nbformat.write(notebook, docs / "notebooks" / "tiny.ipynb")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: tiny\nsite_url: https://example.org/tiny/\ntheme:\n  name: material\n"
        "plugins:\n  - search\n  - mkdocs-jupyter:\n      include: ['notebooks/*.ipynb']\n"
        "      execute: false\n      cache: false\n"
        f"hooks:\n  - {HOOKS / 'serve_rebuilds.py'}\n", encoding="utf-8")
    return tmp_path


PAGES = {"": "home-page-text", "other/": "other-page-text", "notebooks/tiny/": "converted-cell-text"}


def built(site_dir):
    """The pages that show their own text, those that say they are being built, and the pages in
    the search index, as a build left them in site_dir."""
    shown, being_built = set(), set()
    for url, text in PAGES.items():
        page = (site_dir / url / "index.html").read_text(encoding="utf-8")
        if text in page:
            shown.add(url)
        if "Being built" in page:
            being_built.add(url)
    index = json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    return shown, being_built, {entry["location"].split("#")[0] for entry in index["docs"]}


def started_as(command, project, site_dir):
    """The site's configuration and the hook, as `mkdocs <command>` (no options) starts them."""
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site_dir))
    config.plugins.on_startup(command=command, dirty=False)
    hook = config.plugins[str(HOOKS / "serve_rebuilds.py")]
    hook._whole = None
    return config, hook


def test_serve_answers_first_with_the_home_page_alone_then_with_the_whole_site(tiny_site,
                                                                                tmp_path):
    config, hook = started_as("serve", tiny_site, tmp_path / "served")
    with hook._one_build:  # the whole site's build waits: the first build is seen alone
        build(config, serve_url="http://127.0.0.1:8000/tiny/")
        assert built(tmp_path / "served") == ({""}, {"other/", "notebooks/tiny/"}, set())
    hook._whole.join(timeout=300)
    assert built(tmp_path / "served") == (set(PAGES), set(), set(PAGES))


class Server:
    """What the hook uses of mkdocs' LiveReloadServer."""

    def __init__(self):
        self.watched, self.builder = [], None

    def watch(self, path):
        self.watched.append(path)


def test_when_the_whole_site_has_come_the_server_reloads_the_pages_and_builds_only_what_changed(
        tiny_site, tmp_path):
    config, hook = started_as("serve", tiny_site, tmp_path / "served")
    server, builds = Server(), []
    hook.on_serve(server, config, builder=lambda: builds.append("whole site"))
    try:
        assert hook._signal in server.watched  # the whole site's build writes there when it ends
        hook._whole_since = hook.snapshot(hook.watched(config))
        server.builder()
        assert builds == []
        hook._whole_since = hook.snapshot(hook.watched(config))
        change(tiny_site / "docs" / "extra.css")  # saved while the whole site was being built
        server.builder()
        assert builds == ["whole site"]
    finally:
        hook.on_shutdown()


def test_mkdocs_build_builds_the_whole_site_at_once(tiny_site, tmp_path):
    config, hook = started_as("build", tiny_site, tmp_path / "site")
    build(config)
    assert hook._whole is None  # no second build follows
    assert built(tmp_path / "site") == (set(PAGES), set(), set(PAGES))


@pytest.mark.parametrize("html", [
    '<script src="https://cdn.example.org/mathjax.js"></script>',
    '<link rel="stylesheet" href="//fonts.example.org/roboto.css">',
    '<img alt="" srcset="/local.png 1x, https://cdn.example.org/b.png 2x">',
    '<style>@import url("https://fonts.example.org/css");</style>',
    '<script type="module">const m = await import("https://cdn.example.org/m.js")</script>',
    '<div style="background: URL(//cdn.example.org/bg.png)"></div>',
], ids=["script", "stylesheet", "srcset", "@import", "import()", "url()"])
def test_the_offline_guard_catches_a_page_that_loads_from_another_host(html):
    assert clear_rnn_hooks.remote_resources(f"<p>A page.</p>{html}")


@pytest.mark.parametrize("html", [
    '<script src="../javascripts/run.js"></script>',
    '<link rel="canonical" href="https://clear-rnn.github.io/clear-rnn/">',
    '<a href="https://github.com/clear-rnn/clear-rnn">the repository</a>',
    "<p>reimport(//x) and curl(//y) are not calls of import() or url()</p>",
], ids=["a local script", "a canonical link", "a plain link", "words that end in import, url"])
def test_the_offline_guard_lets_local_resources_and_plain_links_through(html):
    assert not clear_rnn_hooks.remote_resources(html)
