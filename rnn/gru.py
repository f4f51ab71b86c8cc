# Generated from docs/gru.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/gru/

"""The GRU, PyTorch's variant: the reset after the recurrent product."""

import numpy as np

from rnn import fast, fast_gates
from rnn.gates import sigmoid
from rnn.model import Cell, Parameter, Recurrent


def param_shapes(vocab_size, hidden_size):
    H, V = hidden_size, vocab_size
    return {"Wx": (3 * H, V), "Wh": (3 * H, H), "Why": (V, H),
            "b": (3 * H, 1), "by": (V, 1)}


def cell(ax, ah, h_prev):
    H = h_prev.shape[0]
    r, z = sigmoid(ax[:2 * H] + ah[:2 * H]).reshape(2, H, -1)
    n = np.tanh(ax[2 * H:] + r * ah[2 * H:])  # r acts on W_hn h_prev, after the product
    return np.concatenate([r, z, n]), (1 - z) * n + z * h_prev


def forward(inputs, hprev, Wx, Wh, Why, b, by):
    """inputs (T, B), hprev (H, B) -> ys (T, V, B), (hs, gates, ahns), last state."""
    (T, B), H, V = inputs.shape, len(hprev), len(by)
    hs, gates, ahns = {-1: hprev}, {}, {}  # for t = -1 .. T - 1
    ys = np.empty((T, V, B), hprev.dtype)
    for t in range(T):
        ah = Wh @ hs[t - 1]  # (3H, B)
        ahns[t] = ah[2 * H:]  # W_hn h_{t-1}, which the backward pass needs again
        gates[t], hs[t] = cell(Wx[:, inputs[t]] + b, ah, hs[t - 1])
        ys[t] = Why @ hs[t] + by  # (V, B)
    return ys, (hs, gates, ahns), hs[T - 1]


def backward(inputs, cache, dys, Wx, Wh, Why, b, by):
    """dys (T, V, B), inputs (T, B), forward's cache -> gradients, dL/dhprev (H, B)."""
    hs, gates, ahns = cache
    H, V = Wh.shape[1], Wx.shape[1]
    dWx, dWh, dWhy = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(Why)
    db, dby = np.zeros_like(b), np.zeros_like(by)
    dhnext = np.zeros_like(hs[-1])
    for t in reversed(range(len(inputs))):
        dWhy += dys[t] @ hs[t].T  # the output layer, as the RNN's
        dby += dys[t].sum(axis=1, keepdims=True)
        r, z, n = gates[t].reshape(3, H, -1)
        dh = Why.T @ dys[t] + dhnext
        dn = dh * (1 - z) * (1 - n * n)  # through each part's local derivative
        dz = dh * (hs[t - 1] - n) * z * (1 - z)  # hs[-1] is hprev, as in forward
        dr = dn * ahns[t] * r * (1 - r)
        dax = np.concatenate([dr, dz, dn])  # (3H, B)
        dah = np.concatenate([dr, dz, r * dn])  # r multiplied W_hn h on its way in
        db += dax.sum(axis=1, keepdims=True)
        dWx += dax @ np.eye(V, dtype=dax.dtype)[inputs[t]]  # dax x_t^T
        dWh += dah @ hs[t - 1].T
        dhnext = z * dh + Wh.T @ dah  # the direct path, and the path through Wh
    grads = {"Wx": dWx, "Wh": dWh, "Why": dWhy, "b": db, "by": dby}
    return grads, dhnext


class GRU(Recurrent):
    Wx, Wh, Why, b, by = Parameter(), Parameter(), Parameter(), Parameter(), Parameter()
    param_shapes = staticmethod(param_shapes)
    plain_cell = Cell(forward, backward)
    fast_cell = Cell(fast_gates.gru_forward, fast_gates.gru_backward, fast.loss)

    @staticmethod
    def default_init_scale(hidden_size):
        return 1 / np.sqrt(hidden_size)  # as the LSTM's, and for the same reason

    def read(self, ix, h):
        """Characters ix (B,), state h (H, B) -> the next scores (V, B) and state."""
        _, h = cell(self.Wx[:, ix] + self.b, self.Wh @ h, h)
        return self.Why @ h + self.by, h
