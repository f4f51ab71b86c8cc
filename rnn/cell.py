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


def states(hprev, T):
    """Room for T + 1 states laid out as columns, with hprev in the last slot, hs[-1]."""
    hs = steps(np.empty((len(hprev), (T + 1) * hprev.shape[1]), hprev.dtype), T + 1)
    hs[-1] = hprev
    return hs


def output(Why, by, hs):
    """The scores y = Why h + by of every step and stream, in one product."""
    ys = Why @ columns(hs)
    ys += by
    return steps(ys, len(hs))


def forward(Wxh, Whh, Why, bh, by, inputs, hprev):
    T = len(inputs)
    hs = states(hprev, T)
    xs = np.moveaxis((Wxh + bh)[:, inputs], 1, 0)  # xs[t] = Wxh @ onehot(inputs[t]) + bh
    for t in range(T):
        hs[t] = np.tanh(xs[t] + Whh @ hs[t - 1])
    return hs, output(Why, by, hs[:T])
