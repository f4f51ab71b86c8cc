# Generated from docs/training.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/training/

"""The training loop: windows in, train_step, smoothed loss, samples, validation bpc,
checkpoints."""

import json
import math
import signal
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from rnn.checkpoint import save
from rnn.data import lanes, windows
from rnn.loss import cross_entropy


class TrainingError(RuntimeError):
    """Training cannot go on, said in one line."""


def evaluate(model, data, lanes_at_once=64):
    B = max(1, min(lanes_at_once, (len(data) - 1) // model.seq_length))
    X, Y = lanes(data, B)
    nats, h = 0.0, None
    for p in range(0, len(X), model.seq_length):
        ps, h = model.predict(X[p:p + model.seq_length], h)
        # the loss averages over lanes
        nats += cross_entropy(ps, Y[p:p + model.seq_length]) * B
    return float(nats / X.size / math.log(2))


class StopFlag:
    """Turns the first Ctrl-C into a request to stop after the current step."""

    def __init__(self):
        self.raised = False

    def __enter__(self):
        self.previous = signal.signal(signal.SIGINT, self.handle)
        return self

    def handle(self, signum, frame):
        self.raised = True
        signal.signal(signal.SIGINT, self.previous)

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self.previous)


def train(ckpt, train_data, val_data, path, steps, batch_size=1, sample_every=1000,
          sample_chars=200, eval_every=1000, eval_chars=100_000, temperature=1.0,
          minutes=None, log=tqdm.write):
    model, T, path = ckpt.model, ckpt.model.seq_length, Path(path)
    best_path = path.with_name(path.stem + ".best.npz")
    if ckpt.step == 0:
        ckpt.smooth_loss = T * math.log(model.vocab_size)
    deadline = math.inf if minutes is None else time.monotonic() + 60 * minutes
    start_step, start_time, seconds_before = ckpt.step, time.monotonic(), ckpt.seconds
    bar = tqdm(total=steps * T * batch_size, initial=ckpt.step * T * batch_size,
               unit="char", unit_scale=True, dynamic_ncols=True, mininterval=0.5)
    # a non-finite loss is reported below
    with bar, StopFlag() as stop, np.errstate(all="ignore"):
        for position, inputs, targets in windows(
            train_data, T, batch_size, ckpt.position
        ):
            if ckpt.step >= steps or stop.raised or time.monotonic() > deadline:
                break
            h = None if position == 0 else ckpt.h  # None: a zero state
            loss, h = model.train_step(inputs, targets, h)
            if not math.isfinite(loss):
                raise TrainingError(
                    f"the loss became {loss} at step {ckpt.step + 1}; the last good "
                    f"checkpoint is {path}; try a smaller --learning-rate or --clip"
                )
            ckpt.step, ckpt.position, ckpt.h = ckpt.step + 1, position + T, h
            ckpt.seconds = seconds_before + time.monotonic() - start_time
            ckpt.smooth_loss = 0.999 * ckpt.smooth_loss + 0.001 * float(loss)
            bar.update(T * batch_size)
            bar.set_postfix(loss=f"{ckpt.smooth_loss:.2f}", refresh=False)
            if ckpt.step % sample_every == 0:
                log("----\n"
                    f"{sample_text(ckpt, h, inputs, sample_chars, temperature)}\n----")
            if ckpt.step % eval_every == 0:
                validate(ckpt, val_data[:eval_chars + 1], path, best_path, log)
    save(path, ckpt)
    chars = (ckpt.step - start_step) * T * batch_size
    return chars / max(time.monotonic() - start_time, 1e-9), stop.raised


def sample_text(ckpt, h, inputs, n, temperature):
    ixes = ckpt.model.sample(h[:, :1], inputs[-1, 0], n, temperature)
    return ckpt.vocab.decode(ixes)


def validate(ckpt, val_data, path, best_path, log):
    bpc = evaluate(ckpt.model, val_data)
    is_best = bpc < ckpt.best_val_bpc
    ckpt.best_val_bpc = min(bpc, ckpt.best_val_bpc)
    save(path, ckpt)
    if is_best:
        save(best_path, ckpt)
    record = {"step": ckpt.step, "seconds": round(ckpt.seconds, 2),
              "train_loss": ckpt.smooth_loss, "val_bpc": bpc}
    with open(path.with_suffix(".jsonl"), "a") as f:
        f.write(json.dumps(record) + "\n")
    log(f"step {ckpt.step}: val_bpc {bpc:.3f}"
        + (f" (best so far; saved {best_path})" if is_best else ""))
