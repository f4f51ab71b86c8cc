# Generated from docs/clipping.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/clipping/

"""Gradient clipping: elementwise (min-char-rnn's), and by the global norm."""

import numpy as np


def clip_elementwise(g, limit=5.0):
    return np.clip(g, -limit, limit, out=g)


def clip_norm(g, max_norm):
    norm = np.linalg.norm(g)
    if norm > max_norm:
        g *= max_norm / norm
    return g
