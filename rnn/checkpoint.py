# Generated from docs/program.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/program/

"""Checkpoints: one .npz with everything a run needs to continue bit for bit."""

import json
import math
import os
import secrets
import signal
import threading
import tokenize
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnn import MODELS
from rnn.data import Vocab
from rnn.optim import OPTIMIZERS, state

FORMAT = 1
# Ctrl-C; kill, timeout or a job scheduler; a closed terminal (Windows has no SIGHUP)
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, said in one line."""


@dataclass
class Checkpoint:
    model: object
    vocab: Vocab
    h: np.ndarray
    step: int = 0
    position: int = 0
    best_val_bpc: float = float("inf")
    smooth_loss: float = 0.0
    seconds: float = 0.0  # training wall time, across resumes
    run: dict = field(default_factory=dict)  # the TrainConfig of the run, as a dict


def kind(value, table, what):
    """The name a table gives an object's class (a subclass counts as its base)."""
    for name, cls in table.items():
        if isinstance(value, cls):
            return name
    raise CheckpointError(f"cannot save a {type(value).__name__}: the {what} must be "
                          f"one of {', '.join(table)}")


def settings(model):
    kind_of_model = kind(model, MODELS, "model")
    optimizer = kind(model.optimizer, OPTIMIZERS, "optimizer")
    return {"model": kind_of_model, "vocab_size": model.vocab_size,
            "hidden_size": model.hidden_size, "seq_length": model.seq_length,
            "learning_rate": model.learning_rate, "optimizer": optimizer,
            "dtype": model.dtype.name, "clip": model.clip,
            "init_scale": model.init_scale}


def usable(theta):
    huge = 1 / np.finfo(theta.dtype).eps  # where w + 1 == w
    return np.isfinite(theta).all() and np.abs(theta).max() < huge


def check_savable(path, ckpt):
    """Refuse, before writing, anything `load` would refuse to read back."""
    model, h = ckpt.model, ckpt.h
    rows = model.state_rows * model.hidden_size  # h's (the LSTM, later, adds c's)
    if not (usable(model.theta) and np.isfinite(h).all()):
        raise CheckpointError(
            f"not saving {path}: its weights are not finite or too large")
    if h.ndim != 2 or h.shape[0] != rows or h.shape[1] < 1 or h.dtype != model.dtype:
        raise CheckpointError(f"not saving {path}: h should be ({rows}, B) of "
                              f"{model.dtype}, not {h.shape} of {h.dtype}")
    if len(ckpt.vocab) != model.vocab_size:
        raise CheckpointError(f"not saving {path}: a vocabulary of {len(ckpt.vocab)} "
                              f"characters for a model of {model.vocab_size}")
    if ckpt.step < 0 or ckpt.position < 0:
        raise CheckpointError(f"not saving {path}: a negative step or position")


def save(path, ckpt):
    path, model = Path(path), ckpt.model
    config = {"format": FORMAT, **settings(model), "step": int(ckpt.step),
              "position": int(ckpt.position), "best_val_bpc": float(ckpt.best_val_bpc),
              "smooth_loss": float(ckpt.smooth_loss), "seconds": float(ckpt.seconds),
              "rng": model.rng.bit_generator.state, "run": ckpt.run}
    check_savable(path, ckpt)
    try:
        text = json.dumps(config)
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"not saving {path}: its run settings are not plain "
                              f"JSON ({error})") from None
    arrays = {**model.params, "h": ckpt.h, "config": np.array(text),
              "vocab": np.array([ord(c) for c in ckpt.vocab.chars], dtype=np.int32)}
    for name, value in state(model.optimizer).items():
        arrays[f"optimizer.{name}"] = value
    write_atomically(path, lambda f: np.savez(f, **arrays))


class HoldSignals:
    """Stop signals that arrive inside the block act when it ends."""

    def __enter__(self):
        self.noted, self.previous = [], {}
        if threading.current_thread() is threading.main_thread():  # handlers live there
            self.previous = {signum: signal.signal(signum, self.note)
                             for signum in STOP_SIGNALS}

    def note(self, signum, frame):
        self.noted.append(signum)

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        for signum in self.noted:
            signal.raise_signal(signum)


def write_atomically(path, write):
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with HoldSignals():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                with open(fd, "wb") as f:
                    write(f)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as error:
            kept = ("the previous checkpoint is intact" if path.is_file()
                    else "nothing was saved")
            raise CheckpointError(f"cannot write {path} ({error.strerror}); "
                                  f"{kept}") from None


def check_writable(path):
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.unlink(tmp)
    except OSError as error:
        raise CheckpointError(f"cannot write {path} ({error.strerror}); "
                              "nothing was saved") from None


NUMBER = (int, float)
SETTINGS = {"format": int, "model": str, "vocab_size": int, "hidden_size": int,
            "seq_length": int, "learning_rate": NUMBER, "optimizer": str, "dtype": str,
            "clip": NUMBER, "init_scale": NUMBER, "step": int, "position": int,
            "rng": dict, "best_val_bpc": NUMBER, "smooth_loss": NUMBER,
            "seconds": NUMBER, "run": dict}
MAX_SETTINGS_CHARS = 100_000  # the JSON string is a few hundred characters


