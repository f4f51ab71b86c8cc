# Generated from docs/sampling.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/sampling/

"""The sampling playground: the shipped model's next character, and its writing,
after any prime."""

import numpy as np

from rnn.inside import shipped
from rnn.loss import softmax
from rnn.sample import kth_largest


def primed(prime):
    ckpt = shipped()
    if not prime:
        raise ValueError("the prime must hold at least one character")
    x = ckpt.vocab.encode(prime)
    h = ckpt.model.predict(x[:-1], None)[1] if len(x) > 1 else None  # before x[-1]
    return ckpt, h, x[-1]


def next_chars(prime, temperature, top_k=None, shown=10):
    """The `shown` likeliest next characters after `prime`, with their probabilities."""
    ckpt, h, ix = primed(prime)
    model = ckpt.model
    _, h = model.predict(np.array([ix]), h)  # (H, 1): after the whole prime
    y = model.Why @ h + model.by  # (V, 1)
    if temperature == 0:
        p = (y == y.max()).astype(float)  # greedy: one character takes it all
    else:
        p = softmax(y / temperature)
    if top_k is not None and top_k < len(p):
        p = np.where(p >= kth_largest(p, top_k), p, 0)
    p = p[:, 0] / p.sum()
    top = np.argsort(-p, kind="stable")[:shown]
    return [[ckpt.vocab.chars[k], float(p[k])] for k in top]


def write(prime, n, temperature, top_k=None, seed=0):
    """`n` characters after `prime`, as `rnn-sample --prime` writes them."""
    ckpt, h, ix = primed(prime)
    rng = np.random.default_rng(seed)
    return ckpt.vocab.decode(ckpt.model.sample(h, ix, n, temperature, rng, top_k))
