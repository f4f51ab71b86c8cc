# Generated from docs/fast.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/fast/

"""The RNN's forward and backward passes, each sum over steps done as one product."""

import numpy as np


def columns(a):
    """(T, H, B) as one (H, T*B) matrix, a column per step and stream."""
    return a.transpose(1, 0, 2).reshape(a.shape[1], -1)


def steps(m, T):
    """An (H, T*B) matrix as T blocks of (H, B): the inverse of columns, a view."""
    return m.reshape(m.shape[0], T, -1).transpose(1, 0, 2)


def kept(work, name, shape, dtype):
    """The array work keeps under name, remade if it does not fit; fresh if no work."""
    if work is None:
        return np.empty(shape, dtype)
    a = work.get(name)
    if a is None or a.shape != shape or a.dtype != dtype:
        a = work[name] = np.empty(shape, dtype)
    return a


def row_blocks(T, rows, B, dtype, work=None, name=None):
    """An empty (T, rows, B) array stored a row per stream: each [t] is B rows."""
    return steps(kept(work, name, (T * B, rows), dtype).T, T)


def row_states(hprev, T, work=None, name=None):
    """hprev, then room for T states, a row per stream: two (T, H, B) views."""
    S = row_blocks(T + 1, len(hprev), hprev.shape[1], hprev.dtype, work, name)
    S[0] = hprev
    return S[:T], S[1:]  # hs_prev[t] is hs[t - 1]; hs_prev[0] is hprev


def input_terms(Wx, b, inputs):
    """Wx @ onehot(inputs[t]) + b for every step t, as (T, rows, B): one gather."""
    xs = (Wx + b).T[inputs]  # (T, B, rows): row inputs[t, b] of the table
    return xs.transpose(0, 2, 1)


def output(Why, by, hs, work=None):
    """The scores y = Why h + by of every step and stream, in one product: (T, V, B)."""
    ys = kept(work, "ys", (len(Why), len(hs) * hs.shape[2]), Why.dtype)
    np.matmul(Why, columns(hs), out=ys)
    ys += by
    return steps(ys, len(hs))


def forward(inputs, hprev, Wxh, Whh, Why, bh, by, work=None):
    """inputs (T, B), hprev (H, B) -> ys (T, V, B), (hs_prev, hs), the last state."""
    hs_prev, hs = row_states(hprev, len(inputs), work, "hs")
    xs = input_terms(Wxh, bh, inputs)  # xs[t] = Wxh @ onehot(inputs[t]) + bh
    Whh_t = np.ascontiguousarray(Whh.T)  # once a window, for the T products
    for t in range(len(inputs)):
        np.matmul(hs_prev[t].T, Whh_t, out=hs[t].T)  # Whh @ hs_prev[t], written as rows
        hs[t] += xs[t]
        np.tanh(hs[t], out=hs[t])
    return output(Why, by, hs, work), (hs_prev, hs), hs[-1].copy()


def output_grads(Why, hs, dys, work=None):
    """dL/dWhy, dL/dby, and each step's gradient from its own output, Why.T @ dys[t]."""
    T, V, B = dys.shape
    dWhy = columns(dys) @ columns(hs[:T]).T
    dby = (dys @ np.ones(B, dys.dtype)).sum(axis=0)[:, None]  # a product: see loss
    dhs = row_blocks(T, Why.shape[1], B, dys.dtype, work, "dhs")
    np.matmul(columns(dys).T, Why, out=columns(dhs).T)  # Why.T @ dys, written as rows
    return dWhy, dby, dhs


def backward(inputs, cache, dys, Wxh, Whh, Why, bh, by, work=None):
    """dys (T, V, B), inputs (T, B), forward's cache -> gradients, dL/dhprev (H, B)."""
    hs_prev, hs = cache
    dWhy, dby, dhs = output_grads(Why, hs, dys, work)
    T, H, B = dhs.shape
    dtanhs = row_blocks(T, H, B, dhs.dtype, work, "dtanhs")
    np.multiply(hs, hs, out=dtanhs)  # needs no dhnext, so all steps at once
    np.subtract(1, dtanhs, out=dtanhs)
    dhraws = dhs  # each step's dh becomes its dhraw in place
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dhraws[t] += dhnext
        dhraws[t] *= dtanhs[t]
        dhnext = (dhraws[t].T @ Whh).T  # Whh.T @ dhraws[t], written as rows
    dWhh = columns(dhraws) @ columns(hs_prev).T  # sum of dhraws[t] @ hs_prev[t].T
    dWxh = input_grad(dhraws, inputs, Wxh.shape[1])
    dbh = dWxh.sum(axis=1, keepdims=True)  # every column of dhraws is in one of dWxh's
    grads = {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby}
    return grads, dhnext


def runs(x):
    """x sorted: the order that sorts it, each run's value, where each run begins."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    return order, xs[starts], starts


def sum_runs(rows, order, starts):
    """Each run summed: the rows[..., order[s:e], :] from each start s to the next."""
    ends = [*starts[1:], len(order)]
    sums = np.empty((*rows.shape[:-2], len(starts), rows.shape[-1]), rows.dtype)
    for j, (s, e) in enumerate(zip(starts, ends)):  # a character's rows, while in cache
        np.add.reduce(rows.take(order[s:e], axis=-2), axis=-2, out=sums[..., j, :])
    return sums


def scatter_rows(rows, inputs, V):
    """The sum of each character's rows: rows (..., T*B, n) -> (..., n, V)."""
    order, chars, starts = runs(inputs.ravel())  # row t*B + b is for inputs[t, b]
    dW = np.zeros((*rows.shape[:-2], rows.shape[-1], V), rows.dtype)
    dW[..., chars] = np.swapaxes(sum_runs(rows, order, starts), -1, -2)
    return dW


def input_grad(das, inputs, V):
    """The sum over steps of das[t] @ onehot(inputs[t]).T, das stored by rows."""
    return scatter_rows(columns(das).T, inputs, V)  # a row of D.T per character read


def loss(ys, targets):
    """ys (T, V, B), targets (T, B) -> the loss, and dL/dys written over ys."""
    T, B = targets.shape
    if ys.min() < -60 or ys.max() > 60:  # exp could overflow or underflow: shift first
        ys -= ys.max(axis=1, keepdims=True)
    np.exp(ys, out=ys)
    sums = np.matmul(np.ones(ys.shape[1], ys.dtype), ys)[:, None]  # (T, 1, B)
    sums *= B
    ys *= np.reciprocal(sums, out=sums)  # p / B: the loss averages over the batch
    at = np.arange(T)[:, None], targets, np.arange(B)  # each step and stream's target
    p_targets = ys[at] * B
    ys[at] -= 1 / B  # dy = (p - onehot(target)) / B
    return -np.log(p_targets).sum() / B, ys
