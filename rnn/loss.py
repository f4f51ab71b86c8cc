# Generated from docs/loss.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/loss/

"""Softmax over the vocabulary, the cross-entropy of the targets, and its gradient."""

import numpy as np


def softmax(ys):
    """Scores ys (T, V, B) -> probabilities ps (T, V, B) over the vocabulary."""
    e = np.exp(ys - ys.max(axis=-2, keepdims=True))
    return e / e.sum(axis=-2, keepdims=True)


def cross_entropy(ps, targets):
    """ps (T, V, B), targets (T, B) -> the loss, summed over steps and streams, / B."""
    p_targets = np.take_along_axis(ps, targets[:, None, :], axis=1)  # (T, 1, B)
    return -np.log(p_targets).sum() / targets.shape[1]


def cross_entropy_grad(ps, targets):
    """ps (T, V, B), targets (T, B) -> dys (T, V, B) = (p - onehot(target)) / B."""
    T, B = targets.shape
    dys = ps / B  # (T, V, B)
    for t in range(T):
        dys[t, targets[t], np.arange(B)] -= 1 / B  # the target of each stream b
    return dys
