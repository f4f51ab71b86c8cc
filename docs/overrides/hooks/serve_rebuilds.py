"""MkDocs hook: `mkdocs serve` answers before the whole site is built, and a save rebuilds only the
pages it changed.

A plain `mkdocs serve` builds the whole site before it answers. Here its first build makes what
a reader of the home page, the address serve prints, needs at once: the home page, the theme's
files and the other pages' navigation. Every other page says that it is being built (its
Markdown is not converted, nor its notebook), and the search index is empty. The server answers
as soon as that build ends, while a second build, of the whole site, runs in the background into
a folder of its own; when it ends, its files replace the first build's, each in one step, and the
open pages reload. A save made before then waits for it. Of the server, the hook uses `builder`
(replaced) and `watch()` (the reload is asked for by a file written in a folder it watches), no
private attribute; a page's `read_source` and `render` are replaced in the first build, after
mkdocs-jupyter has replaced the notebooks' `render` (hooks come after the plugins).

A plain `mkdocs serve` rebuilds the whole site on every save: the Markdown, the highlighting and
the search index of every page, seconds of work for one edited line. `mkdocs serve --dirty`
rebuilds only the pages whose file changed, but then misses every other change (mkdocs.yml, a
stylesheet, rnn/, scripts/, a page added or deleted). Registered last under `hooks:` in
mkdocs.yml, this hook gives a plain `mkdocs serve` both: after a save that changed existing pages
only (docs/*.md, docs/**/*.ipynb), it builds those pages alone, as `--dirty` does; after any other
change, the whole site. `mkdocs build`, `serve --dirty` and `serve --clean` are left as they are.

What a page-only build would get wrong is put right:

* the search index: the search plugin writes the entries of the pages it indexed in this build,
  so the other pages' entries, from the build before, are added back;
* mkdocs-jupyter's cache: a build deletes the cached pages of the notebooks it did not convert,
  so a page-only build does not use the cache (an edited notebook is converted all the same).
"""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from types import MethodType

import jinja2
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.structure.toc import get_toc

PAGES = (".md", ".ipynb")

_serving = False  # a plain `mkdocs serve`
_pages_only = False  # the build under way builds only the pages that changed
_built: set[str] = set()  # the URLs of the pages the build under way rendered
_search: list[dict] = []  # the whole site's search entries, as of the last build
_first = False  # the build under way is serve's first, which makes the home page alone
_one_build = threading.Lock()  # builds share the plugins' state: one at a time
_whole_since: dict[str, int] | None = None  # the whole site, built after the first: what it read
_signal = ""  # a folder the server watches: a file written there makes the browsers reload
_whole_dir = ""  # the folder the whole site is built into, after serve's first build
_whole: threading.Thread | None = None  # the thread that builds it

BEING_BUILT = (
    '<h1>{title}</h1><div class="admonition info"><p class="admonition-title">Being built</p>'
    "<p><code>mkdocs serve</code> answers with the home page first, and builds the other pages "
    "just after: this one shows within seconds (an open page reloads by itself).</p></div>"
)

log = logging.getLogger("mkdocs.hooks.serve_rebuilds")


def ignored(path: str) -> bool:
    """An editor's swap or backup file, which MkDocs does not read either."""
    name = os.path.basename(path)
    return name.startswith(".") or name.endswith("~")


def snapshot(paths: list[str]) -> dict[str, int]:
    """The modification time of every file under the paths that serve watches."""
    found = {}
    for top in paths:
        for folder, _, names in os.walk(top) if os.path.isdir(top) else [("", [], [top])]:
            for name in names:
                path = os.path.join(folder, name)
                if not ignored(path):
                    try:
                        found[path] = os.stat(path).st_mtime_ns
                    except OSError:  # deleted between the listing and now
                        pass
    return found


def pages_only(before: dict[str, int], after: dict[str, int], docs_dir: str) -> bool:
    """Whether what changed from `before` to `after` is existing pages of docs_dir, and nothing else.

    A change this hook cannot see (a theme folder watched by --watch-theme) changes nothing here:
    the whole site is built then too."""
    if before.keys() != after.keys():
        return False  # a file added or deleted: the navigation and the links may change
    changed = [path for path in after if after[path] != before[path]]
    docs = Path(docs_dir)
    return bool(changed) and all(
        path.endswith(PAGES) and Path(path).is_relative_to(docs) for path in changed
    )


