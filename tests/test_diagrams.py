"""The diagrams in imgs/ are reproducible and match scripts/draw_diagrams.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import load_module

pytest.importorskip("matplotlib")

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "draw_diagrams.py"
IMGS = REPO / "imgs"


DD = load_module(SCRIPT)
FILES = [f"{name}.{ext}" for name in DD.NAMES for ext in DD.EXTENSIONS]


def _render(out: Path) -> dict[str, bytes]:
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)],
                   check=True, capture_output=True, cwd=REPO, timeout=120)
    return {f: (out / f).read_bytes() for f in FILES}


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    first = _render(tmp_path_factory.mktemp("render_a"))
    second = _render(tmp_path_factory.mktemp("render_b"))
    return first, second


def test_render_is_deterministic(renders):
    first, second = renders
    for f in FILES:
        assert first[f], f"{f} is empty"
        assert first[f] == second[f], f"{f} differs between two runs"


def test_no_timestamp_or_version_embedded(renders):
    first, _ = renders
    for f in FILES:
        data = first[f].lower()
        assert b"matplotlib v" not in data and b"matplotlib version" not in data
        if f.endswith(".svg"):
            assert b"<dc:date>" not in data
            assert b"<text" not in data, "SVG text must be stored as paths"


def test_committed_images_match_fresh_render(renders):
    import matplotlib

    if matplotlib.__version__ != DD.MATPLOTLIB_VERSION:
        pytest.skip(f"imgs/ was rendered with matplotlib {DD.MATPLOTLIB_VERSION}, "
                    f"this is {matplotlib.__version__}")
    first, _ = renders
    stale = [f for f in FILES
             if not (IMGS / f).exists() or (IMGS / f).read_bytes() != first[f]]
    assert not stale, (f"imgs/ is out of date for {stale}; "
                       "regenerate with: python scripts/draw_diagrams.py")
