# Generated from docs/program.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/program/

"""A run's settings, and the training loop: windows in, train_step, samples,
validation in bits per character, checkpoints."""

import errno
import inspect
import json
import math
import os
import signal
import stat
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
from tqdm import tqdm

from rnn import MODELS
from rnn.checkpoint import STOP_SIGNALS, save
from rnn.data import lanes, windows
from rnn.loss import cross_entropy
from rnn.model import Recurrent
from rnn.optim import OPTIMIZERS

MODEL_DEFAULTS = {name: p.default  # min-char-rnn's, from the model's signature
                  for name, p in inspect.signature(Recurrent).parameters.items()}
SCHEDULES = {
    "constant": lambda s, N: 1.0,
    "cosine": lambda s, N: 0.5 * (1 + math.cos(math.pi * s / N)),
}


def setting(default, help, **option):
    """A field of TrainConfig: its default, its help, and how the CLI parses it."""
    return field(default=default, metadata={"help": help, **option})


@dataclass(frozen=True)
class TrainConfig:
    model: str = setting("rnn", "architecture", choices=list(MODELS))
    hidden_size: int = setting(128, "H, the hidden units", kind=int)
    seq_length: int = setting(MODEL_DEFAULTS["seq_length"], "T, the truncation length",
                              kind=int)
    optimizer: str = setting("adam", "update rule", choices=list(OPTIMIZERS))
    learning_rate: float | None = setting(
        None, "step size", kind=float, shown="the optimizer's own: " + ", ".join(
            f"{name} {cls.learning_rate:g}" for name, cls in OPTIMIZERS.items()))
    dtype: str = setting("float32", "float type", choices=["float64", "float32"])
    clip: float = setting(MODEL_DEFAULTS["clip"], "elementwise gradient clip",
                          kind=float)
    init_scale: float | None = setting(None, "std of the initial weights", kind=float,
                                       shown="0.01 rnn, 1/sqrt(H) lstm and gru")
    batch_size: int = setting(32, "B, the streams read side by side", kind=int)
    steps: int = setting(20_000, "total updates, across resumes", kind=int)
    minutes: float | None = setting(None, "a time limit for the whole run, final "
                                    "validation included", kind=float, most=1e6)
    schedule: str = setting("constant", "learning rate over the run: constant, or "
                            "cosine from --learning-rate down to 0 at --steps",
                            choices=list(SCHEDULES))
    seed: int = setting(0, "seed of the initial weights and the samples", kind=int,
                        zero=True)
    report_seconds: float = setting(10.0, "seconds between reports: a sample, a "
                                    "validation and a save", kind=float)
    eval_every: int | None = setting(None, "steps between reports, instead of "
                                     "--report-seconds", kind=int, shown="none")
    sample_every: int | None = setting(None, "steps between samples", kind=int,
                                       shown="one with each report")
    sample_chars: int = setting(200, "characters per sample; 0 for none", kind=int,
                                zero=True, most=100_000)
    eval_chars: int = setting(100_000, "held-out characters read by each periodic "
                              "validation; the final one reads them all", kind=int)
    temperature: float = setting(1.0, "temperature of the samples", kind=float,
                                 most=100.0)
    threads: int = setting(1, "BLAS threads; 1 is fastest for these small products",
                           kind=int, most=1024)

    def __post_init__(self):  # the Python API is held to the command line's ranges
        for f in fields(self):
            check_setting(f, getattr(self, f.name))

    def model_options(self):
        """The arguments of the model class, for those set (None: the class's own)."""
        names = ("hidden_size", "seq_length", "learning_rate", "optimizer", "dtype",
                 "clip", "init_scale")
        return {name: getattr(self, name) for name in names
                if getattr(self, name) is not None}


PRESETS = {"min-char-rnn": {**{name: MODEL_DEFAULTS[name] for name in (
    "hidden_size", "seq_length", "optimizer", "clip")}, "dtype": "float64",
    "batch_size": 1}}
SETTING_NAMES = [f.name for f in fields(TrainConfig)]


class TrainingError(RuntimeError):
    """Training cannot go on, said in one line."""


def out_of_range(value, zero=False, most=math.inf):
    """Why a number cannot be a setting's, or None: a setting is finite, above zero
    (or zero, where that means something), and at most its ceiling."""
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    if value < 0 or (value == 0 and not zero):
        return "must be 0 or more" if zero else "must be positive"
    if value > most:
        return f"must be at most {most:g}"
    return None


def check_setting(f, value):
    meta = f.metadata
    if value is None and f.default is None:  # None: the model's own, or no limit
        return
    if "choices" in meta:
        if value not in meta["choices"]:
            raise TrainingError(f"run setting {f.name} must be one of "
                                f"{', '.join(meta['choices'])}, not {value!r:.40}")
        return
    kind = meta["kind"]
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float
                                                 else int):
        raise TrainingError(f"run setting {f.name} is {value!r:.40}, not a "
                            f"{'whole number' if kind is int else 'number'}")
    why = out_of_range(value, meta.get("zero", False), meta.get("most", math.inf))
    if why:
        raise TrainingError(f"run setting {f.name} {why}, not {value!r:.40}")


