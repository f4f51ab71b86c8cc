# Generated from docs/bptt.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/bptt/

"""Backpropagation through time: one window's gradients, one step at a time."""

import numpy as np


def backward(inputs, hs, dys, Wxh, Whh, Why, bh, by):
    """dys (T, V, B), inputs (T, B), forward's hs -> gradients, and dL/dhprev (H, B)."""
    V = Wxh.shape[1]
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[-1])  # nothing flows back from beyond the window
    for t in reversed(range(len(inputs))):
        dWhy += dys[t] @ hs[t].T  # (V, B) @ (B, H): summed over streams
        dby += dys[t].sum(axis=1, keepdims=True)
        dh = Why.T @ dys[t] + dhnext  # (H, B): from y_t, and from h_{t+1}
        dhraw = (1 - hs[t] * hs[t]) * dh  # back through the tanh
        dbh += dhraw.sum(axis=1, keepdims=True)
        dWxh += dhraw @ np.eye(V, dtype=dhraw.dtype)[inputs[t]]  # dhraw x_t^T
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw  # the gradient flowing into h_{t-1}
    grads = {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby}
    return grads, dhnext
