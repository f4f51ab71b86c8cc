"""min-char-rnn's lossFun and Adagrad update, as in the original: one-hot vectors, np.dot, dicts.

The one copy of Karpathy's per-character loop in the repository. `scripts/bench.py` times it, as the
history row of its table, and `tests/test_equivalence.py` checks that the package computes the same
numbers at batch one in float64. The parameters are a dict {"Wxh", "Whh", "Why", "bh", "by"} of
float64 arrays instead of the original's globals; nothing else differs.
"""

import numpy as np


def lossFun(p, inputs, targets, hprev):
    """The summed loss of one window, the gradients (a dict like p), and the last state."""
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    vocab_size = len(p["by"])
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
    for dparam in d.values():
        np.clip(dparam, -5, 5, out=dparam)
    return loss, d, hs[len(inputs) - 1]


def train_step(p, mem, inputs, targets, hprev, learning_rate=0.1):
    """lossFun, then min-char-rnn's Adagrad update of p in place; mem holds the squared gradients."""
    loss, d, h = lossFun(p, inputs, targets, hprev)
    for k in p:
        mem[k] += d[k] * d[k]
        p[k] += -learning_rate * d[k] / np.sqrt(mem[k] + 1e-8)
    return loss, h


def init(model):
    """float64 copies of a package RNN's weights, and zero Adagrad memories."""
    p = {k: np.array(getattr(model, k), dtype=np.float64) for k in ["Wxh", "Whh", "Why", "bh", "by"]}
    return p, {k: np.zeros_like(v) for k, v in p.items()}
