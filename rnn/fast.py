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


def states(hprev, T):
    """Room for T + 1 states laid out as columns, hprev in the last slot, hs[-1]."""
    hs = steps(np.empty((len(hprev), (T + 1) * hprev.shape[1]), hprev.dtype), T + 1)
    hs[-1] = hprev
    return hs


def kept(work, name, shape, dtype):
    """The array a model's workspace keeps under name, (re)made to fit; fresh without one."""
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
    Whh_t = np.ascontiguousarray(Whh.T)  # BLAS reads it faster than the view
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
    np.multiply(hs, hs, out=dtanhs)  # needs no dhnext, so all steps in one call
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


def recurrent_grad(das, hs):
    """The sum over steps of das[t] @ hs[t - 1].T, as two products."""
    dW = das[0] @ hs[-1].T  # step 0's previous state is hprev, kept in hs[-1]
    dW += columns(das[1:]) @ columns(hs[:len(das) - 1]).T  # the others' are hs[t - 1]
    return dW


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
    for j, (s, e) in enumerate(zip(starts, ends)):  # see "A state per row"
        np.add.reduce(rows.take(order[s:e], axis=-2), axis=-2, out=sums[..., j, :])
    return sums


def scatter_rows(rows, inputs, V):
    """The sum of each character's rows: rows (..., T*B, n) -> (..., n, V)."""
    order, chars, starts = runs(inputs.ravel())  # row t*B + b is for inputs[t, b]
    dW = np.zeros((*rows.shape[:-2], rows.shape[-1], V), rows.dtype)
    dW[..., chars] = np.swapaxes(sum_runs(rows, order, starts), -1, -2)
    return dW


def input_grad(das, inputs, V):
    """The sum over steps of das[t] @ onehot(inputs[t]).T, as a scatter of columns."""
    D = columns(das)
    if D.flags.f_contiguous:  # stored as rows: D.T has a row per character
        return scatter_rows(D.T, inputs, V)
    order, chars, starts = runs(inputs.ravel())  # column t*B + b is for inputs[t, b]
    by_char = D[:, order]
    dW = np.zeros((das.shape[1], V), das.dtype)
    dW[:, chars] = np.add.reduceat(by_char, starts, axis=1)
    return dW


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


def sigmoid_(a):
    """sigmoid(a) = (1 + tanh(a / 2)) / 2, as rnn.gates computes it, written over a."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1
    a *= 0.5
    return a


def gate_blocks(W, G):
    """Stacked gate weights (G*H, n) as G contiguous blocks W_k.T: (G, n, H)."""
    return np.ascontiguousarray(W.reshape(G, -1, W.shape[1]).transpose(0, 2, 1))


def gate_states(prev, T, work, name):
    """As row_states, seen as (T, B, H): hs_prev[t] and hs[t] are (B, H) blocks."""
    return (v.transpose(0, 2, 1) for v in row_states(prev, T, work, name))


def gate_recurrent_grad(das, hs_prev):
    """The sum over steps of das[k, t].T @ hs_prev[t], das (G, T, B, H): (G*H, H)."""
    G, T, B, H = das.shape
    D = das.reshape(G, T * B, H)
    return np.matmul(D.transpose(0, 2, 1), hs_prev.reshape(T * B, H)).reshape(G * H, H)


def gate_input_grad(das, inputs, V):
    """As input_grad, for das (G, T, B, H): (G*H, V)."""
    G, T, B, H = das.shape
    return scatter_rows(das.reshape(G, T * B, H), inputs, V).reshape(G * H, V)


def lstm_forward(inputs, state, Wx, Wh, Why, b, by, work=None):
    """As rnn.lstm.forward, with states as rows and every gate in its own block."""
    T, B = inputs.shape
    H = len(state) // 2
    hs_prev, hs = gate_states(state[:H], T, work, "hs")  # the previous h first
    cs_prev, cs = gate_states(state[H:], T, work, "cs")  # and c
    gates = kept(work, "gates", (4, T, B, H), state.dtype)  # i, f, o, g
    tanh_cs = kept(work, "tanh_cs", (T, B, H), state.dtype)
    table = gate_blocks(Wx + b, 4)  # table[k, c] = (Wx_k @ onehot(c) + b_k).T
    Wh_t = gate_blocks(Wh, 4)  # hs_prev[t] @ Wh_t[k] = (Wh_k @ h_{t-1}).T
    for t in range(T):
        a = gates[:, t]
        np.matmul(hs_prev[t], Wh_t, out=a)  # the four gates' products, one call
        a += table[:, inputs[t]]
        sigmoid_(a[:3])
        np.tanh(a[3], out=a[3])
        i, f, o, g = a
        np.multiply(f, cs_prev[t], out=cs[t])  # c = f * c_prev + i * g
        cs[t] += i * g
        np.tanh(cs[t], out=tanh_cs[t])
        np.multiply(o, tanh_cs[t], out=hs[t])  # h = o * tanh(c)
    last = np.concatenate([hs[-1].T, cs[-1].T])
    ys = output(Why, by, hs.transpose(0, 2, 1), work)
    return ys, (hs_prev, hs, cs_prev, gates, tanh_cs), last


def lstm_backward(inputs, cache, dys, Wx, Wh, Why, b, by, work=None):
    """As rnn.lstm.backward, on lstm_forward's blocks."""
    hs_prev, hs, cs_prev, gates, tanh_cs = cache
    T, B, H = tanh_cs.shape
    dWhy, dby, dhs = output_grads(Why, hs.transpose(0, 2, 1), dys, work)  # dhs[t].T: (B, H)
    slopes = np.empty((4, B, H), gates.dtype)  # one step's, each gate's block
    one_plus_g, dtanh_c = np.empty((2, B, H), gates.dtype)
    das = kept(work, "das", gates.shape, gates.dtype)
    Wh_k = Wh.reshape(4, H, H)
    dhnext, dcnext = np.zeros((2, B, H), hs.dtype)
    for t in reversed(range(T)):
        i, f, o, g = gates[:, t]
        np.subtract(1, gates[:, t], out=slopes)
        slopes[:3] *= gates[:3, t]  # s (1 - s) for i, f and o
        slopes[3] *= np.add(1, g, out=one_plus_g)  # (1 - g)(1 + g) = 1 - g * g
        np.multiply(tanh_cs[t], tanh_cs[t], out=dtanh_c)
        np.subtract(1, dtanh_c, out=dtanh_c)  # 1 - tanh(c)^2
        si, sf, so, sg = slopes
        di, df, do, dg = das[:, t]
        dh = dhs[t].T
        dh += dhnext
        np.multiply(dh, tanh_cs[t], out=do)
        do *= so
        dc = dh * o  # dc = dh * o * (1 - tanh(c)^2) + dcnext
        dc *= dtanh_c
        dc += dcnext
        np.multiply(dc, g, out=di)
        di *= si
        np.multiply(dc, cs_prev[t], out=df)
        df *= sf
        np.multiply(dc, i, out=dg)
        dg *= sg
        dhnext = np.matmul(das[:, t], Wh_k).sum(axis=0)  # sum over gates of da_k @ Wh_k
        dc *= f
        dcnext = dc
    dWx = gate_input_grad(das, inputs, Wx.shape[1])
    grads = {"Wx": dWx, "Wh": gate_recurrent_grad(das, hs_prev), "Why": dWhy,
             "b": dWx.sum(axis=1, keepdims=True), "by": dby}
    return grads, np.concatenate([dhnext.T, dcnext.T])


