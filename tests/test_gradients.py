"""The analytic gradient of RNN.loss matches central differences, for every entry of every parameter."""

import numpy as np
import pytest

from rnn import GRU, LSTM, RNN
from rnn.checks import numeric_gradient


@pytest.mark.parametrize("fast", [False, True], ids=["the pages' code", "the fast path"])
@pytest.mark.parametrize("batch", [None, 3], ids=["one stream", "batch of 3"])
def test_analytic_gradient_matches_central_differences(batch, fast):
    V, H, T = 7, 6, 5
    model = RNN(vocab_size=V, hidden_size=H, seq_length=T, seed=0, fast=fast)
    rng = np.random.default_rng(1)
    for name in ["Wxh", "Whh", "Why", "bh", "by"]:  # away from the near-linear regime of the 0.01 init
        setattr(model, name, rng.standard_normal(getattr(model, name).shape) * 0.5)
    shape = (T,) if batch is None else (T, batch)
    inputs, targets = rng.integers(0, V, shape), rng.integers(0, V, shape)
    inputs[1] = inputs[3]  # a repeated character: its column of dWxh must accumulate both steps
    hprev = rng.standard_normal((H, 1 if batch is None else batch)) * 0.5

    _, grads, _ = model.loss(inputs, targets, hprev)
    assert set(grads) == {"Wxh", "Whh", "Why", "bh", "by"}
    for name, grad in grads.items():
        numeric = numeric_gradient(lambda: model.loss(inputs, targets, hprev)[0], getattr(model, name))
        rel = np.abs(numeric - grad) / np.maximum(np.abs(numeric) + np.abs(grad), 1e-10)
        assert rel.max() < 1e-6, f"{name}: relative error {rel.max():.2e}"


@pytest.mark.parametrize("cls, bias", [(RNN, "bh"), (LSTM, "b"), (GRU, "b")])
def test_loss_returns_raw_gradients_and_train_step_clips_them_at_5(cls, bias):
    model = cls(vocab_size=4, hidden_size=3, seq_length=3, learning_rate=0.1, seed=0)
    model.Why = np.random.default_rng(0).standard_normal((4, 3)) * 100
    setattr(model, bias, np.full(getattr(model, bias).shape, 2.0))
    inputs, targets = [0, 1, 2], [1, 2, 3]
    expected, mem = model.theta.copy(), np.zeros_like(model.theta)
    for _ in range(2):  # Adagrad's first step is lr * sign(g) either way: the second one tells
        _, grads, _ = model.loss(inputs, targets, None)
        g = np.concatenate([grads[name].ravel() for name in model.params])
        assert np.abs(g).max() > 5  # loss returns the raw, unclipped gradient
        g = np.clip(g, -5, 5)
        mem += g * g
        expected -= 0.1 * g / np.sqrt(mem + 1e-8)
        model.train_step(inputs, targets, None)
        np.testing.assert_allclose(model.theta, expected, rtol=1e-12, atol=1e-15)
