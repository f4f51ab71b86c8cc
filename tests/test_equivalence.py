"""Batch one equals the per-character loop: min-char-rnn, written out with one-hot vectors and np.dot."""

from pathlib import Path

import numpy as np

from rnn import RNN
from conftest import ROOT, load_module


def load_min_char_rnn():
    return load_module(ROOT / "scripts" / "min_char_rnn.py")


def test_batch_one_equals_the_per_character_loop_for_100_steps():
    min_char_rnn = load_min_char_rnn()
    text = (ROOT / "data" / "linux_man.txt").read_text(encoding="ascii")[:20_000]
    chars = sorted(set(text))
    data = np.array([chars.index(c) for c in text])
    V, H, T = len(chars), 100, 25
    model = RNN(vocab_size=V, hidden_size=H, seq_length=T, learning_rate=0.1, seed=0)
    p, mem = min_char_rnn.init(model)
    h_ref = h = np.zeros((H, 1))
    for n in range(100):
        inputs, targets = data[n * T:(n + 1) * T], data[n * T + 1:(n + 1) * T + 1]
        loss_ref, h_ref = min_char_rnn.train_step(p, mem, inputs, targets, h_ref)
        loss, h = model.train_step(inputs, targets, h)
        assert np.isclose(loss, loss_ref, rtol=1e-9, atol=0), n
    for k, ref in p.items():
        np.testing.assert_allclose(getattr(model, k), ref, rtol=1e-9, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(h, h_ref, rtol=1e-9, atol=1e-12)
    assert not np.allclose(p["Whh"], 0)  # the run actually moved the weights
