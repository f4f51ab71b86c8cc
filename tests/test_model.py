"""The claims of the model pages: the loss at init, overfitting, sampling, the API's shapes and errors."""

import numpy as np
import pytest

from rnn import GRU, LSTM, RNN
from rnn.cell import step
from rnn.init import param_shapes


def test_parameters_have_min_char_rnn_shapes_and_adagrad_memory_starts_at_zero():
    model = RNN(vocab_size=11, hidden_size=7, seed=0)
    shapes = {k: getattr(model, k).shape for k in ["Wxh", "Whh", "Why", "bh", "by"]}
    assert shapes == {"Wxh": (7, 11), "Whh": (7, 7), "Why": (11, 7), "bh": (7, 1), "by": (11, 1)}
    assert all(getattr(model, k).dtype == np.float64 for k in shapes)
    assert np.all(model.optimizer.mem == 0)
    assert np.all(model.bh == 0) and 0.005 < model.Wxh.std() < 0.015


def test_assigning_a_parameter_changes_the_model_and_checks_the_shape():
    model = RNN(vocab_size=5, hidden_size=3, seed=0)
    model.Whh = np.eye(3)
    assert np.array_equal(model.params["Whh"], np.eye(3))
    with pytest.raises(ValueError, match="^Whh must have shape"):
        model.Whh = np.eye(4)


def test_loss_at_init_is_T_ln_V():
    V, T = 80, 25
    model = RNN(vocab_size=V, seq_length=T, seed=3)
    rng = np.random.default_rng(0)
    loss, _, _ = model.loss(rng.integers(0, V, T), rng.integers(0, V, T), None)
    assert abs(loss - T * np.log(V)) < 0.01 * T * np.log(V)


def test_sampling_is_reproducible_with_a_seeded_generator():
    model = RNN(vocab_size=30, hidden_size=20, seed=0)
    model.Why = np.random.default_rng(1).standard_normal((30, 20))
    h = np.zeros((20, 1))
    a = model.sample(h, 3, 200, rng=np.random.default_rng(7))
    b = model.sample(h, 3, 200, rng=np.random.default_rng(7))
    c = model.sample(h, 3, 200, rng=np.random.default_rng(8))
    assert a == b and a != c
    assert len(a) == 200 and all(isinstance(i, int) and 0 <= i < 30 for i in a)


def test_temperature_near_zero_is_greedy_and_high_temperature_flattens():
    V, H = 12, 16
    model = RNN(vocab_size=V, hidden_size=H, seed=0)
    rng = np.random.default_rng(0)
    model.Wxh, model.Whh, model.Why = (rng.standard_normal(s) for s in [(H, V), (H, H), (V, H)])
    greedy, h, ix = [], np.zeros((H, 1)), 0
    for _ in range(50):
        h = step(model.Wxh, model.Whh, model.bh, [ix], h)  # the cell page's step
        ix = int(np.argmax(model.Why @ h + model.by))
        greedy.append(ix)
    assert model.sample(np.zeros((H, 1)), 0, 50, temperature=1e-3, rng=np.random.default_rng(0)) == greedy

    def entropy_of_samples(temperature):
        draws = model.sample(np.zeros((H, 1)), 0, 4000, temperature=temperature, rng=np.random.default_rng(1))
        freq = np.bincount(draws, minlength=V) / len(draws)
        return -np.sum(freq[freq > 0] * np.log(freq[freq > 0]))

    assert entropy_of_samples(0.5) < entropy_of_samples(1.0) < entropy_of_samples(100.0)
    assert entropy_of_samples(100.0) > 0.95 * np.log(V)  # nearly uniform


def test_batched_sample_returns_one_column_per_stream():
    model = RNN(vocab_size=9, hidden_size=5, seed=0)
    out = model.sample(np.zeros((5, 4)), np.array([0, 1, 2, 3]), 10, rng=np.random.default_rng(0))
    assert out.shape == (10, 4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"hidden_size": 0}, "hidden_size must be a positive integer"),
        ({"seq_length": -1}, "seq_length must be a positive integer"),
        ({"learning_rate": 0.0}, "learning_rate must be a positive finite number"),
        ({"dtype": np.int32}, "dtype must be float32 or float64"),
        ({"optimizer": "sgd"}, "optimizer must be one of"),
    ],
)
def test_bad_hyperparameters_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RNN(vocab_size=10, **kwargs)


