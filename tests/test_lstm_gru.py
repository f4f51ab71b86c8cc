"""The LSTM and GRU pages' claims: exact gradients, the RNN's API, batching, float32, and PyTorch's cells."""

import numpy as np
import pytest

from rnn import gru, lstm
from rnn.checks import numeric_gradient
from rnn.gru import GRU
from rnn.model import RNN
from rnn.loss import cross_entropy_grad, softmax
from rnn.lstm import LSTM

MODELS = [LSTM, GRU]
NAMES = ["Wx", "Wh", "Why", "b", "by"]


def randomized(cls, V, H, T, seed=0, scale=0.5):
    """A model with weights well away from the near-linear regime of the 0.01 init."""
    model = cls(vocab_size=V, hidden_size=H, seq_length=T, seed=seed)
    model.theta[:] = np.random.default_rng(seed + 100).standard_normal(model.theta.size) * scale
    return model


def relative_error(numeric, analytic):
    return np.abs(numeric - analytic) / np.maximum(np.abs(numeric) + np.abs(analytic), 1e-10)


# --- gradients -----------------------------------------------------------------


@pytest.mark.parametrize("batch", [None, 3], ids=["one stream", "batch of 3"])
@pytest.mark.parametrize("cls", MODELS)
def test_every_gradient_entry_matches_central_differences(cls, batch):
    V, H, T = 6, 4, 5
    model = randomized(cls, V, H, T)
    rng = np.random.default_rng(1)
    shape = (T,) if batch is None else (T, batch)
    inputs, targets = rng.integers(0, V, shape), rng.integers(0, V, shape)
    inputs[1] = inputs[3]  # a repeated character: its column of dWx must accumulate both steps
    hprev = rng.standard_normal((cls.state_rows * H, 1 if batch is None else batch)) * 0.5

    _, grads, _ = model.loss(inputs, targets, hprev)
    assert list(grads) == NAMES == list(model.params)
    for name, grad in grads.items():
        assert grad.shape == getattr(model, name).shape
        numeric = numeric_gradient(lambda: model.loss(inputs, targets, hprev)[0], getattr(model, name))
        rel = relative_error(numeric, grad)
        assert rel.max() < 1e-6, f"{cls.__name__} {name}: relative error {rel.max():.2e}"


@pytest.mark.parametrize("cls", MODELS)
def test_gradient_with_respect_to_the_starting_state_matches_central_differences(cls):
    """backward's second result, dL/d(state before the window): for the LSTM, h's rows and c's rows."""
    V, H, T, B = 5, 3, 4, 2
    model = randomized(cls, V, H, T)
    module = lstm if cls is LSTM else gru
    rng = np.random.default_rng(2)
    inputs, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    state = rng.standard_normal((cls.state_rows * H, B)) * 0.5

    ys, cache, _ = module.forward(inputs, state, **model.params)
    _, dstate = module.backward(inputs, cache, cross_entropy_grad(softmax(ys), targets), **model.params)
    numeric = numeric_gradient(lambda: model.loss(inputs, targets, state)[0], state)
    assert dstate.shape == state.shape
    assert relative_error(numeric, dstate).max() < 1e-6


# --- parameters and initialization ----------------------------------------------


@pytest.mark.parametrize("cls, gates", [(LSTM, 4), (GRU, 3)])
def test_parameters_are_named_views_of_theta_with_the_documented_shapes(cls, gates):
    V, H = 11, 7
    model = cls(vocab_size=V, hidden_size=H, seed=0)
    shapes = {name: getattr(model, name).shape for name in NAMES}
    assert shapes == {"Wx": (gates * H, V), "Wh": (gates * H, H), "Why": (V, H), "b": (gates * H, 1), "by": (V, 1)}
    assert model.theta.size == gates * H * (V + H + 1) + V * (H + 1)
    assert all(np.shares_memory(getattr(model, name), model.theta) for name in NAMES)
    model.Wh = np.ones((gates * H, H))
    assert np.all(model.params["Wh"] == 1)
    with pytest.raises(ValueError, match="^Wh must have shape"):
        model.Wh = np.ones((H, H))
    assert 0.5 < model.Wx.std() * np.sqrt(H) < 1.5 and np.all(model.by == 0)  # 1/sqrt(H), not 0.01
    assert 0.005 < cls(V, H, seed=0, init_scale=0.01).Wx.std() < 0.015
    assert np.all(model.optimizer.mem == 0)


def test_biases_start_at_zero_except_the_lstm_forget_gate():
    H = 6
    b = LSTM(vocab_size=5, hidden_size=H, seed=0).b
    assert np.all(b[H:2 * H] == 1) and np.all(b[:H] == 0) and np.all(b[2 * H:] == 0)
    assert np.all(GRU(vocab_size=5, hidden_size=H, seed=0).b == 0)


@pytest.mark.parametrize("cls", MODELS)
def test_loss_at_init_is_T_ln_V(cls):
    V, T = 80, 25
    model = cls(vocab_size=V, seq_length=T, seed=3)
    rng = np.random.default_rng(0)
    loss, _, _ = model.loss(rng.integers(0, V, T), rng.integers(0, V, T), None)
    assert abs(loss - T * np.log(V)) < 0.01 * T * np.log(V)


