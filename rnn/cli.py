# Generated from docs/training.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/training/

"""The command-line programs rnn-train and rnn-sample: flags in, one-line errors out."""

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from rnn import MODELS
from rnn.checkpoint import Checkpoint, CheckpointError, load, settings
from rnn.data import PAGE_BREAK, DataError, Vocab, read_text, split_pages
from rnn.train import TrainingError, evaluate, train

DATA = Path(__file__).resolve().parent.parent / "data"
MODEL_FLAGS = ("hidden_size", "seq_length", "learning_rate", "optimizer", "dtype", "clip", "init_scale")
DEFAULTS = {"hidden_size": 100, "seq_length": 25, "optimizer": "adagrad", "dtype": "float64", "clip": 5.0}
LEARNING_RATES = {"adagrad": 0.1, "rmsprop": 1e-3, "adam": 2e-3}


def positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0 or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value
    return parse


def train_parser():
    p = argparse.ArgumentParser(prog="rnn-train", description="Train a character-level RNN on a text file.")
    p.add_argument("--data", type=Path, default=DATA / "linux_man.txt", help="UTF-8 training text")
    p.add_argument("--model", choices=list(MODELS), default=None, help="architecture (default rnn)")
    p.add_argument("--hidden-size", type=positive(int), help="H (default 100)")
    p.add_argument("--seq-length", type=positive(int), help="T, the truncation length (default 25)")
    p.add_argument("--learning-rate", type=positive(float), help="default: 0.1 adagrad, 1e-3 rmsprop, 2e-3 adam")
    p.add_argument("--optimizer", choices=list(LEARNING_RATES), help="default adagrad")
    p.add_argument("--dtype", choices=["float64", "float32"], help="default float64")
    p.add_argument("--clip", type=positive(float), help="elementwise gradient clip (default 5)")
    p.add_argument("--init-scale", type=positive(float),
                   help="std of the initial weights (default: 0.01 rnn, 1/sqrt(H) lstm and gru)")
    p.add_argument("--batch-size", type=positive(int), default=1, help="B parallel streams")
    p.add_argument("--steps", type=positive(int), default=20_000, help="total updates, across resumes")
    p.add_argument("--minutes", type=positive(float), help="stop after this much wall time")
    p.add_argument("--seed", type=int, default=0, help="seed for the initial weights and the samples")
    p.add_argument("--sample-every", type=positive(int), default=1000)
    p.add_argument("--sample-chars", type=positive(int), default=200)
    p.add_argument("--eval-every", type=positive(int), default=1000)
    p.add_argument("--eval-chars", type=positive(int), default=100_000,
                   help="held-out characters per periodic validation (the final one uses all)")
    p.add_argument("--temperature", type=positive(float), default=1.0)
    p.add_argument("--threads", type=positive(int), default=1,
                   help="BLAS threads; 1 is fastest for these small products on a shared machine")
    p.add_argument("--checkpoint", type=Path, default=Path("runs/rnn.npz"))
    p.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint")
    return p


def start(args, text):
    given = {name: getattr(args, name) for name in MODEL_FLAGS + ("model",) if getattr(args, name) is not None}
    if args.resume:
        ckpt = load(args.checkpoint)
        saved = settings(ckpt.model)
        clashes = [f"--{k.replace('_', '-')} {v} (saved: {saved[k]})" for k, v in given.items() if v != saved[k]]
        if clashes:
            raise CheckpointError(f"{args.checkpoint} was trained with other settings: {', '.join(clashes)}")
        return ckpt
    if args.checkpoint.exists():
        raise CheckpointError(f"{args.checkpoint} exists; pass --resume to continue it, "
                              "or choose another --checkpoint")
    config = {**DEFAULTS, **given}
    config.setdefault("learning_rate", LEARNING_RATES[config["optimizer"]])
    vocab = Vocab(text)
    model = MODELS[config.pop("model", "rnn")](len(vocab), seed=args.seed, **config)
    return Checkpoint(model, vocab, np.zeros((model.state_rows * model.hidden_size, 1), model.dtype))


def train_main(argv=None):
    args = train_parser().parse_args(argv)
    try:
        text = read_text(args.data)
        ckpt = start(args, text)
        train_text, val_text, _ = split_pages(text)
        T = ckpt.model.seq_length
        if len(val_text) < T + 1:
            raise DataError(f"{args.data}: too short to hold out a validation part longer than "
                            f"seq_length {T} ({len(text)} characters)")
        try:
            train_data, val_data = ckpt.vocab.encode(train_text), ckpt.vocab.encode(val_text)
        except DataError as error:
            raise DataError(f"{args.data} does not match the checkpoint's vocabulary: {error}") from None
        if args.resume and ckpt.h.shape[1] != args.batch_size:
            raise CheckpointError(f"{args.checkpoint} was trained with --batch-size {ckpt.h.shape[1]}")
        with threadpool_limits(args.threads, user_api="blas"):
            chars_per_s, interrupted = train(ckpt, train_data, val_data, args.checkpoint, args.steps,
                                             args.batch_size, args.sample_every, args.sample_chars,
                                             args.eval_every, args.eval_chars, args.temperature, args.minutes)
            if interrupted:
                print(f"rnn-train: stopped by Ctrl-C at step {ckpt.step}; saved {args.checkpoint}; "
                      "continue with --resume", file=sys.stderr)
                return 130
            val_bpc = evaluate(ckpt.model, val_data)
    except (DataError, CheckpointError, TrainingError, ValueError) as error:
        print(f"rnn-train: error: {error}", file=sys.stderr)
        return 1
    print(f"done: steps={ckpt.step} train_loss={ckpt.smooth_loss:.3f} val_bpc={val_bpc:.3f} "
          f"chars_per_s={chars_per_s:.0f}")
    return 0


def sample_main(argv=None):
    p = argparse.ArgumentParser(prog="rnn-sample", description="Write text with a trained checkpoint.")
    p.add_argument("--checkpoint", type=Path, default=DATA / "rnn-man.npz")
    p.add_argument("--prime", default="", help='text to continue, e.g. "NAME\\n" (escapes understood)')
    p.add_argument("-n", type=positive(int), default=500, help="characters to write")
    p.add_argument("--temperature", type=positive(float), default=0.8)
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args(argv)
    try:
        ckpt = load(args.checkpoint)
        prime = args.prime.encode("latin-1", "backslashreplace").decode("unicode_escape") or PAGE_BREAK
        ix = ckpt.vocab.encode(prime)
        h = ckpt.model.predict(ix[:-1], None)[1] if len(ix) > 1 else None
        ixes = ckpt.model.sample(h, ix[-1], args.n, args.temperature, np.random.default_rng(args.seed))
    except (DataError, CheckpointError, ValueError) as error:
        print(f"rnn-sample: error: {error}", file=sys.stderr)
        return 1
    print(prime + ckpt.vocab.decode(ixes))
    return 0
