"""MkDocs hook: the in-place code blocks run in the reader's browser.

Registered under `hooks:` in mkdocs.yml; docs/javascripts/run.js is the
browser side.

1. Each page: every in-place ```python block (not a tangled `title="rnn/..."`
   one), as scripts/fences.py reads it from the page's Markdown, gets `data-run`, and `data-run-files` naming the repository files it
   reads (string literals starting with "data/"; an f-string's `{...}` is a
   wildcard). A block that cannot mean the same thing in the browser gets a
   note "Runs only in a local install" with the reason instead, and no Run
   button (see `skip_reason`).
2. After the build: the site gets a `pyodide/` folder with
   * the runtime and wheels of scripts/vendor_pyodide.py (cached in
     .cache/pyodide/, checked against their sha256; `mkdocs build` downloads
     them when missing, `mkdocs serve` never does),
   * a wheel of `rnn` built by pip from the working tree (cached per content
     of rnn/, pyproject.toml and README.md),
   * the files the blocks read and every data file the package ships, under
     `files/` at their repository paths,
   * `manifest.json`, which run.js reads on the first click.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))  # the repository's programs: the runtime's vendor, the fences' reader
import vendor_pyodide as vendor  # noqa: E402
from fences import fences  # noqa: E402

log = logging.getLogger("mkdocs.hooks.run_in_browser")

CACHE = ROOT / ".cache" / "pyodide"
SITE_FOLDER = "pyodide"

# --- 1. the blocks of a page ---------------------------------------------------

_BLOCK = re.compile(  # where an in-place block is in the page's HTML; what it holds comes from its fence
    r'<div class="language-python highlight">(?!<span class="filename">)(?P<body>.*?</code></pre></div>)',
    re.S,
)
_MARKER = re.compile(r"pytest-codeblocks:(?P<marker>[\w-]+)(?:\((?P<arg>[^)]*)\))?$")
_TIMING = re.compile(r"\btimeit\b|\bperf_counter\b|\btime\.time\(|\bgetrusage\b")
_DATA_LITERAL = re.compile(r"""(?:\bf)?(["'])(data/[^"'\n]+)\1""")


def in_place_blocks(markdown: str, page: str = "<page>") -> list:
    """The page's in-place python fences, in the order the HTML shows them."""
    return [fence for fence in fences(markdown, page) if fence.info == "python"]


def marker_of(fence) -> tuple[str | None, str | None]:
    """The pytest-codeblocks marker above a fence (skip, cont...) and its argument."""
    for mark in fence.marks:
        if found := _MARKER.match(mark):
            return found["marker"], found["arg"]
    return None, None


def skip_reason(code: str, marker: str | None, arg: str | None) -> str | None:
    """Why the block gets no Run button; None when it runs in the browser."""
    if marker == "skip":
        return "the tests skip it too"
    if marker in ("skipif", "importorskip"):
        return f"it needs {arg or 'the local install'}"
    if _TIMING.search(code):
        return "it times NumPy, and timings in WebAssembly say nothing about NumPy on your machine"
    return None


def data_files(code: str) -> list[str]:
    """The repository files a block reads: "data/..." literals, `{...}` matching any name."""
    found = set()
    for _, literal in _DATA_LITERAL.findall(code):
        pattern = re.sub(r"\{[^}]*\}", "*", literal)
        found |= {p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern) if p.is_file()}
    return sorted(found)


def shipped_data(wheel: Path) -> list[str]:
    """Every file under data/ that the package ships: rnn/files/ in its wheel.

    The site serves them all, so that an edited block can open any of them, not
    only the files some page names.
    """
    with zipfile.ZipFile(wheel) as zf:
        names = [n.removeprefix("rnn/files/") for n in zf.namelist() if n.startswith("rnn/files/")]
    return sorted(f"data/{name}" for name in names if (ROOT / "data" / name).is_file())


_served: set[str] = set()  # every file a block of the site reads


def annotate(page_html: str, blocks: list) -> str:
    """page_html with a Run button's attributes on each in-place block; blocks are their fences."""
    previous_reason = None  # of the block before, which a continuation runs first
    remaining = iter(blocks)

    def mark(m: re.Match) -> str:
        nonlocal previous_reason
        fence = next(remaining, None)
        if fence is None:
            raise PluginError("the page's HTML has more python blocks than its Markdown has fences")
        code = fence.code
        marker, arg = marker_of(fence)
        reason = skip_reason(code, marker, arg)
        if marker == "cont" and previous_reason is not None:
            reason = f"it continues the block above, which runs only locally ({previous_reason})"
        previous_reason = reason
        prefix = m.group(0)[: m.start("body") - m.start(0)]
        if reason is not None:
            note = f'<p class="run-note">Runs only in a local install: {html.escape(reason)}.</p>'
            opening = prefix.replace('highlight">', 'highlight" data-run-skip>')
            return opening + m.group("body") + note
        files = data_files(code)
        _served.update(files)
        attrs = f' data-run data-run-files="{" ".join(files)}"'
        if marker == "cont":
            attrs += " data-run-cont"
        return prefix.replace('highlight">', f'highlight"{attrs}>') + m.group("body")

    annotated = _BLOCK.sub(mark, page_html)
    if next(remaining, None) is not None:
        raise PluginError("the page's Markdown has more python fences than its HTML shows")
    return annotated


# --- 2. the pyodide/ folder of the site ------------------------------------------


def rnn_wheel() -> Path:
    """A wheel of the working tree's package, rebuilt only when its sources change."""
    sources = [ROOT / "pyproject.toml", ROOT / "README.md", *sorted((ROOT / "rnn").rglob("*.py"))]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    folder = CACHE / "rnn-wheel" / digest.hexdigest()[:16]
    wheels = sorted(folder.glob("*.whl"))
    if not wheels:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), ROOT],
            capture_output=True,
            text=True,
        )
        wheels = sorted(folder.glob("*.whl"))
        if result.returncode != 0 or len(wheels) != 1:
            raise PluginError(f"building the wheel of rnn failed:\n{result.stderr}")
    return wheels[0]


