# Generated from docs/adagrad.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/adagrad/

"""Optimizers on the model's flat parameter vector: Adagrad (min-char-rnn's), RMSprop,
Adam."""

import numpy as np


class Adagrad:
    learning_rate = 0.1  # min-char-rnn's; the default everywhere, CLI included

    def __init__(self, size, learning_rate=None, eps=1e-8, dtype=np.float64):
        if learning_rate is not None:
            self.learning_rate = learning_rate
        self.eps = eps
        self.mem = np.zeros(size, dtype=dtype)

    def update(self, theta, g):
        self.mem += g * g
        theta -= self.learning_rate * g / np.sqrt(self.mem + self.eps)


class RMSprop:
    learning_rate = 1e-3

    def __init__(self, size, learning_rate=None, rho=0.9, eps=1e-8, dtype=np.float64):
        if learning_rate is not None:
            self.learning_rate = learning_rate
        self.rho, self.eps = rho, eps
        self.mem = np.zeros(size, dtype=dtype)

    def update(self, theta, g):
        self.mem *= self.rho
        self.mem += (1 - self.rho) * g * g
        theta -= self.learning_rate * g / np.sqrt(self.mem + self.eps)


class Adam:
    learning_rate = 2e-3

    def __init__(self, size, learning_rate=None, beta1=0.9, beta2=0.999, eps=1e-8,
                 dtype=np.float64):
        if learning_rate is not None:
            self.learning_rate = learning_rate
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.v = np.zeros(size, dtype=dtype)
        self.mem = np.zeros(size, dtype=dtype)
        # an array, so a checkpoint saves it like the rest
        self.n = np.zeros((), dtype=np.int64)

    def update(self, theta, g):
        self.n += 1
        n = int(self.n)  # a Python int, so that a float32 model updates in float32
        self.v *= self.beta1
        self.v += (1 - self.beta1) * g
        self.mem *= self.beta2
        self.mem += (1 - self.beta2) * g * g
        v_hat = self.v / (1 - self.beta1**n)
        m_hat = self.mem / (1 - self.beta2**n)
        theta -= self.learning_rate * v_hat / (np.sqrt(m_hat) + self.eps)


OPTIMIZERS = {"adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam}


def state(optimizer):
    return {
        name: value
        for name, value in vars(optimizer).items()
        if isinstance(value, np.ndarray)
    }
