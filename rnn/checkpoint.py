# Generated from docs/training.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/training/

"""Checkpoints: one .npz with everything a run needs to continue bit for bit, written atomically."""

import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnn import MODELS
from rnn.data import Vocab
from rnn.optim import OPTIMIZERS, state

FORMAT = 1


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


def settings(model):
    kind = next(name for name, cls in MODELS.items() if type(model) is cls)
    optimizer = next(name for name, cls in OPTIMIZERS.items() if type(model.optimizer) is cls)
    return {"model": kind, "vocab_size": model.vocab_size, "hidden_size": model.hidden_size,
            "seq_length": model.seq_length, "learning_rate": model.learning_rate,
            "optimizer": optimizer, "dtype": model.dtype.name, "clip": model.clip, "init_scale": model.init_scale}


def save(path, ckpt):
    path = Path(path)
    model = ckpt.model
    config = {"format": FORMAT, **settings(model), "step": ckpt.step, "position": ckpt.position,
              "best_val_bpc": float(ckpt.best_val_bpc), "smooth_loss": float(ckpt.smooth_loss),
              "seconds": ckpt.seconds,
              "rng": model.rng.bit_generator.state}
    arrays = {**model.params, "h": ckpt.h, "config": np.array(json.dumps(config)),
              "vocab": np.array([ord(c) for c in ckpt.vocab.chars], dtype=np.int32)}
    arrays.update({f"optimizer.{name}": value for name, value in state(model.optimizer).items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_arrays(path):
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {name: f[name] for name in f.files}
        return arrays, json.loads(str(arrays.pop("config")))
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(error).__name__})") from None


def restore(target, arrays, prefix, path):
    for name, value in target.items():
        key = prefix + name
        if key not in arrays or arrays[key].shape != value.shape:
            found = arrays[key].shape if key in arrays else "nothing"
            raise CheckpointError(f"{path}: {key} should have shape {value.shape}, found {found}")
        value[...] = arrays[key]


def load(path):
    path = Path(path)
    arrays, config = read_arrays(path)
    if not isinstance(config, dict) or config.get("format") != FORMAT or config.get("model") not in MODELS:
        raise CheckpointError(f"{path}: not a clear-rnn checkpoint of format {FORMAT}")
    try:
        model = MODELS[config["model"]](
            config["vocab_size"], config["hidden_size"], config["seq_length"], config["learning_rate"],
            dtype=config["dtype"], optimizer=config["optimizer"], clip=config["clip"],
            init_scale=config["init_scale"])
        model.rng.bit_generator.state = config["rng"]
        vocab = Vocab("".join(map(chr, arrays["vocab"])))
        h = arrays["h"]
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: damaged settings ({error})") from None
    if len(vocab) != model.vocab_size:
        raise CheckpointError(f"{path}: {len(vocab)} vocabulary characters for a model of {model.vocab_size}")
    restore(model.params, arrays, "", path)
    restore(state(model.optimizer), arrays, "optimizer.", path)
    return Checkpoint(model, vocab, h, config["step"], config["position"], config["best_val_bpc"],
                      config["smooth_loss"], config["seconds"])