def test_bad_inputs_are_refused_with_a_clear_message():
    model = RNN(vocab_size=10, hidden_size=4, seed=0)
    with pytest.raises(ValueError, match=r"in \[0, 10\)"):
        model.loss([1, 2, 10], [2, 3, 4], None)
    with pytest.raises(ValueError, match="differ in shape"):
        model.loss([1, 2, 3], [2, 3], None)
    with pytest.raises(ValueError, match="hprev must have shape"):
        model.loss([1, 2], [2, 3], np.zeros((5, 1)))
    with pytest.raises(ValueError, match="temperature must be a positive finite number"):
        model.sample(np.zeros((4, 1)), 0, 5, temperature=-1)


def test_float32_model_stays_float32():
    model = RNN(vocab_size=10, hidden_size=4, seed=0, dtype=np.float32)
    loss, h = model.train_step(np.arange(5), np.arange(1, 6), None)
    assert model.theta.dtype == np.float32 and h.dtype == np.float32
    assert model.Whh.dtype == np.float32 and np.isfinite(loss)



def test_adam_updates_a_float32_model_in_float32():
    from rnn.optim import Adam

    rng = np.random.default_rng(0)
    theta, g = rng.standard_normal((2, 1000)).astype(np.float32)
    adam = Adam(theta.size, dtype=np.float32)
    expected, v, m = theta.copy(), np.zeros_like(g), np.zeros_like(g)
    for n in range(1, 4):  # the same update with every array a float32 one
        adam.update(theta, g)
        v = 0.9 * v + 0.1 * g
        m = 0.999 * m + 0.001 * g * g
        v_hat, m_hat = v / (1 - 0.9**n), m / (1 - 0.999**n)
        expected -= 2e-3 * v_hat / (np.sqrt(m_hat) + 1e-8)
        assert v_hat.dtype == np.float32
        np.testing.assert_allclose(theta, expected, rtol=0, atol=0)

@pytest.mark.parametrize("make", [lambda: RNN(9, 6, seed=0), lambda: RNN(9, 6, seed=0, fast=False),
                                  lambda: LSTM(9, 6, seed=0), lambda: GRU(9, 6, seed=0)],
                         ids=["rnn fast", "rnn plain", "lstm", "gru"])
def test_every_sampler_draws_only_among_the_top_k_and_temperature_zero_is_greedy(make):
    model = make()
    model.theta[:] = np.random.default_rng(1).standard_normal(model.theta.size)
    rng = np.random.default_rng(2)
    h = rng.standard_normal((model.state_rows * model.hidden_size, 1)) * 0.5
    p, _ = model.predict([4], h)
    ranked = np.argsort(p[0, :, 0])[::-1]
    draws = {model.sample(h, 4, 1, rng=rng, top_k=2)[0] for _ in range(300)}
    assert draws == set(ranked[:2])  # both of the top two, and nothing else
    assert model.sample(h, 4, 1, temperature=0)[0] == ranked[0]


def test_parameters_reach_the_cell_by_name_not_by_their_order():
    """With V = H, Wxh and Whh have the same shape: listed in the other order, nothing may change."""
    V = H = 6

    class Swapped(RNN):
        @staticmethod
        def param_shapes(vocab_size, hidden_size):
            shapes = param_shapes(vocab_size, hidden_size)
            return {"Whh": shapes["Whh"], "Wxh": shapes["Wxh"], **shapes}

    for fast in [True, False]:
        a, b = RNN(V, H, seq_length=5, seed=0, fast=fast), Swapped(V, H, seq_length=5, seed=0, fast=fast)
        assert list(b.params)[:2] == ["Whh", "Wxh"]
        a.theta[:] = np.random.default_rng(1).standard_normal(a.theta.size)
        for name in a.params:
            setattr(b, name, getattr(a, name))
        x, y = np.array([0, 1, 2, 3, 4]), np.array([1, 2, 3, 4, 5])
        (loss_a, grads_a, h_a), (loss_b, grads_b, h_b) = a.loss(x, y, None), b.loss(x, y, None)
        assert loss_a == loss_b
        np.testing.assert_array_equal(h_a, h_b)
        for name in grads_a:
            np.testing.assert_array_equal(grads_a[name], grads_b[name], err_msg=name)
        a.train_step(x, y, None)
        b.train_step(x, y, None)
        for name in a.params:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert a.sample(h_a, 0, 20, rng=np.random.default_rng(2)) == \
            b.sample(h_b, 0, 20, rng=np.random.default_rng(2))
