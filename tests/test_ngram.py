"""The n-gram baseline is a probability model: for any context, its predictions sum to one."""

from pathlib import Path

import numpy as np
from conftest import ROOT, load_module


def load_ngram():
    return load_module(ROOT / "scripts" / "ngram_baseline.py")


def test_witten_bell_predictions_sum_to_one_over_the_vocabulary():
    ngram = load_ngram()
    V = 6
    train = np.random.default_rng(0).integers(0, V - 1, 2_000)  # character 5 never occurs
    for context in [list(train[100:104]), [5, 5, 5, 5], [0, 5, 1, 2]]:  # seen, unseen, mixed
        p = [ngram.probabilities(train, np.array(context + [w]), 5, V)[-1] for w in range(V)]
        assert np.isclose(sum(p), 1.0, rtol=0, atol=1e-12), context
        assert min(p) > 0  # an unseen character is unlikely, never impossible


def test_longer_contexts_fit_text_with_structure_better():
    ngram = load_ngram()
    text = np.array(list(b"the cat sat on the mat. " * 40)) - 32
    V = int(text.max()) + 1
    bits = [ngram.bpc(text[:800], text[800:], n, V) for n in [1, 3, 5]]
    assert bits[0] > bits[1] > bits[2]