def header(f):
    version = np.lib.format.read_magic(f)
    read = {(1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read is None:
        raise ValueError(f"unknown .npy version {version}")
    try:
        return read(f)
    except (SyntaxError, tokenize.TokenError):  # NumPy parses the header as Python
        raise ValueError("a .npy header that is not a dictionary") from None


def peek(z, name, path):
    if f"{name}.npy" not in z.namelist():
        raise CheckpointError(f"{path}: {name} is missing")
    with z.open(f"{name}.npy") as f:
        shape, _, dtype = header(f)
    return shape, dtype


def read(z, name, path, shape, dtype):
    found = peek(z, name, path)
    if found != (shape, dtype):
        raise CheckpointError(f"{path}: {name} should have shape {shape} ({dtype}), "
                              f"found {found[0]} ({found[1]})")
    size = math.prod(shape) * dtype.itemsize
    with z.open(f"{name}.npy") as f:
        _, fortran_order, _ = header(f)
        data = f.read(size)
    if len(data) != size:
        raise CheckpointError(f"{path}: {name} is cut short")
    order = "F" if fortran_order else "C"
    return np.frombuffer(data, dtype).reshape(shape, order=order).copy()


def read_settings(z, path):
    if "config.npy" not in z.namelist():
        raise CheckpointError(f"{path}: not a clear-rnn checkpoint (no settings)")
    shape, dtype = peek(z, "config", path)
    if shape != () or dtype.kind != "U" or dtype.itemsize > 4 * MAX_SETTINGS_CHARS:
        raise CheckpointError(f"{path}: not a clear-rnn checkpoint of format {FORMAT}")
    config = json.loads(str(read(z, "config", path, shape, dtype)))
    if not (isinstance(config, dict) and config.get("format") == FORMAT
            and isinstance(config.get("model"), str) and config["model"] in MODELS):
        raise CheckpointError(f"{path}: not a clear-rnn checkpoint of format {FORMAT}")
    config.setdefault("run", {})  # checkpoints written before runs kept their settings
    for key, types in SETTINGS.items():
        value = config.get(key)
        if isinstance(value, bool) or not isinstance(value, types):
            raise CheckpointError(f"{path}: damaged settings: {key} is {value!r:.40}")
    if config["step"] < 0 or config["position"] < 0:
        raise CheckpointError(f"{path}: damaged settings: a negative step or position")
    return config


def memory():
    """This machine's memory in bytes, or None where the platform cannot say (Windows
    has no sysconf): then only a MemoryError, said in one line, stops a size too
    large."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(cls, vocab_size, hidden_size, seq_length, batch_size):
    """Refuse sizes this machine cannot hold, before allocating: a rough count."""
    shapes = cls.param_shapes(vocab_size, hidden_size).values()
    weights = 6 * sum(math.prod(s) for s in shapes)  # theta, gradients, optimizer
    states = 3 * vocab_size + 12 * cls.state_rows * hidden_size  # per character
    window = seq_length * batch_size * states
    need = 8 * (weights + window)  # bytes, in float64; an int of any size
    have = memory()
    if have is not None and need > have:
        amount = (f"about {need / 2**30:,.0f} GiB of memory" if need < 2**100
                  else "more memory than any machine has")  # past a float's range
        raise ValueError(f"hidden size {hidden_size:.7g}, vocabulary {vocab_size:.7g}, "
                         f"batch {batch_size:.7g} and seq_length {seq_length:.7g} need "
                         f"{amount}; this machine has {have / 2**30:,.0f} GiB")


def load_from(z, path):
    config = read_settings(z, path)
    cls, V, H, T = (MODELS[config["model"]], config["vocab_size"],
                    config["hidden_size"], config["seq_length"])
    try:
        check_memory(cls, V, H, T, 1)
        model = cls(V, H, T, config["learning_rate"], dtype=config["dtype"],
                    optimizer=config["optimizer"], clip=config["clip"],
                    init_scale=config["init_scale"])
        model.rng.bit_generator.state = config["rng"]
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: damaged settings ({error})") from None
    codes = read(z, "vocab", path, (V,), np.dtype(np.int32)).tolist()
    if not all(0 <= c < 0x110000 and not 0xD800 <= c < 0xE000 for c in codes):
        raise CheckpointError(f"{path}: its vocabulary holds numbers that are not "
                              "characters")
    vocab = Vocab("".join(map(chr, codes)))
    if len(vocab) != V:
        raise CheckpointError(f"{path}: {len(vocab)} vocabulary characters for a "
                              f"model of {V}")
    shape, _ = peek(z, "h", path)
    rows = cls.state_rows * H
    if len(shape) != 2 or shape[0] != rows or shape[1] < 1:
        raise CheckpointError(f"{path}: h should have shape ({rows}, B), found {shape}")
    try:
        check_memory(cls, V, H, T, shape[1])
    except ValueError as error:
        raise CheckpointError(f"{path}: {error}") from None
    h = read(z, "h", path, shape, model.dtype)
    for name, value in model.params.items():
        value[...] = read(z, name, path, value.shape, value.dtype)
    memory = state(model.optimizer)
    for name, value in memory.items():
        value[...] = read(z, f"optimizer.{name}", path, value.shape, value.dtype)
    finite = all(np.isfinite(a).all() for a in (h, *memory.values()))
    if not (usable(model.theta) and finite):
        raise CheckpointError(f"{path}: its weights are not finite (the run "
                              "diverged); use an earlier checkpoint")
    return Checkpoint(model, vocab, h, config["step"], config["position"],
                      config["best_val_bpc"], config["smooth_loss"], config["seconds"],
                      config["run"])


def load(path):
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        with zipfile.ZipFile(path) as z:
            return load_from(z, path)
    except CheckpointError:
        raise
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError,
            zipfile.BadZipFile, zlib.error) as error:
        raise CheckpointError(f"{path}: not a readable checkpoint "
                              f"({type(error).__name__})") from None
