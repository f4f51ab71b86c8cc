# Generated from docs/program.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/program/

"""The command-line programs rnn-train and rnn-sample: options in, one-line errors
out."""

import argparse
import json
import math
import os
import signal
import socket
import stat
import sys
import time
import zipfile
from dataclasses import asdict, fields, replace
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from rnn import MODELS
from rnn.checkpoint import (Checkpoint, CheckpointError, check_memory, check_writable,
                            load, settings)
from rnn.data import DataError, Vocab, corpus_path, model_path, read_text, split_pages
from rnn.train import (PRESETS, StopFlag, Stopped, TrainConfig, TrainingError,
                       companions, config_from, out_of_range, train, write)

try:
    import fcntl  # POSIX
except ImportError:
    fcntl = None
    import msvcrt  # Windows

EX_IOERR = 74  # sysexits.h: an output stream failed
BROKEN_PIPE = 128 + getattr(signal, "SIGPIPE", 13)  # as a shell reports it
# settings that decide how the model is built or updated: a resumed run keeps them
FIXED = ("model", "hidden_size", "seq_length", "optimizer", "learning_rate", "dtype",
         "clip", "init_scale", "batch_size", "schedule")


def number(kind, zero=False, most=math.inf):
    """A finite number above zero (or zero, where that means something), up to most."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if kind is int and math.isfinite(value) and not value.is_integer():
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text}")
        why = out_of_range(value, zero, most)
        if why:
            raise argparse.ArgumentTypeError(f"{why}, not {text}")
        return kind(value)
    return parse


class Parser(argparse.ArgumentParser):
    """argparse, less one hole: it passes `--steps=--` on as an empty list, unparsed."""

    def parse_known_args(self, args=None, namespace=None):
        args, rest = super().parse_known_args(args, namespace)
        for action in self._actions:
            if isinstance(getattr(args, action.dest, None), list):
                self.error(f"argument {'/'.join(action.option_strings)}: expected one "
                           "argument")
        return args, rest


def train_parser():
    p = Parser(
        prog="rnn-train", description="Train a character-level RNN on a text file. "
        "Each run is saved in a new folder runs/<date>_<time>/ unless --checkpoint "
        "says where. bpc: bits per character.")
    p.add_argument("--data", type=Path, default=corpus_path(),
                   help="UTF-8 training text (default: the shipped man pages)")
    p.add_argument("--preset", choices=list(PRESETS), help="a named recipe; options "
                   "given beside it win (default: none)")
    for f in fields(TrainConfig):
        meta = f.metadata
        parse = ({"choices": meta["choices"]} if "choices" in meta else
                 {"type": number(meta["kind"], meta.get("zero", False),
                                 meta.get("most", math.inf))})
        shown = meta.get("shown", "none" if f.default is None else f.default)
        p.add_argument("--" + f.name.replace("_", "-"), **parse,
                       help=f"{meta['help']} (default: {shown})")
    p.add_argument("--checkpoint", type=Path, help="where to save the run "
                   "(default: runs/<date>_<time>/rnn.npz, a new folder)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run saved in --checkpoint (default: off)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run saved in --checkpoint (default: off)")
    return p


def given(args):
    """The settings the command line sets: the preset's, then the options typed."""
    typed = {f.name: getattr(args, f.name) for f in fields(TrainConfig)
             if getattr(args, f.name) is not None}
    return {**PRESETS.get(args.preset, {}), **typed}


def same_file(a, b):
    return a.resolve() == b.resolve() or (a.exists() and b.exists()
                                          and os.path.samefile(a, b))


