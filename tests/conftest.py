"""What several test files share: the repository's root, files imported as modules, a small corpus."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_module(path, name=None):
    """A file outside the package (a script, a site hook), imported as a module."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The first 40 pages of the real corpus: real structure, a quick run."""
    pages = (ROOT / "data" / "linux_man.txt").read_text(encoding="ascii").split("\f\n")[:40]
    path = tmp_path_factory.mktemp("data") / "pages.txt"
    path.write_text("\f\n".join(pages), encoding="ascii")
    return path
