# Generated from docs/program.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/program/

"""The training loop: windows in, train_step, samples, validation bpc, checkpoints."""

import json
import math
import os
import signal
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from rnn.checkpoint import STOP_SIGNALS, save
from rnn.data import lanes, windows
from rnn.loss import cross_entropy


class TrainingError(RuntimeError):
    """Training cannot go on, said in one line."""


def evaluate(model, data, lanes_at_once=64):
    T = model.seq_length
    B = max(1, min(lanes_at_once, (len(data) - 1) // T))
    X, Y = lanes(data, B)
    nats, h = 0.0, None
    for p in range(0, len(X), T):
        ps, h = model.predict(X[p:p + T], h)
        nats += cross_entropy(ps, Y[p:p + T]) * B  # the loss averages over lanes
    return float(nats / X.size / math.log(2))


class StopFlag:
    """Turns the first stop signal into a request to stop after the current step."""

    def __init__(self):
        self.signum = None

    def __enter__(self):
        self.previous = {signum: signal.signal(signum, self.handle)
                         for signum in STOP_SIGNALS}
        return self

    def handle(self, signum, frame):
        self.signum = signum
        self.restore()

    def restore(self):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def __exit__(self, *exc):
        self.restore()


def check_finite(model, loss, step, path, saved_step):
    if not (math.isfinite(loss) and np.isfinite(model.theta).all()):
        raise TrainingError(f"the run diverged at step {step} (loss {loss}); "
                            f"the last good checkpoint is {path} (step {saved_step}); "
                            "try a smaller --learning-rate or --clip")


SCHEDULES = {
    "constant": lambda s, N: 1.0,
    "cosine": lambda s, N: 0.5 * (1 + math.cos(math.pi * s / N)),
}


def companions(path):
    """The best copy and the log that live beside a checkpoint."""
    path = Path(path)
    return path.with_name(path.stem + ".best.npz"), path.with_suffix(".jsonl")


def progress(ckpt, steps, chars, minutes):
    if minutes is None:  # steps end the run
        return tqdm(total=steps * chars, initial=ckpt.step * chars, unit="char",
                    unit_scale=True, dynamic_ncols=True, mininterval=0.5)
    return tqdm(total=60 * minutes, dynamic_ncols=True, mininterval=0.5,
                bar_format="{l_bar}{bar}| {elapsed}<{remaining}{postfix}")


def train(ckpt, train_data, val_data, path, steps, batch_size=1, sample_every=1000,
          sample_chars=200, eval_every=1000, eval_chars=100_000, temperature=1.0,
          minutes=None, log=tqdm.write, schedule="constant"):
    model, T, path = ckpt.model, ckpt.model.seq_length, Path(path)
    if ckpt.step == 0:
        ckpt.smooth_loss = T * math.log(model.vocab_size)
    save(path, ckpt)
    saved_step = ckpt.step
    deadline = math.inf if minutes is None else time.monotonic() + 60 * minutes
    start_step, start_time, seconds_before = ckpt.step, time.monotonic(), ckpt.seconds
    chars = T * batch_size  # per step
    bar = progress(ckpt, steps, chars, minutes)
    data = windows(train_data, T, batch_size, ckpt.position)
    with bar, StopFlag() as stop, np.errstate(all="ignore"):  # check_finite reports it
        for position, inputs, targets in data:
            if ckpt.step >= steps or stop.signum or time.monotonic() > deadline:
                break
            h = None if position == 0 else ckpt.h  # None: a zero state
            factor = SCHEDULES[schedule](ckpt.step, steps)
            model.optimizer.learning_rate = model.learning_rate * factor
            loss, h = model.train_step(inputs, targets, h)
            check_finite(model, loss, ckpt.step + 1, path, saved_step)
            ckpt.step, ckpt.position, ckpt.h = ckpt.step + 1, position + T, h
            ckpt.seconds = seconds_before + time.monotonic() - start_time
            ckpt.smooth_loss = 0.999 * ckpt.smooth_loss + 0.001 * float(loss)
            elapsed = time.monotonic() - start_time
            done = ckpt.step * chars if minutes is None else elapsed
            bar.update(min(done, bar.total) - bar.n)
            bar.set_postfix(loss=f"{ckpt.smooth_loss:.2f}", step=ckpt.step,
                            refresh=False)
            if ckpt.step % sample_every == 0:
                text = sample_text(ckpt, h, inputs, sample_chars, temperature)
                log(f"----\n{text}\n----")
            if ckpt.step % eval_every == 0:
                validate(ckpt, val_data[:eval_chars + 1], path, log, saved_step)
                saved_step = ckpt.step
        if not stop.signum:
            bar.update(bar.total - bar.n)
    save(path, ckpt)
    seconds = max(time.monotonic() - start_time, 1e-9)
    return (ckpt.step - start_step) * chars / seconds, stop.signum


def sample_text(ckpt, h, inputs, n, temperature):
    ixes = ckpt.model.sample(h[:, :1], inputs[-1, 0], n, temperature)
    return ckpt.vocab.decode(ixes)


def validate(ckpt, val_data, path, log, saved_step):
    best_path, log_path = companions(path)
    bpc = evaluate(ckpt.model, val_data)
    check_finite(ckpt.model, bpc, ckpt.step, path, saved_step)  # huge weights overflow
    is_best = bpc < ckpt.best_val_bpc
    ckpt.best_val_bpc = min(bpc, ckpt.best_val_bpc)
    save(path, ckpt)
    if is_best:
        save(best_path, ckpt)
    record = {"step": ckpt.step, "seconds": round(ckpt.seconds, 2),
              "train_loss": ckpt.smooth_loss, "val_bpc": bpc}
    try:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
        with open(os.open(log_path, flags, 0o666), "a") as f:
            f.write(json.dumps(record) + "\n")
    except OSError as error:
        raise TrainingError(f"cannot append to {log_path} ({error.strerror}); "
                            f"{path} is saved") from None
    news = f" (best so far; saved {best_path})" if is_best else ""
    log(f"step {ckpt.step}: val_bpc {bpc:.3f}{news}")
