# Generated from docs/cell.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/cell/

"""The RNN cell: h = tanh(Wxh x + Whh h_prev + bh), y = Why h + by, one step at a time."""

import numpy as np


def step(Wxh, Whh, bh, ix, h_prev):
    """Characters ix (B,) and the state h_prev (H, B) -> the next state (H, B)."""
    return np.tanh(Wxh[:, ix] + Whh @ h_prev + bh)


def forward(Wxh, Whh, Why, bh, by, inputs, hprev):
    """inputs (T, B), hprev (H, B) -> scores ys (T, V, B), states hs, last state (H, B)."""
    T, B = inputs.shape
    hs = {-1: hprev}
    ys = np.empty((T, len(by), B), hprev.dtype)
    for t in range(T):
        hs[t] = step(Wxh, Whh, bh, inputs[t], hs[t - 1])  # (H, B)
        ys[t] = Why @ hs[t] + by  # (V, B)
    return ys, hs, hs[T - 1]
