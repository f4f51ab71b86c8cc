# Generated from docs/common-bugs.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/common-bugs/

"""The checks that catch the common bugs, and a way to plant one in the book's code."""

import dataclasses
import inspect
import math
import textwrap
import types

import numpy as np

from rnn.data import Vocab, corpus_path, windows
from rnn.model import RNN


def mutant(obj, old, new):
    """A copy of the book's function or class obj, with the text old of its source
    replaced by new."""
    source = textwrap.dedent(inspect.getsource(obj))
    if source.count(old) != 1:
        raise ValueError(f"{old!r} is not in {obj.__qualname__} exactly once")
    namespace = dict(vars(inspect.getmodule(obj)))  # the globals it has in the book
    exec(source.replace(old, new), namespace)
    return namespace[obj.__name__]


def rebind(func, **names):
    """A copy of func that calls the given functions in place of the book's."""
    return types.FunctionType(func.__code__, {**func.__globals__, **names},
                              func.__name__, func.__defaults__, func.__closure__)


def rnn_with(**pieces):
    """The book's RNN, with pieces of its plain cell replaced (forward, backward...)."""
    cell = dataclasses.replace(RNN.plain_cell, **pieces)
    return type("RNN", (RNN,), {"plain_cell": cell})




def numeric_gradient(f, x, eps=1e-5):
    """Central differences of the scalar f() in every entry of the array x, which
    is changed in place and put back."""
    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        plus = f()
        x[index] = old - eps
        minus = f()
        x[index] = old
        numeric[index] = (plus - minus) / (2 * eps)
    return numeric


def gradient_error(model_class, seed=0, eps=1e-5, **options):
    """The largest relative error between model.loss's gradient and central
    differences, over every entry of every parameter, on a random window of three
    streams, two of which read the same character at step 1. options go to the model."""
    V, H, T, B = 5, 4, 4, 3
    model = model_class(vocab_size=V, hidden_size=H, seq_length=T, fast=False,
                        **options)
    rng = np.random.default_rng(seed)
    # weights large enough to leave the nearly linear regime of a fresh model
    model.theta[:] = rng.standard_normal(model.theta.size) * 0.5
    inputs, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    inputs[1, 1] = inputs[1, 0]
    hprev = rng.standard_normal((H, B)) * 0.5
    _, grads, _ = model.loss(inputs, targets, hprev)
    worst = 0.0
    for name, param in model.params.items():
        numeric = numeric_gradient(lambda: model.loss(inputs, targets, hprev)[0], param,
                                   eps)
        size = np.maximum(np.abs(numeric) + np.abs(grads[name]), 1e-12)
        worst = max(worst, float((np.abs(numeric - grads[name]) / size).max()))
    return worst




def train_bits(model_class, steps, optimizer=None, make_windows=windows):
    """Bits per character of the last 100 of `steps` training steps (H = 32, T = 25,
    B = 4), with the model's optimizer replaced by `optimizer` if given."""
    text = corpus_path().read_text(encoding="ascii")[:50_000]
    vocab = Vocab(text)
    model = model_class(vocab_size=len(vocab), hidden_size=32, seq_length=25, seed=0,
                        fast=False)
    if optimizer is not None:
        model.optimizer = optimizer(model.theta.size, model.learning_rate)
    losses, h = [], None
    batches = make_windows(vocab.encode(text), 25, 4)
    with np.errstate(all="ignore"):  # a bug may overflow: its nan is the result
        for _, (position, inputs, targets) in zip(range(steps), batches):
            loss, h = model.train_step(inputs, targets, None if position == 0 else h)
            losses.append(loss)
    return float(np.mean(losses[-100:])) / 25 / math.log(2)
