# Generated from docs/fast.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/fast/

"""The RNN's forward and backward passes, each sum over steps done as one product."""

import threading

import numpy as np

from rnn.sample import kth_largest


def columns(a):
    """(T, H, B) as one (H, T*B) matrix, a column per step and stream."""
    return a.transpose(1, 0, 2).reshape(a.shape[1], -1)


def steps(m, T):
    """An (H, T*B) matrix as T blocks of (H, B): the inverse of columns, a view."""
    return m.reshape(m.shape[0], T, -1).transpose(1, 0, 2)


def states(hprev, T):
    """Room for T + 1 states laid out as columns, hprev in the last slot, hs[-1]."""
    hs = steps(np.empty((len(hprev), (T + 1) * hprev.shape[1]), hprev.dtype), T + 1)
    hs[-1] = hprev
    return hs


def row_blocks(T, rows, B, dtype, keep=None):
    """An empty (T, rows, B) array stored a row per stream: each [t] is B rows."""
    shape = (T * B, rows)
    m = np.empty(shape, dtype) if keep is None else scratch.get(keep, shape, dtype)
    return steps(m.T, T)  # keep: a name to reuse the array under (see Fresh memory)


def row_states(hprev, T):
    """As states, but stored a row per stream: each hs[t] is B contiguous rows of H."""
    hs = row_blocks(T + 1, len(hprev), hprev.shape[1], hprev.dtype)
    hs[-1] = hprev
    return hs


def input_terms(Wx, b, inputs):
    """Wx @ onehot(inputs[t]) + b for every step t, as (T, rows, B): one gather."""
    T, B = inputs.shape
    xs = scratch.get("xs", (T, B, len(Wx)), Wx.dtype)
    np.take((Wx + b).T, inputs, axis=0, out=xs, mode="clip")  # rows: see Fresh memory
    return xs.transpose(0, 2, 1)


def output(Why, by, hs):
    """The scores y = Why h + by of every step and stream, in one product: (T, V, B)."""
    ys = Why @ columns(hs)
    ys += by
    return steps(ys, len(hs))


def forward(Wxh, Whh, Why, bh, by, inputs, hprev):
    """inputs (T, B), hprev (H, B) -> ys (T, V, B), hs (T + 1, H, B), last state."""
    T = len(inputs)
    hs = row_states(hprev, T)
    xs = input_terms(Wxh, bh, inputs)  # xs[t] = Wxh @ onehot(inputs[t]) + bh
    for t in range(T):
        np.matmul(hs[t - 1].T, Whh.T, out=hs[t].T)  # Whh @ hs[t - 1], written as rows
        hs[t] += xs[t]
        np.tanh(hs[t], out=hs[t])
    return output(Why, by, hs[:T]), hs, hs[T - 1]


def output_grads(Why, hs, dys):
    """dL/dWhy, dL/dby, and each step's gradient from its own output, Why.T @ dys[t]."""
    T, V, B = dys.shape
    dWhy = columns(dys) @ columns(hs[:T]).T
    dby = columns(dys).sum(axis=1, keepdims=True)
    dhs = row_blocks(T, Why.shape[1], B, dys.dtype, keep="dhs")
    np.matmul(columns(dys).T, Why, out=columns(dhs).T)  # Why.T @ dys, written as rows
    return dWhy, dby, dhs


def backward(Wxh, Whh, Why, bh, by, inputs, hs, dys):
    """dys (T, V, B), inputs (T, B), states hs -> gradients, and dL/dhprev (H, B)."""
    dWhy, dby, dhs = output_grads(Why, hs, dys)
    T, H, B = dhs.shape
    dtanhs = row_blocks(T, H, B, dhs.dtype, keep="dtanhs")
    np.multiply(hs[:T], hs[:T], out=dtanhs)  # needs no dhnext, so all steps in one call
    np.subtract(1, dtanhs, out=dtanhs)
    dhraws = dhs  # each step's dh becomes its dhraw in place
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dhraws[t] += dhnext
        dhraws[t] *= dtanhs[t]
        dhnext = (dhraws[t].T @ Whh).T  # Whh.T @ dhraws[t], written as rows
    dWhh = recurrent_grad(dhraws, hs)
    dWxh = input_grad(dhraws, inputs, Wxh.shape[1])
    dbh = dWxh.sum(axis=1, keepdims=True)  # every column of dhraws is in one of dWxh's
    grads = {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby}
    return grads, dhnext


