# Generated from docs/lstm.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/lstm/

"""The LSTM: four gates from one product a step, and a cell changed by addition."""

import numpy as np

from rnn import fast, fast_gates
from rnn.gates import sigmoid
from rnn.model import Cell, Parameter, Recurrent


def param_shapes(vocab_size, hidden_size):
    H, V = hidden_size, vocab_size
    return {"Wx": (4 * H, V), "Wh": (4 * H, H), "Why": (V, H),
            "b": (4 * H, 1), "by": (V, 1)}


def open_forget_gate(params, hidden_size):
    params["b"][hidden_size:2 * hidden_size] = 1.0
    return params


def cell(a, c_prev):
    H = c_prev.shape[0]
    gates = np.concatenate([sigmoid(a[:3 * H]), np.tanh(a[3 * H:])])
    i, f, o, g = gates.reshape(4, H, -1)  # four (H, B) views, in the stacking order
    c = f * c_prev + i * g
    return gates, c, o * np.tanh(c)


def forward(inputs, state, Wx, Wh, Why, b, by):
    """inputs (T, B), state (2H, B) -> ys (T, V, B), (hs, cs, gates), last state."""
    (T, B), H, V = inputs.shape, len(state) // 2, len(by)
    hs, cs, gates = {-1: state[:H]}, {-1: state[H:]}, {}  # for t = -1 .. T - 1
    ys = np.empty((T, V, B), state.dtype)
    for t in range(T):
        a = Wx[:, inputs[t]] + Wh @ hs[t - 1] + b  # (4H, B)
        gates[t], cs[t], hs[t] = cell(a, cs[t - 1])
        ys[t] = Why @ hs[t] + by  # (V, B)
    return ys, (hs, cs, gates), np.concatenate([hs[T - 1], cs[T - 1]])


def backward(inputs, cache, dys, Wx, Wh, Why, b, by):
    """dys (T, V, B), inputs (T, B), forward's cache -> gradients, dL/dstate (2H, B)."""
    hs, cs, gates = cache
    H, V = Wh.shape[1], Wx.shape[1]
    dWx, dWh, dWhy = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(Why)
    db, dby = np.zeros_like(b), np.zeros_like(by)
    dhnext, dcnext = np.zeros_like(hs[-1]), np.zeros_like(cs[-1])
    for t in reversed(range(len(inputs))):
        dWhy += dys[t] @ hs[t].T  # the output layer, as the RNN's
        dby += dys[t].sum(axis=1, keepdims=True)
        i, f, o, g = gates[t].reshape(4, H, -1)
        tanh_c = np.tanh(cs[t])
        dh = Why.T @ dys[t] + dhnext
        dc = dh * o * (1 - tanh_c * tanh_c) + dcnext
        di = dc * g * i * (1 - i)  # through each gate's local derivative
        df = dc * cs[t - 1] * f * (1 - f)
        do = dh * tanh_c * o * (1 - o)
        dg = dc * i * (1 - g * g)
        da = np.concatenate([di, df, do, dg])  # (4H, B)
        db += da.sum(axis=1, keepdims=True)
        dWx += da @ np.eye(V, dtype=da.dtype)[inputs[t]]  # da x_t^T
        dWh += da @ hs[t - 1].T
        dhnext = Wh.T @ da  # all four gates back to h_{t-1} in one product
        dcnext = f * dc  # the cell path: the forget gate, and nothing else
    grads = {"Wx": dWx, "Wh": dWh, "Why": dWhy, "b": db, "by": dby}
    return grads, np.concatenate([dhnext, dcnext])


class LSTM(Recurrent):
    Wx, Wh, Why, b, by = Parameter(), Parameter(), Parameter(), Parameter(), Parameter()
    state_rows = 2  # h stacked on c
    param_shapes = staticmethod(param_shapes)
    plain_cell = Cell(forward, backward)
    fast_cell = Cell(fast_gates.lstm_forward, fast_gates.lstm_backward, fast.loss)

    @staticmethod
    def default_init_scale(hidden_size):
        return 1 / np.sqrt(hidden_size)

    def initial_params(self, vocab_size, hidden_size, rng, dtype):
        params = super().initial_params(vocab_size, hidden_size, rng, dtype)
        return open_forget_gate(params, hidden_size)

    def read(self, ix, state):
        """Characters ix (B,), state (2H, B) -> the next scores (V, B) and state."""
        H = self.hidden_size
        _, c, h = cell(self.Wx[:, ix] + self.Wh @ state[:H] + self.b, state[H:])
        return self.Why @ h + self.by, np.concatenate([h, c])
