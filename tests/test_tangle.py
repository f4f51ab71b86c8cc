"""The drift guard: rnn/ is exactly what the pages say, and `tangle.py --check` fails, naming the page, on drift."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def check(root):
    return subprocess.run([sys.executable, str(root / "scripts" / "tangle.py"), "--check"],
                          capture_output=True, text=True)


@pytest.fixture
def copy(tmp_path):
    """A copy of the book and the package, to damage freely."""
    for name in ["docs", "rnn", "scripts"]:
        shutil.copytree(ROOT / name, tmp_path / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_package_matches_the_pages():
    result = check(ROOT)
    assert result.returncode == 0, result.stderr


def test_every_generated_file_names_its_page_and_how_to_regenerate():
    for path in (ROOT / "rnn").glob("*.py"):
        head = path.read_text().splitlines()[:2]
        assert head[0].startswith("# Generated from docs/") and "scripts/tangle.py" in head[0], path
        assert "https://" in head[1], path


def test_editing_a_tangled_fence_in_a_page_is_caught_and_the_page_named(copy):
    page = copy / "docs" / "bptt.md"
    text = page.read_text()
    line = "dhraw = (1 - hs[t] * hs[t]) * dh"
    assert line in text
    page.write_text(text.replace(line, "dhraw = (1 - hs[t]) * dh", 1))
    result = check(copy)
    assert result.returncode == 1
    assert "rnn/bptt.py" in result.stderr and "docs/bptt.md:" in result.stderr


def test_editing_a_generated_file_is_caught_and_the_page_named(copy):
    module = copy / "rnn" / "cell.py"
    module.write_text(module.read_text().replace("np.tanh(", "np.sinh(", 1))
    result = check(copy)
    assert result.returncode == 1
    assert "rnn/cell.py" in result.stderr and "docs/cell.md:" in result.stderr


def test_changing_one_character_anywhere_in_a_generated_file_is_caught(copy):
    module = copy / "rnn" / "optim.py"
    text = module.read_text()
    module.write_text(text[:-2] + ("x" if text[-2] != "x" else "y") + text[-1])
    result = check(copy)
    assert result.returncode == 1 and "docs/adagrad.md" in result.stderr


def test_a_hand_written_module_beside_the_generated_ones_is_caught(copy):
    (copy / "rnn" / "extra.py").write_text("x = 1\n")
    result = check(copy)
    assert result.returncode == 1 and "rnn/extra.py comes from no page" in result.stderr


def test_a_deleted_generated_file_is_caught(copy):
    (copy / "rnn" / "clip.py").unlink()
    result = check(copy)
    assert result.returncode == 1 and "rnn/clip.py is missing; docs/clipping.md defines it" in result.stderr


def test_tangle_repairs_the_drift(copy):
    (copy / "rnn" / "loss.py").write_text("# edited by hand\n")
    subprocess.run([sys.executable, str(copy / "scripts" / "tangle.py")], check=True, capture_output=True)
    assert check(copy).returncode == 0
    assert (copy / "rnn" / "loss.py").read_text() == (ROOT / "rnn" / "loss.py").read_text()