def recurrent_grad(das, hs):
    """The sum over steps of das[t] @ hs[t - 1].T, as two products."""
    dW = das[0] @ hs[-1].T  # step 0's previous state is hprev, kept in hs[-1]
    dW += columns(das[1:]) @ columns(hs[:len(das) - 1]).T  # the others' are hs[t - 1]
    return dW


def input_grad(das, inputs, V):
    """The sum over steps of das[t] @ onehot(inputs[t]).T, as a scatter of columns."""
    x = inputs.ravel()  # column t*B + b of columns(das) is for character inputs[t, b]
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])  # where each run begins
    D = columns(das)
    dW = np.zeros((das.shape[1], V), das.dtype)
    if D.flags.f_contiguous:  # stored as rows: gather whole rows of D.T
        by_char = scratch.get("by_row", D.T.shape, das.dtype)
        np.take(D.T, order, axis=0, out=by_char, mode="clip")  # see Fresh memory
        dW[:, xs[starts]] = np.add.reduceat(by_char.T, starts, axis=1)
    else:
        by_char = scratch.get("by_char", D.shape, das.dtype)
        np.take(D, order, axis=1, out=by_char, mode="clip")
        dW[:, xs[starts]] = np.add.reduceat(by_char, starts, axis=1)
    return dW


def loss(ys, targets):
    """ys (T, V, B), targets (T, B) -> the loss, and dL/dys written over ys."""
    T, B = targets.shape
    ys -= ys.max(axis=1, keepdims=True)
    np.exp(ys, out=ys)
    sums = ys.sum(axis=1, keepdims=True)  # (T, 1, B)
    sums *= B
    ys /= sums  # p / B: the loss averages over the batch
    at = np.arange(T)[:, None], targets, np.arange(B)  # each step and stream's target
    p_targets = ys[at] * B
    ys[at] -= 1 / B  # dy = (p - onehot(target)) / B
    return -np.log(p_targets).sum() / B, ys


class Scratch(threading.local):
    """Arrays kept from one call to the next under a name, one set per thread."""

    def get(self, name, shape, dtype):
        a = getattr(self, name, None)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = np.empty(shape, dtype)
            setattr(self, name, a)
        return a


scratch = Scratch()


def gumbel_noise(rng, n, shape, block=1024):
    """Gumbel noise for n steps, drawn a block of steps at a time."""
    for start in range(0, n, block):
        size = (min(block, n - start), *shape)
        yield from -np.log(rng.standard_exponential(size=size))


def sample(Wxh, Whh, Why, bh, by, h, seed_ix, n, temperature, rng, top_k=None):
    """As rnn.sample.sample: h (H, B), seed_ix (B,) -> n characters a stream (n, B)."""
    ixes = np.empty((n, h.shape[1]), dtype=np.int64)
    xs, Why_t, by_t = Wxh + bh, Why / temperature, by / temperature
    ix = seed_ix
    for t, g in enumerate(gumbel_noise(rng, n, (len(by), h.shape[1]))):
        h = np.tanh(xs.take(ix, axis=1) + Whh.dot(h))
        scores = Why_t.dot(h) + by_t  # (V, B)
        if top_k is not None and top_k < len(scores):  # only the top_k may win
            scores[scores < kth_largest(scores, top_k)] = -np.inf
        ix = ixes[t] = (scores + g).argmax(axis=0)
    return ixes
