"""The validation split of the shipped corpus is written down, and split_pages still chooses exactly it."""

from pathlib import Path

from rnn.data import PAGE_BREAK, read_text, split_pages

ROOT = Path(__file__).resolve().parent.parent


def written_split():
    lines = (ROOT / "data" / "linux_man.split.txt").read_text(encoding="ascii").splitlines()
    return [(int(i), header) for i, header in (line.split("\t", 1) for line in lines if not line.startswith("#"))]


def test_split_pages_holds_out_exactly_the_written_pages():
    text = read_text(ROOT / "data" / "linux_man.txt")
    pages = text.split(PAGE_BREAK)
    _, val, held_out = split_pages(text)
    assert [(i, pages[i].splitlines()[0].strip()) for i in held_out] == written_split()
    assert 0.09 < len(val) / len(text) < 0.12


def test_a_changed_split_rule_would_be_caught():
    text = read_text(ROOT / "data" / "linux_man.txt")
    _, _, held_out = split_pages(text, val_fraction=0.05)
    assert held_out != [i for i, _ in written_split()]
