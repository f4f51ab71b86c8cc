# Generated from docs/bptt.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/bptt/

"""Backpropagation through time: the gradients of the summed loss of one window."""

import numpy as np

from rnn.cell import columns, steps


def output_grads(Why, targets, hs, ps):
    T, B = targets.shape
    dys = ps / B  # the loss is averaged over the batch
    dys[np.arange(T)[:, None], targets, np.arange(B)] -= 1 / B  # dy = (p - onehot(target)) / B
    dWhy = columns(dys) @ columns(hs[:T]).T
    dby = columns(dys).sum(axis=1, keepdims=True)
    dhs = steps(Why.T @ columns(dys), T)  # each step's gradient from its own output
    return dWhy, dby, dhs


def backward(Wxh, Whh, Why, inputs, targets, hs, ps):
    dWhy, dby, dhs = output_grads(Why, targets, hs, ps)
    T = len(dhs)
    dtanhs = 1 - hs[:T] * hs[:T]  # needs no dhnext, so all steps in one call
    dhraws = np.empty_like(dhs)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dh = dhs[t] + dhnext
        dhraws[t] = dtanhs[t] * dh
        dhnext = Whh.T @ dhraws[t]

    dWhh = recurrent_grad(dhraws, hs)
    dbh = columns(dhraws).sum(axis=1, keepdims=True)
    dWxh = input_grad(dhraws, inputs, Wxh.shape[1])
    return {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby}


def recurrent_grad(das, hs):
    dW = das[0] @ hs[-1].T  # step 0's previous state is hprev, kept in hs[-1]
    dW += columns(das[1:]) @ columns(hs[:len(das) - 1]).T  # the other steps' are hs[t - 1]
    return dW


def input_grad(das, inputs, V):
    onehots = np.eye(V, dtype=das.dtype)[inputs.ravel()]  # row t*B + b is onehot(inputs[t, b])
    return columns(das) @ onehots
