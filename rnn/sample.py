# Generated from docs/sampling.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/sampling/

"""Sampling: feed each drawn character back in, with a temperature on the softmax."""

import numpy as np


def kth_largest(y, k):
    return -np.partition(-y, k - 1, axis=0)[k - 1]  # (B,)


def draw(p, rng, top_k=None):
    if top_k is not None and top_k < len(p):
        p = np.where(p >= kth_largest(p, top_k), p, 0)
    cdf = np.cumsum(p, axis=0)
    u = rng.random(p.shape[1]) * cdf[-1]
    return (cdf <= u).sum(axis=0)  # the first k with cdf[k] > u


def gumbel_noise(rng, n, shape, block=1024):
    for start in range(0, n, block):
        yield from -np.log(rng.standard_exponential(size=(min(block, n - start), *shape)))


def sample(Wxh, Whh, Why, bh, by, h, seed_ix, n, temperature, rng, top_k=None):
    ixes = np.empty((n, h.shape[1]), dtype=np.int64)
    xs, Why_t, by_t = Wxh + bh, Why / temperature, by / temperature
    ix = seed_ix
    for t, g in enumerate(gumbel_noise(rng, n, (len(by), h.shape[1]))):
        h = np.tanh(xs.take(ix, axis=1) + Whh.dot(h))
        y = Why_t.dot(h) + by_t
        if top_k is not None and top_k < len(y):
            y = np.where(y >= kth_largest(y, top_k), y, -np.inf)
        ix = ixes[t] = (y + g).argmax(axis=0)
    return ixes
