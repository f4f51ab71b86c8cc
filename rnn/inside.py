# Generated from docs/inside.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/inside/

"""What the widgets of "Inside the model" compute: a model trained in slices, and
what the shipped model sees as it reads a text."""

import functools
import math
import time

import numpy as np

from rnn.cell import forward
from rnn.checkpoint import load
from rnn.data import Vocab, corpus_path, model_path, read_text, split_pages, windows
from rnn.loss import softmax
from rnn.model import RNN
from rnn.train import evaluate


@functools.cache
def corpus():
    """The shipped corpus, its vocabulary and its held-out pages, read once."""
    text = read_text(corpus_path())
    train, val, _ = split_pages(text)
    return Vocab(text), train, val


# Small, and a bold step size: what learns most per second without BLAS
# (scripts/time_widgets.py measured it).
BROWSER = {"hidden_size": 48, "batch_size": 32, "seq_length": 25, "learning_rate": 6e-3}


class Trainer:
    def __init__(self, hidden_size, batch_size, seq_length, learning_rate=None, seed=0,
                 val_chars=10_000):
        vocab, train, val = corpus()
        self.vocab = vocab
        self.model = RNN(vocab_size=len(vocab), hidden_size=hidden_size,
                         seq_length=seq_length, learning_rate=learning_rate, seed=seed,
                         dtype=np.float32, optimizer="adam")
        self.batches = windows(vocab.encode(train), seq_length, batch_size)
        self.val = vocab.encode(val[:val_chars])
        self.h, self.chars, self.seconds = None, 0, 0.0

    def train_for(self, seconds):
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            position, X, Y = next(self.batches)  # (T, B) each
            if position == 0:
                self.h = None  # the lanes start again: so does the state
            loss, self.h = self.model.train_step(X, Y, self.h)
            self.chars += X.size
        self.seconds += time.perf_counter() - start
        return {"chars": self.chars, "seconds": self.seconds,
                "bits": float(loss / self.model.seq_length / math.log(2))}

    def val_bpc(self):
        return evaluate(self.model, self.val)

    def sample(self, n, seed):
        h = np.zeros((self.model.hidden_size, 1), self.model.dtype)
        rng = np.random.default_rng(seed)
        ixes = self.model.sample(h, self.vocab.index["\n"], n, 1.0, rng)
        return self.vocab.decode(ixes)


@functools.cache
def shipped():
    return load(model_path())


def read(text, unit, guesses=5):
    """Per character of `text`: the value of hidden unit `unit` right after it, its
    surprise in bits, and the model's top guesses for it."""
    ckpt = shipped()
    model, vocab = ckpt.model, ckpt.vocab
    if not 0 <= unit < model.hidden_size:
        raise ValueError(f"unit must be in [0, {model.hidden_size}), not {unit}")
    x = vocab.encode(text)
    h = np.zeros((model.hidden_size, 1), model.dtype)
    ys, hs, _ = forward(x[:, None], h, **model.params)  # (T, V, 1), hs[t] (H, 1)
    ps = softmax(ys)[:, :, 0]  # (T, V): p for the character after each one
    bits = [None] + [float(-np.log2(ps[t - 1, x[t]])) for t in range(1, len(x))]
    top = np.argsort(-ps, axis=1)[:, :guesses]  # (T, guesses)
    return {
        "activation": [float(hs[t][unit, 0]) for t in range(len(x))],
        "bits": bits,
        "guesses": [[]] + [[[vocab.chars[k], float(ps[t - 1, k])] for k in top[t - 1]]
                           for t in range(1, len(x))],
    }


def excerpt(chars=600):
    """The start of the held-out man pages: text the model never trained on."""
    _, _, val = corpus()
    return val[:chars]
