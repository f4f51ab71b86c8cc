"""The exercises grade themselves: each page's answer passes, its blank start does not, and each
common wrong answer gets its own hint (rnn/exercises.py, from docs/exercises.md).

The answer's fence, titled "The book's answer", is not run in place (in its collapsed box it
would be a Run button nobody can reach, defining a function nothing calls): it is graded here."""

import re
from pathlib import Path

import pytest
from pytest_codeblocks import extract_from_file

from rnn.exercises import GRADERS, grade

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r'data-exercise="(\w+)"')
ANSWER = 'python title="The book\'s answer"'  # not run in place: graded here
PAGES = ["cell", "loss", "bptt", "tanh-derivative", "clipping", "adagrad", "sampling", "lstm"]


def exercises():
    """(page, name, the blank start, the book's answer) of every exercise in the book."""
    found = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        blocks = extract_from_file(page)
        for m in MARKER.finditer(text):
            line = text[:m.start()].count("\n") + 1
            after = [b for b in blocks if b.lineno > line]
            start = next(b.code for b in after if b.syntax == "python")  # the block to edit
            answer = next(b.code for b in after if b.syntax == ANSWER)  # in its collapsed box
            found.append((page.stem, m.group(1), start, answer))
    return found


EXERCISES = exercises()
NP = "import numpy as np\n\n\n"

# Two or more common mistakes per exercise, and the hint each must get.
WRONG = {
    "step": [
        (NP + "def step(Wxh, Whh, bh, ix, hprev):\n    return Wxh[:, ix] + Whh @ hprev + bh",
         "apply np.tanh"),
        (NP + "def step(Wxh, Whh, bh, ix, hprev):\n    return np.tanh(Wxh[ix] + Whh @ hprev + bh)",
         "Wxh[:, ix]"),
        (NP + "def step(Wxh, Whh, bh, ix, hprev):\n    return np.tanh(Wxh[:, ix] + Whh @ hprev)",
         "add the bias bh"),
    ],
    "cross_entropy_grad": [
        (NP + "def cross_entropy_grad(ps, targets):\n    T, B = targets.shape\n    dys = ps.copy()\n"
         "    for t in range(T):\n        dys[t, targets[t], np.arange(B)] -= 1\n    return dys",
         "off by a factor of B"),
        (NP + "def cross_entropy_grad(ps, targets):\n    return ps / targets.shape[1]",
         "subtract 1 at each target"),
    ],
    "step_back": [
        ("def step_back(Whh, Why, h, dy, dhnext):\n    dhraw = (1 - h * h) * (Why.T @ dy)\n"
         "    return dhraw, Whh.T @ dhraw", "add dhnext"),
        ("def step_back(Whh, Why, h, dy, dhnext):\n    dhraw = (1 - h * h) * (Why.T @ dy + dhnext)\n"
         "    return dhraw, Whh @ dhraw", "Whh.T"),
        ("def step_back(Whh, Why, h, dy, dhnext):\n    dhraw = (1 - h) * (Why.T @ dy + dhnext)\n"
         "    return dhraw, Whh.T @ dhraw", "not 1 - h"),
    ],
    "tanh_grad": [
        ("def tanh_grad(h, dh):\n    return (1 - h) * dh", "not 1 - h"),
        ("def tanh_grad(h, dh):\n    return dh", "multiply dh by the tanh's slope"),
        (NP + "def tanh_grad(h, dh):\n    return (1 - np.tanh(h) ** 2) * dh", "already tanh's output"),
    ],
    "clip_global": [
        (NP + "def clip_global(grads, max_norm):\n    for g in grads.values():\n"
         "        norm = np.linalg.norm(g)\n        if norm > max_norm:\n"
         "            g *= max_norm / norm\n    return grads", "clipped each array separately"),
        (NP + "def clip_global(grads, max_norm):\n"
         "    return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}",
         "np.clip cuts each entry"),
        (NP + "def clip_global(grads, max_norm):\n"
         "    norm = np.sqrt(sum((g * g).sum() for g in grads.values()))\n"
         "    return {k: g * max_norm / norm for k, g in grads.items()}",
         "scale only when the norm is over max_norm"),
    ],
    "adagrad_update": [
        (NP + "def adagrad_update(theta, g, mem, learning_rate, eps=1e-8):\n    mem += g * g\n"
         "    theta -= learning_rate * g / (np.sqrt(mem) + eps)", "inside the root"),
        (NP + "def adagrad_update(theta, g, mem, learning_rate, eps=1e-8):\n    mem += g * g\n"
         "    theta -= learning_rate * g / np.sqrt(mem)", "divides zero by zero"),
        (NP + "def adagrad_update(theta, g, mem, learning_rate, eps=1e-8):\n    mem = g * g\n"
         "    theta -= learning_rate * g / np.sqrt(mem + eps)", "sum of every step's squared"),
        (NP + "def adagrad_update(theta, g, mem, learning_rate, eps=1e-8):\n    mem += g * g\n"
         "    theta = theta - learning_rate * g / np.sqrt(mem + eps)", "in place"),
    ],
    "probabilities": [
        (NP + "def probabilities(y, temperature):\n    e = np.exp(y / temperature)\n"
         "    return e / e.sum(axis=0)", "subtract each column's largest score"),
        (NP + "def probabilities(y, temperature):\n    z = y * temperature\n"
         "    e = np.exp(z - z.max(axis=0))\n    return e / e.sum(axis=0)",
         "divide the scores by the temperature"),
        (NP + "def probabilities(y, temperature):\n    z = y / temperature\n"
         "    e = np.exp(z - z.max())\n    return e / e.sum()", "not the whole array"),
    ],
    "lstm_state": [
        (NP + "def lstm_state(i, f, o, g, c_prev):\n    c = f * c_prev + i * g\n    return c, o * c",
         "h = o * tanh(c)"),
        (NP + "def lstm_state(i, f, o, g, c_prev):\n    c = c_prev + i * g\n"
         "    return c, o * np.tanh(c)", "the forget gate scales the old cell"),
    ],
}


