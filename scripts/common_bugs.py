"""What each bug of docs/common-bugs.md does to training, recorded in data/runs/common-bugs.json.

The book's RNN and each bug, planted as on the page, trained the same way by rnn.checks.train_bits
(H = 32, T = 25, B = 4, Adagrad, on the first 50 000 characters of the man pages): the training
loss over the last 100 steps, in bits per character. The page prints the record; the bugs' checks
run on the page itself.

    python scripts/common_bugs.py --steps 2000
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from rnn import bptt, cell, data, loss, model, optim
from rnn.checks import mutant, rebind, rnn_with, train_bits
from rnn.model import RNN, Recurrent

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "data" / "runs" / "common-bugs.json"


def bugs():
    """{the page's title of a bug: train_bits's keyword arguments}, the book's code first."""
    backward = bptt.backward
    eye = "dWxh += dhraw @ np.eye(V, dtype=dhraw.dtype)[inputs[t]]"
    grad = mutant(loss.cross_entropy_grad, "dys = ps / B", "dys = ps.copy()")
    clip = ("    for g in grads.values():\n"
            "        np.clip(g, -self.clip, self.clip, out=g)\n")
    softmax = mutant(loss.softmax, "np.exp(ys - ys.max(axis=-2, keepdims=True))", "np.exp(ys)")
    lanes = mutant(data.lanes, "data[1:L * batch_size + 1]", "data[:L * batch_size]")
    return {
        "the book's code": {},
        "1. the tanh slope written 1 - h": {"model_class": rnn_with(
            backward=mutant(backward, "(1 - hs[t] * hs[t])", "(1 - hs[t])"))},
        "2. dhnext not added": {"model_class": rnn_with(
            backward=mutant(backward, "Why.T @ dys[t] + dhnext", "Why.T @ dys[t]"))},
        "3. Whh where Whh.T belongs": {"model_class": rnn_with(
            backward=mutant(backward, "Whh.T @ dhraw", "Whh @ dhraw"))},
        "4. hs[t] where hs[t - 1] belongs": {"model_class": rnn_with(
            backward=mutant(backward, "hs[t - 1].T", "hs[t].T"))},
        "5. the fancy-index update of dWxh": {"model_class": rnn_with(
            backward=mutant(backward, eye, "dWxh[:, inputs[t]] += dhraw"))},
        "6. the gradient not divided by B": {"model_class": rnn_with(
            loss=rebind(model.loss_and_grad, cross_entropy_grad=grad))},
        "7. clipping inside the loss": {"model_class": type("RNN", (RNN,), {
            "loss": mutant(Recurrent.loss, "    return", clip + "    return")})},
        "8. softmax without the shift": {"model_class": rnn_with(
            loss=rebind(model.loss_and_grad, softmax=softmax))},
        "9. Adagrad without its epsilon": {"optimizer": mutant(
            optim.Adagrad, "np.sqrt(self.mem + self.eps)", "np.sqrt(self.mem)")},
        "10. the last state that is the first": {"model_class": rnn_with(
            forward=mutant(cell.forward, "return ys, hs, hs[T - 1]", "return ys, hs, hs[-1]"))},
        "11. an off-by-one between inputs and targets": {
            "make_windows": rebind(data.windows, lanes=lanes)},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="training steps for each")
    args = parser.parse_args(argv)
    if args.steps < 100:
        parser.error("--steps must be at least 100 (the loss is the mean of the last 100)")
    bits = {}
    for title, kwargs in bugs().items():
        kwargs.setdefault("model_class", RNN)
        bits[title] = round(train_bits(steps=args.steps, **kwargs), 3)
        print(f"{bits[title]:6.3f}  {title}", flush=True)
    record = {"command": f"python scripts/common_bugs.py --steps {args.steps}",
              "steps": args.steps, "bits_per_character": bits}
    fd, tmp = tempfile.mkstemp(dir=RECORD.parent, prefix=".common-bugs.", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    os.replace(tmp, RECORD)  # atomic: a reader never sees half a record
    return 0


if __name__ == "__main__":
    sys.exit(main())
