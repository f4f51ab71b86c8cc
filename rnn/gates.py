# Generated from docs/next-steps.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/next-steps/

"""The logistic sigmoid that makes the LSTM's and the GRU's gates."""

import numpy as np


def sigmoid(a):
    return 0.5 * (1 + np.tanh(0.5 * a))
