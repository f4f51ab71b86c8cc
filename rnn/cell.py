# Generated from docs/cell.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/cell/

"""The RNN cell: h = tanh(Wxh x + Whh h_prev + bh), y = Why h + by."""

import numpy as np


def step(Wxh, Whh, bh, ix, h_prev):
    return np.tanh(Wxh[:, ix] + Whh @ h_prev + bh)


def forward(Wxh, Whh, Why, bh, by, inputs, hprev):
    T = inputs.shape[0]
    hs = np.empty((T + 1, *hprev.shape), dtype=hprev.dtype)
    hs[-1] = hprev
    xs = np.moveaxis(Wxh[:, inputs], 1, 0)  # xs[t] = Wxh @ onehot(inputs[t])
    for t in range(T):
        hs[t] = np.tanh(xs[t] + Whh @ hs[t - 1] + bh)
    ys = Why @ hs[:T] + by
    return hs, ys
