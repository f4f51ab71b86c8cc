"""MkDocs hook: a save during `mkdocs serve` rebuilds only the pages it changed.

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

import json
import logging
import os
from pathlib import Path

import jinja2
from mkdocs.commands.build import build
from mkdocs.config import load_config

PAGES = (".md", ".ipynb")

_serving = False  # a plain `mkdocs serve`
_pages_only = False  # the build under way builds only the pages that changed
_built: set[str] = set()  # the URLs of the pages the build under way rendered
_search: list[dict] = []  # the whole site's search entries, as of the last build


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


def on_startup(command, dirty):
    global _serving
    _serving = command == "serve" and not dirty


def on_config(config):
    if _pages_only:
        config.plugins["mkdocs-jupyter"].config["cache"] = False
    _built.clear()
    return config


def on_env(env, config, files):
    if _serving:
        env.bytecode_cache = _compiled
    return env


def on_post_page(output, page, config):
    _built.add(page.url)
    return output


def on_post_build(config):
    global _search
    index = Path(config.site_dir) / "search" / "search_index.json"
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
    if not _serving:
        return server
    logging.getLogger("mkdocs.commands.build").addFilter(_PagesOnlyBuild())
    watched = [config.docs_dir, config.config_file_path, *config.watch]
    # whole: the last build ended, so the site is whole (a whole build that fails has emptied it)
    seen, whole = snapshot(watched), True

    def rebuild():
        global _pages_only
        nonlocal seen, whole
        now = snapshot(watched)
        _pages_only, seen, whole = whole and pages_only(seen, now, config.docs_dir), now, False
        if _pages_only:
            fresh = load_config(config_file=config.config_file_path, site_dir=config.site_dir,
                                strict=config.strict, use_directory_urls=config.use_directory_urls)
            fresh.site_url = config.site_url
            build(fresh, serve_url=config.site_url, dirty=True)
        else:
            builder()
        whole = True

    server.builder = rebuild
    return server
