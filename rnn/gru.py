# Generated from docs/gru.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/gru/

"""The GRU, PyTorch's variant: reset applied after the recurrent product, one product per step."""

import numpy as np

from rnn.bptt import input_grad, output_grads, recurrent_grad
from rnn.cell import columns, output, states, steps
from rnn.loss import cross_entropy, softmax
from rnn.lstm import sigmoid
from rnn.model import Parameter, Recurrent
from rnn.sample import draw


def param_shapes(vocab_size, hidden_size):
    H, V = hidden_size, vocab_size
    return {"Wx": (3 * H, V), "Wh": (3 * H, H), "Why": (V, H), "b": (3 * H, 1), "by": (V, 1)}


def cell(ax, ah, h_prev):
    H = h_prev.shape[0]
    r, z = sigmoid(ax[:2 * H] + ah[:2 * H]).reshape(2, H, -1)
    n = np.tanh(ax[2 * H:] + r * ah[2 * H:])  # the reset acts on W_hn h_prev, after the product
    return np.concatenate([r, z, n]), (1 - z) * n + z * h_prev


def forward(Wx, Wh, Why, b, by, inputs, hprev):
    T, H = len(inputs), len(hprev)
    hs = states(hprev, T)
    gates = steps(np.empty((3 * H, T * hprev.shape[1]), hprev.dtype), T)
    xs = np.moveaxis((Wx + b)[:, inputs], 1, 0)  # xs[t] = Wx @ onehot(inputs[t]) + b
    for t in range(T):
        gates[t], hs[t] = cell(xs[t], Wh @ hs[t - 1], hs[t - 1])
    return hs, gates, output(Why, by, hs[:T])


def backward(Wx, Wh, Why, inputs, targets, hs, gates, ps):
    T, H = len(inputs), hs.shape[1]
    dWhy, dby, dhs = output_grads(Why, targets, hs, ps)
    hprevs = np.roll(hs, 1, axis=0)[:T]  # hprevs[t] is h_{t-1}
    ahn = steps(Wh[2 * H:] @ columns(hprevs), T)  # the candidate's recurrent part, every step at once
    dxs, dahs = np.empty_like(gates), np.empty_like(gates)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        r, z, n = gates[t].reshape(3, H, -1)
        dh = dhs[t] + dhnext
        dn = dh * (1 - z) * (1 - n * n)  # through each part's local derivative
        dz = dh * (hprevs[t] - n) * z * (1 - z)
        dr = dn * ahn[t] * r * (1 - r)
        dxs[t] = np.concatenate([dr, dz, dn])
        dahs[t] = np.concatenate([dr, dz, r * dn])  # the reset multiplied W_hn h on its way in
        dhnext = z * dh + Wh.T @ dahs[t]  # the direct path, and the gates' path through Wh

    dWh = recurrent_grad(dahs, hs)
    db = columns(dxs).sum(axis=1, keepdims=True)
    dWx = input_grad(dxs, inputs, Wx.shape[1])
    grads = {"Wx": dWx, "Wh": dWh, "Why": dWhy, "b": db, "by": dby}
    return grads, dhnext


def sample(Wx, Wh, Why, b, by, h, seed_ix, n, temperature, rng):
    ixes = np.empty((n, h.shape[1]), dtype=np.int64)
    ix = seed_ix
    for t in range(n):
        _, h = cell(Wx[:, ix] + b, Wh @ h, h)
        p = softmax((Why @ h + by) / temperature)
        ix = ixes[t] = draw(p, rng)
    return ixes


class GRU(Recurrent):
    Wx, Wh, Why, b, by = Parameter(), Parameter(), Parameter(), Parameter(), Parameter()
    param_shapes = staticmethod(param_shapes)

    @staticmethod
    def default_init_scale(hidden_size):
        return 1 / np.sqrt(hidden_size)  # as the LSTM's, and for the same reason

    def loss(self, inputs, targets, hprev):
        inputs, hprev, targets = self.batch(inputs, hprev, targets)
        hs, gates, ys = forward(self.Wx, self.Wh, self.Why, self.b, self.by, inputs, hprev)
        ps = softmax(ys)
        grads, _ = backward(self.Wx, self.Wh, self.Why, inputs, targets, hs, gates, ps)
        return cross_entropy(ps, targets), grads, hs[len(inputs) - 1]

    def predict(self, inputs, hprev):
        inputs, hprev, _ = self.batch(inputs, hprev)
        hs, _, ys = forward(self.Wx, self.Wh, self.Why, self.b, self.by, inputs, hprev)
        return softmax(ys), hs[len(inputs) - 1]

    def generate(self, h, seed_ix, n, temperature, rng):
        return sample(self.Wx, self.Wh, self.Why, self.b, self.by, h, seed_ix, n, temperature, rng)