def check_regular(path, links_allowed):
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:  # a parent that is a file, a folder we may not read
        raise CheckpointError(f"cannot write {path} ({error.strerror}); nothing was "
                              "saved") from None
    if stat.S_ISLNK(mode) and links_allowed:
        return
    if not stat.S_ISREG(mode):
        what = ("a symbolic link" if stat.S_ISLNK(mode) else "a directory"
                if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device or socket")
        raise CheckpointError(f"{path} is {what}, not a regular file; choose another "
                              "--checkpoint")


def check_paths(args):
    files = (args.checkpoint, *companions(args.checkpoint))
    for path in files:
        if same_file(path, args.data):
            raise CheckpointError(f"{path} is the training data; choose another "
                                  "--checkpoint")
    if same_file(files[0], files[1]) or same_file(files[0], files[2]):
        raise CheckpointError(f"--checkpoint {args.checkpoint} would share its name "
                              "with its own log or best copy; end it in .npz")
    for path, links_allowed in zip(files, (True, True, False)):
        check_regular(path, links_allowed)
    earlier = [path for path in files if path.exists() or path.is_symlink()]
    if earlier and not (args.resume or args.overwrite):
        raise CheckpointError(f"{earlier[0]} exists; pass --resume to continue that "
                              "run, --overwrite to replace it, or choose another "
                              "--checkpoint")
    for path in earlier if args.overwrite and not args.resume else []:
        if not is_run_file(path):
            raise CheckpointError(f"{path} is not a clear-rnn checkpoint or log, and "
                                  "--overwrite replaces only a run's files; move it or "
                                  "choose another --checkpoint")


def is_run_file(path):
    """Whether --overwrite may replace path: a link (the link is replaced, not what it
    points to), an empty file, or a run's checkpoint or log, even a damaged one."""
    try:
        if path.is_symlink() or path.stat().st_size == 0:
            return True
        if path.suffix == ".jsonl":
            with open(path, "rb") as f:
                record = json.loads(f.readline(100_000))
            return isinstance(record, dict) and "step" in record
        with zipfile.ZipFile(path) as z:
            return "config.npy" in z.namelist()
    except (OSError, ValueError, zipfile.BadZipFile):
        return False


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


def lock(path):
    """Hold NAME.lock for the rest of the process, or refuse naming its holder."""
    lock_path = path.with_suffix(".lock")
    check_regular(lock_path, links_allowed=False)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise CheckpointError(f"cannot create {lock_path} ({error.strerror})") from None
    take(fd, path)
    os.ftruncate(fd, 0)
    os.write(fd, f"rnn-train (process {os.getpid()} on {socket.gethostname()}, "
                 f"started {time.strftime('%Y-%m-%d %H:%M:%S')})\n".encode())
    return fd


def take(fd, path):
    """Lock the file open at fd, or close it and refuse, naming the holder."""
    try:
        if fcntl:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, 1 << 30, os.SEEK_SET)  # lock a byte past the holder's name
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = os.read(fd, 200)
        os.close(fd)
        who = holder.decode("utf-8", "replace").strip() or "another process"
        raise CheckpointError(f"{path} is in use by {who}; wait for it to end or "
                              "choose another --checkpoint") from None
    os.lseek(fd, 0, os.SEEK_SET)  # the holder's name goes at the start


