"""Tests for scripts/build_dataset.py on a tiny fixture man tree.

They never read /usr/share/man: every build points --man-root at
tests/fixtures/man. Rendering needs groff; without it they fail loudly.
"""

import gzip
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, load_module

SCRIPT = ROOT / "scripts" / "build_dataset.py"
FIXTURE = ROOT / "tests" / "fixtures" / "man"
KEPT = {"real.1", "zipped.1", "bsdish.8"}
SKIPPED = {"link.1", "alias.1", "gcloud_foo.1", "Foo::Bar.3pm", "tiny.5",
           "german.1"}


def load_build_dataset():
    return load_module(SCRIPT)


def run_build(out, man_root=FIXTURE, target=10**9):
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--man-root", str(man_root),
         "--out", str(out), "--target-chars", str(target)],
        capture_output=True, text=True, cwd=ROOT)


def manifest_pages(path):
    lines = [l for l in path.read_text().splitlines() if not l.startswith("#")]
    assert lines[0].split("\t") == ["page", "section", "package", "version",
                                    "licence_hint", "chars"]
    return [line.split("\t")[0] for line in lines[1:]]


@pytest.fixture(scope="module")
def groff():
    if shutil.which("groff") is None:
        pytest.fail("groff is required to render man pages (apt install groff-base)")


@pytest.fixture(scope="module")
def built(groff, tmp_path_factory):
    out = tmp_path_factory.mktemp("build") / "corpus.txt"
    proc = run_build(out)
    assert proc.returncode == 0, proc.stderr
    return out


def test_fixture_tree_has_the_tricky_cases():
    assert (FIXTURE / "man1" / "link.1").is_symlink()
    assert (FIXTURE / "man1" / "alias.1").read_text().startswith(".so ")
    assert gzip.decompress((FIXTURE / "man1" / "zipped.1.gz").read_bytes())


def test_rendering_is_deterministic(built, tmp_path):
    again = tmp_path / "again.txt"
    assert run_build(again).returncode == 0
    assert again.read_bytes() == built.read_bytes()
    manifest = built.with_name("corpus.manifest.tsv")
    assert again.with_name("again.manifest.tsv").read_bytes() == manifest.read_bytes()


def test_filters_keep_real_pages_and_skip_the_rest(built):
    pages = manifest_pages(built.with_name("corpus.manifest.tsv"))
    assert set(pages) == KEPT
    assert not SKIPPED & set(pages)
    assert len(pages) == len(set(pages))


def test_output_is_ascii_with_formfeed_separators(built):
    data = built.read_bytes()
    assert all(b < 128 for b in data)
    text = data.decode("ascii")
    pages = text.split("\f\n")
    assert len(pages) == len(KEPT)
    for page in pages:
        assert "\f" not in page
        assert page.endswith("\n") and not page.endswith("\n\n")
        assert not re.search(r"[^\n -~]", page), "control character left"
        assert not re.search(r" +\n", page), "trailing whitespace left"
        assert "\n\n\n\n" not in page
    assert "Cafe naive resume" in text          # accents folded
    assert '"typographic quotes"' in text       # quotes folded
    assert "+------+" in text                   # tbl box drawn in ASCII


def test_no_justification_or_hyphenation(built):
    real = next(p for p in built.read_text().split("\f\n") if p.startswith("REAL(1)"))
    prose = real.split("DESCRIPTION", 1)[1].split("*  first", 1)[0]
    for line in prose.strip().splitlines():
        assert not re.search(r"\w-$", line), "hyphenated: " + line
        # Full adjustment pads inter-word gaps; groff's own double space
        # only follows a sentence end.
        assert not re.search(r"[^.:!?\"]  \S", line.strip()), "justified: " + line


def test_target_chars_takes_pages_in_hash_order(groff, tmp_path):
    module = load_build_dataset()
    order = sorted(KEPT, key=module.page_hash)
    out = tmp_path / "small.txt"
    assert run_build(out, target=1).returncode == 0
    assert manifest_pages(tmp_path / "small.manifest.tsv") == order[:1]


def test_duplicate_page_names_are_skipped(tmp_path):
    module = load_build_dataset()
    man1 = tmp_path / "man1"
    man1.mkdir()
    source = (FIXTURE / "man1" / "real.1").read_bytes()
    (man1 / "real.1").write_bytes(source)
    (man1 / "real.1.gz").write_bytes(gzip.compress(source, mtime=0))
    skipped = module.collections.Counter()
    names = [c.name for c in module.collect_candidates(str(tmp_path), skipped)]
    assert names == ["real.1"]
    assert skipped["duplicate-name"] == 1


def test_fold_to_ascii():
    module = load_build_dataset()
    assert module.fold_to_ascii("\u250c\u2500\u252c\u2510\u2502") == "+-++|"
    assert module.fold_to_ascii("\u201cx\u201d \u2018y\u2019 \u2026 na\u00efve") == '"x" \'y\' ... naive'
    assert module.fold_to_ascii("a\tb\x08\x1b") == "a       b"


def test_missing_man_root_fails_cleanly(tmp_path):
    proc = run_build(tmp_path / "x.txt", man_root=tmp_path / "does-not-exist")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_empty_man_root_fails_cleanly(tmp_path):
    proc = run_build(tmp_path / "x.txt", man_root=tmp_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_committed_corpus_matches_readme_sha256():
    readme = (ROOT / "data" / "README.md").read_text()
    match = re.search(r"sha256[^0-9a-f]*([0-9a-f]{64})", readme)
    assert match, "data/README.md must record the corpus sha256"
    corpus = (ROOT / "data" / "linux_man.txt").read_bytes()
    assert hashlib.sha256(corpus).hexdigest() == match.group(1)