_command = "build"


def on_startup(command, dirty):
    global _command
    _command = command


_blocks: dict[str, list] = {}  # each page's in-place fences, from its Markdown to its HTML


def on_page_markdown(markdown, page, config, files):
    _blocks[page.file.src_uri] = in_place_blocks(markdown, "docs/" + page.file.src_uri)
    return markdown


def on_page_content(html, page, config, files):
    if page.file.src_uri.endswith(".md"):
        return annotate(html, _blocks.pop(page.file.src_uri, []))
    return html


def copy_runtime(out: Path) -> dict:
    """Runtime, wheels and the wheel of rnn into `out`; the manifest's entries for them."""
    try:
        runtime = vendor.ensure(CACHE)
    except vendor.VendorError as exc:
        raise PluginError(f"the Python runtime for the Run buttons: {exc}") from None
    lock = json.loads((runtime / "pyodide-lock.json").read_text())
    from_lock = list(vendor.lock_wheels(lock, vendor.LOCK_PACKAGES))
    # PyPI's own wheels go to pypi/: the lock names another build of tqdm
    # with the same file name, and Pyodide checks that one against its hash.
    pypi = [f"pypi/{p.name}" for p in runtime.glob("*.whl") if p.name not in from_lock]
    wheel = rnn_wheel()
    own = f"rnn-{wheel.parent.name}/{wheel.name}"
    copies = {name: runtime / name for name in vendor.RUNTIME_FILES + from_lock}
    copies |= {name: runtime / name.removeprefix("pypi/") for name in pypi}
    copies[own] = wheel
    for name, source in copies.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, out / name)
    wheels = sorted(pypi) + [own]
    # What the first click downloads, for the status line.
    start = ["pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
    start += from_lock + wheels
    return {
        "shipped": shipped_data(wheel),
        "packages": vendor.LOCK_PACKAGES,
        "wheels": wheels,
        "download_bytes": sum((out / name).stat().st_size for name in start),
    }


def on_post_build(config):
    out = Path(config["site_dir"]) / SITE_FOLDER
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest = {"files": {}}
    if _command == "serve" and not vendor.verified(CACHE / vendor.PYODIDE_VERSION):
        # Serving stays fast and offline: no download here.
        log.info("The Run buttons need the Python runtime: python scripts/vendor_pyodide.py")
        manifest["missing"] = (
            "this copy of the site was served without Python: "
            "run `python scripts/vendor_pyodide.py` and serve again"
        )
    else:
        try:
            manifest |= copy_runtime(out)
        except PluginError as exc:
            if _command != "serve":
                raise
            log.warning("%s", exc)  # a broken Run button must not stop `mkdocs serve`
            manifest["missing"] = f"the site was served without Python ({exc})"
    for name in sorted(_served | set(manifest.pop("shipped", []))):
        (out / "files" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, out / "files" / name)
        manifest["files"][name] = (ROOT / name).stat().st_size
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