def check_free(path):
    """Refuse at once if a run holds path, before any other check (a running run's
    files exist, and "pass --resume" would name the wrong cause); write nothing."""
    lock_path = path.with_suffix(".lock")
    check_regular(lock_path, links_allowed=False)
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except OSError:  # no lock file: no run; one we cannot open: lock() will say
        return
    take(fd, path)
    if not fcntl:  # Windows may keep a lock a while after its file is closed
        os.lseek(fd, 1 << 30, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    os.close(fd)


def start(args, text):
    new = given(args)
    if args.resume:
        ckpt = load(args.checkpoint)
        saved = {**ckpt.run, **settings(ckpt.model), "batch_size": ckpt.h.shape[1]}
        clashes = [f"--{k.replace('_', '-')} {v} (saved: {saved[k]})"
                   for k, v in new.items() if k in FIXED and saved.get(k, v) != v]
        if clashes:
            raise CheckpointError(f"{args.checkpoint} was trained with other settings: "
                                  f"{', '.join(clashes)}")
        kept = {k: v for k, v in saved.items() if k in asdict(TrainConfig())}
        return ckpt, replace(config_from(kept), **new)
    config = TrainConfig(**new)
    cls, vocab = MODELS[config.model], Vocab(text)
    sizes = {**asdict(config), **config.model_options()}
    check_memory(cls, len(vocab), sizes["hidden_size"], sizes["seq_length"],
                 config.batch_size)
    model = cls(len(vocab), seed=config.seed, **config.model_options())
    h = np.zeros((model.state_rows * model.hidden_size, 1), model.dtype)
    return Checkpoint(model, vocab, h), config


class Guarded:
    """A standard stream that goes quiet, instead of raising, when it fails."""

    def __init__(self, stream):
        self.stream, self.error = stream, None
        if stream is None:  # closed before the program started
            self.stream, self.error = open(os.devnull, "w"), "it was closed"

    def write(self, text):
        self.call(self.stream.write, text)
        return len(text)

    def flush(self):
        self.call(self.stream.flush)

    def call(self, method, *args):
        if self.error is None:
            try:
                method(*args)
            except (OSError, ValueError) as error:
                self.error = error
                self.quiet()

    def quiet(self):
        """Point the file descriptor at the null device: exit's flush must not fail."""
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name):  # isatty, fileno, encoding: the stream's own
        return getattr(self.stream, name)

    def failure(self):
        """Why output was lost, or None (a reader that left is not a failure)."""
        if self.error is None or isinstance(self.error, BrokenPipeError):
            return None
        return getattr(self.error, "strerror", None) or str(self.error)


def guarded(main):
    """Run main with guarded streams; a lost output turns a success into exit 74."""
    def run(argv=None):
        streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = Guarded(sys.stdout), Guarded(sys.stderr)
        exited = False
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse's: --help (0), or a usage error (2)
            code, exited = exit.code, True
        finally:
            guards, (sys.stdout, sys.stderr) = (sys.stdout, sys.stderr), streams
        if code and code > 128:  # stopped: output a reader has not taken is dropped,
            guards[0].quiet()    # or exit's flush would block on a full pipe
        for name, stream, other in (("output", *guards), ("error output",
                                                          *reversed(guards))):
            if stream.failure():
                other.write(f"{main.prog}: error: the {name} failed "
                            f"({stream.failure()}); the run's files are whole\n")
                other.flush()
                code = code or EX_IOERR
        if exited:  # as argparse would have, with the code the streams call for
            raise SystemExit(code)
        return code
    return run


def say(text):
    write(text)  # above the progress bar
    sys.stdout.flush()


def train_program(argv=None):
    args = train_parser().parse_args(argv)
    args.started = time.monotonic()  # --minutes counts from here
    try:
        return run_training(args)
    except (DataError, CheckpointError, TrainingError, ValueError) as error:
        print(f"rnn-train: error: {error}", file=sys.stderr)
    except MemoryError:
        print("rnn-train: error: out of memory; try a smaller --hidden-size or "
              "--batch-size", file=sys.stderr)
    except KeyboardInterrupt:  # outside the loop, whose stop flag saves first
        saved = getattr(args, "saved", None)
        print(f"rnn-train: interrupted; {saved} is saved" if saved else
              "rnn-train: interrupted before training; nothing was saved",
              file=sys.stderr)
        return 130
    return 1


train_program.prog = "rnn-train"
train_main = guarded(train_program)


def run_training(args):
    if args.checkpoint is None and args.resume:
        raise CheckpointError("--resume needs --checkpoint, the run to continue")
    text = read_text(args.data)
    if args.checkpoint is not None:
        check_free(args.checkpoint)
        check_paths(args)
    ckpt, config = start(args, text)
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CheckpointError(f"cannot create {path.parent} ({error.strerror}); "
                              "nothing was saved") from None
    held = lock(path)
    try:
        check_writable(path)
        return train_locked(args, ckpt, config, path, train_data, val_data)
    finally:
        os.close(held)