class _Compiled(jinja2.BytecodeCache):
    """The theme's templates as compiled by the builds before, kept for the next one (each build
    makes a new template environment). Jinja compiles a template again when its source changes."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_compiled = _Compiled()


def merged(previous: list[dict], new: list[dict], built: set[str]) -> list[dict]:
    """The search entries of the pages not built now (from `previous`), then those of the pages
    built now. An entry's location is its page's URL, then `#section` for a section."""
    return [e for e in previous if e["location"].split("#")[0] not in built] + new


def watched(config) -> list[str]:
    """The paths `mkdocs serve` watches for changes (not those of --watch-theme)."""
    return [config.docs_dir, config.config_file_path, *config.watch]


def move_into(source: str, target: str) -> None:
    """Every file of `source` to the same place under `target`, each replacing the old one in one
    step (the server never sends a half-written file); then the files that `source` lacked go."""
    moved = set()
    for folder, _, names in os.walk(source):
        into = os.path.join(target, os.path.relpath(folder, source))
        os.makedirs(into, exist_ok=True)
        for name in names:
            os.replace(os.path.join(folder, name), os.path.join(into, name))
            moved.add(os.path.normpath(os.path.join(into, name)))
    for folder, _, names in os.walk(target):
        for name in names:
            if os.path.normpath(os.path.join(folder, name)) not in moved:
                os.remove(os.path.join(folder, name))


def build_whole(first) -> None:
    """Build the whole site into a folder of its own, then move it over the first build's."""
    global _whole_since, _whole_dir
    with _one_build:
        since = snapshot(watched(first))
        # beside the served folder, so that a file moves from one to the other in one step
        site_dir = _whole_dir = tempfile.mkdtemp(prefix="mkdocs_", dir=Path(first.site_dir).parent)
        try:
            config = load_config(config_file=first.config_file_path, site_dir=site_dir,
                                 strict=first.strict, use_directory_urls=first.use_directory_urls)
            config.site_url = first.site_url
            build(config, serve_url=first.site_url)
            move_into(site_dir, first.site_dir)
        except (Exception, SystemExit) as error:  # mkdocs' Abort (--strict) is a SystemExit
            log.error("The whole site's build failed (%s): its pages but the home page stay "
                      "unbuilt until a save builds them.", error)
            return
        finally:
            shutil.rmtree(site_dir, ignore_errors=True)
        _whole_since = since
    if _signal:
        Path(_signal, "built").write_text("")


def no_source(page, config):
    """A page but the home page in serve's first build, which does not read it: the other hooks
    find nothing to do in it."""
    page.markdown, page.meta = "", {}


def being_built(page, config, files):
    """A page but the home page in serve's first build, which does not render it."""
    page.content = BEING_BUILT.format(title=html.escape(page.title or ""))
    page.toc = get_toc([])


def on_startup(command, dirty):
    global _serving, _first
    _serving = _first = command == "serve" and not dirty


def on_config(config):
    if _first and "material/search" in config.plugins:
        config.plugins["material/search"].config.enabled = False
    if _pages_only:
        config.plugins["mkdocs-jupyter"].config["cache"] = False
    _built.clear()
    return config


def on_pre_page(page, config, files):
    if _first and not page.is_homepage:
        page.read_source = MethodType(no_source, page)
        page.render = MethodType(being_built, page)  # instead of Markdown's, or mkdocs-jupyter's
    return page


def on_env(env, config, files):
    if _serving:
        env.bytecode_cache = _compiled
    return env


def on_post_page(output, page, config):
    _built.add(page.url)
    return output


def on_post_build(config):
    global _search, _first, _whole
    index = Path(config.site_dir) / "search" / "search_index.json"
    if _first:
        _first = False
        if "material/search" in config.plugins:  # an index with no page: search finds nothing
            search = config.plugins["material/search"].config
            keys = ("lang", "separator", "pipeline", "fields")
            index.parent.mkdir(parents=True, exist_ok=True)
            index.write_text(json.dumps({"config": {key: search[key] for key in keys}, "docs": []}),
                             encoding="utf-8")
        _whole = threading.Thread(target=build_whole, args=(config,), daemon=True)
        _whole.start()
        return
    if not _serving or not index.is_file():  # not serving, or no search plugin
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    if _pages_only:
        data["docs"] = merged(_search, data["docs"], _built)
        index.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    _search = data["docs"]


class _PagesOnlyBuild(logging.Filter):
    """MkDocs warns of a `--dirty` build's wrong navigation and links; this hook builds only the
    pages that changed after an edit of pages only, where nothing else can change them."""

    def filter(self, record):
        return not (_pages_only and record.getMessage().startswith("A 'dirty' build"))


def on_serve(server, config, builder):
    """The server's builder, which runs after each batch of saves, decides what to build."""
    global _signal
    if not _serving:
        return server
    logging.getLogger("mkdocs.commands.build").addFilter(_PagesOnlyBuild())
    _signal = tempfile.mkdtemp(prefix="mkdocs_built_")
    server.watch(_signal)
    paths = watched(config)
    # whole: the site served is the whole site, as the last build left it (serve's first build
    # leaves parts out; a whole build that fails has emptied it)
    seen, whole = snapshot(paths), False

    def rebuild():
        global _pages_only, _whole_since
        nonlocal seen, whole
        with _one_build:
            now = snapshot(paths)
            if _whole_since is not None:  # the whole site has replaced serve's first build
                seen, whole, _whole_since = _whole_since, True, None
                if now == seen:
                    return  # nothing changed since it began: the server reloads the open pages
            _pages_only, seen, whole = whole and pages_only(seen, now, config.docs_dir), now, False
            if _pages_only:
                fresh = load_config(config_file=config.config_file_path, site_dir=config.site_dir,
                                    strict=config.strict,
                                    use_directory_urls=config.use_directory_urls)
                fresh.site_url = config.site_url
                build(fresh, serve_url=config.site_url, dirty=True)
            else:
                builder()
            whole = True

    server.builder = rebuild
    return server


def on_shutdown():
    for folder in (_signal, _whole_dir):
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
