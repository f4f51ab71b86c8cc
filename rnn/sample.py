# Generated from docs/sampling.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/sampling/

"""Sampling: feed each drawn character back in, with a temperature on the softmax."""

import numpy as np

from rnn.loss import softmax


def kth_largest(p, k):
    return -np.partition(-p, k - 1, axis=0)[k - 1]  # (B,)


def draw(p, rng, top_k=None):
    """Probabilities p (V, B) -> one character per stream (B,), from its column
    (from its top_k largest only, if given)."""
    if top_k is not None and top_k < len(p):
        p = np.where(p >= kth_largest(p, top_k), p, 0)
    cdf = np.cumsum(p, axis=0)
    u = rng.random(p.shape[1]) * cdf[-1]
    return (cdf <= u).sum(axis=0)  # the first k with cdf[k] > u


def sample(step, h, seed_ix, n, temperature, rng, top_k=None):
    """step(ix, h) -> scores (V, B), next state; seed_ix (B,) -> characters (n, B)."""
    ixes = np.empty((n, h.shape[1]), dtype=np.int64)
    ix = seed_ix
    for t in range(n):
        y, h = step(ix, h)  # (V, B), and the state the next character starts from
        p = softmax(y / temperature)  # (V, B)
        ix = ixes[t] = draw(p, rng, top_k)
    return ixes
