# Generated from docs/cell.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/cell/

"""The RNN cell: h = tanh(Wxh x + Whh h_prev + bh), y = Why h + by."""

import numpy as np


def step(Wxh, Whh, bh, ix, h_prev):
    return np.tanh(Wxh[:, ix] + Whh @ h_prev + bh)


def columns(a):
    """(T, H, B) as one (H, T*B) matrix, a column per step and stream."""
    return a.transpose(1, 0, 2).reshape(a.shape[1], -1)


def steps(m, T):
    """An (H, T*B) matrix as T blocks of (H, B): the inverse of columns, always a view."""
    return m.reshape(m.shape[0], T, -1).transpose(1, 0, 2)


def forward(Wxh, Whh, Why, bh, by, inputs, hprev):
    T, B = inputs.shape
    hs = steps(np.empty((len(hprev), (T + 1) * B), hprev.dtype), T + 1)
    hs[-1] = hprev
    xs = np.moveaxis((Wxh + bh)[:, inputs], 1, 0)  # xs[t] = Wxh @ onehot(inputs[t]) + bh
    for t in range(T):
        hs[t] = np.tanh(xs[t] + Whh @ hs[t - 1])
    ys = Why @ columns(hs[:T])  # the scores of every step and stream, in one product
    ys += by
    return hs, steps(ys, T)