def config_from(values):
    unknown = sorted(set(values) - set(SETTING_NAMES))
    if unknown:
        raise TrainingError(f"unknown run settings: {', '.join(unknown)}")
    return TrainConfig(**values)


def measure(model, data, lanes_at_once=64, deadline=math.inf):
    """The bpc of data, read in lanes until the deadline; the characters read; and
    whether that was all of them."""
    T = model.seq_length
    B = max(1, min(lanes_at_once, (len(data) - 1) // T))
    X, Y = lanes(data, B)
    nats, read, h = 0.0, 0, None
    for p in range(0, len(X), T):
        if read and time.monotonic() > deadline:
            break
        ps, h = model.predict(X[p:p + T], h)
        nats += cross_entropy(ps, Y[p:p + T]) * B  # the loss averages over lanes
        read += Y[p:p + T].size
    return float(nats / read / math.log(2)), read, read == Y.size


def evaluate(model, data, lanes_at_once=64):
    return measure(model, data, lanes_at_once)[0]


class Stopped(Exception):
    """A stop signal that arrived between steps."""


class StopFlag:
    """The first stop signal: a request to stop after the step, or at once between."""

    def __init__(self):
        self.signum, self.stepping = None, False

    def __enter__(self):
        self.previous = {signum: signal.signal(signum, self.handle)
                         for signum in STOP_SIGNALS}
        return self

    def handle(self, signum, frame):
        self.signum = signum
        self.restore()
        if not self.stepping:
            raise Stopped(signum)

    def restore(self):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def __exit__(self, *exc):
        self.restore()


def check_finite(model, loss, step, path, saved_step):
    if not (math.isfinite(loss) and np.isfinite(model.theta).all()):
        last = (f"the last good checkpoint is {path} (step {saved_step})"
                if saved_step is not None else "nothing was saved")
        first = step == 1 and not math.isfinite(loss)  # the initial weights' loss
        cause = "--init-scale" if first else "--learning-rate or --clip"
        raise TrainingError(f"the run diverged at step {step} (loss {loss}); {last}; "
                            f"try a smaller {cause}")


def companions(path):
    """The best copy and the log that live beside a checkpoint."""
    path = Path(path)
    return path.with_name(path.stem + ".best.npz"), path.with_suffix(".jsonl")


def progress(ckpt, steps, chars, seconds):
    if seconds is None:  # steps end the run
        return tqdm(total=steps * chars, initial=ckpt.step * chars, unit="char",
                    unit_scale=True, dynamic_ncols=True, mininterval=0.5)
    return tqdm(total=seconds, dynamic_ncols=True, mininterval=0.5,
                bar_format="{l_bar}{bar}| {elapsed}<{remaining}{postfix}")


class Recent:
    """The mean training loss of the steps since the last report, in bpc."""

    def __init__(self, seq_length):
        self.per_bit, self.nats, self.steps = seq_length * math.log(2), 0.0, 0

    def add(self, loss):
        self.nats, self.steps = self.nats + loss, self.steps + 1

    def bpc(self, reset=False):
        bpc = self.nats / max(self.steps, 1) / self.per_bit
        if reset:
            self.nats, self.steps = 0.0, 0
        return bpc


@dataclass
class Result:
    chars_per_s: float
    val_bpc: float = math.nan  # the final validation's, on val_chars characters
    val_chars: int = 0
    val_complete: bool = False
    signum: int | None = None


def write(text):
    """A line above the progress bar, without tqdm's lock: a stop signal that lands
    between the lock's two halves would leave it half taken, and its release fail."""
    tqdm.write(text, nolock=True)


def train(ckpt, train_data, val_data, path, config=TrainConfig(), log=write,
          started=None):
    model, T, path = ckpt.model, ckpt.model.seq_length, Path(path)
    if len(val_data) < T + 1:  # a window's worth, or validation reads nothing
        raise TrainingError(f"val_data holds {len(val_data)} characters; validation "
                            f"needs more than seq_length {T}")
    ckpt.run = asdict(config)
    if ckpt.step == 0:
        ckpt.smooth_loss = T * math.log(model.vocab_size)
    saved_step = ckpt.step if ckpt.step else None  # a resumed run starts saved
    start = time.monotonic()
    started = start if started is None else started  # when the program began
    end = math.inf if config.minutes is None else started + 60 * config.minutes
    stop_training = end - 0.05 * (end - started)  # the rest: the final validation
    start_step, seconds_before = ckpt.step, ckpt.seconds
    chars = T * config.batch_size  # per step
    limit = None if config.minutes is None else 60 * config.minutes
    bar = progress(ckpt, config.steps, chars, limit)
    data = windows(train_data, T, config.batch_size, ckpt.position)
    next_report = start + config.report_seconds
    result, recent = Result(0.0), Recent(T)
    with bar, StopFlag() as stop, np.errstate(all="ignore"):  # check_finite reports it
        try:
            for position, inputs, targets in data:
                now = time.monotonic()
                if ckpt.step >= config.steps or stop.signum or now > stop_training:
                    break
                h = None if position == 0 else ckpt.h  # None: a zero state
                factor = SCHEDULES[config.schedule](ckpt.step, config.steps)
                model.optimizer.learning_rate = model.learning_rate * factor
                stop.stepping = True
                loss, h = model.train_step(inputs, targets, h)
                check_finite(model, loss, ckpt.step + 1, path, saved_step)
                ckpt.step, ckpt.position, ckpt.h = ckpt.step + 1, position + T, h
                ckpt.seconds = seconds_before + time.monotonic() - start
                ckpt.smooth_loss = 0.999 * ckpt.smooth_loss + 0.001 * float(loss)
                recent.add(float(loss))
                stop.stepping = False
                done = ckpt.step * chars if limit is None else time.monotonic() - start
                bar.update(min(done, bar.total) - bar.n)
                bar.set_postfix(train_bpc=f"{recent.bpc():.2f}", step=ckpt.step,
                                refresh=False)
                if config.sample_every and ckpt.step % config.sample_every == 0:
                    log(sample_text(ckpt, inputs[-1, 0], config))
                if (ckpt.step % config.eval_every == 0 if config.eval_every
                        else time.monotonic() >= next_report):
                    if not config.sample_every:
                        log(sample_text(ckpt, inputs[-1, 0], config))
                    before = time.monotonic()
                    read = validate(ckpt, val_data[:config.eval_chars + 1], path, log,
                                    saved_step, end, recent.bpc(reset=True))
                    per_char = (time.monotonic() - before) / read  # seconds
                    final = 1.2 * per_char * len(val_data)  # the last one's need
                    stop_training = end - min(final, 0.5 * (end - started))
                    saved_step = ckpt.step
                    next_report = time.monotonic() + config.report_seconds
            if ckpt.step != (saved_step or 0):  # steps since the last save
                save(path, ckpt)
                saved_step = ckpt.step
            if ckpt.step == 0 and not stop.signum:
                raise TrainingError("the time limit came before the first step; "
                                    "nothing was saved; give it more --minutes")
            if not stop.signum:
                bar.update(bar.total - bar.n)
                bar.close()
                result.val_bpc, result.val_chars, result.val_complete = measure(
                    model, val_data, deadline=end)
                append(path, {"step": ckpt.step, "seconds": round(ckpt.seconds, 2),
                              "train_bpc": recent.bpc(), "val_bpc": result.val_bpc,
                              "val_chars": result.val_chars, "final": True})
        except Stopped:
            if ckpt.step != (saved_step or 0):  # steps since the last save
                save(path, ckpt)
        result.signum = stop.signum
    result.chars_per_s = (ckpt.step - start_step) * chars / max(
        time.monotonic() - start, 1e-9)
    return result


def sample_text(ckpt, last, config):
    """A sample of the first stream, from the state after its last character."""
    if not config.sample_chars:
        return "----"
    rng = np.random.default_rng([config.seed, ckpt.step])  # the model's rng is not used
    ixes = ckpt.model.sample(ckpt.h[:, :1], last, config.sample_chars,
                             config.temperature, rng)
    return f"----\n{ckpt.vocab.decode(ixes)}\n----"


def append(path, record):
    log_path = companions(path)[1]
    try:
        if log_path.is_symlink():
            raise OSError(errno.ELOOP, "a symbolic link")
        flags = (os.O_WRONLY | os.O_APPEND | os.O_CREAT
                 | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with open(os.open(log_path, flags, 0o666), "a") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            f.write(json.dumps(record) + "\n")
    except OSError as error:
        raise TrainingError(f"cannot append to {log_path} ({error.strerror}); "
                            f"{path} is saved") from None


def validate(ckpt, val_data, path, log, saved_step, deadline, train_bpc):
    best_path = companions(path)[0]
    bpc, read, _ = measure(ckpt.model, val_data, deadline=deadline)
    check_finite(ckpt.model, bpc, ckpt.step, path, saved_step)  # huge weights overflow
    is_best = bpc < ckpt.best_val_bpc
    ckpt.best_val_bpc = min(bpc, ckpt.best_val_bpc)
    save(path, ckpt)
    if is_best:
        save(best_path, ckpt)
    append(path, {"step": ckpt.step, "seconds": round(ckpt.seconds, 2),
                  "train_bpc": train_bpc, "val_bpc": bpc, "val_chars": read})
    news = f" (best so far; saved {best_path.name})" if is_best else ""
    log(f"step {ckpt.step} ({ckpt.seconds:.0f} s): train {train_bpc:.3f} bpc, "
        f"validation {bpc:.3f} bpc{news}")
    return read
