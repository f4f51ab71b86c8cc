# Generated from docs/bptt.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/bptt/

"""Backpropagation through time: the gradients of the summed loss of one window."""

import numpy as np


def backward(Wxh, Whh, Why, inputs, targets, hs, ps):
    T, B = targets.shape
    dys = ps.copy()
    dys[np.arange(T)[:, None], targets, np.arange(B)] -= 1  # dy = p - onehot(target)
    dys /= B  # the loss is averaged over the batch
    dWhy = np.tensordot(dys, hs[:T], axes=([0, 2], [0, 2]))
    dby = dys.sum(axis=(0, 2))[:, None]

    dhs = Why.T @ dys  # each step's gradient from its own output
    dhraws = np.empty_like(dhs)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dh = dhs[t] + dhnext
        dhraws[t] = (1 - hs[t] * hs[t]) * dh
        dhnext = Whh.T @ dhraws[t]

    dWhh = np.tensordot(dhraws, np.roll(hs, 1, axis=0)[:T], axes=([0, 2], [0, 2]))
    dbh = dhraws.sum(axis=(0, 2))[:, None]
    dWxh = np.zeros_like(Wxh)
    np.add.at(dWxh.T, inputs, np.swapaxes(dhraws, 1, 2))  # column inputs[t, b] += dhraw
    return {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby}