def train_locked(args, ckpt, config, path, train_data, val_data):
    if args.checkpoint is not None:
        check_paths(args)
    if args.overwrite and not args.resume:
        for old in companions(path):
            old.unlink(missing_ok=True)
    say(f"saving this run in {path}, with {path.stem}.best.npz and {path.stem}.jsonl; "
        f"bpc is bits per character")
    with threadpool_limits(config.threads, user_api="blas"):
        result = train(ckpt, train_data, val_data, path, config, log=say,
                       started=args.started)
    args.saved = path
    if result.signum:
        name = ("Ctrl-C" if result.signum == signal.SIGINT
                else signal.Signals(result.signum).name)
        print(f"rnn-train: stopped by {name} at step {ckpt.step}; saved {path}; "
              f"continue with --resume --checkpoint {path}" if ckpt.step else
              f"rnn-train: stopped by {name} before the first step; nothing was saved",
              file=sys.stderr)
        return 128 + result.signum
    read = ("all" if result.val_complete
            else f"the first {result.val_chars:,} (the time limit) of")
    say(f"final validation, on {read} {len(val_data) - 1:,} held-out characters: "
        f"{result.val_bpc:.3f} bpc")
    say(f"done: {ckpt.step:,} steps, {result.chars_per_s:,.0f} characters/s; "
        f"saved {path}")
    return 0


def sample_parser():
    p = Parser(prog="rnn-sample",
                                description="Write text with a trained checkpoint.")
    p.add_argument("--checkpoint", type=Path, help="a checkpoint written by rnn-train "
                   "(default: the shipped model, rnn-man.npz)")
    p.add_argument("--prime", help='text to continue, e.g. "NAME\\n", escapes '
                   "understood (default: a new line, not printed)")
    p.add_argument("-n", type=number(int, most=10_000_000), default=500,
                   help="characters per sample (default: %(default)s)")
    p.add_argument("--num-samples", type=number(int, most=10_000), default=1,
                   help="samples to write, each from the prime (default: %(default)s)")
    p.add_argument("--temperature", type=number(float, zero=True, most=100.0),
                   default=0.8, help="0 always takes the most likely character "
                   "(default: %(default)s)")
    p.add_argument("--top-k", type=number(int),
                   help="draw among the k most likely characters only (default: all)")
    p.add_argument("--seed", type=number(int, zero=True),
                   help="random seed (default: a fresh one each time)")
    return p


def default_prime(vocab):
    return "\n" if "\n" in vocab.index else vocab.chars[0]


def sample_program(argv=None):
    args = sample_parser().parse_args(argv)
    try:
        with StopFlag():  # one signal ends even a sample of millions of characters
            write_samples(args)
    except (DataError, CheckpointError, ValueError) as error:
        print(f"rnn-sample: error: {error}", file=sys.stderr)
        return 1
    except MemoryError:
        print("rnn-sample: error: out of memory; try a smaller -n", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except Stopped as stop:
        return 128 + stop.args[0]
    if isinstance(getattr(sys.stdout, "error", None), BrokenPipeError):
        return BROKEN_PIPE
    return 0


def write_samples(args):
    ckpt = load(args.checkpoint or model_path())
    if args.prime is None:
        prime, shown = default_prime(ckpt.vocab), ""
    else:
        escaped = args.prime.encode("latin-1", "backslashreplace")
        prime = shown = escaped.decode("unicode_escape")
    if not prime:
        raise ValueError("--prime is empty; leave it out to start a new line")
    ix = ckpt.vocab.encode(prime)
    h = ckpt.model.predict(ix[:-1], None)[1] if len(ix) > 1 else None
    rng = np.random.default_rng(args.seed)
    for i in range(args.num_samples):
        ixes = ckpt.model.sample(h, ix[-1], args.n, args.temperature, rng, args.top_k)
        print(("----\n" if i else "") + shown + ckpt.vocab.decode(ixes), flush=True)
        if getattr(sys.stdout, "error", None) is not None:
            return  # the reader left


sample_program.prog = "rnn-sample"
sample_main = guarded(sample_program)
