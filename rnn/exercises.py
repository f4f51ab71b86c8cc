# Generated from docs/exercises.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/exercises/

"""Graders for the exercises at the end of the concept pages."""

import numpy as np

from rnn import bptt, cell, clip, loss, lstm, optim


class NotYet(Exception):
    """What is wrong with the reader's function, with a hint."""


def compare(got, want, mistakes, what="the result"):
    """Raise NotYet unless got equals want; the hint of the first mistake it matches."""
    got = np.asarray(got, dtype=float)
    if got.shape != np.shape(want):
        raise NotYet(f"{what} has shape {got.shape}, not {np.shape(want)}")
    if np.allclose(got, want, rtol=1e-6, atol=1e-9):
        return
    for hint, wrong in mistakes.items():
        with np.errstate(all="ignore"):
            if np.allclose(got, wrong, rtol=1e-6, atol=1e-9, equal_nan=True):
                raise NotYet(hint)
    if not np.isfinite(got).all():
        raise NotYet(f"{what} holds NaN or infinity")
    error = np.abs(got - want).max()
    raise NotYet(f"{what} is off by up to {error:.3g}: check it against the equation")




def grade(name, source):
    """The verdict on the reader's source, which defines the function name:
    'Pass: ...' or 'Not yet: ...' with what is wrong."""
    namespace = {"__name__": "exercise"}
    try:
        exec(compile(source, "<your code>", "exec"), namespace)
        func = namespace.get(name)
        if not callable(func):
            raise NotYet(f"define a function named {name}")
        return "Pass: " + GRADERS[name](func)
    except NotYet as error:
        return f"Not yet: {error}"
    except NotImplementedError:
        return f"Not yet: write the body of {name}"
    except Exception as error:  # the reader's code failed: say how, as Python did
        return f"Not yet: your code raised {type(error).__name__}: {error}"


def copies(*arrays):
    """Fresh copies: a function that changes its inputs cannot change the check."""
    return [np.array(a) for a in arrays]




def grade_step(func):
    rng = np.random.default_rng(1)
    H, V, B = 4, 6, 3
    Wxh, Whh = rng.standard_normal((H, V)), rng.standard_normal((H, H))
    bh, hprev = rng.standard_normal((H, 1)), rng.standard_normal((H, B))
    ix = np.array([2, 5, 2])  # two streams read the same character
    try:
        got = func(*copies(Wxh, Whh, bh, ix, hprev))
    except IndexError:
        raise NotYet("Wxh is (H, V): a character's weights are its column, "
                     "Wxh[:, ix]") from None
    compare(got, cell.step(Wxh, Whh, bh, ix, hprev), {
        "apply np.tanh to the sum": Wxh[:, ix] + Whh @ hprev + bh,
        "add the bias bh": np.tanh(Wxh[:, ix] + Whh @ hprev),
        "Whh @ hprev carries the state forward (Whh.T is the backward pass's)":
            np.tanh(Wxh[:, ix] + Whh.T @ hprev + bh),
    }, "the new state")
    return "the same state as the book's step, for 3 streams"




def grade_cross_entropy_grad(func):
    rng = np.random.default_rng(2)
    T, V, B = 3, 5, 4
    ys, targets = rng.standard_normal((T, V, B)), rng.integers(0, V, (T, B))
    ps = loss.softmax(ys)
    got = func(*copies(ps), targets)
    onehot = np.zeros_like(ps)
    np.put_along_axis(onehot, targets[:, None, :], 1.0, axis=1)
    eps, numeric = 1e-5, np.zeros_like(ys)
    for index in np.ndindex(ys.shape):  # the gradient check: every entry of ys
        step = np.zeros_like(ys)
        step[index] = eps
        plus = loss.cross_entropy(loss.softmax(ys + step), targets)
        minus = loss.cross_entropy(loss.softmax(ys - step), targets)
        numeric[index] = (plus - minus) / (2 * eps)
    compare(got, numeric, {
        "your gradient is off by a factor of B: the loss is averaged over "
        "the B streams": ps - onehot,
        "subtract 1 at each target: the gradient is (p - onehot) / B": ps / B,
        "divide all of p - onehot by B, the 1 too": ps / B - onehot,
    }, "dys")
    return f"the gradient check agrees on all {ys.size} entries, with {B} streams"




