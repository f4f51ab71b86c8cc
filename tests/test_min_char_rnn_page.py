"""docs/min-char-rnn.md maps every line of min-char-rnn.py to the line of the book that carries it.

tests/fixtures/min-char-rnn.py is the gist as published (Python 2, BSD License). Every line of it
that is not blank must have its row on the page, quoting it, and naming a page of the book and a
line that is on that page. scripts/min_char_rnn.py, the repository's copy of the gist's lossFun and
update, must be the gist's lines, but for the differences listed here.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GIST = (ROOT / "tests" / "fixtures" / "min-char-rnn.py").read_text(encoding="utf-8").split("\n")
ROW = re.compile(r"^\| (\d+) \| `(.*)` \| \[[^\]]+\]\((\w[\w-]*)\.md\): `(.*)` \| (.+) \|$", re.M)


def rows(text=None):
    text = (ROOT / "docs" / "min-char-rnn.md").read_text(encoding="utf-8") if text is None else text
    return {int(m[1]): (m[2], m[3], m[4], m[5]) for m in ROW.finditer(text)}


def test_the_fixture_is_the_whole_gist():
    assert len(GIST) == 113 and GIST[-1] == ""  # 112 lines and the final newline
    assert GIST[1].startswith("Minimal character-level Vanilla RNN model")


def unmapped(mapped):
    return [n for n, line in enumerate(GIST[:-1], 1) if line.strip() and n not in mapped]


def test_every_line_of_the_gist_has_its_row_quoting_it():
    mapped = rows()
    assert not unmapped(mapped), f"gist lines with no row: {unmapped(mapped)}"
    for n, (code, *_) in mapped.items():
        assert code == GIST[n - 1].strip(), f"row {n} quotes {code!r}, not line {n} of the gist"


def test_a_missing_row_is_found():
    text = (ROOT / "docs" / "min-char-rnn.md").read_text(encoding="utf-8")
    assert unmapped(rows(re.sub(r"^\| 54 \|.*\n", "", text, flags=re.M))) == [54]


@pytest.mark.parametrize("n", sorted(rows()))
def test_the_book_line_named_is_on_its_page_and_says_what_changed(n):
    _, page, book_line, change = rows()[n]
    assert book_line in (ROOT / "docs" / f"{page}.md").read_text(encoding="utf-8"), \
        f"row {n}: `{book_line}` is not on docs/{page}.md"
    assert change.strip()


def normal(line):
    """A line without comments, spaces and the copy's dicts: d["Why"] is dWhy, p["Why"] Why."""
    line = re.sub(r'\bd\["(\w+)"\]', r"d\1", re.sub(r'\bp\["(\w+)"\]', r"\1", line))
    return re.sub(r"\s+", "", re.sub(r"\s+#.*$", "", line)).replace("xrange(", "range(")


# The copy's own lines: its signatures, the dicts that replace the gist's globals, and init().
COPY_ONLY = {
    'deflossFun(p,inputs,targets,hprev):', 'vocab_size=len(by)',
    'd={k:np.zeros_like(v)fork,vinp.items()}', 'fordparamind.values():',
    'returnloss,d,hs[len(inputs)-1]',
    'deftrain_step(p,mem,inputs,targets,hprev,learning_rate=0.1):',
    'loss,d,h=lossFun(p,inputs,targets,hprev)', 'forkinp:', 'mem[k]+=d[k]*d[k]',
    'p[k]+=-learning_rate*d[k]/np.sqrt(mem[k]+1e-8)', 'returnloss,h', 'definit(model):',
    'p={k:np.array(getattr(model,k),dtype=np.float64)forkin["Wxh","Whh","Why","bh","by"]}',
    'returnp,{k:np.zeros_like(v)fork,vinp.items()}',
}


def test_the_repository_copy_is_the_gists_lossfun_and_update():
    source = (ROOT / "scripts" / "min_char_rnn.py").read_text(encoding="utf-8")
    code = source.split('"""', 2)[2]  # after the module's docstring
    gist = {normal(line) for line in GIST}
    lines = [normal(line) for line in code.split("\n")
             if normal(line) and not line.strip().startswith('"""')]  # docstrings are its own
    extra = [line for line in lines if line not in gist and line not in COPY_ONLY]
    assert not extra, f"lines of scripts/min_char_rnn.py that are not the gist's: {extra}"
    # and it holds the whole of lossFun's two loops: the gist's lines 33 to 60, but for
    # the zeroed gradients and the loop over them (a dict in the copy)
    wanted = [normal(GIST[n - 1]) for n in [*range(33, 45), *range(47, 59), 60]]
    missing = [line for line in wanted if line and line not in lines]
    assert not missing, f"gist lines missing from scripts/min_char_rnn.py: {missing}"
