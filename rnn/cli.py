# Generated from docs/program.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/program/

"""The command-line programs rnn-train and rnn-sample: flags in, one-line errors out."""

import argparse
import inspect
import math
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from rnn import MODELS
from rnn.checkpoint import Checkpoint, CheckpointError, check_memory, load, settings
from rnn.data import (PAGE_BREAK, DataError, Vocab, corpus_path, model_path, read_text,
                      split_pages)
from rnn.model import Recurrent
from rnn.optim import OPTIMIZERS
from rnn.train import SCHEDULES, TrainingError, companions, evaluate, train

MODEL_FLAGS = ("hidden_size", "seq_length", "learning_rate", "optimizer", "dtype",
               "clip", "init_scale")
DEFAULTS = {name: parameter.default  # the model's own, read from its signature
            for name, parameter in inspect.signature(Recurrent).parameters.items()}
SCHEDULE = inspect.signature(train).parameters["schedule"].default  # train's own


def learning_rate(optimizer):
    return OPTIMIZERS[optimizer].learning_rate  # the optimizer's own default


def number(kind, zero_allowed=False):
    """A finite number above zero, or zero where that means something."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_allowed):
            least = "0 or more" if zero_allowed else "positive"
            raise argparse.ArgumentTypeError(f"must be {least}, not {text}")
        return value
    return parse


def train_parser():
    p = argparse.ArgumentParser(
        prog="rnn-train", description="Train a character-level RNN on a text file. "
        "Each run is saved in a new folder runs/<date>_<time>/ unless --checkpoint "
        "says where.")
    rates = ", ".join(f"{name} {learning_rate(name):g}" for name in OPTIMIZERS)
    p.add_argument("--data", type=Path, default=corpus_path(),
                   help="UTF-8 training text (default: the shipped man pages)")
    p.add_argument("--model", choices=list(MODELS), help="architecture (default: rnn)")
    p.add_argument("--hidden-size", type=number(int),
                   help=f"H (default: {DEFAULTS['hidden_size']})")
    p.add_argument("--seq-length", type=number(int),
                   help=f"T, the truncation length (default: {DEFAULTS['seq_length']})")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS),
                   help=f"update rule (default: {DEFAULTS['optimizer']})")
    p.add_argument("--learning-rate", type=number(float),
                   help=f"step size (default: the optimizer's own: {rates})")
    p.add_argument("--dtype", choices=["float64", "float32"],
                   help=f"float type (default: {np.dtype(DEFAULTS['dtype']).name})")
    p.add_argument("--clip", type=number(float),
                   help=f"elementwise gradient clip (default: {DEFAULTS['clip']})")
    p.add_argument("--init-scale", type=number(float), help="std of the initial "
                   "weights (default: 0.01 rnn, 1/sqrt(H) lstm and gru)")
    p.add_argument("--batch-size", type=number(int), default=1,
                   help="B parallel streams (default: %(default)s)")
    p.add_argument("--steps", type=number(int), default=20_000,
                   help="total updates, across resumes (default: %(default)s)")
    p.add_argument("--minutes", type=number(float),
                   help="stop after this much time (default: none)")
    p.add_argument("--schedule", choices=list(SCHEDULES), default=SCHEDULE,
                   help="learning rate over the run: constant, or cosine from "
                   "--learning-rate down to 0 at --steps (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed for the initial weights "
                   "and the samples (default: %(default)s)")
    p.add_argument("--sample-every", type=number(int), default=1000,
                   help="steps between samples (default: %(default)s)")
    p.add_argument("--sample-chars", type=number(int), default=200,
                   help="characters per sample (default: %(default)s)")
    p.add_argument("--eval-every", type=number(int), default=1000,
                   help="steps between validations and saves (default: %(default)s)")
    p.add_argument("--eval-chars", type=number(int), default=100_000,
                   help="held-out characters per periodic validation; the final one "
                   "reads all (default: %(default)s)")
    p.add_argument("--temperature", type=number(float), default=1.0,
                   help="temperature of the samples (default: %(default)s)")
    p.add_argument("--threads", type=number(int), default=1, help="BLAS threads; 1 is "
                   "fastest for these small products (default: %(default)s)")
    p.add_argument("--checkpoint", type=Path, help="where to save the run "
                   "(default: runs/<date>_<time>/rnn.npz, a new folder)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run saved in --checkpoint (default: off)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run saved in --checkpoint (default: off)")
    return p


def same_file(a, b):
    return a.resolve() == b.resolve() or (a.exists() and b.exists()
                                          and os.path.samefile(a, b))


def check_paths(args):
    files = (args.checkpoint, *companions(args.checkpoint))
    for path in files:
        if same_file(path, args.data):
            raise CheckpointError(f"{path} is the training data; choose another "
                                  "--checkpoint")
    if same_file(files[0], files[1]) or same_file(files[0], files[2]):
        raise CheckpointError(f"--checkpoint {args.checkpoint} would share its name "
                              "with its own log or best copy; end it in .npz")
    earlier = [path for path in files if path.exists() or path.is_symlink()]
    if earlier and not (args.resume or args.overwrite):
        raise CheckpointError(f"{earlier[0]} exists; pass --resume to continue that "
                              "run, --overwrite to replace it, or choose another "
                              "--checkpoint")


def new_run_folder(root=Path("runs")):
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    for n in range(1, 1000):
        folder = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue  # another run started this second: take the next name
        except OSError as error:
            raise CheckpointError(f"cannot create {folder} "
                                  f"({error.strerror})") from None
    raise CheckpointError(f"{root}: too many runs started at {stamp}")


def start(args, text):
    given = {name: getattr(args, name) for name in MODEL_FLAGS + ("model",)
             if getattr(args, name) is not None}
    if args.resume:
        ckpt = load(args.checkpoint)
        saved = settings(ckpt.model)
        clashes = [f"--{k.replace('_', '-')} {v} (saved: {saved[k]})"
                   for k, v in given.items() if v != saved[k]]
        if clashes:
            raise CheckpointError(f"{args.checkpoint} was trained with other settings: "
                                  f"{', '.join(clashes)}")
        if ckpt.h.shape[1] != args.batch_size:
            raise CheckpointError(f"{args.checkpoint} was trained with --batch-size "
                                  f"{ckpt.h.shape[1]}")
        return ckpt
    cls, vocab = MODELS[given.pop("model", "rnn")], Vocab(text)
    sizes = {**DEFAULTS, **given}
    check_memory(cls, len(vocab), sizes["hidden_size"], sizes["seq_length"],
                 args.batch_size)
    model = cls(len(vocab), seed=args.seed, **given)
    h = np.zeros((model.state_rows * model.hidden_size, 1), model.dtype)
    return Checkpoint(model, vocab, h)


def say(text):
    try:
        tqdm.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def train_main(argv=None):
    args = train_parser().parse_args(argv)
    try:
        return run_training(args)
    except (DataError, CheckpointError, TrainingError, ValueError) as error:
        print(f"rnn-train: error: {error}", file=sys.stderr)
    except MemoryError:
        print("rnn-train: error: out of memory; try a smaller --hidden-size or "
              "--batch-size", file=sys.stderr)
    except KeyboardInterrupt:
        print("rnn-train: interrupted; the last checkpoint saved is whole",
              file=sys.stderr)
        return 130
    return 1


def run_training(args):
    if args.checkpoint is None and args.resume:
        raise CheckpointError("--resume needs --checkpoint, the run to continue")
    text = read_text(args.data)
    if args.checkpoint is not None:
        check_paths(args)
    ckpt = start(args, text)
    train_text, val_text, _ = split_pages(text)
    T = ckpt.model.seq_length
    if len(val_text) < T + 1:
        raise DataError(f"{args.data}: too short to hold out a validation part longer "
                        f"than seq_length {T} ({len(text)} characters)")
    try:
        train_data = ckpt.vocab.encode(train_text)
        val_data = ckpt.vocab.encode(val_text)
    except DataError as error:
        raise DataError(f"{args.data} does not match the checkpoint's vocabulary: "
                        f"{error}") from None
    path = args.checkpoint or new_run_folder() / "rnn.npz"
    if args.overwrite and not args.resume:
        for old in companions(path):
            old.unlink(missing_ok=True)
    say(f"saving this run in {path}, with {path.stem}.best.npz and {path.stem}.jsonl")
    with threadpool_limits(args.threads, user_api="blas"):
        chars_per_s, signum = train(
            ckpt, train_data, val_data, path, args.steps, args.batch_size,
            args.sample_every, args.sample_chars, args.eval_every, args.eval_chars,
            args.temperature, args.minutes, log=say, schedule=args.schedule)
        if signum:
            name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            print(f"rnn-train: stopped by {name} at step {ckpt.step}; saved {path}; "
                  f"continue with --resume --checkpoint {path}", file=sys.stderr)
            return 128 + signum
        val_bpc = evaluate(ckpt.model, val_data)
    say(f"done: steps={ckpt.step} train_loss={ckpt.smooth_loss:.3f} "
        f"val_bpc={val_bpc:.3f} chars_per_s={chars_per_s:.0f} saved={path}")
    return 0


def sample_parser():
    p = argparse.ArgumentParser(prog="rnn-sample",
                                description="Write text with a trained checkpoint.")
    p.add_argument("--checkpoint", type=Path, help="a checkpoint written by rnn-train "
                   "(default: the shipped model, rnn-man.npz)")
    p.add_argument("--prime", default="", help='text to continue, e.g. "NAME\\n", '
                   "escapes understood (default: a new page)")
    p.add_argument("-n", type=number(int), default=500,
                   help="characters per sample (default: %(default)s)")
    p.add_argument("--num-samples", type=number(int), default=1,
                   help="samples to write, each from the prime (default: %(default)s)")
    p.add_argument("--temperature", type=number(float, zero_allowed=True), default=0.8,
                   help="0 always takes the most likely character "
                   "(default: %(default)s)")
    p.add_argument("--top-k", type=number(int),
                   help="draw among the k most likely characters only (default: all)")
    p.add_argument("--seed", type=int,
                   help="random seed (default: a fresh one each time)")
    return p


def sample_main(argv=None):
    args = sample_parser().parse_args(argv)
    try:
        ckpt = load(args.checkpoint or model_path())
        escaped = args.prime.encode("latin-1", "backslashreplace")
        prime = escaped.decode("unicode_escape") or PAGE_BREAK
        ix = ckpt.vocab.encode(prime)
        h = ckpt.model.predict(ix[:-1], None)[1] if len(ix) > 1 else None
        rng = np.random.default_rng(args.seed)
        for i in range(args.num_samples):
            ixes = ckpt.model.sample(h, ix[-1], args.n, args.temperature, rng,
                                     args.top_k)
            print(("----\n" if i else "") + prime + ckpt.vocab.decode(ixes), flush=True)
    except (DataError, CheckpointError, ValueError) as error:
        print(f"rnn-sample: error: {error}", file=sys.stderr)
        return 1
    except MemoryError:
        print("rnn-sample: error: out of memory", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return 0