def step_back_as(slope, carry, W):
    """A step_back with the given tanh slope at h, carrying dhnext or not, and
    sending the gradient back through W(Whh)."""
    def step_back(Whh, Why, h, dy, dhnext):
        dhraw = slope(h) * (Why.T @ dy + (dhnext if carry else 0))
        return dhraw, W(Whh) @ dhraw
    return step_back


def grade_step_back(func):
    rng = np.random.default_rng(3)
    H, V, T, B = 5, 4, 3, 2
    Wxh, Whh, Why = (rng.standard_normal(s) * 0.5 for s in [(H, V), (H, H), (V, H)])
    bh, by = np.zeros((H, 1)), np.zeros((V, 1))
    inputs, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    hprev = rng.standard_normal((H, B)) * 0.5
    params = {"Wxh": Wxh, "Whh": Whh, "Why": Why, "bh": bh, "by": by}
    ys, hs, _ = cell.forward(inputs, hprev, **params)
    dys = loss.cross_entropy_grad(loss.softmax(ys), targets)
    grads, dhprev = bptt.backward(inputs, hs, dys, **params)

    def window(step_back):  # dL/dbh and dL/dhprev, one step_back at a time
        dbh, dhnext = np.zeros((H, 1)), np.zeros((H, B))
        for t in reversed(range(T)):
            dhraw, dhnext = step_back(*copies(Whh, Why, hs[t], dys[t], dhnext))
            dbh += np.sum(dhraw, axis=1, keepdims=True)
        return np.concatenate([dbh, dhnext], axis=1)  # (H, 1 + B)

    def slope(h):
        return 1 - h * h

    compare(window(func), np.concatenate([grads["bh"], dhprev], axis=1), {
        "add dhnext to dh: h_t also feeds h_{t+1}": window(
            step_back_as(slope, False, np.transpose)),
        "send dhraw back through Whh.T, the transpose of the forward's Whh":
            window(step_back_as(slope, True, lambda W: W)),
        "multiply by the tanh's slope, 1 - h * h": window(
            step_back_as(np.ones_like, True, np.transpose)),
        "the tanh's slope at output h is 1 - h * h, not 1 - h": window(
            step_back_as(lambda h: 1 - h, True, np.transpose)),
    }, "the window's gradients")
    return f"the book's dL/dbh and dL/dhprev over a window of {T} steps"




def grade_tanh_grad(func):
    rng = np.random.default_rng(4)
    a, dh = rng.standard_normal((6, 3)) * 2, rng.standard_normal((6, 3))
    h, eps = np.tanh(a), 1e-6
    numeric = (np.tanh(a + eps) - np.tanh(a - eps)) / (2 * eps) * dh
    compare(func(*copies(h, dh)), numeric, {
        "the slope of tanh at output h is 1 - h * h, not 1 - h": (1 - h) * dh,
        "multiply dh by the tanh's slope, 1 - h * h": dh,
        "h is already tanh's output: the slope is 1 - h * h, "
        "not 1 - tanh(h) ** 2": (1 - np.tanh(h) ** 2) * dh,
    }, "the gradient")
    return f"the gradient check of np.tanh agrees on all {a.size} entries"




def grade_clip_global(func):
    rng = np.random.default_rng(5)
    shapes = {"Wxh": (4, 6), "Whh": (4, 4), "by": (6, 1)}
    for scale, max_norm in [(3.0, 5.0), (0.1, 5.0)]:  # over the limit, then under
        grads = {k: rng.standard_normal(s) * scale for k, s in shapes.items()}
        flat = np.concatenate([g.ravel() for g in grads.values()])
        norm = np.linalg.norm(flat)
        got = func({k: g.copy() for k, g in grads.items()}, max_norm)
        if not isinstance(got, dict) or set(got) != set(grads):
            raise NotYet("return the clipped gradients, a dict with grads' names")
        each = [clip.clip_norm(g.copy(), max_norm).ravel() for g in grads.values()]
        compare(np.concatenate([np.ravel(got[k]) for k in grads]),
                clip.clip_norm(flat.copy(), max_norm), {
            "you clipped each array separately: the norm is over all the "
            "gradients together": np.concatenate(each),
            "np.clip cuts each entry: scale every entry by max_norm / norm "
            "instead": np.clip(flat, -max_norm, max_norm),
            "scale only when the norm is over max_norm": flat * max_norm / norm,
            "the norm is the square root of the sum of squares":
                flat * min(1, max_norm / norm**2),
        }, f"the gradients with norm {norm:.3g}")
    return "the book's clip_norm on all the gradients at once, over and under the limit"




