"""Batch one equals the per-character loop: min-char-rnn, written out with one-hot vectors and np.dot."""

from pathlib import Path

import numpy as np

from rnn import RNN

ROOT = Path(__file__).resolve().parent.parent


def min_char_rnn_step(p, mem, inputs, targets, hprev, vocab_size, learning_rate=0.1):
    """lossFun and the Adagrad update of min-char-rnn, as in the original, on dicts of arrays."""
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(p["Wxh"], xs[t]) + np.dot(p["Whh"], hs[t - 1]) + p["bh"])
        ys[t] = np.dot(p["Why"], hs[t]) + p["by"]
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    d = {k: np.zeros_like(v) for k, v in p.items()}
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        d["Why"] += np.dot(dy, hs[t].T)
        d["by"] += dy
        dh = np.dot(p["Why"].T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        d["bh"] += dhraw
        d["Wxh"] += np.dot(dhraw, xs[t].T)
        d["Whh"] += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(p["Whh"].T, dhraw)
    for k in d:
        np.clip(d[k], -5, 5, out=d[k])
        mem[k] += d[k] * d[k]
        p[k] += -learning_rate * d[k] / np.sqrt(mem[k] + 1e-8)
    return loss, hs[len(inputs) - 1]


def test_batch_one_equals_the_per_character_loop_for_100_steps():
    text = (ROOT / "data" / "linux_man.txt").read_text(encoding="ascii")[:20_000]
    chars = sorted(set(text))
    data = np.array([chars.index(c) for c in text])
    V, H, T = len(chars), 100, 25
    model = RNN(vocab_size=V, hidden_size=H, seq_length=T, learning_rate=0.1, seed=0)
    p = {k: getattr(model, k).copy() for k in ["Wxh", "Whh", "Why", "bh", "by"]}
    mem = {k: np.zeros_like(v) for k, v in p.items()}
    h_ref = h = np.zeros((H, 1))
    for n in range(100):
        inputs, targets = data[n * T:(n + 1) * T], data[n * T + 1:(n + 1) * T + 1]
        loss_ref, h_ref = min_char_rnn_step(p, mem, inputs, targets, h_ref, V)
        loss, h = model.train_step(inputs, targets, h)
        assert np.isclose(loss, loss_ref, rtol=1e-9, atol=0), n
    for k, ref in p.items():
        np.testing.assert_allclose(getattr(model, k), ref, rtol=1e-9, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(h, h_ref, rtol=1e-9, atol=1e-12)
    assert not np.allclose(p["Whh"], 0)  # the run actually moved the weights
