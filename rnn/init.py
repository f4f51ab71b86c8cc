# Generated from docs/initialization.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/initialization/

"""Weight initialization: small Gaussian weights and zero biases, as in min-char-rnn."""

import numpy as np


def param_shapes(vocab_size, hidden_size):
    H, V = hidden_size, vocab_size
    return {"Wxh": (H, V), "Whh": (H, H), "Why": (V, H), "bh": (H, 1), "by": (V, 1)}


def init_params(shapes, rng, scale=0.01, dtype=np.float64):
    return {
        name: (
            rng.standard_normal(shape) * scale
            if name.startswith("W")
            else np.zeros(shape)
        ).astype(dtype)
        for name, shape in shapes.items()
    }