def adagrad_as(accumulate=True, root=lambda mem, eps: np.sqrt(mem + eps), sign=-1):
    """An Adagrad update that keeps the sum of squares (or only the last), divides
    by root(mem, eps) and steps along sign * g."""
    def update(theta, g, mem, learning_rate, eps=1e-8):
        mem[:] = mem + g * g if accumulate else g * g
        theta += sign * learning_rate * g / root(mem, eps)
    return update


def grade_adagrad_update(func):
    rng = np.random.default_rng(6)
    start, gs = rng.standard_normal(8), rng.standard_normal((3, 8))
    gs[:, 0], gs[:, 1] = 0.0, 1e-5  # never seen; always tiny

    def run(update):
        theta, mem = start.copy(), np.zeros(8)
        with np.errstate(all="ignore"):
            for g in gs:
                update(theta, g.copy(), mem, 0.1)
        return theta

    book = optim.Adagrad(8, learning_rate=0.1)
    want = start.copy()
    for g in gs:
        book.update(want, g.copy())
    got = run(func)
    if np.array_equal(got, start):
        raise NotYet("theta did not change: update it in place (theta -= ...); "
                     "a new array named theta is lost when the function returns")
    compare(got, want, {
        "mem must keep the sum of every step's squared gradients: mem += g * g":
            run(adagrad_as(accumulate=False)),
        "the book adds eps inside the root: np.sqrt(mem + eps)":
            run(adagrad_as(root=lambda mem, eps: np.sqrt(mem) + eps)),
        "a gradient that has always been zero divides zero by zero: add eps":
            run(adagrad_as(root=lambda mem, eps: np.sqrt(mem))),
        "step against the gradient: theta -= ...": run(adagrad_as(sign=+1)),
    }, "theta after three updates")
    return "the book's Adagrad, three updates in a row"




def grade_probabilities(func):
    rng = np.random.default_rng(7)
    y = rng.standard_normal((6, 3)) * 3  # (V, B)
    y[0, 0] = 30.0  # a confident model: at 0.02, exp(30 / 0.02) overflows
    for temperature in [1.0, 0.5, 2.0, 0.02]:
        with np.errstate(all="ignore"):
            e = np.exp(y / temperature)
            compare(func(y.copy(), temperature), loss.softmax(y / temperature), {
                "divide the scores by the temperature": loss.softmax(y * temperature),
                "normalize each column (axis 0): a column is one stream's "
                "distribution": e / e.sum(axis=1, keepdims=True),
                "normalize each column, not the whole array": e / e.sum(),
                "subtract each column's largest score before np.exp, "
                "which overflows past 709": e / e.sum(axis=0),
            }, f"the probabilities at temperature {temperature}")
    return "the book's softmax at temperatures 1, 0.5, 2 and 0.02"




def grade_lstm_state(func):
    rng = np.random.default_rng(8)
    H, B = 4, 3
    a, c_prev = rng.standard_normal((4 * H, B)), rng.standard_normal((H, B))
    gates, c, h = lstm.cell(a, c_prev)
    i, f, o, g = gates.reshape(4, H, B)
    got_c, got_h = func(*copies(i, f, o, g, c_prev))
    compare(got_c, c, {
        "the forget gate scales the old cell: c = f * c_prev + i * g": c_prev + i * g,
        "the input gate scales the candidate: c = f * c_prev + i * g": f * c_prev + g,
        "f goes with c_prev, i with g": i * c_prev + f * g,
    }, "c")
    compare(got_h, h, {
        "squash the cell before the output gate: h = o * tanh(c)": o * c,
        "the output gate comes after the tanh: h = o * tanh(c)": np.tanh(o * c),
    }, "h")
    return "the book's LSTM cell, for 3 streams"


GRADERS = {
    "step": grade_step,
    "cross_entropy_grad": grade_cross_entropy_grad,
    "step_back": grade_step_back,
    "tanh_grad": grade_tanh_grad,
    "clip_global": grade_clip_global,
    "adagrad_update": grade_adagrad_update,
    "probabilities": grade_probabilities,
    "lstm_state": grade_lstm_state,
}
