# Generated from docs/cell.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/cell/

"""The RNN cell: h = tanh(Wxh x + Whh hprev + bh), y = Why h + by."""

import numpy as np


def step(Wxh, Whh, bh, ix, hprev):
    """Characters ix (B,) and the state hprev (H, B) -> the next state (H, B)."""
    return np.tanh(Wxh[:, ix] + Whh @ hprev + bh)


def forward(inputs, hprev, Wxh, Whh, Why, bh, by):
    """inputs (T, B), hprev (H, B) -> ys (T, V, B), hs {t: (H, B)}, last state."""
    (T, B), V = inputs.shape, len(by)
    hs = {-1: hprev}  # hs[t] for t = -1 .. T - 1
    ys = np.empty((T, V, B), hprev.dtype)
    for t in range(T):
        hs[t] = step(Wxh, Whh, bh, inputs[t], hs[t - 1])  # (H, B)
        ys[t] = Why @ hs[t] + by  # (V, B)
    return ys, hs, hs[T - 1]
