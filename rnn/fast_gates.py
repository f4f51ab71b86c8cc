# Generated from docs/fast-gates.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/fast-gates/

"""The LSTM's and the GRU's forward and backward passes, a block per gate."""

import numpy as np

from rnn.fast import kept, output, output_grads, row_states, scatter_rows


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
    hs_t = hs.transpose(0, 2, 1)  # (T, H, B), as output_grads takes them
    dWhy, dby, dhs = output_grads(Why, hs_t, dys, work)  # dhs[t].T: (B, H)
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
    hs_t = hs.transpose(0, 2, 1)  # (T, H, B), as output_grads takes them
    dWhy, dby, dhs = output_grads(Why, hs_t, dys, work)  # dhs[t].T: (B, H)
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
