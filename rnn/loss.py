# Generated from docs/loss.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/loss/

"""Softmax over the vocabulary, and the cross-entropy loss of the targets."""

import numpy as np


def softmax(ys):
    e = np.exp(ys - ys.max(axis=-2, keepdims=True))  # the vocabulary is axis -2
    e /= e.sum(axis=-2, keepdims=True)
    return e


def cross_entropy(ps, targets):
    T, B = targets.shape
    p_target = ps[np.arange(T)[:, None], targets, np.arange(B)]
    return -np.log(p_target).sum() / B
