# Generated from docs/lstm.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/lstm/

"""The LSTM: four gates from one product a step, and a cell changed by addition."""

import numpy as np

from rnn import fast
from rnn.fast import columns, input_grad, input_terms, output, output_grads
from rnn.fast import recurrent_grad, states, steps
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
    T, H = len(inputs), len(state) // 2
    hs, cs = states(state[:H], T), states(state[H:], T)  # (T + 1, H, B) each
    gates = steps(np.empty((4 * H, T * state.shape[1]), state.dtype), T)  # (T, 4H, B)
    xs = input_terms(Wx, b, inputs)  # xs[t] = Wx @ onehot(inputs[t]) + b
    for t in range(T):
        gates[t], cs[t], hs[t] = cell(xs[t] + Wh @ hs[t - 1], cs[t - 1])
    last = np.concatenate([hs[T - 1], cs[T - 1]])
    return output(Why, by, hs[:T]), (hs, cs, gates), last


def backward(inputs, cache, dys, Wx, Wh, Why, b, by):
    """dys (T, V, B), inputs (T, B), forward's cache -> gradients, dL/dstate (2H, B)."""
    hs, cs, gates = cache
    T, H = len(inputs), hs.shape[1]
    dWhy, dby, dhs = output_grads(Why, hs, dys)
    tanh_cs = np.tanh(cs[:T])
    das = np.empty_like(gates)
    dhnext, dcnext = np.zeros_like(hs[0]), np.zeros_like(cs[0])
    for t in reversed(range(T)):
        i, f, o, g = gates[t].reshape(4, H, -1)
        dh = dhs[t] + dhnext
        dc = dh * o * (1 - tanh_cs[t] * tanh_cs[t]) + dcnext
        di = dc * g * i * (1 - i)  # through each gate's local derivative
        df = dc * cs[t - 1] * f * (1 - f)
        do = dh * tanh_cs[t] * o * (1 - o)
        dg = dc * i * (1 - g * g)
        das[t] = np.concatenate([di, df, do, dg])
        dhnext = Wh.T @ das[t]  # all four gates back to h_{t-1} in one product
        dcnext = f * dc  # the cell path: the forget gate, and nothing else

    dWh = recurrent_grad(das, hs)
    db = columns(das).sum(axis=1, keepdims=True)
    dWx = input_grad(das, inputs, Wx.shape[1])
    grads = {"Wx": dWx, "Wh": dWh, "Why": dWhy, "b": db, "by": dby}
    return grads, np.concatenate([dhnext, dcnext])


class LSTM(Recurrent):
    Wx, Wh, Why, b, by = Parameter(), Parameter(), Parameter(), Parameter(), Parameter()
    state_rows = 2  # h stacked on c
    param_shapes = staticmethod(param_shapes)
    plain_cell = Cell(forward, backward, fast.loss)
    fast_cell = Cell(fast.lstm_forward, fast.lstm_backward, fast.loss)

    @staticmethod
    def default_init_scale(hidden_size):
        return 1 / np.sqrt(hidden_size)

    def initial_params(self, vocab_size, hidden_size, rng, dtype):
        params = super().initial_params(vocab_size, hidden_size, rng, dtype)
        return open_forget_gate(params, hidden_size)

    def step(self, ix, state):
        """Characters ix (B,), state (2H, B) -> the next scores (V, B) and state."""
        H = self.hidden_size
        _, c, h = cell(self.Wx[:, ix] + self.Wh @ state[:H] + self.b, state[H:])
        return self.Why @ h + self.by, np.concatenate([h, c])