# --- the API -------------------------------------------------------------------


@pytest.mark.parametrize("cls", [RNN, *MODELS])
def test_overfitting_a_short_string_reaches_near_zero_loss(cls):
    text = "the quick brown fox jumps over the lazy dog"
    chars = sorted(set(text))
    ix = np.array([chars.index(c) for c in text])
    model = cls(vocab_size=len(chars), hidden_size=40, seq_length=len(ix) - 1, seed=0)
    for _ in range(1000):
        loss, state = model.train_step(ix[:-1], ix[1:], None)
    assert loss / (len(ix) - 1) < 0.01  # every next character gets probability > 0.99
    assert state.shape == (cls.state_rows * 40, 1)
    out = model.sample(None, ix[0], len(ix) - 1, temperature=1e-3)
    assert "".join(chars[i] for i in [ix[0], *out]) == text


@pytest.mark.parametrize("cls", MODELS)
def test_sampling_is_reproducible_with_a_seeded_generator(cls):
    V, H = 30, 20
    model = cls(vocab_size=V, hidden_size=H, seed=0)
    model.Why = np.random.default_rng(1).standard_normal((V, H))
    model.Wx = np.random.default_rng(2).standard_normal(model.Wx.shape)
    state = np.zeros((cls.state_rows * H, 1))
    a = model.sample(state, 3, 200, rng=np.random.default_rng(7))
    b = model.sample(state, 3, 200, rng=np.random.default_rng(7))
    c = model.sample(state, 3, 200, rng=np.random.default_rng(8))
    assert a == b and a != c
    assert len(a) == 200 and all(isinstance(i, int) and 0 <= i < V for i in a)
    out = model.sample(np.zeros((cls.state_rows * H, 4)), np.array([0, 1, 2, 3]), 10, rng=np.random.default_rng(0))
    assert out.shape == (10, 4)


@pytest.mark.parametrize("cls", MODELS)
def test_greedy_sampling_follows_the_forward_pass(cls):
    """At temperature near zero, each sampled character is the argmax of forward's scores for the prefix."""
    V, H = 9, 6
    model = randomized(cls, V, H, 10, scale=1.0)
    module = lstm if cls is LSTM else gru
    out = model.sample(None, 2, 12, temperature=1e-4)
    chars = np.array([2, *out])
    ys, _, _ = module.forward(chars[:-1, None], np.zeros((cls.state_rows * H, 1)), **model.params)
    assert np.array_equal(ys[:, :, 0].argmax(axis=1), chars[1:])


@pytest.mark.parametrize("cls", MODELS)
def test_batch_of_identical_streams_equals_one_stream(cls):
    V, H, T = 7, 5, 6
    model = randomized(cls, V, H, T)
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, V, T), rng.integers(0, V, T)
    s = rng.standard_normal((cls.state_rows * H, 1))
    loss1, grads1, state1 = model.loss(x, y, s)
    loss3, grads3, state3 = model.loss(np.tile(x[:, None], 3), np.tile(y[:, None], 3), np.tile(s, 3))
    assert np.isclose(loss1, loss3)
    assert all(np.allclose(grads1[k], grads3[k]) for k in NAMES)
    assert state3.shape == (cls.state_rows * H, 3) and np.allclose(state3, np.tile(state1, 3))


@pytest.mark.parametrize("cls", MODELS)
def test_hprev_none_is_the_zero_state(cls):
    V, H, T = 7, 5, 6
    model = randomized(cls, V, H, T)
    x, y = np.arange(T) % V, (np.arange(T) + 1) % V
    loss_none, grads_none, state_none = model.loss(x, y, None)
    loss_zero, grads_zero, state_zero = model.loss(x, y, np.zeros((cls.state_rows * H, 1)))
    assert loss_none == loss_zero and np.array_equal(state_none, state_zero)
    assert all(np.array_equal(grads_none[k], grads_zero[k]) for k in NAMES)


@pytest.mark.parametrize("cls", MODELS)
def test_passing_the_state_on_continues_the_sequence(cls):
    """Two windows with the state handed from one to the next score like one long window."""
    V, H = 8, 5
    model = randomized(cls, V, H, 10)
    rng = np.random.default_rng(4)
    x, y = rng.integers(0, V, 10), rng.integers(0, V, 10)
    whole, _, state_whole = model.loss(x, y, None)
    first, _, state = model.loss(x[:4], y[:4], None)
    second, _, state = model.loss(x[4:], y[4:], state)
    assert np.isclose(first + second, whole) and np.allclose(state, state_whole)


