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


def test_the_baseline_scores_exactly_what_a_validation_reads():
    """as_validated's rows are measure's lanes: the same inputs, read from the same starts (a zero
    state), and the same targets, so a run's logged val_bpc and the n-gram's stand side by side."""
    from rnn.train import measure

    ngram = load_ngram()
    V, T = 11, 25
    rng = np.random.default_rng(0)
    data = rng.integers(0, V, 5_000)
    q = rng.dirichlet(np.ones(V))  # a fixed guess for every character: its score names the targets

    class Recorder:
        seq_length = T

        def __init__(self):
            self.inputs, self.starts = [], []

        def predict(self, x, h):  # x (T, B)
            self.inputs.append(x)
            self.starts.append(h is None)
            return np.broadcast_to(q[None, :, None], (len(x), V, x.shape[1])), 0

    model = Recorder()
    bpc, read, whole = measure(model, data[:3_001], lanes_at_once=ngram.LANES)
    rows = ngram.as_validated(data, 3_000)  # (B, L + 1)
    assert rows.shape == (ngram.LANES, 3_000 // ngram.LANES + 1) and whole
    assert read == rows[:, 1:].size
    assert model.starts[0] and not any(model.starts[1:])  # one zero state, at the lanes' start
    assert np.array_equal(np.concatenate(model.inputs).T, rows[:, :-1])
    assert np.isclose(bpc, -np.log2(q[rows[:, 1:]]).mean())