def test_the_concept_pages_hold_one_exercise_each_and_every_grader_is_used():
    assert sorted(page for page, *_ in EXERCISES) == sorted(PAGES)
    assert sorted(name for _, name, *_ in EXERCISES) == sorted(GRADERS) == sorted(WRONG)


@pytest.mark.parametrize("page, name, start, answer", EXERCISES, ids=[e[1] for e in EXERCISES])
def test_the_books_answer_passes_and_the_blank_start_does_not(page, name, start, answer):
    assert grade(name, answer).startswith("Pass: "), (page, grade(name, answer))
    assert grade(name, start) == f"Not yet: write the body of {name}"


@pytest.mark.parametrize("name, source, hint", [(n, s, h) for n, cases in WRONG.items()
                                                for s, h in cases])
def test_a_common_mistake_gets_its_hint(name, source, hint):
    verdict = grade(name, source)
    assert verdict.startswith("Not yet: ") and hint in verdict, verdict


def test_every_exercise_has_at_least_two_wrong_answers_with_different_hints():
    for name, cases in WRONG.items():
        assert len({grade(name, source) for source, _ in cases}) >= 2, name


@pytest.mark.parametrize("source, verdict", [
    ("def tanh_grad(h, dh)\n    return dh", "Not yet: your code raised SyntaxError"),
    ("def slope(h, dh):\n    return dh", "Not yet: define a function named tanh_grad"),
    ("def tanh_grad(h, dh):\n    return dh[0]", "Not yet: the gradient has shape (3,), not (6, 3)"),
    ("def tanh_grad(h, dh):\n    return 1.0001 * (1 - h * h) * dh", "Not yet: the gradient is off by"),
])
def test_code_that_matches_no_known_mistake_is_told_what_is_wrong(source, verdict):
    assert grade("tanh_grad", source).startswith(verdict)