@pytest.mark.parametrize("cls", MODELS)
def test_float32_model_stays_float32_and_agrees_with_float64(cls):
    V, H, T = 10, 8, 12
    rng = np.random.default_rng(5)
    x, y = rng.integers(0, V, (T, 2)), rng.integers(0, V, (T, 2))
    m32 = cls(vocab_size=V, hidden_size=H, seq_length=T, seed=0, dtype=np.float32)
    m64 = cls(vocab_size=V, hidden_size=H, seq_length=T, seed=0)
    assert m32.theta.dtype == np.float32 and np.allclose(m32.theta, m64.theta, atol=1e-7)
    loss32, grads32, state32 = m32.loss(x, y, None)
    loss64, grads64, _ = m64.loss(x, y, None)
    assert state32.dtype == np.float32 and all(g.dtype == np.float32 for g in grads32.values())
    assert np.isclose(loss32, loss64, rtol=1e-5)
    assert all(np.allclose(grads32[k], grads64[k], rtol=1e-3, atol=1e-6) for k in NAMES)
    for _ in range(3):
        loss, state = m32.train_step(x, y, state32)
    assert np.isfinite(loss) and state.dtype == np.float32 and m32.theta.dtype == np.float32
    assert len(m32.sample(None, 0, 5, rng=np.random.default_rng(0))) == 5


@pytest.mark.parametrize("cls", MODELS)
def test_bad_arguments_are_refused_with_a_clear_message(cls):
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        cls(vocab_size=10, hidden_size=0)
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        cls(vocab_size=10, dtype=np.int32)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        cls(vocab_size=10, optimizer="sgd")
    model = cls(vocab_size=10, hidden_size=4, seed=0)
    with pytest.raises(ValueError, match=r"in \[0, 10\)"):
        model.loss([1, 2, 10], [2, 3, 4], None)
    with pytest.raises(ValueError, match="differ in shape"):
        model.loss([1, 2, 3], [2, 3], None)
    with pytest.raises(ValueError, match=rf"hprev must have shape \({cls.state_rows * 4}, 1\)"):
        model.loss([1, 2], [2, 3], np.zeros((4 * cls.state_rows + 1, 1)))
    with pytest.raises(ValueError, match="temperature must be a positive finite number"):
        model.sample(None, 0, 5, temperature=-1)


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
@pytest.mark.parametrize("cls", MODELS)
def test_every_optimizer_lowers_the_loss(cls, optimizer):
    model = cls(vocab_size=6, hidden_size=8, seq_length=10, learning_rate=0.01, seed=0, optimizer=optimizer)
    x = np.arange(11) % 6
    first, _ = model.train_step(x[:-1], x[1:], None)
    for _ in range(60):
        loss, _ = model.train_step(x[:-1], x[1:], None)
    assert loss < 0.5 * first


# --- the same cells as PyTorch's ---------------------------------------------------


def torch_run(torch_cell, weight_ih, bias_ih, weight_hh, inputs, V, initial):
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        torch_cell.weight_ih_l0.copy_(torch.from_numpy(weight_ih))
        torch_cell.weight_hh_l0.copy_(torch.from_numpy(weight_hh))
        torch_cell.bias_ih_l0.copy_(torch.from_numpy(bias_ih[:, 0]))
        torch_cell.bias_hh_l0.zero_()
        onehot = torch.nn.functional.one_hot(torch.from_numpy(inputs), V).double()
        out, final = torch_cell(onehot, initial)
    return out.numpy(), final


def test_lstm_is_torch_lstm_with_gates_reordered():
    torch = pytest.importorskip("torch")
    V, H, T, B = 6, 5, 7, 2
    model = randomized(LSTM, V, H, T)
    rng = np.random.default_rng(6)
    inputs, state = rng.integers(0, V, (T, B)), rng.standard_normal((2 * H, B))
    _, (hs, cs, _), _ = lstm.forward(inputs, state, **model.params)

    rows = np.concatenate([np.arange(k * H, (k + 1) * H) for k in [0, 1, 3, 2]])  # ours i,f,o,g; torch i,f,g,o
    cell = torch.nn.LSTM(V, H).double()
    h0, c0 = (torch.from_numpy(np.ascontiguousarray(s.T[None])) for s in (state[:H], state[H:]))
    out, (h_n, c_n) = torch_run(cell, model.Wx[rows], model.b[rows], model.Wh[rows], inputs, V, (h0, c0))
    hs = np.stack([hs[t] for t in range(T)])  # (T, H, B)
    np.testing.assert_allclose(out, np.swapaxes(hs, 1, 2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c_n.numpy()[0], cs[T - 1].T, rtol=1e-12, atol=1e-12)


def test_gru_is_torch_gru_without_the_recurrent_candidate_bias():
    torch = pytest.importorskip("torch")
    V, H, T, B = 6, 5, 7, 2
    model = randomized(GRU, V, H, T)
    rng = np.random.default_rng(7)
    inputs, hprev = rng.integers(0, V, (T, B)), rng.standard_normal((H, B))
    _, (hs, *_), _ = gru.forward(inputs, hprev, **model.params)

    cell = torch.nn.GRU(V, H).double()
    h0 = torch.from_numpy(np.ascontiguousarray(hprev.T[None]))
    out, _ = torch_run(cell, model.Wx, model.b, model.Wh, inputs, V, h0)
    hs = np.stack([hs[t] for t in range(T)])  # (T, H, B)
    np.testing.assert_allclose(out, np.swapaxes(hs, 1, 2), rtol=1e-12, atol=1e-12)