def gru_forward(inputs, hprev, Wx, Wh, Why, b, by, work=None):
    """As rnn.gru.forward, with states as rows and every gate in its own block."""
    T, B = inputs.shape
    H = len(hprev)
    hs_prev, hs = gate_states(hprev, T, work, "hs")
    gates, ahs = kept(work, "gates", (2, 3, T, B, H), hprev.dtype)  # r, z, n; Wh h
    table = gate_blocks(Wx + b, 3)  # as the LSTM's
    Wh_t = gate_blocks(Wh, 3)
    for t in range(T):
        ah = ahs[:, t]
        np.matmul(hs_prev[t], Wh_t, out=ah)  # the three products, one call
        x = table[:, inputs[t]]
        np.add(x[:2], ah[:2], out=gates[:2, t])
        sigmoid_(gates[:2, t])
        r, z, n = gates[:, t]
        np.multiply(r, ah[2], out=n)  # r acts on W_hn h_prev, after the product
        n += x[2]
        np.tanh(n, out=n)
        np.subtract(hs_prev[t], n, out=hs[t])
        hs[t] *= z
        hs[t] += n
    ys = output(Why, by, hs.transpose(0, 2, 1), work)
    return ys, (hs_prev, hs, gates, ahs), hs[-1].T.copy()


def gru_backward(inputs, cache, dys, Wx, Wh, Why, b, by, work=None):
    """As rnn.gru.backward, on gru_forward's blocks."""
    hs_prev, hs, gates, ahs = cache
    _, T, B, H = gates.shape
    dWhy, dby, dhs = output_grads(Why, hs.transpose(0, 2, 1), dys, work)  # dhs[t].T: (B, H)
    slopes, one_plus_n = np.empty((3, B, H), gates.dtype), np.empty((B, H), gates.dtype)
    dxs = kept(work, "dxs", gates.shape, gates.dtype)  # into the pre-activations
    dahs = kept(work, "dahs", gates.shape, gates.dtype)  # into Wh_k @ h_{t-1}
    Wh_k = Wh.reshape(3, H, H)
    dhnext = np.zeros((B, H), hs.dtype)
    for t in reversed(range(T)):
        r, z, n = gates[:, t]
        np.subtract(1, gates[:, t], out=slopes)
        slopes[:2] *= gates[:2, t]  # s (1 - s) for r and z
        slopes[2] *= np.add(1, n, out=one_plus_n)  # (1 - n)(1 + n) = 1 - n * n
        sr, sz, sn = slopes
        dr, dz, dn = dxs[:, t]
        dh = dhs[t].T
        dh += dhnext
        np.subtract(1, z, out=dn)  # dn = dh * (1 - z) * (1 - n * n)
        dn *= dh
        dn *= sn
        np.subtract(hs_prev[t], n, out=dz)  # dz = dh * (h_prev - n) * z * (1 - z)
        dz *= dh
        dz *= sz
        np.multiply(dn, ahs[2, t], out=dr)  # dr = dn * (W_hn h_prev) * r * (1 - r)
        dr *= sr
        dahs[:2, t] = dxs[:2, t]
        np.multiply(r, dn, out=dahs[2, t])  # r multiplied W_hn h on its way in
        dhnext = np.matmul(dahs[:, t], Wh_k).sum(axis=0)
        dhnext += z * dh  # the direct path
    dWx = gate_input_grad(dxs, inputs, Wx.shape[1])
    grads = {"Wx": dWx, "Wh": gate_recurrent_grad(dahs, hs_prev), "Why": dWhy,
             "b": dWx.sum(axis=1, keepdims=True), "by": dby}
    return grads, dhnext.T
