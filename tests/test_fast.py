"""The fast path computes what the concept pages compute: rnn/fast.py against rnn/cell.py and rnn/bptt.py,
and against rnn/lstm.py's and rnn/gru.py's own passes."""

import numpy as np
import pytest

from rnn import GRU, LSTM, RNN
from rnn.loss import cross_entropy_grad, softmax


def random_window(V, H, T, B, seed):
    rng = np.random.default_rng(seed)
    inputs, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    inputs[2] = inputs[0]  # a repeated character: its column of dWxh accumulates both steps
    return inputs, targets, rng.standard_normal((H, B)) * 0.5


@pytest.mark.parametrize("B", [1, 3])
def test_fast_and_plain_give_the_same_loss_state_and_gradients_to_1e_12(B):
    V, H, T = 11, 8, 9
    plain = RNN(V, hidden_size=H, seq_length=T, seed=0, fast=False)
    fast = RNN(V, hidden_size=H, seq_length=T, seed=0)
    plain.theta[:] = fast.theta[:] = np.random.default_rng(1).standard_normal(plain.theta.size) * 0.5
    inputs, targets, hprev = random_window(V, H, T, B, seed=2)

    loss_plain, grads_plain, h_plain = plain.loss(inputs, targets, hprev)
    loss_fast, grads_fast, h_fast = fast.loss(inputs, targets, hprev)
    assert loss_plain == pytest.approx(loss_fast, rel=1e-12, abs=0)
    np.testing.assert_allclose(h_fast, h_plain, rtol=1e-12, atol=1e-14)
    assert list(grads_fast) == list(grads_plain) == list(plain.params)
    for name in grads_plain:
        np.testing.assert_allclose(grads_fast[name], grads_plain[name], rtol=1e-12, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("B", [1, 3])
def test_fast_and_plain_send_the_same_gradient_into_hprev(B):
    V, H, T = 11, 8, 9
    model = RNN(V, hidden_size=H, seq_length=T, seed=0)
    model.theta[:] = np.random.default_rng(1).standard_normal(model.theta.size) * 0.5
    inputs, targets, hprev = random_window(V, H, T, B, seed=3)
    dhprevs = []
    for cell in [model.plain_cell, model.fast_cell]:
        ys, cache, _ = cell.forward(inputs, hprev, **model.params)
        dys = cross_entropy_grad(softmax(ys), targets)
        dhprevs.append(cell.backward(inputs, cache, dys, **model.params)[1])
    np.testing.assert_allclose(dhprevs[1], dhprevs[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("model_class, optimizer", [(RNN, "adagrad"), (LSTM, "adam"), (GRU, "adam")],
                         ids=["rnn", "lstm", "gru"])
def test_fast_and_plain_train_to_the_same_weights_over_20_steps(model_class, optimizer):
    V, H, T, B = 13, 10, 7, 4
    plain = model_class(V, hidden_size=H, seq_length=T, seed=5, fast=False, optimizer=optimizer)
    fast = model_class(V, hidden_size=H, seq_length=T, seed=5, optimizer=optimizer)
    rng = np.random.default_rng(6)
    h_plain = h_fast = None
    for _ in range(20):
        inputs, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
        loss_plain, h_plain = plain.train_step(inputs, targets, h_plain)
        loss_fast, h_fast = fast.train_step(inputs, targets, h_fast)
        assert loss_plain == pytest.approx(loss_fast, rel=1e-12)
    np.testing.assert_allclose(fast.theta, plain.theta, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("model_class", ["RNN", "LSTM", "GRU"])
def test_arrays_kept_between_steps_never_reach_the_caller(model_class):
    import rnn

    V, H, T, B = 11, 8, 9, 3
    model = getattr(rnn, model_class)(V, hidden_size=H, seq_length=T, seed=0)
    first = random_window(V, H, T, B, seed=4)[:2]
    second = random_window(V, H, T, B, seed=5)[:2]
    loss, grads, h = model.loss(*first, None)
    ps, h_predicted = model.predict(first[0], None)
    kept = {name: grad.copy() for name, grad in grads.items()}, h.copy()
    kept_predicted = ps.copy(), h_predicted.copy()
    model.loss(*second, None)  # same shapes: every kept array is reused
    model.predict(second[0], None)
    for name, grad in grads.items():
        np.testing.assert_array_equal(grad, kept[0][name], err_msg=name)
    np.testing.assert_array_equal(h, kept[1])
    np.testing.assert_array_equal(ps, kept_predicted[0])
    np.testing.assert_array_equal(h_predicted, kept_predicted[1])


@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("model_class", [LSTM, GRU], ids=["lstm", "gru"])
def test_gated_fast_and_plain_cells_agree_to_1e_12(model_class, B):
    V, H, T = 11, 8, 9
    model = model_class(V, hidden_size=H, seq_length=T, seed=0)
    rng = np.random.default_rng(1)
    model.theta[:] = rng.standard_normal(model.theta.size) * 0.5
    inputs, targets, _ = random_window(V, H, T, B, seed=2)
    state = rng.standard_normal((model.state_rows * H, B)) * 0.5
    results = []
    for cell in [model.plain_cell, model.fast_cell]:
        ys, cache, last = cell.forward(inputs, state, **model.params)
        loss, dys = cell.loss(ys.copy(), targets)
        grads, dstate = cell.backward(inputs, cache, dys, **model.params)
        results.append((ys, last, loss, grads, dstate))
    (ys, last, loss, grads, dstate), (ys_f, last_f, loss_f, grads_f, dstate_f) = results
    np.testing.assert_allclose(ys_f, ys, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(last_f, last, rtol=1e-12, atol=1e-14)
    assert loss_f == pytest.approx(loss, rel=1e-12, abs=0)
    assert list(grads_f) == list(grads) == list(model.params)
    for name in grads:
        np.testing.assert_allclose(grads_f[name], grads[name], rtol=1e-12, atol=1e-14, err_msg=name)
    np.testing.assert_allclose(dstate_f, dstate, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("scale", [0, 100, -100], ids=["tame", "large", "negative"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_loss_is_the_loss_page_s_softmax_and_cross_entropy_at_any_scale(scale, dtype):
    """Scores beyond +-60 take the shifted branch; without the shift, exp would overflow
    (scale 100) or every entry of a column would underflow to zero (scale -100)."""
    from rnn.fast import loss
    from rnn.loss import cross_entropy

    T, V, B = 6, 9, 4
    rng = np.random.default_rng(7)
    ys = (rng.standard_normal((T, V, B)) * 3 + scale).astype(dtype)  # scale: where they sit
    targets = rng.integers(0, V, (T, B))
    ps = softmax(ys.astype(np.float64))
    fast_loss, dys = loss(ys.copy(), targets)
    assert np.isfinite(fast_loss)
    assert fast_loss == pytest.approx(cross_entropy(ps, targets), rel=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(dys, cross_entropy_grad(ps, targets),
                               atol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("model_class", [RNN, LSTM, GRU], ids=["rnn", "lstm", "gru"])
def test_any_integer_index_type_gives_the_same_results_and_out_of_range_is_an_error(model_class):
    V, H, T, B = 11, 8, 9, 3
    model = model_class(V, hidden_size=H, seq_length=T, seed=0)
    inputs, targets, _ = random_window(V, H, T, B, seed=7)
    results = []
    for dtype in [np.int32, np.int64, np.uint8]:  # int32 is what WebAssembly NumPy makes
        loss, grads, h = model.loss(inputs.astype(dtype), targets.astype(dtype), None)
        results.append((loss, grads, h))
    for loss, grads, h in results[1:]:
        assert loss == results[0][0]
        np.testing.assert_array_equal(h, results[0][2])
        for name in grads:
            np.testing.assert_array_equal(grads[name], results[0][1][name], err_msg=name)
    for bad, name in [(V, "inputs"), (-1, "inputs")]:
        wrong = inputs.copy()
        wrong[4, 1] = bad
        with pytest.raises(ValueError, match=rf"^{name} must be character indices in \[0, {V}\)"):
            model.loss(wrong, targets, None)
    wrong = targets.astype(np.int32)
    wrong[0, 0] = V
    with pytest.raises(ValueError, match=rf"^targets must be character indices in \[0, {V}\)"):
        model.loss(inputs, wrong, None)
    with pytest.raises(ValueError, match=r"^seed_ix must be character indices"):
        model.sample(None, V, 3)


def forward_and_backward(model, inputs, targets):
    """One window through the model's cell, split so that another model can run in between."""
    state = np.zeros((model.state_rows * model.hidden_size, inputs.shape[1]))
    ys, cache, last = model.cell.forward(inputs, state, **model.params)
    loss, dys = model.cell.loss(ys, targets)

    def backward():
        return model.cell.backward(inputs, cache, dys, **model.params)

    return loss, last, backward


@pytest.mark.parametrize("model_class", [RNN, LSTM, GRU], ids=["rnn", "lstm", "gru"])
def test_two_models_interleaved_get_the_gradients_each_gets_alone(model_class):
    V, H, T, B = 7, 5, 4, 3
    a = model_class(V, hidden_size=H, seq_length=T, seed=1)
    b = model_class(V, hidden_size=H, seq_length=T, seed=2)
    window_a, window_b = random_window(V, H, T, B, seed=8)[:2], random_window(V, H, T, B, seed=9)[:2]
    alone = {}
    for name, model, window in [("a", a, window_a), ("b", b, window_b)]:
        loss, last, backward = forward_and_backward(model, *window)
        alone[name] = loss, last.copy(), backward()
    loss_a, last_a, backward_a = forward_and_backward(a, *window_a)
    loss_b, last_b, backward_b = forward_and_backward(b, *window_b)  # same shapes, between A's passes
    together = {"a": (loss_a, last_a, backward_a()), "b": (loss_b, last_b, backward_b())}
    for name in "ab":
        (loss, last, (grads, dstate)), (loss_, last_, (grads_, dstate_)) = alone[name], together[name]
        assert loss_ == loss
        np.testing.assert_array_equal(last_, last)
        for param in grads:
            np.testing.assert_array_equal(grads_[param], grads[param], err_msg=f"model {name}, d{param}")
        np.testing.assert_array_equal(dstate_, dstate)
