# Generated from docs/sampling.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/sampling/

"""Sampling: feed each drawn character back in, with a temperature on the softmax."""

import numpy as np


def draw(p, rng):
    cdf = np.cumsum(p, axis=0)
    u = rng.random(p.shape[1]) * cdf[-1]
    return (cdf <= u).sum(axis=0)  # the first k with cdf[k] > u


def gumbel_noise(rng, n, shape, block=1024):
    for start in range(0, n, block):
        size = (min(block, n - start), *shape)
        yield from -np.log(rng.standard_exponential(size=size))


def sample(Wxh, Whh, Why, bh, by, h, seed_ix, n, temperature, rng):
    ixes = np.empty((n, h.shape[1]), dtype=np.int64)
    xs, Why_t, by_t = Wxh + bh, Why / temperature, by / temperature
    ix = seed_ix
    for t, g in enumerate(gumbel_noise(rng, n, (len(by), h.shape[1]))):
        h = np.tanh(xs.take(ix, axis=1) + Whh.dot(h))
        ix = ixes[t] = (Why_t.dot(h) + by_t + g).argmax(axis=0)
    return ixes
