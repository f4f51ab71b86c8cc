# Generated from docs/dhnext.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/dhnext/

"""The gradient through time: how much of a loss reaches the state k steps back."""

import numpy as np

from rnn.inside import corpus
from rnn.loss import softmax
from rnn.model import RNN


def gradient_norms(model, x):
    """|dL/dh[t-k]| for k = 0 .. len(x) - 2, with a loss on the last prediction only."""
    h, hs = np.zeros((model.hidden_size, 1), model.dtype), []
    for ix in x[:-1]:
        h = np.tanh(model.Wxh[:, [ix]] + model.Whh @ h + model.bh)
        hs.append(h)
    dy = softmax(model.Why @ hs[-1] + model.by)
    dy[x[-1]] -= 1  # dy = p - onehot(target)
    dh = model.Why.T @ dy
    norms = [np.linalg.norm(dh)]
    for k in range(1, len(hs)):
        dhraw = (1 - hs[-k] * hs[-k]) * dh
        dh = model.Whh.T @ dhraw  # dhnext
        norms.append(np.linalg.norm(dh))
    return np.array(norms)


def per_step_factor(ratio, skip=5):
    """The factor gamma of a geometric fit ratio[k] ~ gamma**k, past the first steps."""
    k = np.arange(skip, len(ratio))
    return float(np.exp(np.polyfit(k, np.log(ratio[skip:]), 1)[0]))


def decay(hidden_size, whh_scale, steps=40, places=10, seed=0):
    """The median ratio |dL/dh[t-k]| / |dL/dh[t]| over `places` stretches of held-out
    text, for an untrained RNN whose Whh is drawn at `whh_scale`."""
    vocab, _, val = corpus()
    model = RNN(vocab_size=len(vocab), hidden_size=hidden_size, seed=seed)
    rng = np.random.default_rng(seed)
    model.Whh = rng.standard_normal((hidden_size, hidden_size)) * whh_scale
    data = vocab.encode(val[:places * 600])
    starts = range(0, places * 600, 600)
    ratios = [gradient_norms(model, data[s:s + steps + 1]) for s in starts]
    ratio = np.median([r / r[0] for r in ratios], axis=0)
    return {"ratio": ratio.tolist(), "factor": per_step_factor(ratio),
            "sigma_max": float(np.linalg.svd(model.Whh, compute_uv=False)[0])}
