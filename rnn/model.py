# Generated from docs/model.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/model/

"""class RNN: the pieces of the book behind loss, train_step and sample."""

import math
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable

import numpy as np

from rnn import bptt, cell, fast
from rnn.arguments import (check_array, check_counts, check_dtype, check_indices,
                           check_positive, check_type, generator)
from rnn.clip import clip_elementwise
from rnn.init import init_params, param_shapes
from rnn.loss import cross_entropy, cross_entropy_grad, softmax
from rnn.optim import OPTIMIZERS
from rnn.sample import sample


class Parameter:
    """A named view into the model's flat vector: read it, or assign a value into it."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, model, owner=None):
        return self if model is None else model.params[self.name]

    def __set__(self, model, value):
        view = model.params[self.name]
        view[...] = check_array(self.name, value, view.shape, view.dtype)


def loss_and_grad(ys, targets):
    """Scores ys (T, V, B), targets (T, B) -> the loss, and dL/dys (T, V, B)."""
    ps = softmax(ys)
    return cross_entropy(ps, targets), cross_entropy_grad(ps, targets)


@dataclass(frozen=True)
class Cell:
    """A recurrent cell's passes over a window, and the loss of its scores."""

    forward: Callable
    backward: Callable
    loss: Callable = loss_and_grad

    def using(self, work):
        """This cell, its passes reusing the arrays that work keeps between windows."""
        return replace(self, forward=partial(self.forward, work=work),
                       backward=partial(self.backward, work=work))


GREEDY_BELOW = 1e-3  # a temperature this near 0 is greedy: dividing would overflow


class Recurrent:
    """The flat parameters, input checks, loss, clipping and update, for any cell."""

    state_rows = 1  # the state is this many blocks of H rows: h (the LSTM, later: h, c)

    def __init__(self, vocab_size, hidden_size=100, seq_length=25, learning_rate=None,
                 seed=None, dtype=np.float64, optimizer="adagrad", clip=5.0,
                 init_scale=None, fast=True):
        if not (isinstance(optimizer, str) and optimizer in OPTIMIZERS):
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, "
                             f"not {optimizer!r}")
        if learning_rate is None:
            learning_rate = OPTIMIZERS[optimizer].learning_rate  # its own default
        check_counts(vocab_size=vocab_size, hidden_size=hidden_size,
                     seq_length=seq_length)
        check_positive(learning_rate=learning_rate, clip=clip)
        if init_scale is None:
            init_scale = self.default_init_scale(hidden_size)
        check_positive(init_scale=init_scale)
        check_type(bool, fast=fast)
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.seq_length, self.learning_rate, self.clip = seq_length, learning_rate, clip
        self.dtype = check_dtype(dtype)
        self.init_scale = init_scale
        self.rng = generator(seed)
        initial = self.initial_params(vocab_size, hidden_size, self.rng, self.dtype)
        self.theta = np.concatenate([value.ravel() for value in initial.values()])
        self.params, start = {}, 0
        for name, value in initial.items():  # a view into theta per parameter, in order
            view = self.theta[start:start + value.size]
            self.params[name] = view.reshape(value.shape)
            start += value.size
        self.optimizer = OPTIMIZERS[optimizer](self.theta.size, learning_rate,
                                               dtype=self.dtype)
        self.work = {}  # the arrays the fast passes reuse: this model's, no one else's
        self.cell = self.fast_cell.using(self.work) if fast else self.plain_cell

    def batch(self, inputs, hprev, name="inputs", state="hprev"):
        """inputs (T,) or (T, B), hprev (S, B) or None: checked -> (T, B), (S, B)."""
        inputs = check_indices(name, inputs, self.vocab_size)
        shape = (self.state_rows * self.hidden_size, inputs.shape[1])
        if hprev is None:
            return inputs, np.zeros(shape, self.dtype)
        return inputs, check_array(state, hprev, shape, self.dtype)

    @staticmethod
    def default_init_scale(hidden_size):
        return 0.01  # min-char-rnn's; the gated cells, later, use 1/sqrt(hidden_size)

    def initial_params(self, vocab_size, hidden_size, rng, dtype):
        shapes = self.param_shapes(vocab_size, hidden_size)
        return init_params(shapes, rng, self.init_scale, dtype)

    def loss(self, inputs, targets, hprev):
        inputs, hprev = self.batch(inputs, hprev)
        targets = check_indices("targets", targets, self.vocab_size, like=inputs)
        ys, cache, h = self.cell.forward(inputs, hprev, **self.params)
        loss, dys = self.cell.loss(ys, targets)
        grads, _ = self.cell.backward(inputs, cache, dys, **self.params)
        return loss, grads, h

    def predict(self, inputs, hprev):
        inputs, hprev = self.batch(inputs, hprev)
        ys, _, h = self.cell.forward(inputs, hprev, **self.params)
        return softmax(ys), h

    def train_step(self, inputs, targets, hprev):
        loss, grads, h = self.loss(inputs, targets, hprev)
        if not math.isfinite(loss):  # its step would be NaN: keep the weights
            return loss, h
        dtheta = np.concatenate([grads[name].ravel() for name in self.params])
        clip_elementwise(dtheta, self.clip)
        self.optimizer.update(self.theta, dtheta)
        return loss, h

    def sample(self, h, seed_ix, n, temperature=1.0, rng=None, top_k=None):
        seed_ix, h = self.batch(np.atleast_1d(seed_ix)[None, :], h, "seed_ix", "h")
        check_counts(n=n)
        check_positive(zero=True, temperature=temperature)
        rng = self.rng if rng is None else rng
        check_type(np.random.Generator, rng=rng)
        if top_k is not None:
            check_counts(top_k=top_k)
        if temperature < GREEDY_BELOW:  # greedy: the top 1, the most likely
            temperature, top_k = 1.0, 1
        ixes = sample(self.read, h, seed_ix[0], n, temperature, rng, top_k)
        return ixes[:, 0].tolist() if ixes.shape[1] == 1 else ixes

    def step(self, ix, h):
        """read, checked: characters ix (B,), state h (S, B) -> scores (V, B), state."""
        ix, h = self.batch(np.atleast_1d(ix)[None, :], h, "ix", "h")
        return self.read(ix[0], h)


class RNN(Recurrent):
    Wxh, Whh, Why, bh, by = (Parameter() for _ in range(5))
    param_shapes = staticmethod(param_shapes)
    plain_cell = Cell(cell.forward, bptt.backward)
    fast_cell = Cell(fast.forward, fast.backward, fast.loss)

    def read(self, ix, h):
        """Characters ix (B,), state h (H, B) -> the next scores (V, B) and state."""
        h = cell.step(self.Wxh, self.Whh, self.bh, ix, h)
        return self.Why @ h + self.by, h
