"""The training program under faults and hostile input: nothing lost, nothing overwritten, no traceback."""

import contextlib
import errno
import json
import math
import os
import signal
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnn.train
from rnn import GRU, LSTM, RNN
from rnn.checkpoint import Checkpoint, CheckpointError, load, save, settings as model_settings, write_atomically
from rnn.data import Vocab
from rnn.optim import OPTIMIZERS, state
from rnn.cli import sample_main, train_main

# signals, pipes, file types and limits as POSIX has them (Windows runs the rest)
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX processes and files")
ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--preset", "min-char-rnn", "--hidden-size", "16", "--seq-length", "10", "--eval-chars", "2000", "--sample-chars", "20",
         "--sample-every", "1000000"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, corpus):
    """A small checkpoint, trained once; tests copy it before damaging it."""
    path = tmp_path_factory.mktemp("trained") / "run.npz"
    assert train([*SMALL, "--data", corpus, "--steps", "20", "--eval-every", "10",
                  "--optimizer", "adam", "--checkpoint", path]) == 0
    return path


def train(argv):
    return train_main([str(a) for a in argv])


def error_line(capsys, program):
    """The program's one message line on stderr (the rest is the progress bar), and no traceback."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith(f"{program}: ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Exception" not in err, err
    return lines[0]


def leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp"))


def program(*args, **kwargs):
    """rnn-train or rnn-sample in a process of its own, as a user runs it."""
    code = "import sys; from rnn.cli import {0}_main as m; sys.exit(m())"
    if kwargs.pop("announce", False):  # a line on stderr once Python is up and rnn is imported
        code = code.replace("sys.exit", "print('ready', file=sys.stderr, flush=True); sys.exit")
    name, *argv = args
    return subprocess.Popen([sys.executable, "-c", code.format(name), *map(str, argv)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, **kwargs)


# 1. Check before training --------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["the data", "the log is the data", "the log is the checkpoint"])
def test_the_run_files_may_not_be_the_data_or_each_other(tmp_path, corpus, capsys, where):
    data = tmp_path / "text.jsonl"
    data.write_bytes(corpus.read_bytes())
    checkpoint = {"the data": data, "the log is the data": tmp_path / "text.npz",
                  "the log is the checkpoint": tmp_path / "run.jsonl"}[where]
    before = data.read_bytes()
    assert train([*SMALL, "--data", data, "--steps", "5", "--checkpoint", checkpoint]) == 1
    line = error_line(capsys, "rnn-train")
    assert "is the training data" in line or "share its name" in line
    assert data.read_bytes() == before
    assert not (tmp_path / "run.jsonl").exists() and not (tmp_path / "text.npz").exists()


def test_an_unreadable_data_file_is_a_one_line_error(tmp_path, corpus, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr("rnn.data.open", refuse, raising=False)  # root reads anything: simulated
    assert train([*SMALL, "--data", corpus, "--checkpoint", tmp_path / "run.npz"]) == 1
    assert "cannot read it (Permission denied)" in error_line(capsys, "rnn-train")


@pytest.mark.parametrize("flag, value", [("--hidden-size", "1000000"), ("--batch-size", "1000000000"),
                                         ("--hidden-size", "1e300")])
def test_absurd_sizes_are_refused_before_anything_is_allocated(tmp_path, corpus, capsys, flag, value):
    assert train([*SMALL, "--data", corpus, flag, value, "--checkpoint", tmp_path / "run.npz"]) == 1
    line = error_line(capsys, "rnn-train")
    assert "need about" in line or "need more memory than any machine has" in line, line
    assert not (tmp_path / "run.npz").exists()


# 2. Safe writes ------------------------------------------------------------------------------------


def test_a_parent_that_is_a_file_fails_before_the_first_step(tmp_path, corpus, capsys):
    (tmp_path / "runs").write_text("a file, not a folder")
    assert train([*SMALL, "--data", corpus, "--checkpoint", tmp_path / "runs" / "run.npz"]) == 1
    line = error_line(capsys, "rnn-train")
    assert "cannot write" in line and "nothing was saved" in line


def test_a_folder_we_may_not_write_to_fails_before_the_first_step(tmp_path, corpus, capsys, monkeypatch):
    steps = []
    monkeypatch.setattr(RNN, "train_step", lambda *args: steps.append(1))
    real_open = os.open

    def refuse(path, flags, *args):  # root writes anywhere: the refusal is simulated
        if str(path).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args)
    monkeypatch.setattr(os, "open", refuse)
    assert train([*SMALL, "--data", corpus, "--checkpoint", tmp_path / "run.npz"]) == 1
    assert "cannot write" in error_line(capsys, "rnn-train")
    assert not (tmp_path / "run.npz").exists() and steps == []


@POSIX
def test_the_temporary_file_is_never_a_planted_symlink(tmp_path, trained, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_text("not the program's to write")
    ckpt, path = load(trained), tmp_path / "run.npz"
    monkeypatch.setattr("secrets.token_hex", lambda n: "guessed")  # the attacker guessed the name
    (tmp_path / ".run.npz.guessed.tmp").symlink_to(victim)
    with pytest.raises(CheckpointError, match="File exists"):
        save(path, ckpt)
    assert victim.read_text() == "not the program's to write" and not path.exists()


@POSIX
def test_a_symlinked_checkpoint_is_replaced_not_written_through(tmp_path, trained, capsys, corpus):
    victim = tmp_path / "victim.txt"
    victim.write_text("not the program's to write")
    (tmp_path / "run.npz").symlink_to(victim)
    assert train([*SMALL, "--data", corpus, "--steps", "3", "--checkpoint", tmp_path / "run.npz"]) == 1
    assert "exists; pass --resume" in error_line(capsys, "rnn-train")
    assert train([*SMALL, "--data", corpus, "--steps", "3", "--checkpoint", tmp_path / "run.npz",
                  "--overwrite"]) == 0
    assert victim.read_text() == "not the program's to write"
    assert not (tmp_path / "run.npz").is_symlink() and load(tmp_path / "run.npz").step == 3


@POSIX
def test_the_log_is_never_appended_through_a_symlink(tmp_path, trained, corpus, capsys):
    for name in ("run.npz", "run.best.npz"):
        (tmp_path / name).write_bytes(trained.with_name(name).read_bytes())
    victim = tmp_path / "victim.txt"
    victim.write_text("not the program's to write")
    (tmp_path / "run.jsonl").symlink_to(victim)
    assert train(["--data", corpus, "--steps", "30", "--eval-every", "10", "--eval-chars", "2000",
                  "--checkpoint", tmp_path / "run.npz", "--resume"]) == 1
    assert "run.jsonl is a symbolic link, not a regular file" in error_line(capsys, "rnn-train")
    assert victim.read_text() == "not the program's to write"
    assert load(tmp_path / "run.npz").step == load(trained).step  # refused before training


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs when the test may mount one (root), else None."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_keeps_the_previous_checkpoint(tmp_path, trained, tiny_disk, monkeypatch):
    folder = tiny_disk or tmp_path
    path = folder / "run.npz"
    path.write_bytes(trained.read_bytes())
    before = path.read_bytes()
    if tiny_disk:
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)  # fill the disk, for real
        with pytest.raises(OSError) as full:
            while True:
                os.write(fd, bytes(4096))
        os.close(fd)
        assert full.value.errno == errno.ENOSPC
    else:
        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(np, "savez", full)
    with pytest.raises(CheckpointError, match="No space left on device.*previous checkpoint is intact"):
        save(path, load(trained))
    assert path.read_bytes() == before and leftovers(folder) == []


@POSIX
def test_a_file_size_limit_keeps_the_previous_checkpoint(tmp_path, trained, corpus):
    path = tmp_path / "run.npz"
    for name in ("run.npz", "run.best.npz", "run.jsonl"):
        (tmp_path / name).write_bytes(trained.with_name(name).read_bytes())
    before = path.read_bytes()

    def limit():
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so that a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    proc = program("train", *SMALL, "--data", corpus, "--optimizer", "adam", "--steps", "30",
                   "--checkpoint", path, "--resume", preexec_fn=limit)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err
    assert "File too large" in err and "previous checkpoint is intact" in err
    assert path.read_bytes() == before and leftovers(tmp_path) == []


def test_a_new_run_never_replaces_an_earlier_runs_files(tmp_path, trained, corpus, capsys):
    for name in ("run.best.npz", "run.jsonl"):  # the checkpoint itself is gone; its best copy and log stay
        (tmp_path / name).write_bytes(trained.with_name(name).read_bytes())
    best = (tmp_path / "run.best.npz").read_bytes()
    assert train([*SMALL, "--data", corpus, "--steps", "5", "--checkpoint", tmp_path / "run.npz"]) == 1
    assert "run.best.npz exists; pass --resume" in error_line(capsys, "rnn-train")
    assert (tmp_path / "run.best.npz").read_bytes() == best and not (tmp_path / "run.npz").exists()


def test_runs_without_a_checkpoint_each_get_a_new_folder(tmp_path, corpus, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert train([*SMALL, "--data", corpus, "--steps", "5", "--eval-every", "5"]) == 0
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2
    assert all({p.name for p in f.iterdir()} == {"rnn.npz", "rnn.best.npz", "rnn.jsonl", "rnn.lock"} for f in folders)
    assert f"saving this run in {folders[0].relative_to(tmp_path)}" in capsys.readouterr().out


# 3. Stop signals save ------------------------------------------------------------------------------


def wait_for_training(proc):
    deadline = time.monotonic() + 60
    seen = ""
    while time.monotonic() < deadline and "step=" not in seen:
        seen += proc.stderr.read(100) or ""
    time.sleep(0.5)


@POSIX
@pytest.mark.parametrize("signum", [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)])
def test_a_stop_signal_saves_and_the_run_resumes_bitwise(tmp_path, corpus, signum):
    flags = [*SMALL, "--data", corpus, "--batch-size", "2", "--eval-every", "1000000"]
    proc = program("train", *flags, "--steps", "100000000", "--checkpoint", tmp_path / "stopped.npz")
    wait_for_training(proc)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum and "Traceback" not in err
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert leftovers(tmp_path) == []
    k = load(tmp_path / "stopped.npz").step
    assert k > 0
    n = k + 7
    assert train([*flags, "--steps", n, "--checkpoint", tmp_path / "stopped.npz", "--resume"]) == 0
    assert train([*flags, "--steps", n, "--checkpoint", tmp_path / "straight.npz"]) == 0
    resumed, straight = load(tmp_path / "stopped.npz"), load(tmp_path / "straight.npz")
    assert resumed.step == straight.step == n
    assert np.array_equal(resumed.model.theta, straight.model.theta)
    assert np.array_equal(resumed.model.optimizer.mem, straight.model.optimizer.mem)
    assert np.array_equal(resumed.h, straight.h)


@POSIX
def test_a_second_ctrl_c_during_a_save_waits_for_the_rename(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"old")

    def write(f):
        f.write(b"new, ")
        signal.raise_signal(signal.SIGINT)  # arrives mid-write, in this thread
        f.write(b"and whole")
    # Python's Ctrl-C, as in a terminal: a job started in the background ignores SIGINT
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            write_atomically(path, write)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert path.read_bytes() == b"new, and whole" and leftovers(tmp_path) == []


@POSIX
def test_a_fatal_signal_during_a_save_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.npz"
    code = f"""if True:
        import os, signal
        from pathlib import Path
        from rnn.checkpoint import write_atomically
        def write(f):
            f.write(b"new, ")
            os.kill(os.getpid(), signal.SIGTERM)  # the default action: the process ends
            f.write(b"and whole")
        write_atomically(Path({str(path)!r}), write)
    """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGTERM
    assert path.read_bytes() == b"new, and whole" and leftovers(tmp_path) == []


def test_ctrl_c_while_loading_or_in_the_final_validation_is_one_line(tmp_path, corpus, capsys, monkeypatch):
    measure = rnn.train.measure

    def interrupted(*args, **kwargs):  # Ctrl-C in the final validation, the only one here
        signal.raise_signal(signal.SIGINT)
        return measure(*args, **kwargs)
    monkeypatch.setattr(rnn.train, "measure", interrupted)
    assert train([*SMALL, "--data", corpus, "--steps", "5", "--eval-every", "1000",
                  "--checkpoint", tmp_path / "run.npz"]) == 130
    assert "stopped by Ctrl-C at step 5" in error_line(capsys, "rnn-train")
    assert load(tmp_path / "run.npz").step == 5

    def interrupt(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr("rnn.cli.load", interrupt)
    assert sample_main(["--checkpoint", str(tmp_path / "run.npz")]) == 130
    assert "Traceback" not in capsys.readouterr().err


# 4. The last good checkpoint is good ---------------------------------------------------------------


@POSIX
def test_a_stop_signal_inside_the_progress_bars_lock_is_one_line(tmp_path, corpus, capsys, monkeypatch):
    """Between steps a stop signal raises where it lands: here, in the fifth line written above the bar,
    between the two locks tqdm takes in turn if it takes them."""
    from tqdm import tqdm
    from tqdm.std import TqdmDefaultWriteLock
    real_mode, real_acquire, writes, armed = tqdm.external_write_mode, TqdmDefaultWriteLock.acquire, [], []

    def acquire(self, *args, **kwargs):
        for lock in self.locks:
            lock.acquire(*args, **kwargs)
            if armed:  # one lock taken, the other not yet
                armed.clear()
                signal.raise_signal(signal.SIGINT)

    @contextlib.contextmanager
    def external_write_mode(file=None, nolock=False):
        writes.append(1)
        if len(writes) == 5:
            armed.append(1)
        with real_mode(file=file, nolock=nolock):
            if armed:  # no lock was taken: the signal lands in the write
                armed.clear()
                signal.raise_signal(signal.SIGINT)
            yield

    monkeypatch.setattr(TqdmDefaultWriteLock, "acquire", acquire)
    monkeypatch.setattr(tqdm, "external_write_mode", staticmethod(external_write_mode))
    path = tmp_path / "run.npz"
    code = train([*SMALL, "--data", corpus, "--steps", "300", "--eval-every", "1", "--checkpoint", path])
    assert code == 130 and "stopped by Ctrl-C" in error_line(capsys, "rnn-train")
    assert load(path).step > 0


def test_after_a_divergence_the_named_checkpoint_samples(tmp_path, corpus, capsys, monkeypatch):
    train_step = RNN.train_step

    def diverging(self, *args):  # the sixth step overflows, as too large a rate would
        loss, h = train_step(self, *args)
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == 6:
            self.Whh[0, 0] = np.inf
        return loss, h
    monkeypatch.setattr(RNN, "train_step", diverging)
    assert train([*SMALL, "--data", corpus, "--eval-every", "1", "--steps", "50",
                  "--checkpoint", tmp_path / "run.npz"]) == 1
    line = error_line(capsys, "rnn-train")
    assert "diverged at step 6" in line and "(step 5)" in line and "--learning-rate" in line
    named = line.split("the last good checkpoint is ")[1].split(" (step")[0]
    assert np.isfinite(load(named).model.theta).all()
    assert sample_main(["--checkpoint", named, "-n", "200", "--seed", "0"]) == 0
    assert capsys.readouterr().out.strip()  # not a page of newlines


def test_non_finite_weights_are_never_saved(tmp_path, trained):
    ckpt = load(trained)
    ckpt.model.Whh[0, 0] = np.inf
    with pytest.raises(CheckpointError, match="not finite"):
        save(tmp_path / "run.npz", ckpt)
    assert not (tmp_path / "run.npz").exists()


@pytest.mark.parametrize("damage, needle", [
    (lambda ckpt: setattr(ckpt, "model", object()), "cannot save a object: the model must be one of"),
    (lambda ckpt: ckpt.run.update(note=object()), "its run settings are not plain JSON"),
], ids=["not a model", "settings not JSON"])
def test_save_refuses_what_it_cannot_write_in_one_line(tmp_path, trained, damage, needle):
    ckpt = load(trained)
    damage(ckpt)
    with pytest.raises(CheckpointError, match=needle):
        save(tmp_path / "run.npz", ckpt)
    assert not (tmp_path / "run.npz").exists() and leftovers(tmp_path) == []


# 5. No traceback: a broken pipe ----------------------------------------------------------------------


@POSIX
def test_a_closed_pipe_ends_rnn_sample_quietly(trained):
    proc = program("sample", "--checkpoint", trained, "-n", "100000", "--num-samples", "5")
    assert len(proc.stdout.read(10)) == 10
    proc.stdout.close()  # what `| head -c 10` does
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 128 + signal.SIGPIPE and err == ""


@POSIX
def test_a_closed_pipe_does_not_stop_training(tmp_path, corpus):
    proc = program("train", *SMALL, "--data", corpus, "--steps", "200", "--eval-every", "10",
                   "--checkpoint", tmp_path / "run.npz")
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in err
    assert load(tmp_path / "run.npz").step == 200


# 6. Malformed checkpoints, and bounded loading -----------------------------------------------------


def rewrite(path, change):
    """Rewrite a checkpoint after change(arrays, settings) has damaged either."""
    arrays = dict(np.load(path, allow_pickle=False))
    original = arrays["config"]
    config = json.loads(str(original))
    change(arrays, config)
    if arrays["config"] is original:
        arrays["config"] = np.array(json.dumps(config))
    with open(path, "wb") as f:
        np.savez(f, **{k: v for k, v in arrays.items() if v is not None})


def setting(key, value):
    return lambda arrays, config: config.__setitem__(key, value)


def array(name, value):
    return lambda arrays, config: arrays.__setitem__(name, value)


def drop(key):
    return lambda arrays, config: config.pop(key)


MALFORMED = {
    "no step": (drop("step"), "step is None"),
    "no rng": (drop("rng"), "rng is None"),
    "no hidden_size": (drop("hidden_size"), "hidden_size is None"),
    "hidden_size as text": (setting("hidden_size", "16"), "hidden_size is '16'"),
    "hidden_size 2.5": (setting("hidden_size", 2.5), "hidden_size is 2.5"),
    "hidden_size 0": (setting("hidden_size", 0), "hidden_size must be a positive integer"),
    "hidden_size absurd": (setting("hidden_size", 10**7), "GiB of memory"),
    "vocab_size absurd": (setting("vocab_size", 10**9), "GiB of memory"),
    "learning_rate infinite": (setting("learning_rate", float("inf")), "learning_rate must be"),
    "negative step": (setting("step", -1), "negative step"),
    "unknown dtype": (setting("dtype", "float16"), "dtype must be"),
    "unknown optimizer": (setting("optimizer", "sgd"), "optimizer must be"),
    "damaged rng": (setting("rng", {"bit_generator": "PCG64", "state": 3}), "damaged settings"),
    "settings not a dict": (array("config", np.array("[1, 2]")), "not a clear-rnn checkpoint"),
    "settings not JSON": (array("config", np.array("{not json")), "not a readable checkpoint"),
    "settings too long": (array("config", np.array("x" * 200_000)), "not a clear-rnn checkpoint"),
    "settings as numbers": (array("config", np.zeros(3)), "not a clear-rnn checkpoint"),
    "no Whh": (array("Whh", None), "Whh is missing"),
    "no vocabulary": (array("vocab", None), "vocab is missing"),
    "no optimizer memory": (array("optimizer.mem", None), "optimizer.mem is missing"),
    "Whh of the wrong shape": (array("Whh", np.zeros((3, 3))), "Whh should have shape (16, 16)"),
    "Whh of the wrong dtype": (array("Whh", np.zeros((16, 16), np.float32)), "Whh should have shape"),
    "Whh as text": (array("Whh", np.full((16, 16), "x")), "Whh should have shape"),
    "h of one dimension": (array("h", np.zeros(16)), "h should have shape (16, B)"),
    "vocabulary of the wrong length": (array("vocab", np.full(1, 65, np.int32)), "vocab should have shape"),
    "Whh infinite": (lambda a, c: a["Whh"].__setitem__((0, 0), np.inf), "not finite"),
    "h not a number": (lambda a, c: a["h"].__setitem__((0, 0), np.nan), "not finite"),
    "by of 1e200": (lambda a, c: a["by"].__setitem__((0, 0), 1e200), "not finite"),
    "model as a list": (setting("model", ["rnn"]), "not a clear-rnn checkpoint"),
}


@pytest.mark.parametrize("damage, needle", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_checkpoints_get_a_one_line_error(tmp_path, trained, capsys, damage, needle):
    path = tmp_path / "run.npz"
    path.write_bytes(trained.read_bytes())
    rewrite(path, damage)
    assert sample_main(["--checkpoint", str(path)]) == 1
    line = error_line(capsys, "rnn-sample")
    assert needle in line, line


def test_vocabularies_of_non_characters_are_refused(tmp_path, trained, capsys):
    for codes in ([-1], [0xD800], [0x110000]):
        path = tmp_path / "run.npz"
        path.write_bytes(trained.read_bytes())
        vocab = np.load(trained)["vocab"].copy()
        vocab[: len(codes)] = codes
        rewrite(path, array("vocab", vocab))
        assert sample_main(["--checkpoint", str(path)]) == 1
        assert "not characters" in error_line(capsys, "rnn-sample")


def npy_header(shape, dtype="<f8"):
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


@pytest.mark.parametrize("bomb", ["declared", "padded", "extra member"])
def test_a_zip_bomb_is_refused_without_reading_it(tmp_path, trained, capsys, bomb):
    """A few hundred kilobytes that inflate to 200 MB: loading reads what the settings imply, no more."""
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(trained) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            if not (name == "Whh.npy" and bomb != "extra member"):
                z.writestr(name, src.read(name))
        name = "Whh.npy" if bomb != "extra member" else "bomb.npy"
        shape = (5000, 5000) if bomb == "declared" else (16, 16)
        with z.open(name, "w", force_zip64=True) as f:
            f.write(npy_header(shape))
            zeros = bytes(1 << 20)
            for _ in range(200):
                f.write(zeros)
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    start = time.perf_counter()
    code = sample_main(["--checkpoint", str(path), "-n", "10"])
    seconds, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 5 and peak < 20_000_000
    if bomb == "declared":
        assert code == 1 and "Whh should have shape (16, 16)" in error_line(capsys, "rnn-sample")
    else:
        assert code == 0  # the bytes past what the header promises, and unknown members, are never read


@pytest.mark.parametrize("text", [b"{'descr': '<f8', 'fortran_order': False, 'shape': (16, 16), }  {",
                                  b"{'descr': '<f8', 'shape': (16, 16) 'fortran_order': False}"],
                         ids=["a brace left open", "a comma missing"])
def test_a_npy_header_that_is_not_a_dictionary_is_one_line(tmp_path, trained, capsys, text):
    """NumPy parses a header as Python; a damaged one raises a SyntaxError or a TokenError there."""
    path = tmp_path / "damaged.npz"
    text += b" " * (63 - (len(text) + 10) % 64) + b"\n"
    with zipfile.ZipFile(trained) as src, zipfile.ZipFile(path, "w") as z:
        for name in src.namelist():
            z.writestr(name, src.read(name) if name != "Whh.npy" else
                       b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + bytes(16 * 16 * 8))
    assert sample_main(["--checkpoint", str(path), "-n", "10"]) == 1
    assert "not a readable checkpoint (ValueError)" in error_line(capsys, "rnn-sample")


@pytest.mark.parametrize("damage", ["empty", "not a zip", "truncated", "a folder", "npy version 9"])
def test_unreadable_checkpoints_get_a_one_line_error(tmp_path, trained, capsys, damage):
    path = tmp_path / "run.npz"
    raw = trained.read_bytes()
    if damage == "a folder":
        path.mkdir()
    elif damage == "npy version 9":
        with zipfile.ZipFile(trained) as src, zipfile.ZipFile(path, "w") as z:
            for name in src.namelist():
                data = src.read(name)
                z.writestr(name, data[:6] + b"\x09\x00" + data[8:] if name == "Whh.npy" else data)
    else:
        path.write_bytes({"empty": b"", "not a zip": b"PK\x03\x04 not really",
                          "truncated": raw[: len(raw) * 2 // 3]}[damage])
    assert sample_main(["--checkpoint", str(path)]) == 1
    line = error_line(capsys, "rnn-sample")
    assert "not a readable checkpoint" in line or "no such checkpoint" in line, line


# 7. The Python API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("argument, value", [
    ("hidden_size", 2.5), ("hidden_size", "100"), ("seq_length", True), ("vocab_size", 0),
    ("learning_rate", float("inf")), ("learning_rate", float("nan")), ("clip", float("inf")),
    ("init_scale", -1.0), ("init_scale", float("nan")),
])
def test_the_python_api_names_the_argument_it_refuses(argument, value):
    kwargs = {"vocab_size": 10, argument: value}
    with pytest.raises(ValueError, match=f"^{argument} must be"):
        RNN(**kwargs)

def test_the_vocabulary_refuses_indices_it_does_not_hold():
    vocab = Vocab("abc")
    assert vocab.decode([0, 2, 1]) == "acb"
    for bad, needle in [([-1], "from 0 to 2, not -1"), ([3], "from 0 to 2, not 3"), ([0.5], "integers")]:
        with pytest.raises(ValueError, match=f"^ixes must be .*{needle}"):
            vocab.decode(bad)


def test_a_nan_state_is_refused_before_it_reaches_a_weight():
    model = RNN(5, 4, 3, seed=0)
    before = model.theta.copy()
    h = np.zeros((4, 1))
    h[2, 0] = np.nan
    with pytest.raises(ValueError, match="^hprev must be finite"):
        model.train_step([0, 1, 2], [1, 2, 3], h)
    assert np.array_equal(model.theta, before)


def test_the_api_samples_greedily_near_zero_temperature():
    model = RNN(5, 4, 3, seed=0)
    greedy = model.sample(None, 0, 20, temperature=0)
    assert model.sample(None, 0, 20, temperature=1e-50) == greedy


# 8. One program per run ------------------------------------------------------------------------------


@contextlib.contextmanager
def a_first_run(path, corpus, eval_every):
    """rnn-train on path in the background for the block, then stopped by SIGTERM."""
    first = program("train", *SMALL, "--data", corpus, "--steps", "100000000",
                    "--eval-every", str(eval_every), "--checkpoint", path)
    try:
        yield first
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)


@POSIX
def test_a_second_run_on_the_same_checkpoint_refuses_at_once_naming_the_first(tmp_path, corpus, capsys):
    path = tmp_path / "run.npz"
    with a_first_run(path, corpus, eval_every=1000000) as first:
        wait_for_training(first)
        assert train([*SMALL, "--data", corpus, "--steps", "5", "--checkpoint", path, "--overwrite"]) == 1
        assert f"{path} is in use by rnn-train (process {first.pid} on " in error_line(capsys, "rnn-train")
    assert first.returncode == 128 + signal.SIGTERM
    k = load(path).step  # the first run's, saved as it stopped: the second wrote nothing
    assert k > 0 and not path.with_suffix(".jsonl").exists()
    assert train([*SMALL, "--data", corpus, "--steps", k + 5, "--checkpoint", path, "--resume"]) == 0
    assert load(path).step == k + 5  # the lock went with the first process


@POSIX
def test_a_second_run_is_told_the_path_is_in_use_not_that_it_could_be_resumed(tmp_path, corpus, capsys):
    path = tmp_path / "run.npz"
    with a_first_run(path, corpus, eval_every=5) as first:
        deadline = time.monotonic() + 60
        while not path.exists() and time.monotonic() < deadline:  # the first run has saved
            time.sleep(0.1)
        assert train([*SMALL, "--data", corpus, "--steps", "5", "--checkpoint", path]) == 1
        assert f"{path} is in use by rnn-train (process {first.pid} on " in error_line(capsys, "rnn-train")


def test_overwrite_replaces_a_runs_files_never_a_file_of_another_kind(tmp_path, trained, corpus, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("a week of notes\n")
    assert train([*SMALL, "--data", corpus, "--steps", "5", "--checkpoint", notes, "--overwrite"]) == 1
    assert "notes.txt is not a clear-rnn checkpoint or log" in error_line(capsys, "rnn-train")
    assert notes.read_text() == "a week of notes\n"
    path = tmp_path / "run.npz"
    path.write_bytes(trained.read_bytes())
    path.with_suffix(".jsonl").write_text('{"step": 10}\n')
    assert train([*SMALL, "--data", corpus, "--steps", "5", "--checkpoint", path, "--overwrite"]) == 0
    assert load(path).step == 5


# 9. Every stream and every file --------------------------------------------------------------------------


@POSIX
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_full_output_ends_in_one_line_and_exit_74_and_loses_no_training(tmp_path, corpus, stream):
    code = "import sys; from rnn.cli import train_main; sys.exit(train_main())"
    argv = [*SMALL, "--data", corpus, "--steps", "30", "--eval-every", "10", "--checkpoint", tmp_path / "run.npz"]
    other = "stderr" if stream == "stdout" else "stdout"
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-c", code, *map(str, argv)], text=True, timeout=120,
                              **{stream: full, other: subprocess.PIPE})
    said = getattr(proc, other)
    lines = [line for line in said.splitlines() if line.startswith("rnn-train: ")]
    name = "output" if stream == "stdout" else "error output"
    assert proc.returncode == 74 and "Traceback" not in said and "Exception" not in said, said
    assert lines == [f"rnn-train: error: the {name} failed (No space left on device); the run's files are "
                     "whole"]
    assert load(tmp_path / "run.npz").step == 30


@POSIX
@pytest.mark.parametrize("fd", [1, 2])
def test_a_closed_standard_stream_is_said_on_the_other_and_exits_74(tmp_path, corpus, fd):
    code = "import sys; from rnn.cli import train_main; sys.exit(train_main())"
    argv = [*SMALL, "--data", corpus, "--steps", "20", "--eval-every", "10", "--checkpoint", tmp_path / "run.npz"]
    proc = subprocess.run([sys.executable, "-c", code, *map(str, argv)], capture_output=True, text=True,
                          timeout=120, preexec_fn=lambda: os.close(fd))
    said = proc.stderr if fd == 1 else proc.stdout
    assert proc.returncode == 74 and "Traceback" not in said
    name = "output" if fd == 1 else "error output"
    assert f"rnn-train: error: the {name} failed (it was closed); the run's files are whole" in said
    assert load(tmp_path / "run.npz").step == 20


@POSIX
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("program_name", ["train", "sample"])
def test_help_into_a_full_output_is_not_a_silent_success(program_name):
    code = f"import sys; from rnn.cli import {program_name}_main; sys.exit({program_name}_main())"
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-c", code, "--help"], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    assert proc.returncode == 74 and "Traceback" not in proc.stderr, proc.stderr
    assert f"rnn-{program_name}: error: the output failed (No space left on device)" in proc.stderr


def fifo(path):
    os.mkfifo(path)
    return path


@POSIX
@pytest.mark.parametrize("which", ["run.npz", "run.best.npz", "run.jsonl", "run.lock"])
@pytest.mark.parametrize("thing", ["a FIFO", "a directory"])
def test_run_files_must_be_regular_files_refused_before_training(tmp_path, corpus, capsys, which, thing):
    target = tmp_path / which
    fifo(target) if thing == "a FIFO" else target.mkdir()
    assert train([*SMALL, "--data", corpus, "--steps", "5", "--checkpoint", tmp_path / "run.npz",
                  "--overwrite"]) == 1
    assert f"{target} is {thing}, not a regular file" in error_line(capsys, "rnn-train")
    assert sorted(p.name for p in tmp_path.iterdir()) == [which]  # nothing written, nothing deleted


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("make, needle", [
    (lambda d: fifo(d / "text.fifo"), "not a regular file"),
    (lambda d: d, "not a regular file"),
    (lambda d: write(d / "spaces.txt", b" " * 100_000), "holds only whitespace"),
], ids=["a FIFO", "a directory", "only spaces"])
def test_the_corpus_must_be_a_regular_file_of_text(tmp_path, capsys, make, needle):
    assert train([*SMALL, "--data", make(tmp_path), "--checkpoint", tmp_path / "c.npz"]) == 1
    assert needle in error_line(capsys, "rnn-train")
    assert not (tmp_path / "c.npz").exists()


def write(path, content):
    path.write_bytes(content)
    return path


def test_the_corpus_size_is_checked_before_a_byte_is_read(tmp_path, monkeypatch):
    from rnn.data import DataError, read_text
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(3 * 2**30)  # sparse: 3 GiB on paper, nothing on disk
    reads = []
    real_open = open

    def watched(path, *args, **kwargs):
        reads.append(path)
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr("builtins.open", watched)
    with pytest.raises(DataError, match="3,221,225,472 bytes, more than"):
        read_text(big)
    assert reads == []


# 10. Stopped means stopped -------------------------------------------------------------------------------


def stop_after(proc, ready):
    """Send SIGTERM once ready(stderr so far) holds; the seconds the process took to end."""
    seen, deadline = "", time.monotonic() + 120
    while time.monotonic() < deadline and not ready(seen):
        seen += proc.stderr.read(1) or ""
    proc.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    proc.wait(timeout=60)
    return time.monotonic() - sent


def blocked_writing(pid):
    """True once the process sleeps in a write to a full pipe (Linux says so in /proc)."""
    wchan = Path(f"/proc/{pid}/wchan")
    if not wchan.exists():
        time.sleep(5)
        return True
    deadline = time.monotonic() + 60
    while "pipe_write" not in wchan.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # pipe_write, or anon_pipe_write on newer kernels
    return True


BIG = ["--data", ROOT / "data" / "linux_man.txt", "--hidden-size", "1024", "--preset", "min-char-rnn"]


@POSIX
@pytest.mark.parametrize("where", ["a long sample", "the final validation", "a blocked write"])
def test_one_sigterm_ends_the_program_within_a_second(tmp_path, trained, corpus, where):
    path = tmp_path / "run.npz"
    if where == "a long sample":  # ten million characters, one at a time: minutes
        proc = program("sample", "--checkpoint", trained, "-n", "10000000", announce=True)
        seconds = stop_after(proc, lambda seen: "ready" in seen and not time.sleep(2))
    elif where == "the final validation":  # 500,000 held-out characters through H = 1024: many seconds
        proc = program("train", *BIG, "--steps", "1", "--eval-every", "1000", "--checkpoint", path)
        seconds = stop_after(proc, lambda seen: "100%" in seen)
    else:  # each step writes a long sample into a pipe nobody reads: the write blocks
        proc = program("train", *SMALL, "--data", corpus, "--steps", "1000000", "--sample-every", "1",
                       "--sample-chars", "100000", "--checkpoint", path)
        seconds = stop_after(proc, lambda seen: blocked_writing(proc.pid))
    err = proc.stderr.read()
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err, err
    assert seconds < 2.0, f"{seconds:.2f} s"  # a second, and one more for a machine shared with other jobs
    if where != "a long sample":
        assert load(path).step >= 1  # a step was taken: saved first


# 11. Round trips, over generated checkpoints ---------------------------------------------------------


@st.composite
def checkpoints(draw):
    """Any checkpoint save accepts: a cell, sizes, a vocabulary, a dtype, an optimizer, a state."""
    cls = draw(st.sampled_from([RNN, LSTM, GRU]))
    chars = draw(st.sets(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12))
    H, T, B = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    model = cls(len(chars), H, T, dtype=draw(st.sampled_from(["float32", "float64"])),
                optimizer=draw(st.sampled_from(list(OPTIMIZERS))), seed=draw(st.integers(0, 2**32)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32)))
    model.theta[...] = rng.normal(size=model.theta.shape)
    for value in state(model.optimizer).values():
        value[...] = rng.random(value.shape)
    h = rng.normal(size=(model.state_rows * H, B)).astype(model.dtype)
    numbers = st.floats(0, 1e6)
    return Checkpoint(model, Vocab("".join(chars)), h, draw(st.integers(0, 2**53)),
                      draw(st.integers(0, 2**53)), draw(st.one_of(numbers, st.just(math.inf))),
                      draw(numbers), draw(numbers), {"steps": draw(st.integers(1, 10**9))})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ckpt=checkpoints())
def test_anything_save_accepts_load_reads_back_identically(tmp_path, ckpt):
    save(tmp_path / "c.npz", ckpt)
    back = load(tmp_path / "c.npz")
    assert type(back.model) is type(ckpt.model) and model_settings(back.model) == model_settings(ckpt.model)
    assert back.model.theta.tobytes() == ckpt.model.theta.tobytes()
    for name, value in state(ckpt.model.optimizer).items():
        assert state(back.model.optimizer)[name].tobytes() == value.tobytes()
    assert back.h.tobytes() == ckpt.h.tobytes() and back.h.shape == ckpt.h.shape
    assert back.vocab.chars == ckpt.vocab.chars
    assert back.model.rng.bit_generator.state == ckpt.model.rng.bit_generator.state
    assert (back.step, back.position, back.best_val_bpc, back.smooth_loss, back.seconds, back.run) == \
        (ckpt.step, ckpt.position, ckpt.best_val_bpc, ckpt.smooth_loss, ckpt.seconds, ckpt.run)


def test_a_subclass_of_a_cell_saves_as_its_cell(tmp_path, trained):
    class Mine(RNN):
        pass
    ckpt = load(trained)
    mine = Mine(ckpt.model.vocab_size, ckpt.model.hidden_size, ckpt.model.seq_length)
    mine.theta[...] = ckpt.model.theta
    save(tmp_path / "mine.npz", Checkpoint(mine, ckpt.vocab, ckpt.h))
    assert np.array_equal(load(tmp_path / "mine.npz").model.theta, ckpt.model.theta)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.one_of(st.none(), st.floats(0, 1)))
def test_anything_load_refuses_it_refuses_in_one_line(tmp_path, trained, edits, cut):
    raw = bytearray(trained.read_bytes())
    for where, byte in edits:
        raw[int(where * (len(raw) - 1))] = byte
    if cut is not None:
        raw = raw[:int(cut * len(raw))]
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(raw))
    try:
        load(path)
    except CheckpointError as error:
        assert "\n" not in str(error) and str(error).startswith(str(path))



def test_on_windows_a_second_run_is_refused_naming_the_first_and_the_lock_goes_with_it(tmp_path, monkeypatch):
    """The lock's Windows path (no fcntl: msvcrt.locking), on any system: a fake msvcrt whose
    locking does what the C runtime's _locking does (a byte range from the handle's current position,
    which it does not move; EACCES while another handle holds any of it; released when the handle
    closes), and no os.pread, which Windows lacks."""
    import rnn.cli as cli

    held = {}  # (file, byte) -> the descriptor holding it
    real_close = os.close

    class Msvcrt:
        LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = range(5)

        @staticmethod
        def locking(fd, mode, nbytes):
            st, start = os.fstat(fd), os.lseek(fd, 0, os.SEEK_CUR)
            region = [((st.st_dev, st.st_ino), start + i) for i in range(nbytes)]
            if any(byte in held for byte in region):  # overlapping regions are refused, whoever holds them
                raise OSError(errno.EACCES, "Permission denied")
            held.update(dict.fromkeys(region, fd))

    def close(fd):  # Windows releases a handle's locks when it closes
        for byte in [byte for byte, holder in held.items() if holder == fd]:
            del held[byte]
        real_close(fd)

    monkeypatch.setattr(cli, "fcntl", None)
    monkeypatch.setattr(cli, "msvcrt", Msvcrt, raising=False)
    monkeypatch.delattr(os, "pread", raising=False)
    monkeypatch.setattr(os, "close", close)
    path = tmp_path / "run.npz"
    first = cli.lock(path)
    with pytest.raises(CheckpointError) as refused:
        cli.lock(path)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"{path} is in use by ")
    assert message.endswith("choose another --checkpoint") and held  # the first still holds it
    os.close(first)  # the first run ends
    assert not held
    os.close(cli.lock(path))  # and the next run gets the lock
    assert f"rnn-train (process {os.getpid()} on " in message  # the refusal names the first holder


@pytest.mark.parametrize("program, prog", [("train_main", "rnn-train"), ("sample_main", "rnn-sample")])
def test_ctrl_c_while_python_imports_numpy_is_one_line(program, prog):
    """The console scripts start in rnn.start: a Ctrl-C that lands in NumPy's import (the first
    fraction of a second) ends the program in one line with 130, not with a traceback."""
    code = f"""if True:
        import builtins, sys
        real_import = builtins.__import__
        def ctrl_c_in_numpy(name, *args, **kwargs):
            if name == "numpy":
                raise KeyboardInterrupt
            return real_import(name, *args, **kwargs)
        builtins.__import__ = ctrl_c_in_numpy
        from rnn.start import {program}
        sys.exit({program}([]))
    """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == f"{prog}: interrupted while starting; nothing was written\n"
